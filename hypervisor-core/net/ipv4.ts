/**
 * IPv4 packets (RFC 791) as the user-mode network reads and writes them:
 *
 *   +0 version/IHL  +1 TOS  +2 be16 total length  +4 be16 id  +6 be16 flags/fragment offset
 *   +8 TTL  +9 protocol  +10 be16 header checksum  +12 source  +16 destination  +20 options
 *
 * Fragments are not reassembled (the guest's MTU is the switch's; nothing fragments on the
 * way): a fragment is refused like any malformed packet.
 */
import { checksum } from './checksum';

/** IP protocol numbers. */
export const IpProtocol = { ICMP: 1, TCP: 6, UDP: 17 } as const;

/** An IPv4 address: 4 bytes. */
export type Ip4 = Uint8Array;

/** A parsed IPv4 packet; `payload` is a view of the frame. */
export interface Ipv4Packet {
  src: Ip4;
  dst: Ip4;
  protocol: number;
  ttl: number;
  payload: Uint8Array;
}

/** Parses "10.0.2.15". Throws RangeError when it is not a dotted quad. */
export function parseIp(text: string): Ip4 {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new RangeError(`'${text}' is not an IPv4 address`);
  return Uint8Array.from(parts.map(Number));
}

/** Formats an address as a dotted quad. */
export function ipText(ip: Uint8Array, at = 0): string {
  return `${ip[at]}.${ip[at + 1]}.${ip[at + 2]}.${ip[at + 3]}`;
}

/** The address as an unsigned number (a map key). */
export function ipKey(ip: Uint8Array, at = 0): number {
  return ((ip[at] << 24) | (ip[at + 1] << 16) | (ip[at + 2] << 8) | ip[at + 3]) >>> 0;
}

/** Whether two addresses are equal. */
export function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Parses the IPv4 packet in `data` (an Ethernet payload); null when malformed or a fragment. */
export function parseIpv4(data: Uint8Array): Ipv4Packet | null {
  if (data.length < 20 || data[0] >> 4 !== 4) return null;
  const ihl = (data[0] & 15) * 4;
  const total = (data[2] << 8) | data[3];
  if (ihl < 20 || total < ihl || total > data.length) return null;
  if (checksum(data, 0, ihl) !== 0) return null;
  const fragment = ((data[6] << 8) | data[7]) & 0x3fff; // MF and the offset
  if (fragment !== 0) return null;
  return { src: data.slice(12, 16), dst: data.slice(16, 20), protocol: data[9], ttl: data[8], payload: data.subarray(ihl, total) };
}

let nextId = 1;

/** The TTL of the packets the user-mode network originates (BSD's IPDEFTTL, as QEMU's). */
export const DEFAULT_TTL = 64;

/** Builds an IPv4 packet (no options, DF set) around `payload`. */
export function buildIpv4(src: Ip4, dst: Ip4, protocol: number, payload: Uint8Array, ttl = DEFAULT_TTL): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  const id = nextId++ & 0xffff;
  p[4] = id >> 8;
  p[5] = id & 0xff;
  p[6] = 0x40; // DF
  p[8] = ttl;
  p[9] = protocol;
  p.set(src.subarray(0, 4), 12);
  p.set(dst.subarray(0, 4), 16);
  const sum = checksum(p, 0, 20);
  p[10] = sum >> 8;
  p[11] = sum & 0xff;
  p.set(payload, 20);
  return p;
}
