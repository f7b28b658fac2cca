/**
 * What the user types, on its way to the guest: one bounded queue per VM that every console
 * device reads (the UART receiver, the virtio console, SBI getchar), each from its own
 * position, as one keyboard feeds whichever console the guest listens on.
 *
 * The queue holds at most `capacity` bytes past the reader that got furthest (the console
 * the guest actually reads). `push` takes what fits and says how much; a writer that got
 * less stops reading its source and waits for `onDrain` (back-pressure, as QEMU's
 * `qemu_chr_be_can_write`). A reader the guest never drains falls behind and loses the
 * oldest bytes, like a receiver overrun, instead of holding memory or the others back.
 */

import { arr, bytesText, num, obj, StateError, textBytes, type Saved } from '../state/persist';

/** Default capacity: 64 KiB of typing (a paste of a large file waits on its source). */
export const CONSOLE_INPUT_CAPACITY = 64 * 1024;

/** The bounded input queue. */
export class ConsoleInput {
  private readonly ring: Uint8Array;
  /** Bytes ever pushed (the write position). */
  private written = 0;
  private readonly readers = new Set<ConsoleInputReader>();
  private readonly drainListeners = new Set<() => void>();
  /** A push came up short: tell the drain listeners once there is room again. */
  private blocked = false;
  private drainScheduled = false;

  constructor(readonly capacity = CONSOLE_INPUT_CAPACITY) {
    if (!(capacity >= 1)) throw new RangeError(`console input capacity must be at least 1, not ${capacity}`);
    this.ring = new Uint8Array(capacity);
  }

  /** Bytes waiting for the furthest reader (0 to capacity). */
  get queued(): number {
    return this.written - this.furthest();
  }

  /** Bytes `push` would take now. */
  get room(): number {
    return this.capacity - this.queued;
  }

  /**
   * Queues as many of `bytes` as fit and returns how many it took. Fewer than
   * `bytes.length` means the queue is full: keep the rest and push it after `onDrain`.
   */
  push(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.room);
    for (let i = 0; i < n; i++) this.ring[(this.written + i) % this.capacity] = bytes[i];
    this.written += n;
    if (n < bytes.length) this.blocked = true;
    if (n > 0) for (const r of this.readers) r.notify();
    return n;
  }

  /**
   * Calls `listener` whenever the queue has drained to half its capacity after a push came
   * up short. Listeners run from a microtask, never inside a device access, so they may push
   * at once. Returns a function that removes the listener.
   */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => {
      this.drainListeners.delete(listener);
    };
  }

  /**
   * A new reader positioned at the oldest byte still queued; `onInput` runs (synchronously,
   * inside `push`) when bytes arrive.
   */
  reader(onInput?: () => void): ConsoleInputReader {
    const r = new ConsoleInputReader(this, this.written - this.queued, onInput);
    this.readers.add(r);
    return r;
  }

  /**
   * The bytes still queued and each reader's place (readers in the order they were made, as
   * the same board makes them), for a snapshot.
   */
  save(): Saved {
    const start = Math.max(0, this.written - this.capacity);
    const queued = new Uint8Array(this.written - start);
    for (let i = 0; i < queued.length; i++) queued[i] = this.ring[(start + i) % this.capacity];
    return { written: this.written, queued: bytesText(queued), readers: [...this.readers].map((r) => r.position) };
  }

  /** Puts back `save`'s state on a queue with the same readers. */
  restore(state: Saved): void {
    const s = obj(state, 'console input');
    const written = num(s.written, 'written');
    const queued = textBytes(s.queued ?? null);
    const positions = arr(s.readers, 'readers');
    const readers = [...this.readers];
    if (positions.length !== readers.length || queued.length > this.capacity) throw new StateError('console input: the snapshot does not fit this board');
    this.written = written;
    const start = written - queued.length;
    for (let i = 0; i < queued.length; i++) this.ring[(start + i) % this.capacity] = queued[i];
    readers.forEach((r, i) => r.seek(num(positions[i], 'reader')));
    this.blocked = false;
  }

  /** @internal Removes a reader. */
  remove(r: ConsoleInputReader): void {
    this.readers.delete(r);
  }

  /** @internal The byte at stream position `pos` (which must be within the last `capacity`). */
  byteAt(pos: number): number {
    return this.ring[pos % this.capacity];
  }

  /** @internal The write position. */
  get end(): number {
    return this.written;
  }

  /** @internal A reader moved: maybe the queue drained enough to let the writer go on. */
  advanced(): void {
    if (!this.blocked || this.queued > this.capacity / 2 || this.drainScheduled) return;
    this.blocked = false;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      for (const l of [...this.drainListeners]) l();
    });
  }

  private furthest(): number {
    let pos = this.written - this.capacity;
    for (const r of this.readers) pos = Math.max(pos, r.position);
    return Math.max(pos, 0);
  }
}

/** One device's view of a ConsoleInput. */
export class ConsoleInputReader {
  constructor(private readonly queue: ConsoleInput, private pos: number, private readonly onInput?: () => void) {}

  /** Stream position of the next byte this reader takes. */
  get position(): number {
    return this.pos;
  }

  /** Bytes this reader has not taken yet. */
  get available(): number {
    this.skipLost();
    return this.queue.end - this.pos;
  }

  /** Takes one byte, or returns -1 when there is none. */
  read(): number {
    if (this.available === 0) return -1;
    const b = this.queue.byteAt(this.pos++);
    this.queue.advanced();
    return b;
  }

  /** Takes up to `max` bytes. */
  take(max: number): Uint8Array {
    const n = Math.max(0, Math.min(max, this.available));
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.queue.byteAt(this.pos + i);
    this.pos += n;
    if (n > 0) this.queue.advanced();
    return out;
  }

  /** @internal Moves to stream position `pos` (a snapshot's restore). */
  seek(pos: number): void {
    this.pos = pos;
  }

  /** Stops reading: this reader no longer counts for the queue. */
  close(): void {
    this.queue.remove(this);
  }

  /** @internal Bytes arrived. */
  notify(): void {
    this.onInput?.();
  }

  /** A reader that fell more than a capacity behind lost the oldest bytes (overrun). */
  private skipLost(): void {
    const oldest = this.queue.end - this.queue.capacity;
    if (this.pos < oldest) this.pos = oldest;
  }
}
