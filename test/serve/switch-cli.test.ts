/**
 * The lifecycle of a daemon switch through `hyperscope vm` (small guests, no network traffic:
 * test/serve/linux-switch.test.ts has the traffic): MACs numbered as QEMU numbers NICs, a
 * VM keeps its MAC and port across reset, a MAC already on the switch and `--net user` are
 * refused in one line with status 2, and a switch goes with its last VM (a new VM on it starts
 * again at port 0).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { GUESTS, startTestDaemon, TestDaemon } from './daemon-harness';

type Info = { name: string; state: string; net?: { mac: string; switch: string; port: number } };

describe('hyperscope serve: a switch shared by VMs (vm create --net switch=NAME)', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  const echo = path.join(GUESTS, 'echo.elf');
  // Through the API where the CLI would only add a process start per call (the CLI's own parsing is checked below).
  const info = (name: string): Promise<Info> => d.client.call<Info>('GET', `/v1/vms/${name}`);
  const create = (name: string, net: { switch: string; mac?: string }) => d.client.call<Info>('POST', '/v1/vms', { name, kernel: echo, net });
  const destroy = (name: string) => d.client.call('DELETE', `/v1/vms/${name}`);

  before(async () => { d = await startTestDaemon(); });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0);
  });

  it('numbers MACs, keeps a VM\'s port across reset, refuses a taken MAC and --net user, and forgets an empty switch', async () => {
    const created = d.vm('create', 'a', echo, '--net', 'switch=lan1');
    assert.equal(created.status, 0, created.stderr);
    await create('b', { switch: 'lan1' });
    await create('c', { switch: 'lan2', mac: '52:54:00:aa:bb:cc' });
    assert.deepEqual((await info('a')).net, { mac: '52:54:00:12:34:56', switch: 'lan1', port: 0 });
    assert.deepEqual((await info('b')).net, { mac: '52:54:00:12:34:57', switch: 'lan1', port: 1 });
    assert.deepEqual((await info('c')).net, { mac: '52:54:00:aa:bb:cc', switch: 'lan2', port: 0 });
    assert.equal((await info('a')).state, 'running');

    await d.client.call('POST', '/v1/vms/b/reset');
    assert.deepEqual((await info('b')).net, { mac: '52:54:00:12:34:57', switch: 'lan1', port: 1 }, 'the same port and MAC after reset');

    const taken = d.vm('create', 'x', echo, '--net', 'switch=lan1,mac=52:54:00:12:34:56');
    assert.equal(taken.status, 2);
    assert.match(taken.stderr, /^hyperscope: MAC 52:54:00:12:34:56 is already on switch lan1 \(port a\.virtio-net0\)\n$/);
    const user = d.vm('create', 'x', echo, '--net', 'user');
    assert.equal(user.status, 2);
    assert.equal(user.stderr.split('\n').length, 2, 'one line');
    assert.match(user.stderr, /a VM of the daemon takes --net switch=NAME/);
    assert.deepEqual((await d.client.call<{ vms: Info[] }>('GET', '/v1/vms')).vms.map((v) => v.name), ['a', 'b', 'c'], 'nothing was created');

    // The stats of a VM on a switch name its NIC and list the switch's ports.
    const stats = await d.client.call< { network: { nics: { mac: string; port: number }[]; switches: { name: string; ports: { name: string }[] }[] } }>('GET', '/v1/vms/a/stats');
    assert.deepEqual(stats.network.nics.map((n) => [n.mac, n.port]), [['52:54:00:12:34:56', 0]]);
    assert.deepEqual(stats.network.switches.map((s) => [s.name, s.ports.map((p) => p.name)]), [['lan1', ['a.virtio-net0', 'b.virtio-net0']]]);

    for (const name of ['a', 'b']) await destroy(name);
    assert.deepEqual((await create('e', { switch: 'lan1' })).net, { mac: '52:54:00:12:34:56', switch: 'lan1', port: 0 }, 'lan1 went with its last VM and starts afresh');
    for (const name of ['c', 'e']) await destroy(name);
  });
});
