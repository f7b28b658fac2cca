/**
 * A lock in one word of shared memory, for device state that the VM's thread and the vCPU
 * threads share (the PLIC's, plic-state.ts; the UART's, uart-fast-path.ts): Drepper's futex
 * mutex ("Futexes Are Tricky", mutex 3: 0 free, 1 held, 2 held with waiters) over
 * Atomics.wait/notify, with a short spin first, and nesting on one thread (a device's handler
 * may reach the same device again). Without shared memory it does nothing.
 *
 * Inside the lock the state is read and written plainly: the lock's atomics order it between
 * threads (ECMAScript's memory model: an unlock synchronizes with the next lock).
 */

/** Tries before a waiting thread sleeps: a holder keeps the lock for a few microseconds. */
const SPINS = 100;
/** A holder that has not let go after this long died inside (a thread ended mid-access): its lock is taken over. */
const STALE_MS = 1000;

/** One lock word and this thread's nesting of it. */
export class SharedLock {
  /** This thread's nesting of `lock`. */
  private depth = 0;

  /**
   * @param words the word array holding the lock
   * @param index the lock word's index in it
   * @param shared whether other threads share it (otherwise lock and unlock do nothing)
   */
  constructor(private readonly words: Int32Array, private readonly index: number, readonly shared: boolean) {}

  /** Waits for the lock (nested calls on one thread just count). */
  lock(): void {
    if (!this.shared || this.depth++ > 0) return;
    const w = this.words, i = this.index;
    let c = Atomics.compareExchange(w, i, 0, 1);
    for (let n = 0; c !== 0 && n < SPINS; n++) c = Atomics.compareExchange(w, i, 0, 1);
    if (c === 0) return;
    if (c !== 2) c = Atomics.exchange(w, i, 2);
    const started = performance.now();
    while (c !== 0) {
      if (Atomics.wait(w, i, 2, STALE_MS) === 'timed-out' && performance.now() - started >= STALE_MS) {
        Atomics.store(w, i, 2);
        return;
      }
      c = Atomics.exchange(w, i, 2);
    }
  }

  /** Lets go of the lock, waking a waiter if there is one. */
  unlock(): void {
    if (!this.shared || --this.depth > 0) return;
    const w = this.words, i = this.index;
    if (Atomics.sub(w, i, 1) !== 1) {
      Atomics.store(w, i, 0);
      Atomics.notify(w, i, 1);
    }
  }

  /** Runs `f` holding the lock and returns what it returns. */
  locked<T>(f: () => T): T {
    this.lock();
    try {
      return f();
    } finally {
      this.unlock();
    }
  }
}
