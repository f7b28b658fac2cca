/**
 * A credit scheduler in the spirit of Xen's (credit1, `xl sched-credit`): the daemon owns P
 * physical-CPU slots and every thread that runs guest code (a VM's round-robin thread, or one
 * of its vCPU threads) is a *unit* that runs a slice only while it holds a slot. The state
 * lives in SharedArrayBuffers that every thread maps, so a slot is taken and given back with a
 * lock word and Atomics.wait/notify: no message round trip per slice.
 *
 * - **Weight** (default 256, 1..65535 as Xen): a VM's share of the slots under contention,
 *   split evenly among its active units (runnable or running). Credits are debited in guest
 *   budget units (the instructions of a slice, an exit counted as the round robin counts it),
 *   so shares do not depend on host timing; accounting hands out, each time the units have
 *   used SLOTS x ACCT_UNITS together, exactly what they used, by weight (zero-sum, as Xen's
 *   credits per accounting period). Credit > 0 is Xen's UNDER, <= 0 OVER.
 * - **Cap** (percent of one host CPU, 0 = none, as Xen): a VM holds slots for at most cap% of
 *   each CAP_WINDOW_MS of wall time, over all its units, even when slots are idle; time over
 *   the allowance carries into the next window.
 * - **Blocking and boost**: a unit that waits for an interrupt gives its slot back and stops
 *   counting as active; when it wants to run again with credit left it is BOOSTed and takes the
 *   next slot that frees (it preempts the others at their slice end).
 * - A free slot goes to the best waiting eligible units: BOOST first, then most credit, then
 *   the longest waiting; a unit whose thread has not asked for STALE_MS is passed over. The
 *   time a unit waits for a slot is its wait (steal) time.
 *
 * Robustness: a VM's thread can end at any instruction (destroy, a crash), even inside the
 * lock; `evictVm`, called once its threads are gone, gives back its slots and its lock.
 */

/** VMs the table has room for (the daemon hosts 16 at most). */
export const SCHED_VMS = 16;
/** Units per VM: its round-robin thread, or its vCPU threads (32 at most). */
export const SCHED_UNITS = 32;
/** Xen's default weight and the range `xl sched-credit -w` takes. */
export const DEFAULT_WEIGHT = 256;
export const MAX_WEIGHT = 65535;
/** Caps are percent of one host CPU; a VM on N threads can use N x 100. */
export const MAX_CAP = SCHED_UNITS * 100;
/** Budget units per slot between two accountings (three slices of the round robin, as Xen's 30 ms of 10 ms ticks). */
export const ACCT_UNITS = 150_000;
/** The wall-time window a cap is enforced over (Xen's accounting period). */
export const CAP_WINDOW_MS = 30;
/** What a vCPU thread debits for a slice that ended in an exit, on top of its instructions (vm.ts counts an exit so). */
export const THREAD_EXIT_UNITS = 500;
/**
 * A waiting unit that has not asked for a slot for this long (ms) is not waiting at the moment
 * (its thread is busy with something else: a snapshot, a long exit): the others do not leave a
 * free slot idle for it. A waiting thread asks at least every 20 ms and at every change.
 */
const STALE_MS = 100;
/** Most credit a unit keeps (more would let a unit that was idle starve the others when it wakes). */
const CREDIT_LIMIT = 2 * ACCT_UNITS;

/** A unit's state. */
const enum U { ABSENT = 0, BLOCKED = 1, WAITING = 2, RUNNING = 3 }

// Int32 words.
const LOCK = 0, FREE = 1, SLOTS = 2, GEN = 3, SEQ = 4, HDR = 8;
const VM_I = 4; // WEIGHT, CAP, UNITS (registered), ALIVE
const UNIT_I = 3; // STATE, BOOST, SEQ
const vmI = (vm: number, k: number) => HDR + vm * VM_I + k;
const unitI = (vm: number, u: number, k: number) => HDR + SCHED_VMS * VM_I + (vm * SCHED_UNITS + u) * UNIT_I + k;
const I32_WORDS = HDR + SCHED_VMS * VM_I + SCHED_VMS * SCHED_UNITS * UNIT_I;
// Float64 words.
const SINCE_ACCT = 0, F_HDR = 1;
const VM_F = 5; // USED (units), HELD_MS, WINDOW_START, WINDOW_USED_MS, WAIT_MS
const UNIT_F = 5; // CREDIT, WAIT_SINCE, WAIT_MS, HOLD_SINCE, LAST_ASK
const vmF = (vm: number, k: number) => F_HDR + vm * VM_F + k;
const unitF = (vm: number, u: number, k: number) => F_HDR + SCHED_VMS * VM_F + (vm * SCHED_UNITS + u) * UNIT_F + k;
const F64_WORDS = F_HDR + SCHED_VMS * VM_F + SCHED_VMS * SCHED_UNITS * UNIT_F;
/** The lock's owner tag of the daemon's main thread (units use their VM's index + 1). */
const MAIN_TAG = 1000;

/** The shared buffers, as a thread passes them to another (structured-clonable). */
export interface SchedBuffers { words: SharedArrayBuffer; floats: SharedArrayBuffer }

/** What `vm sched` shows of one VM. */
export interface VmSchedInfo {
  weight: number;
  cap: number;
  /** Budget units its units were debited since it was created (its share of the slots, deterministic). */
  units: number;
  /** Wall time its units held slots (ms). */
  cpuMs: number;
  /** Wall time its units waited for a slot while runnable (ms): its steal time. */
  waitMs: number;
}

/** Wall time in ms on one base for every thread. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

type WaitAsync = (a: Int32Array, i: number, v: number, t?: number) => { async: false; value: string } | { async: true; value: Promise<string> };

/** The scheduler's table, seen from any thread. */
export class CreditScheduler {
  private readonly w: Int32Array;
  private readonly f: Float64Array;

  constructor(readonly buffers: SchedBuffers) {
    this.w = new Int32Array(buffers.words);
    this.f = new Float64Array(buffers.floats);
  }

  /** A new table with `slots` physical-CPU slots (the daemon's --host-threads). */
  static create(slots: number): CreditScheduler {
    const s = new CreditScheduler({ words: new SharedArrayBuffer(I32_WORDS * 4), floats: new SharedArrayBuffer(F64_WORDS * 8) });
    s.w[SLOTS] = slots;
    s.w[FREE] = slots;
    return s;
  }

  /** The slots. */
  get slots(): number {
    return this.w[SLOTS];
  }

  /** Takes a VM's row (its weight and cap) for a VM that starts or restarts; its units start afresh. */
  addVm(vm: number, weight = DEFAULT_WEIGHT, cap = 0, now = wallMs()): void {
    this.lock(MAIN_TAG);
    this.w[vmI(vm, 0)] = weight;
    this.w[vmI(vm, 1)] = cap;
    this.w[vmI(vm, 3)] = 1;
    this.f[vmF(vm, 2)] = now;
    this.f[vmF(vm, 3)] = 0;
    this.unlock();
  }

  /** Changes a VM's weight and cap at once (the next slot decisions use them). */
  setVm(vm: number, weight: number, cap: number): void {
    this.lock(MAIN_TAG);
    this.w[vmI(vm, 0)] = weight;
    this.w[vmI(vm, 1)] = cap;
    this.bump();
    this.unlock();
  }

  /** A VM's weight, cap and figures. */
  vmInfo(vm: number): VmSchedInfo {
    return {
      weight: this.w[vmI(vm, 0)], cap: this.w[vmI(vm, 1)], units: this.f[vmF(vm, 0)],
      cpuMs: this.f[vmF(vm, 1)], waitMs: this.f[vmF(vm, 4)],
    };
  }

  /**
   * A VM's threads are gone (stopped, crashed, reset): its slots and the lock, if a thread of
   * it held them, come back; its units are forgotten. `forget` also clears its row (destroy).
   */
  evictVm(vm: number, forget = false): void {
    // A thread of this VM that ended inside the lock left it held: it is free again.
    Atomics.compareExchange(this.w, LOCK, vm + 1, 0);
    this.lock(MAIN_TAG);
    for (let u = 0; u < SCHED_UNITS; u++) {
      if (this.w[unitI(vm, u, 0)] === U.RUNNING) this.w[FREE]++;
      this.w[unitI(vm, u, 0)] = U.ABSENT;
      this.w[unitI(vm, u, 1)] = 0;
      this.f[unitF(vm, u, 0)] = 0;
    }
    this.w[vmI(vm, 2)] = 0;
    if (forget) {
      this.w[vmI(vm, 3)] = 0;
      for (let k = 0; k < VM_F; k++) this.f[vmF(vm, k)] = 0;
    }
    this.bump();
    this.unlock();
  }

  /** The handle of unit `u` of VM `vm` (registered, blocked until it first wants a slot). */
  unit(vm: number, u: number): SchedUnit {
    this.lock(vm + 1);
    this.w[vmI(vm, 2)] = Math.max(this.w[vmI(vm, 2)], u + 1);
    if (this.w[unitI(vm, u, 0)] === U.ABSENT) this.w[unitI(vm, u, 0)] = U.BLOCKED;
    this.unlock();
    return new SchedUnit(this, vm, u);
  }

  // ---- used by SchedUnit, under the lock ----

  /** @internal Tries to give `u` a slot; 0 when it has one, else ms to wait at most (a cap window's end, or -1: until a change). */
  take(vm: number, u: number, now: number): number {
    this.lock(vm + 1);
    try {
      const s = unitI(vm, u, 0);
      if (this.w[s] === U.RUNNING) return 0;
      this.f[unitF(vm, u, 4)] = now;
      if (this.w[s] !== U.WAITING) {
        // Waking from a block with credit left: BOOST (Xen boosts a waking vCPU that is UNDER).
        this.w[unitI(vm, u, 1)] = this.w[s] === U.BLOCKED && this.f[unitF(vm, u, 0)] >= 0 ? 1 : 0;
        this.enqueue(vm, u, now);
      }
      const capWait = this.capWait(vm, now);
      if (capWait > 0) return capWait;
      if (this.w[FREE] <= 0 || this.rank(vm, u, now) >= this.w[FREE]) return -1;
      this.w[FREE]--;
      this.w[s] = U.RUNNING;
      const waited = now - this.f[unitF(vm, u, 1)];
      this.f[unitF(vm, u, 2)] += waited;
      this.f[vmF(vm, 4)] += waited;
      this.f[unitF(vm, u, 3)] = now;
      return 0;
    } finally {
      this.unlock();
    }
  }

  /** @internal Gives `u`'s slot back after a slice that used `units`; it waits for the next one, or blocks. */
  give(vm: number, u: number, units: number, now: number, runnable: boolean): void {
    this.lock(vm + 1);
    const s = unitI(vm, u, 0);
    if (this.w[s] === U.RUNNING) {
      const held = Math.max(0, now - this.f[unitF(vm, u, 3)]);
      this.f[unitF(vm, u, 0)] -= units;
      this.w[unitI(vm, u, 1)] = 0; // a boost lasts one slice
      this.f[vmF(vm, 0)] += units;
      this.f[vmF(vm, 1)] += held;
      this.f[vmF(vm, 3)] += held;
      this.f[SINCE_ACCT] += units;
      this.w[FREE]++;
      if (this.f[SINCE_ACCT] >= this.w[SLOTS] * ACCT_UNITS) this.account();
    }
    if (runnable) {
      this.enqueue(vm, u, now);
      this.f[unitF(vm, u, 4)] = now;
    } else this.w[s] = U.BLOCKED;
    this.bump();
    this.unlock();
  }

  /** @internal `u` wants no slot for now (paused, idle); a slot it held goes back. */
  block(vm: number, u: number, now: number): void {
    if (this.w[unitI(vm, u, 0)] === U.BLOCKED) return;
    this.give(vm, u, 0, now, false);
  }

  /** @internal The word waiters sleep on and its value now. */
  generation(): number {
    return Atomics.load(this.w, GEN);
  }

  /** @internal Sleeps until the generation moves from `gen` or `ms` pass (synchronous: a vCPU thread). */
  sleep(gen: number, ms: number): void {
    Atomics.wait(this.w, GEN, gen, ms);
  }

  /** @internal As sleep, without blocking the thread's event loop (a VM's round-robin thread). */
  async sleepAsync(gen: number, ms: number): Promise<void> {
    const r = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(this.w, GEN, gen, ms);
    if (r.async) await r.value;
  }

  private enqueue(vm: number, u: number, now: number): void {
    this.w[unitI(vm, u, 0)] = U.WAITING;
    this.w[unitI(vm, u, 2)] = ++this.w[SEQ];
    this.f[unitF(vm, u, 1)] = now;
  }

  /** Ms until VM `vm` may run again under its cap (0: it may now); rolls its window. */
  private capWait(vm: number, now: number): number {
    const cap = this.w[vmI(vm, 1)];
    if (cap <= 0) return 0;
    const allowance = (cap / 100) * CAP_WINDOW_MS;
    const start = this.f[vmF(vm, 2)];
    const windows = Math.floor((now - start) / CAP_WINDOW_MS);
    if (windows > 0) {
      this.f[vmF(vm, 2)] = start + windows * CAP_WINDOW_MS;
      this.f[vmF(vm, 3)] = Math.max(0, this.f[vmF(vm, 3)] - windows * allowance);
    }
    if (this.f[vmF(vm, 3)] < allowance) return 0;
    return Math.max(0.1, this.f[vmF(vm, 2)] + CAP_WINDOW_MS - now);
  }

  /** How many eligible waiting units go before `u`: BOOST, then credit, then arrival. */
  private rank(vm: number, u: number, now: number): number {
    const boost = this.w[unitI(vm, u, 1)], credit = this.f[unitF(vm, u, 0)], seq = this.w[unitI(vm, u, 2)];
    let ahead = 0;
    for (let v = 0; v < SCHED_VMS; v++) {
      const n = this.w[vmI(v, 2)];
      if (n === 0 || (v !== vm && this.capWait(v, now) > 0)) continue;
      for (let k = 0; k < n; k++) {
        if ((v === vm && k === u) || this.w[unitI(v, k, 0)] !== U.WAITING || now - this.f[unitF(v, k, 4)] > STALE_MS) continue;
        const b = this.w[unitI(v, k, 1)], c = this.f[unitF(v, k, 0)];
        if (b > boost || (b === boost && (c > credit || (c === credit && this.w[unitI(v, k, 2)] < seq)))) ahead++;
      }
    }
    return ahead;
  }

  /**
   * Xen's accounting: what the units used since the last one goes back to the active units
   * (waiting or running), to each VM by its weight, split evenly among its active units.
   */
  private account(): void {
    const total = this.f[SINCE_ACCT];
    this.f[SINCE_ACCT] = 0;
    let weights = 0;
    const active = new Array<number>(SCHED_VMS).fill(0);
    for (let v = 0; v < SCHED_VMS; v++) {
      const n = this.w[vmI(v, 2)];
      for (let k = 0; k < n; k++) if (this.w[unitI(v, k, 0)] >= U.WAITING) active[v]++;
      if (active[v] > 0) weights += this.w[vmI(v, 0)];
    }
    for (let v = 0; v < SCHED_VMS; v++) {
      const n = this.w[vmI(v, 2)];
      const each = active[v] > 0 ? (total * this.w[vmI(v, 0)]) / weights / active[v] : 0;
      for (let k = 0; k < n; k++) {
        const c = unitF(v, k, 0);
        if (this.w[unitI(v, k, 0)] >= U.WAITING) this.f[c] += each;
        this.f[c] = Math.max(-CREDIT_LIMIT, Math.min(CREDIT_LIMIT, this.f[c]));
      }
    }
  }

  private bump(): void {
    Atomics.add(this.w, GEN, 1);
    Atomics.notify(this.w, GEN);
  }

  private lock(tag: number): void {
    for (let spins = 0; Atomics.compareExchange(this.w, LOCK, 0, tag) !== 0; spins++) {
      // Sections under the lock are a few hundred operations: spin briefly, then sleep on it.
      if (spins > 64) Atomics.wait(this.w, LOCK, Atomics.load(this.w, LOCK), 1);
    }
  }

  private unlock(): void {
    Atomics.store(this.w, LOCK, 0);
    Atomics.notify(this.w, LOCK, 1);
  }
}

/** One unit's handle: the thread that runs guest slices takes and gives back its slot through it. */
export class SchedUnit {
  /** The last acquire had to wait for its slot (false: a slot was free for it at once). */
  waited = false;
  /** How long the last acquire waited (ms). */
  waitedMs = 0;

  constructor(private readonly s: CreditScheduler, readonly vm: number, readonly index: number) {}

  /**
   * Waits for a slot (a vCPU thread: blocks the thread). False when `stop` turned true first
   * (the unit is blocked then).
   */
  acquire(stop: () => boolean, maxWaitMs = 20): boolean {
    this.waited = false;
    const asked = wallMs();
    for (;; this.waited = true) {
      const gen = this.s.generation();
      const now = wallMs();
      const r = this.s.take(this.vm, this.index, now);
      if (r === 0) {
        this.waitedMs = now - asked;
        return true;
      }
      if (stop()) {
        this.block();
        return false;
      }
      this.s.sleep(gen, r > 0 ? Math.min(r, maxWaitMs) : maxWaitMs);
    }
  }

  /** As acquire, without blocking the thread's event loop (a VM's round-robin thread). */
  async acquireAsync(stop: () => boolean, maxWaitMs = 20): Promise<boolean> {
    this.waited = false;
    for (;; this.waited = true) {
      const gen = this.s.generation();
      const r = this.s.take(this.vm, this.index, wallMs());
      if (r === 0) return true;
      if (stop()) {
        this.block();
        return false;
      }
      await this.s.sleepAsync(gen, r > 0 ? Math.min(r, maxWaitMs) : maxWaitMs);
    }
  }

  /** Gives the slot back after a slice of `units` budget units; `runnable`: it wants another. */
  release(units: number, runnable: boolean): void {
    this.s.give(this.vm, this.index, units, wallMs(), runnable);
  }

  /** Wants no slot for now (every vCPU waits for an interrupt, or the VM is paused). */
  block(): void {
    this.s.block(this.vm, this.index, wallMs());
  }
}
