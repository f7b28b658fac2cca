/**
 * TCP segments (RFC 9293 section 3.1) as the user-mode network reads and writes them:
 *
 *   +0 be16 source port  +2 be16 destination port  +4 be32 sequence  +8 be32 acknowledgment
 *   +12 data offset (4 bits, in words)  +13 flags CWR ECE URG ACK PSH RST SYN FIN
 *   +14 be16 window  +16 be16 checksum (with the IPv4 pseudo-header)  +18 urgent  +20 options
 *
 * The only option written is MSS (kind 2) on SYN segments; the only one read is the peer's
 * MSS. Window scaling is never offered, so neither side scales (RFC 7323 section 2.2).
 */
import { finishChecksum, pseudoHeaderSum, sumWords } from '../checksum';
import { IpProtocol, type Ip4 } from '../ipv4';

/** TCP flag bits (byte 13). */
export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

/** A parsed segment; `payload` is a view of the packet. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** The peer's MSS option, if the segment carries one. */
  mss: number | null;
  payload: Uint8Array;
}

const be32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

/** Parses a segment (the IPv4 payload) and checks its checksum; null when malformed. */
export function parseTcp(src: Ip4, dst: Ip4, data: Uint8Array): TcpSegment | null {
  if (data.length < 20) return null;
  const off = (data[12] >> 4) * 4;
  if (off < 20 || off > data.length) return null;
  if (finishChecksum(sumWords(data, 0, data.length, pseudoHeaderSum(src, dst, IpProtocol.TCP, data.length))) !== 0) return null;
  let mss: number | null = null;
  for (let i = 20; i < off;) {
    const kind = data[i];
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = i + 1 < off ? data[i + 1] : 0;
    if (len < 2) break;
    if (kind === 2 && len === 4 && i + 4 <= off) mss = (data[i + 2] << 8) | data[i + 3];
    i += len;
  }
  return {
    srcPort: (data[0] << 8) | data[1], dstPort: (data[2] << 8) | data[3], seq: be32(data, 4), ack: be32(data, 8),
    flags: data[13] & 0x3f, window: (data[14] << 8) | data[15], mss, payload: data.subarray(off),
  };
}

/** What a segment to build carries: a parsed segment's fields, the MSS option and payload optional. */
export interface TcpOut extends Omit<TcpSegment, 'mss' | 'payload'> {
  /** Adds the MSS option (SYN segments). */
  mss?: number;
  payload?: Uint8Array;
}

/** Builds a segment with its checksum (the IPv4 payload). */
export function buildTcp(src: Ip4, dst: Ip4, s: TcpOut): Uint8Array {
  const opt = s.mss !== undefined ? 4 : 0;
  const payload = s.payload ?? new Uint8Array(0);
  const t = new Uint8Array(20 + opt + payload.length);
  const v = new DataView(t.buffer);
  v.setUint16(0, s.srcPort);
  v.setUint16(2, s.dstPort);
  v.setUint32(4, s.seq >>> 0);
  v.setUint32(8, s.ack >>> 0);
  t[12] = ((20 + opt) / 4) << 4;
  t[13] = s.flags;
  v.setUint16(14, Math.max(0, Math.min(0xffff, s.window)));
  if (s.mss !== undefined) t.set([2, 4, s.mss >> 8, s.mss & 0xff], 20);
  t.set(payload, 20 + opt);
  v.setUint16(16, finishChecksum(sumWords(t, 0, t.length, pseudoHeaderSum(src, dst, IpProtocol.TCP, t.length))));
  return t;
}

/** a - b in sequence space (RFC 9293 section 3.4): negative when a is before b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
