import { strict as assert } from 'node:assert';
import { NET_HDR_SIZE } from '../../../../hypervisor-core/devices/virtio/net/header';
import { NET_RX_QUEUE, NET_TX_QUEUE, RX_BACKLOG, VirtioNet } from '../../../../hypervisor-core/devices/virtio/net/device';
import { VirtioMmioReg as R, VirtioStatus as S } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { parseMac } from '../../../../hypervisor-core/net/ethernet';
import { VirtualSwitch } from '../../../../hypervisor-core/net/switch';
import { FakeDriver } from './fake-driver';

// Feature bits of virtio 1.2 section 5.1.3.
const CSUM = 1 << 0;
const GUEST_CSUM = 1 << 1;
const MTU = 1 << 3;
const MAC = 1 << 5;
const GUEST_TSO4 = 1 << 7;
const MRG_RXBUF = 1 << 15;
const STATUS = 1 << 16;
const CTRL_VQ = 1 << 17;
const VERSION_1_HI = 1;

const MAC_A = '52:54:00:12:34:56';
const MAC_B = '52:54:00:12:34:57';
const MAC_C = '52:54:00:12:34:58';

/** A NIC with its fake driver, started with `features`, `rxBuffers` receive buffers of `rxLen`. */
function nic(sw: VirtualSwitch, mac: string, features: [number, number] = [MAC | STATUS | MTU, VERSION_1_HI],
  rxBuffers = 8, rxLen = 1530) { // Linux: header + GOOD_PACKET_LEN (1518)
  const dev = new VirtioNet({ mac: parseMac(mac), name: `nic ${mac}` });
  dev.connect(sw);
  const d = new FakeDriver(dev);
  d.start(2, 256, features);
  const rx: number[] = [];
  for (let i = 0; i < rxBuffers; i++) {
    const a = d.alloc(rxLen);
    rx.push(a);
    d.addChain(NET_RX_QUEUE, [{ addr: a, len: rxLen, write: true }]);
  }
  return { dev, d, rx };
}

/** An Ethernet frame of `len` bytes from `src` to `dst` (EtherType 0x88b5, IEEE local experimental). */
function frame(dst: string, src: string, len = 64, fill = 0xa5): Uint8Array {
  const f = new Uint8Array(len).fill(fill);
  f.set(dst === 'ff' ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : parseMac(dst), 0);
  f.set(parseMac(src), 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  return f;
}

/** Sends `f` with a virtio_net_hdr (`hdr` overrides its first 10 bytes) split over two descriptors. */
function send(d: FakeDriver, f: Uint8Array, hdr: number[] = []): void {
  const h = new Uint8Array(NET_HDR_SIZE);
  h.set(hdr);
  d.addChain(NET_TX_QUEUE, [{ addr: d.alloc(NET_HDR_SIZE, h), len: NET_HDR_SIZE }, { addr: d.alloc(f.length, f), len: f.length }]);
}

describe('virtio-net', () => {
  it('describes itself: device id 1, its MAC, link up, MTU 1500, the features it implements', () => {
    const sw = new VirtualSwitch('t');
    const dev = new VirtioNet({ mac: parseMac(MAC_A) });
    dev.connect(sw);
    const d = new FakeDriver(dev);
    assert.equal(d.r(R.DEVICE_ID), 1);
    const [lo] = d.deviceFeatures();
    assert.equal(lo & (CSUM | MTU | MAC | MRG_RXBUF | STATUS), CSUM | MTU | MAC | MRG_RXBUF | STATUS);
    assert.equal(lo & (GUEST_CSUM | GUEST_TSO4 | CTRL_VQ), 0, 'no receive offloads, no control queue');
    const t = d.transport;
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => t.read(R.CONFIG + i, 1)), [0x52, 0x54, 0, 0x12, 0x34, 0x56]);
    assert.equal(t.read(R.CONFIG + 6, 2), 1, 'VIRTIO_NET_S_LINK_UP');
    assert.equal(t.read(R.CONFIG + 8, 2), 1, 'max_virtqueue_pairs');
    assert.equal(t.read(R.CONFIG + 10, 2), 1500, 'mtu');
    // Receive offloads the device did not offer do not stick (section 2.2: the transport drops them).
    d.negotiate([MAC | GUEST_CSUM | GUEST_TSO4, VERSION_1_HI]);
    assert.equal(t.negotiatedFeatures[0] & (GUEST_CSUM | GUEST_TSO4), 0);
  });

  it('two NICs on one switch exchange frames; a third sees only broadcasts', () => {
    const sw = new VirtualSwitch('lan');
    const a = nic(sw, MAC_A);
    const b = nic(sw, MAC_B);
    const c = nic(sw, MAC_C);
    const f = frame(MAC_B, MAC_A, 100);
    send(a.d, f);
    assert.deepEqual(a.d.takeUsed(NET_TX_QUEUE), [{ id: 0, len: 0 }]);
    const used = b.d.takeUsed(NET_RX_QUEUE);
    assert.deepEqual(used, [{ id: 0, len: NET_HDR_SIZE + 100 }]);
    const got = b.d.bytes(b.rx[0], NET_HDR_SIZE + 100);
    assert.deepEqual([...got.subarray(0, NET_HDR_SIZE)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], 'no flags, num_buffers 1');
    assert.deepEqual(got.subarray(NET_HDR_SIZE), f);
    assert.equal(c.d.takeUsed(NET_RX_QUEUE).length, 0, 'C does not see a frame for B');
    // B answers A: A's MAC is known (it owns it), C still sees nothing.
    send(b.d, frame(MAC_A, MAC_B, 60));
    assert.equal(a.d.takeUsed(NET_RX_QUEUE).length, 1);
    assert.equal(c.d.takeUsed(NET_RX_QUEUE).length, 0);
    // A broadcast reaches both others, not the sender.
    send(c.d, frame('ff', MAC_C, 42));
    assert.equal(a.d.takeUsed(NET_RX_QUEUE).length, 1);
    assert.equal(b.d.takeUsed(NET_RX_QUEUE).length, 1);
    assert.equal(c.d.takeUsed(NET_RX_QUEUE).length, 0);
    // A frame to a MAC no port has is dropped, not flooded.
    send(a.d, frame('52:54:00:99:99:99', MAC_A));
    assert.equal(b.d.takeUsed(NET_RX_QUEUE).length + c.d.takeUsed(NET_RX_QUEUE).length, 0);
    const report = sw.report();
    const portA = report.ports.find((p) => p.macs[0] === MAC_A)!;
    assert.deepEqual([portA.rxFrames, portA.txFrames, portA.rxUnknownDestination], [2, 2, 1]);
    assert.equal(a.dev.counters.txFrames, 2);
    assert.equal(b.dev.counters.rxFrames, 2);
  });

  it('completes a checksum the driver left (NEEDS_CSUM) when CSUM was negotiated', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A, [MAC | CSUM, VERSION_1_HI]);
    const b = nic(sw, MAC_B);
    // The IPv4 header of RFC 1071's usual worked example (Wikipedia "Internet checksum"):
    // 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7; checksum field zero, left to the device.
    const ip = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7];
    const f = frame(MAC_B, MAC_A, 14 + ip.length);
    f.set([0x08, 0x00, ...ip], 12);
    send(a.d, f, [1, 0, 0, 0, 0, 0, 14, 0, 10, 0]); // NEEDS_CSUM, csum_start 14, csum_offset 10
    const got = b.d.bytes(b.rx[0] + NET_HDR_SIZE + 14 + 10, 2);
    assert.deepEqual([...got], [0xb8, 0x61]);
  });

  it('drops and counts malformed and oversized packets without stopping the device', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A); // CSUM not negotiated
    const b = nic(sw, MAC_B);
    send(a.d, frame(MAC_B, MAC_A), [1, 0, 0, 0, 0, 0, 14, 0, 10, 0]); // NEEDS_CSUM without CSUM
    send(a.d, frame(MAC_B, MAC_A), [0, 1]); // gso_type TCPV4 without HOST_TSO4
    a.d.addChain(NET_TX_QUEUE, [{ addr: a.d.alloc(8), len: 8 }]); // shorter than the header
    send(a.d, frame(MAC_B, MAC_A, 1500 + 14 + 4 + 1)); // one byte past MTU + header + VLAN tag
    send(a.d, frame(MAC_B, MAC_A, 14).subarray(0, 10)); // shorter than an Ethernet header
    send(a.d, frame(MAC_B, MAC_A, 1518)); // the largest allowed
    assert.equal(a.d.takeUsed(NET_TX_QUEUE).length, 6, 'every packet is returned to the driver');
    assert.deepEqual([a.dev.counters.txMalformed, a.dev.counters.txOversize, a.dev.counters.txFrames], [3, 2, 1]);
    assert.deepEqual(b.d.takeUsed(NET_RX_QUEUE), [{ id: 0, len: NET_HDR_SIZE + 1518 }]);
    assert.equal(a.d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, 0);
  });

  it('spreads a packet over several receive buffers with MRG_RXBUF (num_buffers)', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A);
    const b = nic(sw, MAC_B, [MAC | MRG_RXBUF, VERSION_1_HI], 4, 512);
    const f = frame(MAC_B, MAC_A, 1000);
    for (let i = 14; i < f.length; i++) f[i] = i & 0xff;
    send(a.d, f);
    const used = b.d.takeUsed(NET_RX_QUEUE);
    assert.deepEqual(used, [{ id: 0, len: 512 }, { id: 1, len: 500 }]);
    const got = new Uint8Array([...b.d.bytes(b.rx[0], 512), ...b.d.bytes(b.rx[1], 500)]);
    assert.equal(got[10], 2, 'num_buffers 2');
    assert.deepEqual(got.subarray(NET_HDR_SIZE), f);
  });

  it('without MRG_RXBUF a packet larger than one buffer is dropped and counted', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A);
    const b = nic(sw, MAC_B, [MAC, VERSION_1_HI], 2, 512);
    send(a.d, frame(MAC_B, MAC_A, 1000));
    send(a.d, frame(MAC_B, MAC_A, 100));
    assert.deepEqual(b.d.takeUsed(NET_RX_QUEUE), [{ id: 0, len: 0 }, { id: 1, len: NET_HDR_SIZE + 100 }]);
    assert.equal(b.dev.counters.rxTooBig, 1);
  });

  it('keeps at most RX_BACKLOG frames for a driver that posts no buffers, then delivers them', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A);
    const b = nic(sw, MAC_B, undefined, 0);
    for (let i = 0; i < RX_BACKLOG + 10; i++) send(a.d, frame(MAC_B, MAC_A, 60, i & 0xff));
    assert.equal(b.dev.pendingReceive, RX_BACKLOG);
    assert.equal(b.dev.counters.rxBacklogFull, 10);
    assert.equal(sw.report().ports[1].txDropped, 10);
    const buf = b.d.alloc(1526);
    b.d.addChain(NET_RX_QUEUE, [{ addr: buf, len: 1526, write: true }]);
    assert.equal(b.d.takeUsed(NET_RX_QUEUE).length, 1);
    assert.equal(b.d.bytes(buf + NET_HDR_SIZE + 20, 1)[0], 0, 'the oldest frame first');
  });

  it('a transmit flood is served a bounded number of packets per notify', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A);
    const b = nic(sw, MAC_B, undefined, 0);
    const f = frame(MAC_B, MAC_A, 60);
    for (let i = 0; i < 200; i++) {
      const h = a.d.alloc(NET_HDR_SIZE + 60);
      a.d.mem.write(h + NET_HDR_SIZE, f);
      a.d.addChain(NET_TX_QUEUE, [{ addr: h, len: NET_HDR_SIZE + 60 }], { notify: false });
    }
    a.d.w(R.QUEUE_NOTIFY, NET_TX_QUEUE);
    assert.equal(a.dev.counters.txFrames, 64, 'SERVICE_CHAINS packets in the notify');
    assert.equal(a.d.transport.hasPendingWork, true);
    while (a.d.transport.service() > 0) { /* the VM's run loop calls service between slices */ }
    assert.equal(a.dev.counters.txFrames, 200);
    assert.equal(b.dev.pendingReceive, 200);
  });

  it('a reset forgets frames waiting for the driver', () => {
    const sw = new VirtualSwitch('t');
    const a = nic(sw, MAC_A);
    const b = nic(sw, MAC_B, undefined, 0);
    send(a.d, frame(MAC_B, MAC_A));
    assert.equal(b.dev.pendingReceive, 1);
    b.d.w(R.STATUS, 0);
    assert.equal(b.dev.pendingReceive, 0);
    send(a.d, frame(MAC_B, MAC_A));
    assert.equal(b.dev.counters.rxNotReady, 1, 'no driver: dropped');
  });
});
