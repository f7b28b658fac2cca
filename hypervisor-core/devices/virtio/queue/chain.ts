/**
 * A descriptor chain as the device sees it once the split queue has walked and checked it:
 * device-readable segments, then device-writable segments (virtio 1.2 section 2.7.4.2: "a
 * device-writable buffer ... after device-readable"). Every segment lies inside guest RAM.
 * Devices must not assume how a request is split into descriptors (section 2.6.4, "Message
 * Framing"), so the helpers here treat each side as one byte stream.
 */
import type { GuestMemory } from '../guest-memory';

/** One buffer of a chain, inside guest RAM. */
export interface Segment {
  /** Guest-physical address. */
  addr: number;
  /** Length in bytes. */
  len: number;
}

/** A walked, validated descriptor chain. */
export interface DescriptorChain {
  /** Index of the head descriptor (what goes back in the used ring). */
  head: number;
  /** Device-readable segments, in order. */
  readable: Segment[];
  /** Device-writable segments, in order. */
  writable: Segment[];
  /** Sum of the readable lengths. */
  readableBytes: number;
  /** Sum of the writable lengths. */
  writableBytes: number;
}

/** Largest piece copied at once when streaming (bounds host allocations per step). */
export const CHUNK = 64 * 1024;

/**
 * Calls `fn(gpa, len, streamOffset)` for the pieces of [start, start + length) of the byte
 * stream formed by `segs`, each piece at most CHUNK bytes and inside one segment.
 */
export function forEachPiece(segs: Segment[], start: number, length: number,
  fn: (gpa: number, len: number, at: number) => void): void {
  let pos = 0;
  const end = start + length;
  for (const s of segs) {
    const from = Math.max(start, pos);
    const to = Math.min(end, pos + s.len);
    for (let at = from; at < to; at += CHUNK) fn(s.addr + (at - pos), Math.min(CHUNK, to - at), at);
    pos += s.len;
    if (pos >= end) break;
  }
}

/** Reads `length` bytes at `start` of the readable stream (length clipped to what exists). */
export function readStream(mem: GuestMemory, segs: Segment[], start: number, length: number): Uint8Array {
  let total = 0;
  for (const s of segs) total += s.len;
  const n = Math.max(0, Math.min(length, total - start));
  const out = new Uint8Array(n);
  forEachPiece(segs, start, n, (gpa, len, at) => {
    const b = mem.read(gpa, len);
    if (b) out.set(b, at - start);
  });
  return out;
}

/** Writes `data` at `start` of the writable stream (clipped to its end); returns bytes written. */
export function writeStream(mem: GuestMemory, segs: Segment[], start: number, data: Uint8Array): number {
  let written = 0;
  forEachPiece(segs, start, data.length, (gpa, len, at) => {
    mem.write(gpa, data.subarray(at - start, at - start + len));
    written += len;
  });
  return written;
}
