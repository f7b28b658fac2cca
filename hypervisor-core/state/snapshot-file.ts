/**
 * The snapshot file: a VM's state and memory in one file that says what it is and whether it
 * arrived whole.
 *
 *   offset  size  field
 *   0       8     magic "HSCOPEVM"
 *   8       4     format version (little-endian u32), SNAPSHOT_VERSION
 *   12      4     reserved, 0
 *   16      8     payload length in bytes (little-endian u64)
 *   24      32    SHA-256 of the payload
 *   56      ...   payload: zlib deflate of
 *                   u32 length of the state JSON, the state JSON (UTF-8),
 *                   u32 page count, then per page: u32 page index, 4096 bytes
 *
 * Pages are the host memory of the VM (guest RAM and its G-stage tables) by index from its
 * base; pages of zeroes are not stored. A reader checks magic, version, length and checksum
 * before it inflates anything, so a truncated, corrupted or foreign file is refused with one
 * line (SnapshotFileError) and never half restored.
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { StateError, type Saved } from './persist';

/** The first 8 bytes of every snapshot file. */
export const SNAPSHOT_MAGIC = 'HSCOPEVM';
/** The format this code writes and reads; another version is refused. */
export const SNAPSHOT_VERSION = 1;
const HEADER = 56;
const PAGE = 4096;
/** The largest payload read back (a 2 GiB guest of random data, plus state). */
const MAX_PAYLOAD = 2 ** 32;

/** A snapshot file that cannot be used; the message is one line. */
export class SnapshotFileError extends Error {
  constructor(message: string, readonly reason: 'foreign' | 'version' | 'truncated' | 'corrupt') {
    super(message);
  }
}

/** What a snapshot holds: the state as data and the non-zero host pages. */
export interface SnapshotContents {
  state: Saved;
  /** Host memory, of which the non-zero pages are stored. */
  memory: Uint8Array;
}

/** The indices of the pages of `memory` that are not all zero. */
export function nonZeroPages(memory: Uint8Array): number[] {
  const words = new Uint32Array(memory.buffer, memory.byteOffset, memory.byteLength >>> 2);
  const pages: number[] = [];
  for (let p = 0, w = 0; w < words.length; p++, w += PAGE / 4) {
    for (let i = w; i < w + PAGE / 4; i++) {
      if (words[i] !== 0) {
        pages.push(p);
        break;
      }
    }
  }
  return pages;
}

/** Encodes a snapshot file. `pages` defaults to every non-zero page of `memory`. */
export function encodeSnapshot(c: SnapshotContents, pages = nonZeroPages(c.memory)): Buffer {
  const json = Buffer.from(JSON.stringify(c.state), 'utf8');
  const body = Buffer.alloc(8 + json.length + pages.length * (4 + PAGE));
  body.writeUInt32LE(json.length, 0);
  json.copy(body, 4);
  let at = 4 + json.length;
  body.writeUInt32LE(pages.length, at);
  at += 4;
  for (const p of pages) {
    body.writeUInt32LE(p, at);
    body.set(c.memory.subarray(p * PAGE, (p + 1) * PAGE), at + 4);
    at += 4 + PAGE;
  }
  const payload = deflateSync(body, { level: 1 });
  const header = Buffer.alloc(HEADER);
  header.write(SNAPSHOT_MAGIC, 0, 'latin1');
  header.writeUInt32LE(SNAPSHOT_VERSION, 8);
  header.writeBigUInt64LE(BigInt(payload.length), 16);
  createHash('sha256').update(payload).digest().copy(header, 24);
  return Buffer.concat([header, payload]);
}

/**
 * Checks and decodes a snapshot file: its state, and its pages written into the memory
 * `memoryFor(state)` gives (all zero: only the stored pages are written). Throws
 * SnapshotFileError for anything but a whole file of this version; a StateError from
 * `memoryFor` (a state that does not fit) becomes one.
 */
export function decodeSnapshot(file: Uint8Array, memoryFor: (state: Saved) => Uint8Array): SnapshotContents {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 8 || buf.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) throw new SnapshotFileError('not a Hyperscope snapshot file', 'foreign');
  if (buf.length < HEADER) throw new SnapshotFileError('the snapshot file is truncated (its header is incomplete)', 'truncated');
  const version = buf.readUInt32LE(8);
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotFileError(`the snapshot file has format version ${version}; this Hyperscope reads version ${SNAPSHOT_VERSION}`, 'version');
  }
  const length = Number(buf.readBigUInt64LE(16));
  if (length > MAX_PAYLOAD) throw new SnapshotFileError('the snapshot file is corrupt (its length field is impossible)', 'corrupt');
  if (buf.length - HEADER < length) {
    throw new SnapshotFileError(`the snapshot file is truncated (${buf.length - HEADER} of ${length} payload bytes)`, 'truncated');
  }
  if (buf.length - HEADER > length) throw new SnapshotFileError('the snapshot file is corrupt (bytes after its payload)', 'corrupt');
  const payload = buf.subarray(HEADER, HEADER + length);
  if (!createHash('sha256').update(payload).digest().equals(buf.subarray(24, 56))) {
    throw new SnapshotFileError('the snapshot file is corrupt (checksum mismatch)', 'corrupt');
  }
  let body: Buffer;
  try {
    body = inflateSync(payload);
  } catch {
    throw new SnapshotFileError('the snapshot file is corrupt (its payload does not inflate)', 'corrupt');
  }
  const fail = (why: string) => new SnapshotFileError(`the snapshot file is corrupt (${why})`, 'corrupt');
  if (body.length < 4) throw fail('no state');
  const jsonLength = body.readUInt32LE(0);
  if (4 + jsonLength + 4 > body.length) throw fail('state length');
  let state: Saved;
  try {
    state = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as Saved;
  } catch {
    throw fail('state is not JSON');
  }
  let memory: Uint8Array;
  try {
    memory = memoryFor(state);
  } catch (e) {
    if (e instanceof StateError) throw new SnapshotFileError(`the snapshot does not fit: ${e.message}`, 'corrupt');
    throw e;
  }
  const size = memory.length;
  let at = 4 + jsonLength;
  const count = body.readUInt32LE(at);
  at += 4;
  if (body.length !== at + count * (4 + PAGE)) throw fail('page count');
  for (let i = 0; i < count; i++, at += 4 + PAGE) {
    const p = body.readUInt32LE(at);
    if ((p + 1) * PAGE > size) throw fail(`page ${p} is outside memory`);
    memory.set(body.subarray(at + 4, at + 4 + PAGE), p * PAGE);
  }
  return { state, memory };
}
