import { strict as assert } from 'node:assert';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { VirtualSwitch, type SwitchEndpoint, type SwitchPort } from '../../../hypervisor-core/net/switch';
import { EtherType, ethernetFrame, parseMac, etherType, type Mac } from '../../../hypervisor-core/net/ethernet';
import { IpProtocol, buildIpv4, parseIp, parseIpv4, ipText } from '../../../hypervisor-core/net/ipv4';
import { checksum } from '../../../hypervisor-core/net/checksum';
import { GATEWAY_MAC, UserNet, udpDatagram } from '../../../hypervisor-core/net/user/user-net';
import { TcpFlag, buildTcp, parseTcp, type TcpSegment } from '../../../hypervisor-core/net/user/tcp-segment';
import { parseHostForward } from '../../../hypervisor-core/net/user/hostfwd';

const GUEST_MAC = parseMac('52:54:00:12:34:56');
const GUEST_IP = parseIp('10.0.2.15');
const GW = parseIp('10.0.2.2');

/** A guest stack in the test: sends frames, waits for the ones the gateway sends it. */
class Guest implements SwitchEndpoint {
  readonly name = 'guest';
  readonly macs = [GUEST_MAC];
  readonly port: SwitchPort;
  private readonly inbox: Uint8Array[] = [];
  private waiter: (() => void) | null = null;
  constructor(sw: VirtualSwitch) {
    this.port = sw.attach(this);
  }
  deliver(frame: Uint8Array): boolean {
    this.inbox.push(frame);
    this.waiter?.();
    return true;
  }
  /** The next frame the gateway sent (waits for it; a guard of 5 s against a hang). */
  async next(): Promise<Uint8Array> {
    const deadline = Date.now() + 5000;
    while (this.inbox.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame from the gateway');
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 100).unref();
      });
    }
    return this.inbox.shift()!;
  }
  ip(protocol: number, payload: Uint8Array, dst = GW, dstMac: Mac = GATEWAY_MAC): void {
    this.port.send(ethernetFrame(dstMac, GUEST_MAC, EtherType.IPV4, buildIpv4(GUEST_IP, dst, protocol, payload)));
  }
  tcp(port: number, dstPort: number, seq: number, ack: number, flags: number, data?: string): void {
    this.ip(IpProtocol.TCP, buildTcp(GUEST_IP, GW, { srcPort: port, dstPort, seq, ack, flags, window: 65535, payload: data ? Buffer.from(data) : undefined }));
  }
  async nextTcp(): Promise<TcpSegment> {
    for (;;) {
      const f = await this.next();
      if (etherType(f) !== EtherType.IPV4) continue; // an ARP request
      const ip = parseIpv4(f.subarray(14))!;
      assert.equal(ip.protocol, IpProtocol.TCP);
      return parseTcp(ip.src, ip.dst, ip.payload)!;
    }
  }
}

function setup(hostfwd: string[] = []) {
  const sw = new VirtualSwitch('user');
  const user = new UserNet(hostfwd.map(parseHostForward));
  user.connect(sw);
  const guest = new Guest(sw);
  return { sw, user, guest };
}

async function listen(onConn: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('user-mode network (10.0.2.0/24 as QEMU slirp)', () => {
  it('answers ARP for the gateway 10.0.2.2 with 52:55:0a:00:02:02 (RFC 826)', async () => {
    const { guest, user } = setup();
    const req = Uint8Array.of(0, 1, 8, 0, 6, 4, 0, 1, ...GUEST_MAC, ...GUEST_IP, 0, 0, 0, 0, 0, 0, ...GW);
    guest.port.send(ethernetFrame(Uint8Array.of(255, 255, 255, 255, 255, 255), GUEST_MAC, EtherType.ARP, req));
    const f = await guest.next();
    assert.deepEqual([...f.subarray(0, 12)], [...GUEST_MAC, ...GATEWAY_MAC]);
    assert.deepEqual([...f.subarray(14 + 6, 14 + 8)], [0, 2], 'an ARP reply');
    assert.deepEqual([...f.subarray(14 + 8, 14 + 18)], [...GATEWAY_MAC, ...GW]);
    assert.equal(user.counters.arpReplies, 1);
    user.close();
  });

  it('leases 10.0.2.15 by DHCP with router 10.0.2.2 (RFC 2131 DISCOVER -> OFFER)', async () => {
    const { guest, user } = setup();
    const msg = new Uint8Array(300);
    msg.set([1, 1, 6, 0, 0xde, 0xad, 0xbe, 0xef]);
    msg.set(GUEST_MAC, 28);
    msg.set([99, 130, 83, 99, 53, 1, 1, 255], 236);
    guest.port.send(ethernetFrame(Uint8Array.of(255, 255, 255, 255, 255, 255), GUEST_MAC, EtherType.IPV4,
      buildIpv4(parseIp('0.0.0.0'), parseIp('255.255.255.255'), IpProtocol.UDP, udpDatagram(parseIp('0.0.0.0'), parseIp('255.255.255.255'), 68, 67, msg))));
    const f = await guest.next();
    const ip = parseIpv4(f.subarray(14))!;
    const dhcp = ip.payload.subarray(8);
    assert.equal(dhcp[0], 2, 'BOOTREPLY');
    assert.deepEqual([...dhcp.subarray(4, 8)], [0xde, 0xad, 0xbe, 0xef], 'xid');
    assert.equal(ipText(dhcp, 16), '10.0.2.15', 'yiaddr');
    assert.deepEqual([...dhcp.subarray(240, 243)], [53, 1, 2], 'DHCPOFFER');
    user.close();
  });

  it('answers an ICMP echo request to the gateway with an echo reply (RFC 792)', async () => {
    const { guest, user } = setup();
    const echo = Uint8Array.of(8, 0, 0, 0, 0x12, 0x34, 0, 1, ...Buffer.from('ping'));
    const sum = checksum(echo);
    echo[2] = sum >> 8;
    echo[3] = sum & 0xff;
    guest.ip(IpProtocol.ICMP, echo);
    const f = await guest.next();
    const ip = parseIpv4(f.subarray(14))!;
    assert.equal(ipText(ip.src), '10.0.2.2');
    assert.equal(ip.payload[0], 0, 'echo reply');
    assert.deepEqual([...ip.payload.subarray(4)], [...echo.subarray(4)], 'same id, sequence and data');
    assert.equal(checksum(ip.payload), 0);
    // `ping -c 1 10.0.2.2` in the Linux sample under qemu-system-riscv64 -netdev user prints ttl=255.
    assert.equal(ip.ttl, 255, 'the gateway answers with the maximum TTL, as QEMU does');
    user.close();
  });

  it('relays a guest TCP connection to 10.0.2.2:PORT to 127.0.0.1:PORT, both ways, and closes it', async () => {
    const { guest, user } = setup();
    let received = '';
    const ended = new Promise<void>((resolve) => {
      void listen((s) => {
        s.on('data', (d) => {
          received += d.toString();
          s.end('world');
        });
        s.on('end', resolve);
      }).then(({ port, server }) => {
        server.unref();
        guest.tcp(40000, port, 1000, 0, TcpFlag.SYN);
      });
    });
    const synAck = await guest.nextTcp();
    assert.equal(synAck.flags, TcpFlag.SYN | TcpFlag.ACK);
    assert.equal(synAck.ack, 1001);
    const port = synAck.srcPort;
    guest.tcp(40000, port, 1001, synAck.seq + 1, TcpFlag.ACK | TcpFlag.PSH, 'hello');
    let seg = await guest.nextTcp();
    while (seg.payload.length === 0 && !(seg.flags & TcpFlag.FIN)) seg = await guest.nextTcp(); // the ACK of hello
    let data = Buffer.from(seg.payload).toString();
    let fin = (seg.flags & TcpFlag.FIN) !== 0;
    let next = seg.seq + seg.payload.length;
    while (!fin) {
      seg = await guest.nextTcp();
      data += Buffer.from(seg.payload).toString();
      next = seg.seq + seg.payload.length;
      fin = (seg.flags & TcpFlag.FIN) !== 0;
    }
    assert.equal(data, 'world');
    assert.equal(received, 'hello');
    guest.tcp(40000, port, 1006, next + 1, TcpFlag.ACK | TcpFlag.FIN);
    await ended;
    assert.equal(user.counters.tcpConnections, 1);
    user.close();
  });

  it('refuses TCP to any address but the gateway, and to a closed port, with RST', async () => {
    const { guest, user } = setup();
    guest.ip(IpProtocol.TCP, buildTcp(GUEST_IP, parseIp('93.184.216.34'), { srcPort: 40001, dstPort: 80, seq: 5, ack: 0, flags: TcpFlag.SYN, window: 1000 }), parseIp('93.184.216.34'));
    let seg = await guest.nextTcp();
    assert.equal(seg.flags, TcpFlag.RST | TcpFlag.ACK);
    assert.equal(seg.ack, 6);
    const { server, port } = await listen(() => undefined);
    await new Promise<void>((r) => server.close(() => r())); // now nothing listens there
    guest.tcp(40002, port, 7, 0, TcpFlag.SYN);
    seg = await guest.nextTcp();
    assert.equal(seg.flags & TcpFlag.RST, TcpFlag.RST);
    assert.equal(seg.ack, 8);
    user.close();
  });

  it('hostfwd: a host client on 127.0.0.1:HOSTPORT reaches the guest port', async () => {
    const { guest, user } = setup(['tcp:127.0.0.1:0-:80']);
    // The gateway learns the guest's MAC from what it sends (here a ping).
    guest.ip(IpProtocol.ICMP, Uint8Array.of(8, 0, 0xf7, 0xff, 0, 0, 0, 0));
    await guest.next();
    const [hostPort] = await user.listen();
    const client: Socket = connect({ host: '127.0.0.1', port: hostPort });
    let reply = '';
    client.on('data', (d) => { reply += d.toString(); });
    const syn = await guest.nextTcp();
    assert.equal(syn.flags, TcpFlag.SYN);
    assert.equal(syn.dstPort, 80);
    guest.tcp(80, syn.srcPort, 5000, syn.seq + 1, TcpFlag.SYN | TcpFlag.ACK);
    assert.equal((await guest.nextTcp()).flags, TcpFlag.ACK);
    client.write('GET /');
    const req = await guest.nextTcp();
    assert.equal(Buffer.from(req.payload).toString(), 'GET /');
    guest.tcp(80, syn.srcPort, 5001, req.seq + 5, TcpFlag.ACK | TcpFlag.PSH | TcpFlag.FIN, 'page');
    const closed = new Promise<void>((r) => client.on('end', r));
    await closed;
    assert.equal(reply, 'page');
    client.destroy();
    user.close();
  });

  it('hostfwd rules: only tcp, only 127.0.0.1', () => {
    assert.deepEqual(parseHostForward('tcp:127.0.0.1:8080-:80'), { protocol: 'tcp', hostPort: 8080, guestAddr: '10.0.2.15', guestPort: 80 });
    assert.deepEqual(parseHostForward('tcp::2222-10.0.2.16:22'), { protocol: 'tcp', hostPort: 2222, guestAddr: '10.0.2.16', guestPort: 22 });
    assert.throws(() => parseHostForward('tcp:0.0.0.0:8080-:80'), /must be 127.0.0.1/);
    assert.throws(() => parseHostForward('udp::53-:53'), /only tcp/);
    assert.throws(() => parseHostForward('tcp:127.0.0.1:8080'), /is not tcp:127.0.0.1:HOSTPORT-:GUESTPORT/);
  });
});
