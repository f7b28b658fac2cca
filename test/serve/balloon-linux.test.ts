/**
 * The memory balloon under Linux (samples/linux, CONFIG_VIRTIO_BALLOON): a daemon VM created
 * with --balloon; `vm balloon NAME 32M` inflates it, and the guest's MemTotal in /proc/meminfo
 * drops by 32 MiB (virtio_balloon.c takes inflated pages out of the managed pages when
 * DEFLATE_ON_OOM is not negotiated, as under QEMU's default -device virtio-balloon), the VM's
 * committed host memory drops, and `vm info --json` carries the guest's own statistics under
 * libvirt's names (available = the guest's MemTotal). The ballooned guest then migrates live
 * to another VM (vm create --incoming): the balloon comes along (MemTotal and the committed
 * memory stay down there), and deflating it there brings MemTotal back.
 */
import { strict as assert } from 'node:assert';
import { haveLinuxSample, LINUX_PROMPT as PROMPT } from '../guests/linux-cli-boot';
import { consoleText, createLinuxVm, startTestDaemon, TestDaemon, until } from './daemon-harness';

const MIB_KB = 1024;

type Balloon = { targetBytes: number; actualBytes: number; committedBytes: number; guest: Record<string, number> };

describe('the memory balloon under Linux', function () {
  this.timeout(300_000);
  let d: TestDaemon | undefined;
  before(function () {
    if (!haveLinuxSample()) this.skip();
  });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0);
  });

  it('inflating takes 32 MiB off the guest\'s MemTotal and off the committed host memory; deflating gives MemTotal back', async () => {
    d = await startTestDaemon();
    const daemon = d;
    await createLinuxVm(daemon, 'lx', '--balloon');
    let vm = 'lx';
    const balloon = async () => (await daemon.client.call<{ balloon: Balloon }>('GET', `/v1/vms/${vm}`)).balloon;
    /** Types a command and resolves to its output once the prompt is back. */
    const run = async (command: string): Promise<string> => {
      const mark = (await consoleText(daemon, vm)).length;
      await daemon.client.call('POST', `/v1/vms/${vm}/console`, new TextEncoder().encode(command + '\n'));
      return until(`'${command}'`, async () => {
        const out = (await consoleText(daemon, vm)).slice(mark);
        return out.includes('\n') && PROMPT.test(out) ? out : undefined;
      });
    };
    const memTotal = async () => Number(/^MemTotal:\s+(\d+) kB/m.exec(await run('grep MemTotal /proc/meminfo'))![1]);

    // Touch 48 MiB and free it again, so the pages the balloon takes are backed by host memory.
    await run('dd if=/dev/zero of=/tmp/fill bs=1M count=48 2>/dev/null; rm /tmp/fill');
    const total0 = await memTotal();
    const before = await balloon();
    assert.ok(before.committedBytes > 48 << 20, `48 MiB touched: ${before.committedBytes}`);
    // The guest's statistics arrive once a second of guest time; available is its MemTotal.
    await until('the guest statistics', async () => ((await balloon()).guest.available === total0 ? true : undefined));

    const r = daemon.vm('balloon', 'lx', '32M');
    assert.equal(r.status, 0, r.stderr);
    const inflated = await until('the balloon to reach 32 MiB', async () => { const b = await balloon(); return b.actualBytes === 32 << 20 ? b : undefined; });
    assert.equal(await memTotal(), total0 - 32 * MIB_KB, 'MemTotal drops by the inflated size');
    assert.ok(inflated.committedBytes <= before.committedBytes - (16 << 20), `committed host memory drops: ${before.committedBytes} -> ${inflated.committedBytes}`);
    const stats = await until('new guest statistics', async () => { const b = await balloon(); return b.guest.available === total0 - 32 * MIB_KB ? b : undefined; });
    for (const name of ['unused', 'available', 'usable', 'disk_caches', 'actual', 'rss']) assert.equal(typeof stats.guest[name], 'number', `guest stat ${name}`);
    assert.equal(stats.guest.actual, 96 * MIB_KB, "libvirt's actual: the guest's memory with the balloon taken off (KiB)");

    // Live migration of the ballooned guest: the balloon's pages stay given up on the destination.
    const c = daemon.vm('create', 'moved', '--incoming', '127.0.0.1:0');
    assert.equal(c.status, 0, c.stderr);
    const port = /127\.0\.0\.1:(\d+)/.exec(c.stdout)![1];
    const m = daemon.vm('migrate', 'lx', `127.0.0.1:${port}`);
    assert.equal(m.status, 0, m.stderr);
    vm = 'moved';
    const there = await balloon();
    assert.equal(there.actualBytes, 32 << 20);
    assert.equal(there.targetBytes, 32 << 20);
    assert.ok(there.committedBytes <= inflated.committedBytes + (1 << 20), `no more host memory committed after the move: ${inflated.committedBytes} -> ${there.committedBytes}`);
    assert.equal(await memTotal(), total0 - 32 * MIB_KB, 'MemTotal is still down after the move');

    assert.equal(daemon.vm('balloon', vm, '0').status, 0);
    await until('the balloon to deflate', async () => ((await balloon()).actualBytes === 0 ? true : undefined));
    assert.equal(await memTotal(), total0, 'deflating gives MemTotal back');
  });
});
