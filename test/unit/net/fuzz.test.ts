/**
 * Network fuzz: seeded random descriptor chains on a virtio-net device and random frames into
 * the switch and the user-mode gateway. Nothing may throw to the host, reach outside guest
 * RAM or grow without bound; after a reset the device works again.
 */
import { strict as assert } from 'node:assert';
import { NET_HDR_SIZE } from '../../../hypervisor-core/devices/virtio/net/header';
import { NET_RX_QUEUE, NET_TX_QUEUE, RX_BACKLOG, VirtioNet } from '../../../hypervisor-core/devices/virtio/net/device';
import { VirtioMmioReg as R, VirtioStatus as S } from '../../../hypervisor-core/devices/virtio/transport/mmio';
import { EtherType, ethernetFrame, parseMac } from '../../../hypervisor-core/net/ethernet';
import { IpProtocol, buildIpv4, parseIp } from '../../../hypervisor-core/net/ipv4';
import { VirtualSwitch, type SwitchEndpoint } from '../../../hypervisor-core/net/switch';
import { GATEWAY_MAC, UserNet } from '../../../hypervisor-core/net/user/user-net';
import { TcpFlag, buildTcp } from '../../../hypervisor-core/net/user/tcp-segment';
import { FakeDriver, RAM_BASE, RAM_SIZE, type Buf } from '../devices/virtio/fake-driver';

/** xorshift32: the same sequence every run. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const MAC_A = '52:54:00:12:34:56';
const MAC_B = '52:54:00:12:34:57';

/** An address: mostly in RAM, sometimes at its edges or far outside. */
function addr(r: (n: number) => number): number {
  switch (r(6)) {
    case 0: return RAM_BASE + RAM_SIZE - r(64);
    case 1: return r(2) ? 0x10001000 : 2 ** 40 + r(4096);
    default: return RAM_BASE + 0x20000 + r(RAM_SIZE - 0x30000);
  }
}

function len(r: (n: number) => number): number {
  switch (r(5)) {
    case 0: return r(16);
    case 1: return 0xffffffff - r(16);
    case 2: return 1500 + r(64);
    default: return r(2048);
  }
}

describe('network fuzz', () => {
  it('random descriptor chains and headers on both queues never escape guest RAM or stop the host', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed);
      const sw = new VirtualSwitch('fuzz');
      const a = new VirtioNet({ mac: parseMac(MAC_A) });
      const b = new VirtioNet({ mac: parseMac(MAC_B) });
      a.connect(sw);
      b.connect(sw);
      const da = new FakeDriver(a);
      const db = new FakeDriver(b);
      const features: [number, number] = [r(2 ** 31) | (1 << 28), 1];
      da.start(2, 16, features);
      db.start(2, 16, [(1 << 15) | (1 << 5), 1]);
      for (let i = 0; i < 8; i++) db.addChain(NET_RX_QUEUE, [{ addr: db.alloc(1530), len: 1530, write: true }]);
      for (let step = 0; step < 200; step++) {
        const q = r(2);
        const n = 1 + r(4);
        const bufs: Buf[] = [];
        for (let k = 0; k < n; k++) {
          const at = addr(r);
          const l = len(r);
          // Some well-formed packets too, with random header bytes, so the checks past the walk run.
          if (r(2) && at < RAM_BASE + RAM_SIZE - 2048 && at >= RAM_BASE) {
            const bytes = new Uint8Array(Math.min(l, 2048));
            for (let i = 0; i < bytes.length; i++) bytes[i] = r(256);
            if (bytes.length > NET_HDR_SIZE + 12) bytes.set(parseMac(MAC_B), NET_HDR_SIZE);
            da.mem.write(at, bytes);
          }
          bufs.push({ addr: at, len: l, write: q === NET_RX_QUEUE ? r(8) !== 0 : r(8) === 0 });
        }
        assert.doesNotThrow(() => da.addChain(q, bufs, { indirect: r(4) === 0 }));
        if (r(16) === 0) {
          // Raw ring damage: a random head index or a runaway available index.
          da.u16(da.queues[q].avail + 4 + 2 * r(16), r(65536));
          if (r(2)) da.u16(da.queues[q].avail + 2, r(65536));
          da.w(R.QUEUE_NOTIFY, q);
        }
        while (da.transport.service() > 0) { /* bounded rounds, as between slices */ }
        if (da.r(R.STATUS) & S.DEVICE_NEEDS_RESET) {
          // Only the guest's own errors may stop the device, never a fault of the device code.
          assert.doesNotMatch(da.transport.lastError ?? '', /device error/, `seed ${seed}`);
          da.start(2, 16, features);
        }
        assert.ok(b.pendingReceive <= RX_BACKLOG);
      }
      assert.equal(da.checked.violations, 0, `seed ${seed}: no access outside guest RAM`);
      assert.equal(db.checked.violations, 0);
      // After all that, a clean packet still goes through.
      da.start(2, 16, [1 << 5, 1]);
      const before = b.counters.rxFrames;
      while (db.takeUsed(NET_RX_QUEUE).length > 0) { /* drain */ }
      db.addChain(NET_RX_QUEUE, [{ addr: db.alloc(1530), len: 1530, write: true }]);
      const f = new Uint8Array(NET_HDR_SIZE + 60);
      f.set(parseMac(MAC_B), NET_HDR_SIZE);
      f.set(parseMac(MAC_A), NET_HDR_SIZE + 6);
      da.addChain(NET_TX_QUEUE, [{ addr: da.alloc(f.length, f), len: f.length }]);
      assert.ok(b.counters.rxFrames > before || b.pendingReceive > 0, `seed ${seed}: the device works after a reset`);
    }
  });

  it('random frames to the user-mode gateway are answered or dropped, never thrown', () => {
    const sw = new VirtualSwitch('fuzz');
    const user = new UserNet();
    user.connect(sw);
    let got = 0;
    const guest: SwitchEndpoint = { name: 'guest', macs: [parseMac(MAC_A)], deliver: () => { got++; return true; } };
    const port = sw.attach(guest);
    const r = rng(7);
    const src = parseIp('10.0.2.15');
    const gw = parseIp('10.0.2.2');
    const random = (n: number) => Uint8Array.from({ length: n }, () => r(256));
    try {
      for (let i = 0; i < 3000; i++) {
        let payload: Uint8Array;
        let type: number = EtherType.IPV4;
        switch (r(6)) {
          case 0: type = EtherType.ARP; payload = Uint8Array.of(0, 1, 8, 0, 6, 4, 0, r(3), ...random(20)); break;
          case 1: payload = random(r(100)); break; // garbage where an IPv4 header should be
          case 2: { // a valid IPv4 header around random transport bytes, to the gateway
            const proto = [IpProtocol.ICMP, IpProtocol.UDP, IpProtocol.TCP, 99][r(4)];
            payload = buildIpv4(src, gw, proto, random(r(200)));
            break;
          }
          case 3: // TCP segments with valid checksums and random flags/sequence numbers (no SYN: no host connection)
            payload = buildIpv4(src, gw, IpProtocol.TCP, buildTcp(src, gw, {
              srcPort: 1024 + r(8), dstPort: 1 + r(8), seq: r(2 ** 31), ack: r(2 ** 31), flags: r(64) & ~TcpFlag.SYN, window: r(65536), payload: random(r(64)),
            }));
            break;
          case 4: { // DHCP-shaped UDP to port 67 with random options
            const msg = random(240 + r(100));
            msg.set([1, 1, 6], 0);
            msg.set([99, 130, 83, 99], 236);
            const udp = new Uint8Array(8 + msg.length);
            udp.set([0, 68, 0, 67, udp.length >> 8, udp.length & 0xff], 0);
            udp.set(msg, 8);
            payload = buildIpv4(parseIp('0.0.0.0'), parseIp('255.255.255.255'), IpProtocol.UDP, udp);
            break;
          }
          default: { // a valid packet with its length field or fragment bits broken
            payload = buildIpv4(src, gw, IpProtocol.ICMP, random(16));
            payload[2 + 4 * r(2)] = r(256);
            break;
          }
        }
        assert.doesNotThrow(() => port.send(ethernetFrame(r(4) ? GATEWAY_MAC : Uint8Array.of(255, 255, 255, 255, 255, 255), parseMac(MAC_A), type, payload)));
      }
      assert.ok(user.counters.ignored > 0);
      assert.ok(got > 0, 'some frames are answered (ARP, DHCP, RSTs)');
      assert.ok(user.details().tcpOpen === 0, 'no connection opened without a SYN');
    } finally {
      user.close();
    }
  });
});
