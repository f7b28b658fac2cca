/**
 * The PLIC's registers (devices/plic.ts) in one buffer, and the lock that orders the threads
 * sharing them. Local (an ArrayBuffer, no locking) for a VM on one thread; a
 * SharedArrayBuffer once its vCPUs run on host threads, each of which holds a Plic over it.
 *
 * Layout, in bytes:
 *
 *   0   lock word (shared-lock.ts)
 *   4   claims that returned a source
 *   16  priority, one byte per source (0..numSources), padded to 4
 *   ..  pending, in service: one bit per source, 32-bit words each
 *   ..  enable: one such set of words per context
 *   ..  threshold, one byte per context, padded to 4
 *   ..  output level each context was last driven to (shared state drives changes only)
 *
 * Inside the lock the arrays are read and written plainly: the lock's atomics order them
 * between threads (ECMAScript's memory model: an unlock synchronizes with the next lock).
 */
import { SharedLock } from './shared-lock';

const LOCK = 0;
const CLAIMS = 1;
const HEADER = 16;

const up4 = (n: number): number => (n + 3) & ~3;

/** The registers of one PLIC and their lock. */
export class PlicState {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Whether other threads share the state (then `lock` is a real lock). */
  readonly shared: boolean;
  readonly priority: Uint8Array;
  readonly pending: Uint32Array;
  readonly inService: Uint32Array;
  readonly enable: Uint32Array; // [ctx * words + w]
  readonly threshold: Uint8Array;
  private readonly levels: Uint8Array;
  private readonly head: Int32Array;
  /** The lock in word LOCK (nested: an output's handler may reach the PLIC again). */
  private readonly mutex: SharedLock;

  /**
   * @param buffer existing shared state to view (a vCPU thread's side); otherwise new state,
   * shared when `share`
   */
  constructor(sources: number, contexts: number, buffer?: SharedArrayBuffer, share = false) {
    const words = (sources + 1 + 31) >>> 5;
    const prio = HEADER, pending = prio + up4(sources + 1), inService = pending + 4 * words;
    const enable = inService + 4 * words, threshold = enable + 4 * words * contexts;
    const levels = threshold + up4(contexts), size = levels + up4(contexts);
    this.shared = buffer !== undefined || share;
    this.buffer = buffer ?? (share ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    if (this.buffer.byteLength !== size) throw new Error(`PLIC state of ${this.buffer.byteLength} bytes, ${size} expected`);
    this.head = new Int32Array(this.buffer, 0, HEADER / 4);
    this.priority = new Uint8Array(this.buffer, prio, sources + 1);
    this.pending = new Uint32Array(this.buffer, pending, words);
    this.inService = new Uint32Array(this.buffer, inService, words);
    this.enable = new Uint32Array(this.buffer, enable, words * contexts);
    this.threshold = new Uint8Array(this.buffer, threshold, contexts);
    this.levels = new Uint8Array(this.buffer, levels, contexts);
    this.mutex = new SharedLock(this.head, LOCK, this.shared);
  }

  /** Claims that returned a source. */
  get claims(): number {
    return this.head[CLAIMS];
  }

  set claims(n: number) {
    this.head[CLAIMS] = n;
  }

  /** Takes the registers of `from` (a local state becoming shared). */
  copyFrom(from: PlicState): void {
    this.priority.set(from.priority);
    this.pending.set(from.pending);
    this.inService.set(from.inService);
    this.enable.set(from.enable);
    this.threshold.set(from.threshold);
    this.claims = from.claims;
  }

  /** The level context `ctx`'s output was last driven to. */
  level(ctx: number): boolean {
    return this.levels[ctx] !== 0;
  }

  /** Notes that context `ctx`'s output is driven to `high`. */
  setLevel(ctx: number, high: boolean): void {
    this.levels[ctx] = high ? 1 : 0;
  }

  /** Notes every context's output level as `level` gives it (when the state becomes shared). */
  noteLevels(level: (ctx: number) => boolean): void {
    for (let ctx = 0; ctx < this.levels.length; ctx++) this.setLevel(ctx, level(ctx));
  }

  /** Waits for the lock (shared state; nested calls on one thread just count). */
  lock(): void {
    this.mutex.lock();
  }

  /** Runs `f` holding the lock (see {@link lock}) and returns what it returns. */
  locked<T>(f: () => T): T {
    return this.mutex.locked(f);
  }

  /** Lets go of the lock, waking a waiter if there is one. */
  unlock(): void {
    this.mutex.unlock();
  }
}
