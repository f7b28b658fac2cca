/**
 * The PLIC's registers (devices/plic.ts) in one buffer, and the lock that orders the threads
 * sharing them. Local (an ArrayBuffer, no locking) for a VM on one thread; a
 * SharedArrayBuffer once its vCPUs run on host threads, each of which holds a Plic over it.
 *
 * Layout, in bytes:
 *
 *   0   lock word (0 free, 1 held, 2 held with waiters: Drepper's futex mutex, "Futexes
 *       Are Tricky", mutex 3)
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
const LOCK = 0;
const CLAIMS = 1;
const HEADER = 16;
/** Tries before a waiting thread sleeps: a holder keeps the lock for a few microseconds. */
const SPINS = 100;
/** A holder that has not let go after this long died inside (a thread ended mid-access): its lock is taken over. */
const STALE_MS = 1000;

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
  /** This thread's nesting of `lock` (an output's handler may reach the PLIC again). */
  private depth = 0;

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
    if (!this.shared || this.depth++ > 0) return;
    const w = this.head;
    let c = Atomics.compareExchange(w, LOCK, 0, 1);
    for (let i = 0; c !== 0 && i < SPINS; i++) c = Atomics.compareExchange(w, LOCK, 0, 1);
    if (c === 0) return;
    if (c !== 2) c = Atomics.exchange(w, LOCK, 2);
    const started = performance.now();
    while (c !== 0) {
      if (Atomics.wait(w, LOCK, 2, STALE_MS) === 'timed-out' && performance.now() - started >= STALE_MS) {
        Atomics.store(w, LOCK, 2);
        return;
      }
      c = Atomics.exchange(w, LOCK, 2);
    }
  }

  /** Runs `f` holding the lock (see {@link lock}) and returns what it returns. */
  locked<T>(f: () => T): T {
    this.lock();
    try {
      return f();
    } finally {
      this.unlock();
    }
  }

  /** Lets go of the lock, waking a waiter if there is one. */
  unlock(): void {
    if (!this.shared || --this.depth > 0) return;
    const w = this.head;
    if (Atomics.sub(w, LOCK, 1) !== 1) {
      Atomics.store(w, LOCK, 0);
      Atomics.notify(w, LOCK, 1);
    }
  }
}
