/**
 * The state of a daemon VM whose vCPUs run on host threads (`vm create --threads N`): a
 * snapshot, a restore, the dirty log and a migration see every vCPU's state as of the instant
 * the threads parked, and the VM runs on on its threads afterwards. The parallel sample
 * (samples/parallel, "rounds=1000") checks it: every hart computes the same checksum through
 * about 3 billion instructions of register-heavy kernels, so a vCPU resumed from a stale state
 * prints another number; the expected output is qemu-system-riscv64 7.2's (-smp 2 -append
 * rounds=1000). The run is that long so that it is still running, by about a second on 2
 * threads, when the snapshot is asked for: with 30 rounds (about 50 ms on 2 threads once
 * translated) the guest ended first now and then. The ticker guest (test/guests/reproducers/src/ticker.S) stores into 64 pages per
 * tick and counts ticks in a register: a migration must go on with the next tick.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { comparable, ROOT } from '../guests/guest-runner';
import { consoleText, GUESTS, startTestDaemon, TestDaemon, ticks, until, assertConsecutive } from './daemon-harness';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, scopeValues, stopped } from '../dap/dap-helpers';

const PARALLEL = path.join(ROOT, 'samples/parallel/parallel.elf');
const TICKER = path.join(GUESTS, 'ticker.elf');
/** qemu-system-riscv64 -M virt -smp 2 -bios fw_jump.bin -kernel parallel.elf -append rounds=1000 (OpenSBI's banner removed). */
const QEMU_PARALLEL_1000 = [
  'parallel: 2 harts x 1000 rounds of sieve(32768), crc32(4096 bytes), matmul(24x24), sort(384)',
  'hart 0: checksum 0x7573b2a542809c6a',
  'hart 1: checksum 0x7573b2a542809c6a',
  'parallel: every hart computed the same checksum',
];
const RESTORED = '[hyperscope: VM restored from';
/** spin.S's counter word (riscv64-unknown-elf-nm build/spin.elf: `ticks` at 0x80200048); s0 counts the same calls. */
const SPIN_TICKS = '0x80200048';

type Info = { state: string; reason?: string; instructions: number };

/** Console lines without the firmware's and the empty ones. */
function lines(text: string): string[] {
  return comparable(text).split('\n').filter((l) => l.trim() !== '');
}

describe('hyperscope serve: the state of a VM on vCPU threads (snapshot, restore, dirty log, migrate)', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let dir: string;
  const info = (name: string) => d.client.call<Info>('GET', `/v1/vms/${name}`);
  const ended = (name: string) => until(`${name} to power off`, async () => { const v = await info(name); return v.state !== 'running' && v.state !== 'paused' ? v : undefined; });

  before(async () => {
    d = await startTestDaemon();
    dir = mkdtempSync(path.join(tmpdir(), 'hyperscope-threads-state-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (d) assert.equal(await d.stop(), 0);
  });

  it('snapshots a running 2-vCPU VM on 2 threads mid-computation; it runs on, and the restored VM ends as QEMU does', async () => {
    const r = d.vm('create', 'par', PARALLEL, '--vcpus', '2', '--threads', '2', '--memory', '64M', '--append', 'rounds=1000');
    assert.equal(r.status, 0, r.stderr);
    // Both harts compute from about 3 million instructions on (the header is printed then).
    await until('both harts to compute', async () => ((await info('par')).instructions > 8_000_000 ? true : undefined));
    const file = path.join(dir, 'par.snap');
    const { instructions: at } = await d.client.call<{ instructions: number }>('POST', '/v1/vms/par/snapshot', { file });
    const end = await ended('par');
    assert.equal(end.state, 'shut off', end.reason);
    assert.ok(at < end.instructions, `the snapshot (${at} instructions) was taken before the end (${end.instructions})`);
    assert.deepEqual(lines(await consoleText(d, 'par')), QEMU_PARALLEL_1000, 'the VM ran on after its snapshot as without it');

    const back = d.vm('restore', 'par', file);
    assert.equal(back.status, 0, back.stderr);
    await ended('par');
    const after = (await consoleText(d, 'par')).split(RESTORED)[1];
    assert.ok(after !== undefined, 'the console marks the restore');
    assert.deepEqual(lines(after.replace(/^[^\n]*\n/, '')), QEMU_PARALLEL_1000.slice(1), 'the restored VM finishes the computation with the same checksums');
    const stats = JSON.parse(d.vm('stats', 'par', '--json').stdout) as { threads?: { threads: unknown[] } };
    assert.equal(stats.threads?.threads.length, 2, 'the restored VM ran on 2 vCPU threads');
    assert.equal(d.vm('destroy', 'par').status, 0);
  });

  it('logs the pages a VM on threads writes, round after round (each fetch write-protects them on every thread)', async () => {
    assert.equal(d.vm('create', 'dl', TICKER, '--vcpus', '2', '--threads', '2').status, 0);
    await until('a tick', async () => (ticks(await consoleText(d, 'dl')).length >= 1 ? true : undefined));
    assert.equal(d.vm('dirty-log', 'dl', 'start').stdout, 'dl: dirty log on\n');
    for (let round = 0; round < 3; round++) {
      const seen = ticks(await consoleText(d, 'dl')).length;
      await until('two more ticks', async () => (ticks(await consoleText(d, 'dl')).length >= seen + 2 ? true : undefined));
      const r = d.vm('dirty-log', 'dl', 'fetch', '--json');
      assert.equal(r.status, 0, r.stderr);
      const log = JSON.parse(r.stdout) as { ranges: [number, number][] };
      // ticker.S stores into the first word of each of 64 consecutive pages per tick.
      assert.ok(log.ranges.some(([, n]) => n >= 64), `round ${round}: ${JSON.stringify(log.ranges)}`);
    }
    assert.equal(d.vm('dirty-log', 'dl', 'stop').status, 0);
    assert.equal((await info('dl')).state, 'running');
    assert.equal(d.vm('destroy', 'dl').status, 0);
  });

  it('migrates a running VM on 2 threads to another daemon, on 2 threads there too: its counter goes on without gap or repeat', async () => {
    const dst = await startTestDaemon();
    try {
      assert.equal(d.vm('create', 'mt', TICKER, '--vcpus', '2', '--threads', '2').status, 0);
      await until('a few ticks', async () => (ticks(await consoleText(d, 'mt')).length >= 3 ? true : undefined));
      const c = dst.vm('create', 'in', '--incoming', '127.0.0.1:0', '--threads', '2');
      assert.equal(c.status, 0, c.stderr);
      const port = /127\.0\.0\.1:(\d+)/.exec(c.stdout)![1];
      const m = d.vm('migrate', 'mt', `127.0.0.1:${port}`);
      assert.equal(m.status, 0, m.stderr);
      await until('the source to end', async () => ((await info('mt')).state === 'shut off' ? true : undefined));
      const source = await consoleText(d, 'mt');
      const sent = ticks(source).length;
      // A line may be cut between the two: the source's output followed by the destination's.
      const all = await until('the destination to print 3 ticks', async () => { const t = ticks(source + await consoleText(dst, 'in')); return t.length >= sent + 3 ? t : undefined; });
      assertConsecutive(all, 0, 'the source, then the destination');
      const threadsOf = async (daemon: TestDaemon, name: string) => (await daemon.client.call<{ threads?: { threads: unknown[] } }>('GET', `/v1/vms/${name}/stats`)).threads?.threads.length;
      assert.equal(await threadsOf(dst, 'in'), 2, 'the destination runs the vCPUs on 2 threads');
      assert.equal(d.vm('destroy', 'mt').status, 0);
    } finally {
      await dst.stop();
    }
  });

  it('a VM paused before its migration arrives paused (as libvirt keeps a paused domain paused) and runs on once resumed', async () => {
    assert.equal(d.vm('create', 'mp', TICKER, '--vcpus', '2', '--threads', '2').status, 0);
    await until('a few ticks', async () => (ticks(await consoleText(d, 'mp')).length >= 3 ? true : undefined));
    assert.equal(d.vm('pause', 'mp').status, 0);
    const c = d.vm('create', 'mq', '--incoming', '127.0.0.1:0');
    const port = /127\.0\.0\.1:(\d+)/.exec(c.stdout)![1];
    const m = d.vm('migrate', 'mp', `127.0.0.1:${port}`);
    assert.equal(m.status, 0, m.stderr);
    const arrived = await d.client.call<Info>('GET', '/v1/vms/mq');
    assert.equal(arrived.state, 'paused', arrived.reason);
    assert.equal(arrived.reason, 'migrated (paused at the source)');
    const frozen = arrived.instructions;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await info('mq')).instructions, frozen, 'it retires no instruction until resumed');
    assert.equal(await consoleText(d, 'mq'), '', 'nothing printed while paused');
    assert.equal(d.vm('resume', 'mq').stdout, 'mq: running\n');
    const source = await consoleText(d, 'mp');
    const sent = ticks(source).length;
    const all = await until('mq to print 2 ticks', async () => { const t = ticks(source + await consoleText(d, 'mq')); return t.length >= sent + 2 ? t : undefined; });
    assertConsecutive(all, 0, 'the source, then the destination');
    for (const name of ['mp', 'mq']) assert.equal(d.vm('destroy', name).status, 0);
  });

  it('a debugger attached to a running VM on threads sees every vCPU where its thread left it (s0 and the memory it wrote agree)', async () => {
    assert.equal(d.vm('create', 'sp', path.join(GUESTS, 'spin.elf'), '--vcpus', '2', '--threads', '2', '--memory', '16M').status, 0);
    await until('spin to run a while', async () => ((await info('sp')).instructions > 5_000_000 ? true : undefined));
    const dc = new DebugClient('node', ADAPTER, 'hyperscope');
    dc.defaultTimeout = 20_000;
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'hyperscope', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest({ vm: 'sp', host: d.host } as DebugProtocol.AttachRequestArguments)]);
      await dc.configurationDoneRequest();
      await Promise.all([dc.pauseRequest({ threadId: 1 }), stopped(dc)]);
      const s0 = BigInt((await scopeValues(dc, 'Registers')).get('s0')!.value.split(' ')[0]);
      const mem = await dc.customRequest('readMemory', { memoryReference: SPIN_TICKS, count: 8 }) as DebugProtocol.ReadMemoryResponse;
      const ticks = Buffer.from(mem.body!.data!, 'base64').readBigUInt64LE(0);
      // tick: addi s0, s0, 1 then sd s0, ticks: the register is the word or one ahead of it.
      assert.ok(ticks > 1000n && (s0 === ticks || s0 === ticks + 1n), `s0 ${s0}, ticks ${ticks}`);
      await dc.disconnectRequest({ terminateDebuggee: false });
    } finally {
      await dc.stop();
    }
    assert.equal(d.vm('destroy', 'sp').status, 0);
  });
});
