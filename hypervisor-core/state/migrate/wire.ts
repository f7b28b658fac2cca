/**
 * The live-migration stream between two Hyperscope processes, over one TCP connection on
 * 127.0.0.1. Every message is a frame:
 *
 *   offset  size  field
 *   0       1     kind (FrameKind)
 *   1       4     payload length (little-endian u32), at most MAX_FRAME
 *   5       ...   payload
 *
 * The source opens with HELLO (magic "HSCOPEMG", the protocol version, the board as JSON);
 * the destination answers ACCEPT or REFUSE. Then PAGES frames (deflated: u32 host page
 * index + 4096 bytes, repeated) in rounds, each round closed by ROUND_END; the VM's state in
 * one STATE frame (deflated JSON, the snapshot format's sections); the destination answers
 * RESTORED once the state fits, the source hands over its disks with GO, and the destination
 * answers RUNNING. Either side may send REFUSE with one line instead. Anything else, or an
 * end of stream, is a broken migration.
 */
import type { Socket } from 'node:net';
import { deflateSync, inflateSync } from 'node:zlib';

/** The first 8 bytes of HELLO's payload. */
export const MIGRATION_MAGIC = 'HSCOPEMG';
/** The protocol this code speaks; another version is refused in the handshake. */
export const MIGRATION_VERSION = 1;
/** The largest frame payload (a batch of pages, the state). */
export const MAX_FRAME = 64 * 1024 * 1024;
/** Host pages per PAGES frame. */
export const PAGES_PER_FRAME = 256;
const PAGE = 4096;

/** Frame kinds. */
export const FrameKind = {
  HELLO: 1, ACCEPT: 2, REFUSE: 3, PAGES: 4, ROUND_END: 5, STATE: 6, RESTORED: 7, GO: 8, RUNNING: 9,
} as const;
/** A frame kind's number. */
export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

const KIND_NAMES = Object.fromEntries(Object.entries(FrameKind).map(([k, v]) => [v, k])) as Record<number, string>;

/** A migration that cannot go on; the message is one line. */
export class MigrationError extends Error {}

/** One frame. */
export interface Frame {
  kind: FrameKindValue;
  payload: Buffer;
}

/** Encodes a frame. */
export function frame(kind: FrameKindValue, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(kind, 0);
  head.writeUInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** HELLO's payload: magic, version, the board as JSON. */
export function helloPayload(board: unknown): Buffer {
  const head = Buffer.alloc(12);
  head.write(MIGRATION_MAGIC, 0, 'latin1');
  head.writeUInt32LE(MIGRATION_VERSION, 8);
  return Buffer.concat([head, Buffer.from(JSON.stringify(board), 'utf8')]);
}

/** The board of a HELLO payload; MigrationError for a foreign stream or another version. */
export function parseHello(p: Buffer): unknown {
  if (p.length < 12 || p.toString('latin1', 0, 8) !== MIGRATION_MAGIC) throw new MigrationError('the incoming stream is not a Hyperscope migration');
  const version = p.readUInt32LE(8);
  if (version !== MIGRATION_VERSION) {
    throw new MigrationError(`the incoming migration speaks protocol version ${version}; this Hyperscope speaks version ${MIGRATION_VERSION}`);
  }
  return parseJson(p.subarray(12), 'the handshake');
}

/** A deflated JSON payload (STATE). */
export function jsonPayload(value: unknown): Buffer {
  return deflateSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 1 });
}

/** The value of a deflated JSON payload. */
export function parseJsonPayload(p: Buffer, what: string): unknown {
  return parseJson(inflate(p, what), what);
}

function parseJson(b: Buffer, what: string): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    throw new MigrationError(`the migration stream is corrupt (${what} is not JSON)`);
  }
}

function inflate(p: Buffer, what: string): Buffer {
  try {
    return inflateSync(p, { maxOutputLength: MAX_FRAME });
  } catch {
    throw new MigrationError(`the migration stream is corrupt (${what} does not inflate)`);
  }
}

/** A PAGES payload: the host pages at `indices` of `memory`, deflated. */
export function pagesPayload(memory: Uint8Array, indices: readonly number[]): Buffer {
  const body = Buffer.alloc(indices.length * (4 + PAGE));
  let at = 0;
  for (const p of indices) {
    body.writeUInt32LE(p, at);
    body.set(memory.subarray(p * PAGE, (p + 1) * PAGE), at + 4);
    at += 4 + PAGE;
  }
  return deflateSync(body, { level: 1 });
}

/** Writes a PAGES payload's pages into `memory`; returns how many. A page outside it is a corrupt stream. */
export function applyPages(p: Buffer, memory: Uint8Array): number {
  const body = inflate(p, 'a batch of pages');
  if (body.length % (4 + PAGE) !== 0) throw new MigrationError('the migration stream is corrupt (a batch of pages is cut short)');
  const count = body.length / (4 + PAGE);
  for (let i = 0, at = 0; i < count; i++, at += 4 + PAGE) {
    const idx = body.readUInt32LE(at);
    if ((idx + 1) * PAGE > memory.length) throw new MigrationError(`the migration stream is corrupt (page ${idx} is outside the VM's memory)`);
    memory.set(body.subarray(at + 4, at + 4 + PAGE), idx * PAGE);
  }
  return count;
}

/**
 * Frames read from a socket, one at a time, with a bound on each frame and on the wait for
 * the next one (a peer that stops sending is a broken migration, not a hang).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended: string | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly socket: Socket, private readonly idleMs = 30_000) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      // Back-pressure: the peer waits while a whole frame is already here to be taken.
      if (this.buffered > MAX_FRAME + 5) socket.pause();
      this.poke();
    });
    socket.on('end', () => this.end('the peer closed the connection'));
    socket.on('close', () => this.end('the connection closed'));
    socket.on('error', (e: NodeJS.ErrnoException) => this.end(`the connection failed (${e.code ?? e.message})`));
  }

  private end(why: string): void {
    this.ended ??= why;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The first 5 bytes buffered (a frame's header), without joining every chunk. */
  private peekHeader(): Buffer {
    const head = Buffer.alloc(5);
    let at = 0;
    for (const c of this.chunks) {
      at += c.copy(head, at, 0, Math.min(c.length, 5 - at));
      if (at === 5) break;
    }
    return head;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    if (this.buffered <= MAX_FRAME) this.socket.resume();
    return out;
  }

  /** The next frame; MigrationError when the stream ends, stalls, or a frame is malformed. */
  async next(what: string): Promise<Frame> {
    for (;;) {
      if (this.buffered >= 5) {
        const head = this.peekHeader();
        const kind = head.readUInt8(0);
        const length = head.readUInt32LE(1);
        if (!KIND_NAMES[kind]) throw new MigrationError(`the migration stream is corrupt (unknown frame kind ${kind})`);
        if (length > MAX_FRAME) throw new MigrationError(`the migration stream is corrupt (a frame of ${length} bytes)`);
        if (this.buffered >= 5 + length) {
          const f = this.take(5 + length);
          return { kind: kind as FrameKindValue, payload: Buffer.from(f.subarray(5)) };
        }
      }
      if (this.ended) throw new MigrationError(`the migration stream ended while waiting for ${what}: ${this.ended}`);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((resolve) => {
        this.wake = () => resolve(false);
        timer = setTimeout(() => resolve(true), this.idleMs);
      });
      clearTimeout(timer);
      if (timedOut) throw new MigrationError(`the migration stream stalled: nothing for ${this.idleMs / 1000} s while waiting for ${what}`);
    }
  }

  /** The next frame, which must be `kind` (a REFUSE becomes a MigrationError with the peer's line). */
  async expect(kind: FrameKindValue, what: string): Promise<Buffer> {
    const f = await this.next(what);
    if (f.kind === FrameKind.REFUSE) throw new MigrationError(f.payload.toString('utf8').slice(0, 500));
    if (f.kind !== kind) throw new MigrationError(`the migration stream is out of order (${KIND_NAMES[f.kind]} where ${what} belongs)`);
    return f.payload;
  }
}

/** How long a peer may leave written data unread before the migration counts as broken. */
export const SEND_STALL_MS = 30_000;

/**
 * Writes `data`, resolving once the socket takes more (back-pressure); fails when it closes
 * or the peer reads nothing for `stallMs` (a destination that stops reading must not hold the
 * source VM stopped).
 */
export function send(socket: Socket, data: Buffer, stallMs = SEND_STALL_MS): Promise<void> {
  if (socket.destroyed) return Promise.reject(new MigrationError('the connection closed'));
  if (socket.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new MigrationError('the connection closed'));
    const timer = setTimeout(() => done(new MigrationError(`the peer read nothing for ${stallMs / 1000} s`)), stallMs);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/**
 * HOST:PORT of a migration endpoint. Only the loopback: the stream carries the guest's whole
 * memory unencrypted and unauthenticated, as QEMU's tcp: migration does.
 */
export function parseMigrationAddress(text: string, what: string): { host: string; port: number } {
  const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m) throw new MigrationError(`${what} must be 127.0.0.1:PORT (migration runs on the loopback only), not '${text}'`);
  if (!(port >= 0 && port <= 65535)) throw new MigrationError(`${what}: the port must be 0..65535, not ${m[2]}`);
  return { host: m[1] === 'localhost' ? '127.0.0.1' : m[1] === '[::1]' ? '::1' : m[1], port };
}
