/**
 * The framing of gdb's Remote Serial Protocol (gdb manual, "Overview" and "Packet
 * Acknowledgment" of appendix E): `$payload#cs` with a two-digit modulo-256 checksum of the
 * payload as sent, `}` escaping (the byte XOR 0x20) for `$`, `#`, `}` and `*`, run-length
 * encoding (`X*n`: X repeated n - 29 more times), `+`/`-` acknowledgments until
 * QStartNoAckMode, and a bare 0x03 byte for Ctrl-C.
 *
 * Payloads are latin1 strings: one character per byte, so binary data (X packets, qXfer
 * replies) passes through unchanged. The decoder holds at most `maxPacket` bytes of one
 * packet; a longer one is dropped whole and reported, never buffered without bound.
 */

/** What the decoder found in the byte stream. */
export type RspEvent =
  | { kind: 'packet'; payload: string }
  /** A packet whose checksum did not match (answer '-' in ack mode). */
  | { kind: 'bad-checksum' }
  /** A packet longer than the decoder accepts (dropped). */
  | { kind: 'overflow' }
  /** A packet with a dangling escape or a bad run-length count. */
  | { kind: 'malformed' }
  | { kind: 'interrupt' }
  | { kind: 'ack' }
  | { kind: 'nack' };

/** Largest decoded payload we accept from a client (QEMU advertises PacketSize=1000 hex: 4096). */
export const MAX_PACKET = 0x1000;
/** The decoder's buffer bound: an escaped packet of MAX_PACKET binary bytes plus a margin. */
const MAX_RAW = 2 * MAX_PACKET + 256;

/** Modulo-256 sum of the bytes of a latin1 string. */
export function checksum(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum = (sum + s.charCodeAt(i)) & 0xff;
  return sum;
}

/** Escapes the four bytes RSP reserves in packet data. */
export function escapeBinary(s: string): string {
  return s.replace(/[$#}*]/g, (c) => '}' + String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

/**
 * Run-length encodes a payload (already escaped): runs of 4 or more of a character become
 * `c*N` with N = count - 1 + 29, avoiding the counts that would encode as '#' or '$' (and '+'
 * or '-', which a reader may take for acks), as gdbserver does.
 */
export function runLengthEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const c = s[i];
    let n = 1;
    while (i + n < s.length && s[i + n] === c && n < 98) n++;
    // An escape character must stay next to the byte it escapes.
    if (n >= 4 && c !== '}') {
      let rep = n - 1; // repeats after the first
      while ('#$+-'.includes(String.fromCharCode(rep + 29))) rep--;
      out += c + '*' + String.fromCharCode(rep + 29);
      i += rep + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Frames a payload: escapes, optionally run-length encodes, adds `$`, `#` and the checksum. */
export function encodePacket(payload: string, rle = false): string {
  let body = escapeBinary(payload);
  if (rle) body = runLengthEncode(body);
  return `$${body}#${checksum(body).toString(16).padStart(2, '0')}`;
}

/** Undoes `}` escapes and `*` run-length encoding; undefined when malformed. */
export function decodeBody(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '}') {
      if (i + 1 >= body.length) return undefined;
      out += String.fromCharCode(body.charCodeAt(++i) ^ 0x20);
    } else if (c === '*') {
      if (out.length === 0 || i + 1 >= body.length) return undefined;
      const n = body.charCodeAt(++i) - 29;
      if (n < 0 || out.length + n > MAX_PACKET * 2) return undefined;
      out += out[out.length - 1].repeat(n);
    } else {
      out += c;
    }
  }
  return out;
}

/** An incremental RSP decoder: feed it bytes as they arrive, get events. */
export class RspDecoder {
  /** Bytes of the packet being read (after '$'), escaped; null between packets. */
  private body: string | null = null;
  /** After '#': the checksum digits read so far. */
  private sum: string | null = null;
  private overflowed = false;

  /** Decodes a chunk; returns the events it completed, in order. */
  feed(chunk: Uint8Array): RspEvent[] {
    const events: RspEvent[] = [];
    for (const byte of chunk) {
      const c = String.fromCharCode(byte);
      if (this.body === null) {
        // Between packets: acks, Ctrl-C, a packet start; anything else is line noise.
        if (c === '$') { this.body = ''; this.sum = null; this.overflowed = false; }
        else if (c === '+') events.push({ kind: 'ack' });
        else if (c === '-') events.push({ kind: 'nack' });
        else if (byte === 0x03) events.push({ kind: 'interrupt' });
        continue;
      }
      if (this.sum === null) {
        if (c === '#') { this.sum = ''; continue; }
        if (c === '$') { this.body = ''; this.overflowed = false; continue; } // a new start abandons a torn packet
        if (this.body.length >= MAX_RAW) this.overflowed = true;
        else this.body += c;
        continue;
      }
      this.sum += c;
      if (this.sum.length < 2) continue;
      events.push(this.finish(this.body, this.sum));
      this.body = null;
      this.sum = null;
    }
    return events;
  }

  private finish(body: string, sum: string): RspEvent {
    if (this.overflowed) return { kind: 'overflow' };
    if (!/^[0-9a-fA-F]{2}$/.test(sum) || parseInt(sum, 16) !== checksum(body)) return { kind: 'bad-checksum' };
    const payload = decodeBody(body);
    return payload === undefined ? { kind: 'malformed' } : { kind: 'packet', payload };
  }
}

/** Hex of a latin1 string's bytes (qRcmd output, O packets). */
export function toHex(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

/** A latin1 string from hex digits; undefined when not an even number of hex digits. */
export function fromHex(h: string): string | undefined {
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) return undefined;
  let out = '';
  for (let i = 0; i < h.length; i += 2) out += String.fromCharCode(parseInt(h.slice(i, i + 2), 16));
  return out;
}
