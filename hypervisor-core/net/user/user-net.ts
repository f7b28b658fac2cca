/**
 * User-mode networking, as QEMU's `-netdev user` (slirp) gives a guest, as one port of a
 * virtual switch: the guest's network is 10.0.2.0/24, the gateway 10.0.2.2 (MAC
 * 52:55:0a:00:02:02, slirp's), DNS 10.0.2.3 announced (not answered), addresses from 10.0.2.15
 * by DHCP. The gateway answers:
 *
 *   ARP        who-has 10.0.2.2 / 10.0.2.3 (RFC 826); it learns the guests' addresses
 *   DHCP       DISCOVER and REQUEST on UDP port 67 (dhcp.ts)
 *   ICMP       echo requests to 10.0.2.2 (RFC 792): ping the gateway
 *   UDP, TCP   to 10.0.2.2:PORT: relayed to 127.0.0.1:PORT on the host (udp-proxy.ts,
 *              tcp-connection.ts); any other destination is refused (TCP: RST)
 *   hostfwd    a host client connecting to 127.0.0.1:HOSTPORT reaches GUESTADDR:GUESTPORT
 *
 * Nothing binds outside 127.0.0.1 and nothing connects anywhere but 127.0.0.1. Every table is
 * bounded (ARP entries, TCP connections, UDP flows, DHCP leases).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ETH_HEADER, EtherType, BROADCAST_MAC, etherType, ethernetFrame, type Mac } from '../ethernet';
import type { SwitchEndpoint, SwitchPort, VirtualSwitch } from '../switch';
import { checksum, finishChecksum, pseudoHeaderSum, sumWords } from '../checksum';
import { IpProtocol, buildIpv4, ipKey, parseIp, parseIpv4, sameIp, type Ipv4Packet } from '../ipv4';
import { DhcpServer } from './dhcp';
import type { HostForward } from './hostfwd';
import { TcpConnection, type TcpLink } from './tcp-connection';
import { TcpFlag, buildTcp, parseTcp, type TcpOut, type TcpSegment } from './tcp-segment';
import { UdpProxy } from './udp-proxy';

/** The gateway's MAC (slirp: 52:55 then the gateway address). */
export const GATEWAY_MAC: Mac = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
/** Addresses of the user network. */
export const GATEWAY_IP = parseIp('10.0.2.2');
/** The DNS address announced. */
export const DNS_IP = parseIp('10.0.2.3');
/** The first DHCP address (and hostfwd's default guest). */
export const GUEST_IP = parseIp('10.0.2.15');
const NETMASK = parseIp('255.255.255.0');
const BROADCAST_IP = parseIp('255.255.255.255');
/** The TTL of the gateway's echo replies (MAXTTL: what `ping 10.0.2.2` shows under QEMU). */
const ECHO_REPLY_TTL = 255;
/** Guest addresses remembered at most. */
export const ARP_ENTRIES = 64;
/** TCP connections at most (both directions). */
export const TCP_CONNECTIONS = 64;

/** What the gateway counts (`--stats-json` network, the user port's "details"). */
export interface UserNetCounters {
  arpReplies: number;
  dhcpReplies: number;
  icmpEchoReplies: number;
  tcpConnections: number;
  tcpRefused: number;
  udpDatagrams: number;
  /** Frames not for the gateway or not understood (malformed, fragments, other protocols). */
  ignored: number;
}

/** The gateway. */
export class UserNet implements SwitchEndpoint, TcpLink {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly macs = [GATEWAY_MAC];
  /** Counters. */
  readonly counters: UserNetCounters = { arpReplies: 0, dhcpReplies: 0, icmpEchoReplies: 0, tcpConnections: 0, tcpRefused: 0, udpDatagrams: 0, ignored: 0 };
  private port: SwitchPort | null = null;
  private readonly dhcp = new DhcpServer({ start: GUEST_IP, router: GATEWAY_IP, dns: DNS_IP, netmask: NETMASK });
  /** Guest IP (number) -> MAC, the oldest first. */
  private readonly arp = new Map<number, Mac>();
  private readonly tcp = new Map<string, TcpConnection>();
  private readonly udp = new UdpProxy((ip, guestPort, fromPort, data) => this.sendUdp(ip, guestPort, fromPort, data));
  private readonly servers: Server[] = [];
  private nextInboundPort = 0;

  constructor(readonly hostfwd: readonly HostForward[] = [], name = 'user') {
    this.name = name;
  }

  /** Plugs the gateway into a switch. */
  connect(sw: VirtualSwitch): SwitchPort {
    this.port = sw.attach(this);
    return this.port;
  }

  /**
   * Starts listening for the hostfwd rules on 127.0.0.1; resolves with the ports bound (the
   * same order), rejects with a one-line Error when a port cannot be had.
   */
  async listen(): Promise<number[]> {
    const ports: number[] = [];
    for (const rule of this.hostfwd) {
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => this.inbound(rule, s));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`hostfwd tcp:127.0.0.1:${rule.hostPort}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.code ?? e.message}`)));
        server.listen({ host: '127.0.0.1', port: rule.hostPort }, () => resolve());
      });
      server.unref();
      this.servers.push(server);
      const addr = server.address();
      ports.push(typeof addr === 'object' && addr ? addr.port : rule.hostPort);
    }
    return ports;
  }

  /** Stops listening and resets every connection. */
  close(): void {
    for (const s of this.servers) s.close();
    this.servers.length = 0;
    for (const c of [...this.tcp.values()]) c.abort();
    this.udp.close();
  }

  /** The gateway's counters for the switch report. */
  details(): Record<string, number> {
    return { ...this.counters, tcpOpen: this.tcp.size };
  }

  /** @inheritdoc: a frame from the guest side. */
  deliver(frame: Uint8Array): boolean {
    const type = etherType(frame);
    const payload = frame.subarray(ETH_HEADER);
    const src = frame.slice(6, 12);
    if (type === EtherType.ARP) this.arpFrame(src, payload);
    else if (type === EtherType.IPV4) this.ipFrame(src, payload);
    else this.counters.ignored++;
    return true;
  }

  // --- ARP -------------------------------------------------------------------------------

  private arpFrame(src: Mac, p: Uint8Array): void {
    // htype 1, ptype 0x0800, hlen 6, plen 4, op; sender MAC, IP; target MAC, IP.
    if (p.length < 28 || p[0] !== 0 || p[1] !== 1 || p[2] !== 8 || p[3] !== 0 || p[4] !== 6 || p[5] !== 4) {
      this.counters.ignored++;
      return;
    }
    const op = (p[6] << 8) | p[7];
    const senderMac = p.slice(8, 14);
    const senderIp = p.slice(14, 18);
    const targetIp = p.slice(24, 28);
    if (!(senderIp[0] === 0 && senderIp[1] === 0 && senderIp[2] === 0 && senderIp[3] === 0)) this.learn(senderIp, senderMac);
    if (op !== 1 || !(sameIp(targetIp, GATEWAY_IP) || sameIp(targetIp, DNS_IP))) return;
    const reply = new Uint8Array(28);
    reply.set([0, 1, 8, 0, 6, 4, 0, 2], 0);
    reply.set(GATEWAY_MAC, 8);
    reply.set(targetIp, 14);
    reply.set(senderMac, 18);
    reply.set(senderIp, 24);
    this.counters.arpReplies++;
    this.port?.send(ethernetFrame(src, GATEWAY_MAC, EtherType.ARP, reply));
  }

  private learn(ip: Uint8Array, mac: Mac): void {
    if (ip[0] !== 10 || ip[1] !== 0 || ip[2] !== 2) return; // only the user network's own
    const k = ipKey(ip);
    this.arp.delete(k);
    if (this.arp.size >= ARP_ENTRIES) this.arp.delete(this.arp.keys().next().value as number);
    this.arp.set(k, mac.slice(0, 6));
  }

  /** Sends an IPv4 packet to a guest; without its MAC, asks for it (the caller retries). */
  private sendIp(dst: Uint8Array, protocol: number, payload: Uint8Array, dstMac?: Mac, src: Uint8Array = GATEWAY_IP, ttl?: number): void {
    const mac = dstMac ?? this.arp.get(ipKey(dst));
    if (!mac) {
      this.whoHas(dst);
      return;
    }
    this.port?.send(ethernetFrame(mac, GATEWAY_MAC, EtherType.IPV4, buildIpv4(src, dst, protocol, payload, ttl)));
  }

  private whoHas(ip: Uint8Array): void {
    const req = new Uint8Array(28);
    req.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
    req.set(GATEWAY_MAC, 8);
    req.set(GATEWAY_IP, 14);
    req.set(ip.subarray(0, 4), 24);
    this.port?.send(ethernetFrame(BROADCAST_MAC, GATEWAY_MAC, EtherType.ARP, req));
  }

  // --- IPv4 ------------------------------------------------------------------------------

  private ipFrame(srcMac: Mac, data: Uint8Array): void {
    const ip = parseIpv4(data);
    if (!ip) {
      this.counters.ignored++;
      return;
    }
    if (!(ip.src[0] === 0 && ip.src[1] === 0 && ip.src[2] === 0 && ip.src[3] === 0)) this.learn(ip.src, srcMac);
    if (ip.protocol === IpProtocol.UDP) this.udpPacket(ip);
    else if (ip.protocol === IpProtocol.TCP) this.tcpPacket(ip);
    else if (ip.protocol === IpProtocol.ICMP && sameIp(ip.dst, GATEWAY_IP)) this.icmpPacket(srcMac, ip);
    else this.counters.ignored++;
  }

  private icmpPacket(srcMac: Mac, ip: Ipv4Packet): void {
    const p = ip.payload;
    if (p.length < 8 || p[0] !== 8 || checksum(p) !== 0) {
      this.counters.ignored++;
      return;
    }
    // Echo reply (type 0): the same identifier, sequence and data (RFC 792).
    const reply = p.slice();
    reply[0] = 0;
    reply[2] = 0;
    reply[3] = 0;
    const sum = checksum(reply);
    reply[2] = sum >> 8;
    reply[3] = sum & 0xff;
    this.counters.icmpEchoReplies++;
    // BSD's icmp_reflect, which QEMU's user network keeps, answers with the maximum TTL.
    this.sendIp(ip.src, IpProtocol.ICMP, reply, srcMac, GATEWAY_IP, ECHO_REPLY_TTL);
  }

  // --- UDP -------------------------------------------------------------------------------

  private udpPacket(ip: Ipv4Packet): void {
    const u = ip.payload;
    if (u.length < 8) {
      this.counters.ignored++;
      return;
    }
    const srcPort = (u[0] << 8) | u[1];
    const dstPort = (u[2] << 8) | u[3];
    const len = (u[4] << 8) | u[5];
    if (len < 8 || len > u.length) {
      this.counters.ignored++;
      return;
    }
    const data = u.subarray(8, len);
    if (dstPort === 67 && (sameIp(ip.dst, BROADCAST_IP) || sameIp(ip.dst, GATEWAY_IP))) {
      const r = this.dhcp.handle(data);
      if (!r) return;
      this.counters.dhcpReplies++;
      this.learn(r.yiaddr, r.mac);
      this.port?.send(ethernetFrame(r.mac, GATEWAY_MAC, EtherType.IPV4,
        buildIpv4(GATEWAY_IP, BROADCAST_IP, IpProtocol.UDP, udpDatagram(GATEWAY_IP, BROADCAST_IP, 67, 68, r.reply))));
      return;
    }
    if (!sameIp(ip.dst, GATEWAY_IP)) {
      this.counters.ignored++;
      return;
    }
    if (this.udp.send(ip.src, srcPort, dstPort, data)) this.counters.udpDatagrams++;
    else this.counters.ignored++;
  }

  private sendUdp(guestIp: Uint8Array, guestPort: number, fromPort: number, data: Uint8Array): void {
    if (data.length > 1472) return; // no fragmentation: larger replies do not fit the MTU
    this.sendIp(guestIp, IpProtocol.UDP, udpDatagram(GATEWAY_IP, guestIp, fromPort, guestPort, data));
  }

  // --- TCP -------------------------------------------------------------------------------

  private tcpPacket(ip: Ipv4Packet): void {
    const seg = parseTcp(ip.src, ip.dst, ip.payload);
    if (!seg) {
      this.counters.ignored++;
      return;
    }
    const key = `${ip.src.join('.')}:${seg.srcPort}:${seg.dstPort}`;
    const conn = this.tcp.get(key);
    if (conn) {
      conn.fromGuest(seg);
      return;
    }
    if (seg.flags & TcpFlag.RST) return;
    const isSyn = (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    if (!isSyn || !sameIp(ip.dst, GATEWAY_IP) || this.tcp.size >= TCP_CONNECTIONS) {
      this.counters.tcpRefused++;
      this.reset(ip, seg);
      return;
    }
    const socket = connect({ host: '127.0.0.1', port: seg.dstPort, allowHalfOpen: true });
    const c = new TcpConnection(this, socket, key, ip.src, seg.srcPort, seg.dstPort, 'outbound');
    c.guestSyn(seg);
    this.tcp.set(key, c);
    this.counters.tcpConnections++;
    socket.once('connect', () => c.hostConnected());
  }

  /** RST for a segment no connection takes (RFC 9293 section 3.10.7.1). */
  private reset(ip: Ipv4Packet, seg: TcpSegment): void {
    const len = seg.payload.length + (seg.flags & TcpFlag.SYN ? 1 : 0) + (seg.flags & TcpFlag.FIN ? 1 : 0);
    const out: TcpOut = seg.flags & TcpFlag.ACK
      ? { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, ack: 0, flags: TcpFlag.RST, window: 0 }
      : { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: 0, ack: (seg.seq + len) >>> 0, flags: TcpFlag.RST | TcpFlag.ACK, window: 0 };
    this.sendIp(ip.src, IpProtocol.TCP, buildTcp(ip.dst, ip.src, out), undefined, ip.dst);
  }

  private inbound(rule: HostForward, socket: Socket): void {
    if (this.tcp.size >= TCP_CONNECTIONS) {
      socket.destroy();
      return;
    }
    const guestIp = parseIp(rule.guestAddr);
    // Our end of the connection in the guest's eyes: 10.0.2.2 and a port of our own.
    let key = '';
    let port = 0;
    for (let tries = 0; tries < 16384; tries++) {
      port = 49152 + (this.nextInboundPort++ % 16384);
      key = `${guestIp.join('.')}:${rule.guestPort}:${port}`;
      if (!this.tcp.has(key)) break;
    }
    const c = new TcpConnection(this, socket, key, guestIp, rule.guestPort, port, 'inbound');
    this.tcp.set(key, c);
    this.counters.tcpConnections++;
    c.open();
  }

  /** @inheritdoc (TcpLink) */
  send(conn: TcpConnection, seg: Omit<TcpOut, 'srcPort' | 'dstPort'>): void {
    const ip = conn.guestIp;
    this.sendIp(ip, IpProtocol.TCP, buildTcp(GATEWAY_IP, ip, { ...seg, srcPort: conn.hostPort, dstPort: conn.guestPort }));
  }

  /** @inheritdoc (TcpLink) */
  closed(conn: TcpConnection): void {
    if (this.tcp.get(conn.key) === conn) this.tcp.delete(conn.key);
  }
}

/** A UDP datagram with its checksum (RFC 768). */
export function udpDatagram(src: Uint8Array, dst: Uint8Array, srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + data.length);
  u[0] = srcPort >> 8;
  u[1] = srcPort & 0xff;
  u[2] = dstPort >> 8;
  u[3] = dstPort & 0xff;
  u[4] = u.length >> 8;
  u[5] = u.length & 0xff;
  u.set(data, 8);
  const sum = finishChecksum(sumWords(u, 0, u.length, pseudoHeaderSum(src, dst, IpProtocol.UDP, u.length))) || 0xffff;
  u[6] = sum >> 8;
  u[7] = sum & 0xff;
  return u;
}
