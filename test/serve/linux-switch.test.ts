/**
 * Two Linux VMs of `hyperscope serve` on one switch (`--net switch=lan0`): each boots the
 * Linux sample once, gets a static address typed at its shell (10.0.0.1 and 10.0.0.2 on
 * eth0), then: `ping -c 3` gets its 3 replies; busybox httpd on one serves a 348,894-byte file
 * of random bytes that `wget` on the other fetches (a TCP transfer over many windows), its
 * md5sum there equal to the md5sum where it was served; `vm info` shows each VM's MAC and
 * port, `vm stats --json` the switch's per-port counters. Expected behaviour is what two
 * QEMU guests on one `-netdev socket` or hub show: the replies and the bytes, not our output.
 * Skips when the Linux sample is absent. About 40-60 s on an idle 2-core machine (two boots
 * at once).
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { consoleText, startTestDaemon, TestDaemon, until } from './daemon-harness';

const LINUX = path.join(ROOT, 'samples', 'linux');
const IMAGE = path.join(LINUX, 'Image');
const INITRD = path.join(LINUX, 'initramfs.cpio.gz');
const PROMPT = '/root # ';

type PortReport = { port: number; name: string; macs: string[]; rxFrames: number; txFrames: number; rxBytes: number; txBytes: number; txDropped: number };
type Stats = { network?: { nics: { mac: string; switch?: string; port?: number; rxFrames: number; txFrames: number; linkDropped?: number }[]; switches: { name: string; ports: PortReport[] }[] } };
type Info = { name: string; net?: { mac: string; switch: string; port: number } };

describe('hyperscope serve: two Linux VMs on one switch (ping, a TCP transfer)', function () {
  this.timeout(600_000);
  let d: TestDaemon | undefined;

  /** Types `line` at a VM's shell (the input queue may take it in parts) and waits for `done` after what the console had. */
  const run = async (vm: string, line: string, done: string, guardMs = 240_000): Promise<string> => {
    const before = (await consoleText(d!, vm)).length;
    let bytes: Uint8Array = new TextEncoder().encode(line + '\n');
    while (bytes.length > 0) {
      const { accepted } = await d!.client.call<{ accepted: number }>('POST', `/v1/vms/${vm}/console`, bytes);
      bytes = bytes.subarray(accepted);
      if (bytes.length > 0) await new Promise((r) => setTimeout(r, 50));
    }
    return until(`'${done}' on ${vm}`, async () => {
      const text = (await consoleText(d!, vm)).slice(before);
      return text.includes(done) ? text : undefined;
    }, guardMs);
  };

  before(function () {
    if (![IMAGE, INITRD].every(existsSync)) {
      console.log('    (Linux sample files are absent: skipped)');
      this.skip();
    }
  });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0);
  });

  it('boots both, pings 3 times, and fetches a 348,894-byte page from httpd intact', async () => {
    const t0 = Date.now();
    d = await startTestDaemon();
    for (const vm of ['a', 'b']) {
      const r = d.vm('create', vm, IMAGE, '--initrd', INITRD, '--append', 'console=ttyS0 quiet', '--net', 'switch=lan0');
      assert.equal(r.status, 0, r.stderr);
    }
    for (const vm of ['a', 'b']) await until(`${vm}'s prompt`, async () => ((await consoleText(d!, vm)).includes(PROMPT) ? true : undefined), 240_000);
    const bootMs = Date.now() - t0;

    // MACs as QEMU numbers its NICs (52:54:00:12:34:56, then :57), each pinned to its own port.
    const info = (vm: string) => JSON.parse(d!.vm('info', vm, '--json').stdout) as Info;
    assert.deepEqual(info('a').net, { mac: '52:54:00:12:34:56', switch: 'lan0', port: 0 });
    assert.deepEqual(info('b').net, { mac: '52:54:00:12:34:57', switch: 'lan0', port: 1 });
    assert.match(d.vm('info', 'b').stdout, /^net:\s+virtio-net0 52:54:00:12:34:57 on switch lan0 port 1$/m);

    await run('a', 'ip addr add 10.0.0.1/24 dev eth0 && ip link set eth0 up && echo A-UP', '\nA-UP');
    const made = await run('b', 'ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up && mkdir -p /tmp/www && head -c 348894 /dev/urandom > /tmp/www/page.bin && md5sum /tmp/www/page.bin && httpd -h /tmp/www -p 80 && echo B-UP', '\nB-UP');
    const served = /^([0-9a-f]{32})  \/tmp\/www\/page\.bin\r?$/m.exec(made);
    assert.ok(served, made);

    const ping = await run('a', 'ping -c 3 10.0.0.2; echo PING-DONE', '\nPING-DONE');
    assert.equal(ping.match(/^64 bytes from 10\.0\.0\.2: seq=\d ttl=64 time=[\d.]+ ms\r?$/mg)?.length, 3, ping);
    assert.match(ping, /^3 packets transmitted, 3 packets received, 0% packet loss\r?$/m);

    const t1 = Date.now();
    const got = await run('a', 'wget -q -O /tmp/got http://10.0.0.2/page.bin && md5sum /tmp/got && wc -c < /tmp/got; echo GET-DONE', '\nGET-DONE');
    const fetchMs = Date.now() - t1;
    assert.match(got, new RegExp(`^${served[1]}  /tmp/got\\r?$`, 'm'), got);
    assert.match(got, /^348894\r?$/m, got);

    // The switch's ports counted the traffic both ways, and nothing was dropped on the relay.
    const stats = JSON.parse(d.vm('stats', 'a', '--json').stdout) as Stats;
    const net = stats.network!;
    assert.equal(net.nics.length, 1);
    assert.deepEqual([net.nics[0].mac, net.nics[0].switch, net.nics[0].port], ['52:54:00:12:34:56', 'lan0', 0]);
    assert.equal(net.nics[0].linkDropped, 0);
    assert.equal(net.switches.length, 1);
    const ports = net.switches[0].ports;
    assert.deepEqual(ports.map((p) => [p.port, p.name, p.macs[0]]), [[0, 'a.virtio-net0', '52:54:00:12:34:56'], [1, 'b.virtio-net0', '52:54:00:12:34:57']]);
    // b sent the page to a: at least its bytes crossed from port 1 into the switch and out to port 0.
    assert.ok(ports[1].rxBytes > 348894 && ports[0].txBytes > 348894, JSON.stringify(ports));
    assert.ok(ports[0].rxFrames > 3 && ports[1].txFrames > 3, JSON.stringify(ports));
    assert.equal(ports[0].txDropped + ports[1].txDropped, 0, JSON.stringify(ports));
    assert.match(d.vm('stats', 'b').stdout, /^ {4}port 1 b\.virtio-net0: in \d+ frames \d+ bytes, out \d+ frames/m);
    console.log(`    (both prompts after ${(bootMs / 1000).toFixed(1)} s; the 348,894-byte fetch took ${(fetchMs / 1000).toFixed(1)} s)`);
  });
});
