/**
 * The switch the VMs of `hyperscope serve` share (serve/net-relay.ts) without threads: the
 * relay's window bounds the frames in flight and counts what it drops, acknowledgements open
 * it again, the hub numbers MACs as QEMU numbers NICs (52:54:00:12:34:56, :57...) and a
 * switch goes with its last VM; `--net switch=NAME` is parsed for `vm create` and refused by a
 * lone VM (hyperscope run, a launch configuration) and in create requests that smuggle text.
 */
import { strict as assert } from 'node:assert';
import { parseRunArgs, UsageError } from '../../../hypervisor-core/cli/args';
import { LaunchError, resolveLaunch } from '../../../debug-adapter/launch-config';
import { ApiError } from '../../../hypervisor-core/serve/api-error';
import { parseCreateRequest, createRequestOf } from '../../../hypervisor-core/serve/create-request';
import { AckBatcher, FrameSender, RELAY_WINDOW, SwitchHub, type NetMessage } from '../../../hypervisor-core/serve/net-relay';
import { NetConfigError, createNetwork } from '../../../hypervisor-core/net/net-config';

/** A frame from `src` to `dst` (last MAC bytes), 60 bytes. */
function frame(dst: number, src: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0x52, 0x54, 0x00, 0x12, 0x34, dst], 0);
  f.set([0x52, 0x54, 0x00, 0x12, 0x34, src], 6);
  f[12] = 0x08;
  return f;
}

describe('a switch shared by the VMs of the daemon', () => {
  it('a relay sends at most RELAY_WINDOW unacknowledged frames, drops and counts the rest, and each ack reopens it', () => {
    const posted: NetMessage[] = [];
    const s = new FrameSender((m, transfer) => {
      assert.equal(transfer.length, 1, 'the frame buffer is transferred');
      posted.push(m);
    });
    const f = frame(0x57, 0x56);
    for (let i = 0; i < RELAY_WINDOW + 10; i++) s.send(f);
    assert.equal(posted.length, RELAY_WINDOW);
    assert.equal(s.dropped, 10);
    assert.equal(f.byteLength, 60, "the sender's own buffer stays its own");
    s.acked(5);
    assert.equal(s.send(f), true);
    assert.equal(posted.length, RELAY_WINDOW + 1);
    assert.equal(new FrameSender(null).send(f), false, 'no worker: dropped');
  });

  it('acknowledgements go as one message per event-loop turn', async () => {
    const acks: NetMessage[] = [];
    const b = new AckBatcher((m) => acks.push(m));
    for (let i = 0; i < 100; i++) b.took();
    assert.equal(acks.length, 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(acks, [{ type: 'net-ack', count: 100 }]);
  });

  it('numbers MACs per switch, refuses a MAC already there, forwards between VMs and forgets an empty switch', () => {
    const hub = new SwitchHub();
    const net = (sw: string, mac?: string) => ({ kind: 'switch' as const, switch: sw, hostfwd: [], ...(mac ? { mac } : {}) });
    const a = hub.join('a', net('lan0'));
    const b = hub.join('b', net('lan0'));
    const c = hub.join('c', net('lan1'));
    assert.deepEqual([a.macText, b.macText, c.macText], ['52:54:00:12:34:56', '52:54:00:12:34:57', '52:54:00:12:34:56']);
    assert.throws(() => hub.join('d', net('lan0', '52:54:00:12:34:57')), (e: Error) => e instanceof ApiError && e.code === 'bad-request' && /already on switch lan0/.test(e.message));

    const toB: NetMessage[] = [];
    b.setWorker((m) => toB.push(m));
    a.fromVm(frame(0x57, 0x56));
    assert.equal(toB.length, 1, 'a unicast frame to b reaches b only');
    const toC: NetMessage[] = [];
    c.setWorker((m) => toC.push(m));
    a.fromVm(frame(0xff, 0x56).fill(0xff, 0, 6));
    assert.equal(toB.length, 2, 'a broadcast reaches the other port of lan0');
    assert.equal(toC.length, 0, 'and nothing on another switch');
    const report = hub.report('lan0')!;
    assert.deepEqual(report.ports.map((p) => [p.name, p.rxFrames, p.txFrames]), [['a.virtio-net0', 2, 0], ['b.virtio-net0', 0, 2]]);

    hub.leave(a);
    assert.equal(hub.join('e', net('lan0')).macText, '52:54:00:12:34:56', "a's MAC is free again");
    hub.leave(c);
    assert.deepEqual(hub.names(), ['lan0']);
  });

  it('a VM flooding broadcasts costs each other VM at most RELAY_WINDOW frames in flight; the rest are dropped and counted', () => {
    const hub = new SwitchHub();
    const net = { kind: 'switch' as const, switch: 'lan0', hostfwd: [] };
    const flooder = hub.join('f', net);
    const stuck = hub.join('s', net); // its thread never acknowledges (a busy or paused worker)
    const live = hub.join('l', net); // acknowledges everything at once
    let stuckHeld = 0;
    let liveGot = 0;
    stuck.setWorker(() => { stuckHeld++; });
    live.setWorker(() => { liveGot++; live.acked(1); });
    const broadcast = frame(0xff, 0x56).fill(0xff, 0, 6);
    for (let i = 0; i < 10_000; i++) flooder.fromVm(broadcast);
    assert.equal(stuckHeld, RELAY_WINDOW);
    assert.equal(liveGot, 10_000);
    const ports = hub.report('lan0')!.ports;
    assert.deepEqual(ports.map((p) => [p.name, p.rxFrames, p.txFrames, p.txDropped]),
      [['f.virtio-net0', 10_000, 0, 0], ['s.virtio-net0', 0, RELAY_WINDOW, 10_000 - RELAY_WINDOW], ['l.virtio-net0', 0, 10_000, 0]]);
    assert.deepEqual(ports[1].details, { relayInFlight: RELAY_WINDOW });
  });

  it('--net switch=NAME is a vm create option: parsed, carried in the request, refused where one VM runs', () => {
    const o = parseRunArgs(['k', '--net', 'switch=lan0,mac=52:54:00:12:34:99']);
    assert.deepEqual(o.net, { kind: 'switch', switch: 'lan0', mac: '52:54:00:12:34:99', hostfwd: [] });
    assert.deepEqual(createRequestOf('a', { ...o, kernel: '/k' }).net, { switch: 'lan0', mac: '52:54:00:12:34:99' });
    assert.deepEqual(parseCreateRequest({ name: 'a', kernel: '/k', net: { switch: 'lan0' } }).options.net, { kind: 'switch', switch: 'lan0', hostfwd: [] });
    const refused = (args: string[], re: RegExp) => assert.throws(() => parseRunArgs(['k', ...args]), (e: Error) => e instanceof UsageError && re.test(e.message));
    refused(['--net', 'switch=a b'], /switch=NAME: a name of letters/);
    refused(['--net', 'switch=lan0,hostfwd=tcp::1-:2'], /unknown parameter 'hostfwd=tcp::1-:2'/);
    refused(['--net', 'switch=lan0', '--hostfwd', 'tcp:127.0.0.1:1-:2'], /not onto a shared switch/);
    assert.throws(() => createNetwork(o.net!), (e: Error) => e instanceof NetConfigError && /hyperscope vm create NAME KERNEL --net switch=NAME/.test(e.message));
    assert.throws(() => resolveLaunch({ program: 'samples/hello/hello.elf', net: 'switch=lan0' }), LaunchError);
    const bad = (net: unknown, re: RegExp) => assert.throws(() => parseCreateRequest({ name: 'a', kernel: '/k', net }), (e: Error) => e instanceof ApiError && e.code === 'bad-request' && re.test(e.message));
    bad({ switch: 'lan0,mac=01:00:00:00:00:00' }, /must be a switch name/);
    bad({ switch: 'lan0', mac: '52:54:00:12:34:56,hostfwd=x' }, /must be a MAC address/);
    bad({ switch: 'lan0', vlan: 1 }, /unknown field 'vlan'/);
    bad('lan0', /must be an object/);
  });
});
