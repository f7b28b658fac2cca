/**
 * The DHCP server of the user-mode network (RFC 2131, options RFC 2132), as QEMU's slirp
 * answers: addresses from 10.0.2.15 up, one per client MAC, at most DHCP_CLIENTS (slirp's
 * NB_BOOTP_CLIENTS is 16), router 10.0.2.2, DNS 10.0.2.3, a one-day lease.
 *
 *   BOOTP message: +0 op (1 request, 2 reply)  +1 htype (1 Ethernet)  +2 hlen (6)  +3 hops
 *   +4 xid  +8 secs  +10 flags  +12 ciaddr  +16 yiaddr  +20 siaddr  +24 giaddr  +28 chaddr[16]
 *   +44 sname[64]  +108 file[128]  +236 magic cookie 99.130.83.99  +240 options (code, len, data)
 */
import { macKey } from '../ethernet';

/** DHCP message types (option 53). */
export const DhcpType = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;
/** Clients served at most. */
export const DHCP_CLIENTS = 16;
/** Lease time in seconds. */
export const LEASE_SECONDS = 86400;

const COOKIE = [99, 130, 83, 99];
const OPTIONS = 240;

/** The addresses the server hands out. */
export interface DhcpConfig {
  /** The first client address (10.0.2.15). */
  start: Uint8Array;
  /** Router and server identifier (10.0.2.2). */
  router: Uint8Array;
  /** DNS server announced (10.0.2.3). */
  dns: Uint8Array;
  /** Netmask (255.255.255.0). */
  netmask: Uint8Array;
}

/** A parsed request. */
interface DhcpRequest {
  type: number;
  xid: Uint8Array;
  chaddr: Uint8Array;
  flags: number;
  requested: Uint8Array | null;
}

function parse(msg: Uint8Array): DhcpRequest | null {
  if (msg.length < OPTIONS || msg[0] !== 1 || msg[1] !== 1 || msg[2] !== 6) return null;
  if (COOKIE.some((b, i) => msg[236 + i] !== b)) return null;
  let type = 0;
  let requested: Uint8Array | null = null;
  // Options are code, length, data; 0 is padding and 255 the end. The walk stops at the
  // message's end whatever the lengths say.
  for (let i = OPTIONS; i < msg.length;) {
    const code = msg[i];
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    if (i + 1 >= msg.length) break;
    const len = msg[i + 1];
    const data = msg.subarray(i + 2, Math.min(msg.length, i + 2 + len));
    if (code === 53 && data.length >= 1) type = data[0];
    if (code === 50 && data.length >= 4) requested = data.slice(0, 4);
    i += 2 + len;
  }
  if (type === 0) return null;
  return { type, xid: msg.slice(4, 8), chaddr: msg.slice(28, 34), flags: (msg[10] << 8) | msg[11], requested };
}

/** The server: leases by MAC. */
export class DhcpServer {
  private readonly leases = new Map<number, number>();

  constructor(private readonly config: DhcpConfig) {}

  /** The address leased to `mac` (or that it would get), or null when the pool is full. */
  addressFor(mac: Uint8Array): Uint8Array | null {
    const key = macKey(mac);
    let n = this.leases.get(key);
    if (n === undefined) {
      if (this.leases.size >= DHCP_CLIENTS) return null;
      n = this.leases.size;
      this.leases.set(key, n);
    }
    const ip = this.config.start.slice(0, 4);
    ip[3] += n;
    return ip;
  }

  /** The MAC leased `ip`, if any. */
  leaseOf(ip: Uint8Array): number | null {
    for (const [mac, n] of this.leases) if (this.config.start[3] + n === ip[3]) return mac;
    return null;
  }

  /**
   * Answers a client message (the UDP payload sent to port 67); returns the reply's UDP
   * payload and the client's MAC, or null when there is nothing to answer.
   */
  handle(msg: Uint8Array): { reply: Uint8Array; mac: Uint8Array; yiaddr: Uint8Array } | null {
    const req = parse(msg);
    if (!req) return null;
    if (req.type !== DhcpType.DISCOVER && req.type !== DhcpType.REQUEST) return null;
    const ip = this.addressFor(req.chaddr);
    if (!ip) return null;
    let type: number = req.type === DhcpType.DISCOVER ? DhcpType.OFFER : DhcpType.ACK;
    if (req.type === DhcpType.REQUEST && req.requested && !req.requested.every((b, i) => b === ip[i])) type = DhcpType.NAK;
    return { reply: this.reply(req, type, ip), mac: req.chaddr, yiaddr: ip };
  }

  private reply(req: DhcpRequest, type: number, ip: Uint8Array): Uint8Array {
    const c = this.config;
    const m = new Uint8Array(300);
    m[0] = 2;
    m[1] = 1;
    m[2] = 6;
    m.set(req.xid, 4);
    m[10] = req.flags >> 8;
    m[11] = req.flags & 0xff;
    if (type !== DhcpType.NAK) m.set(ip, 16);
    m.set(c.router, 20);
    m.set(req.chaddr, 28);
    m.set(COOKIE, 236);
    const opts: number[] = [53, 1, type, 54, 4, ...c.router];
    if (type !== DhcpType.NAK) {
      opts.push(51, 4, (LEASE_SECONDS >>> 24) & 0xff, (LEASE_SECONDS >> 16) & 0xff, (LEASE_SECONDS >> 8) & 0xff, LEASE_SECONDS & 0xff);
      opts.push(1, 4, ...c.netmask, 3, 4, ...c.router, 6, 4, ...c.dns);
    }
    opts.push(255);
    m.set(opts, OPTIONS);
    return m;
  }
}
