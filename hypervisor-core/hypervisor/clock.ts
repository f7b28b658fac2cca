/**
 * The VM clock, in ticks of the 10 MHz timebase. It advances only while the VM runs:
 * - realtime: host time spent running (paused time excluded);
 * - icount: derived from retired guest instructions (ICOUNT_INSNS_PER_TICK per tick), plus
 *   the time skipped while every vCPU waited for an interrupt, so a run is reproducible.
 */
import { TIMEBASE_HZ } from '../machine/memory-map';

/** Guest instructions per tick with the icount clock: a nominal 100 MIPS hart at 10 MHz. */
export const ICOUNT_INSNS_PER_TICK = 10;

/** Clock kinds. */
export type ClockKind = 'realtime' | 'icount';

/** Slots of the clock's state array. */
const enum C { INSTRUCTIONS, SKIPPED, ACCUMULATED_MS, RUNNING_SINCE, COUNT }

/**
 * Realtime ticks of a clock state (see VmClock.state) at host time `nowMs` on the clock
 * owner's `performance.now()` scale (other threads add the difference of time origins).
 */
export function realtimeTicks(state: Float64Array, nowMs: number): number {
  const since = state[C.RUNNING_SINCE];
  const ms = state[C.ACCUMULATED_MS] + (since >= 0 ? nowMs - since : 0);
  return Math.floor(ms * (TIMEBASE_HZ / 1000)) + state[C.SKIPPED];
}

/** The VM's time source. */
export class VmClock {
  /**
   * The whole state in one plain array (instructions, skipped ticks, accumulated ms, running
   * since ms or -1): shared with the vCPU threads when `shared`, and saved as it is.
   */
  readonly state: Float64Array;

  constructor(readonly kind: ClockKind, shared = false) {
    this.state = new Float64Array(shared ? new SharedArrayBuffer(C.COUNT * 8) : new ArrayBuffer(C.COUNT * 8));
    this.state[C.RUNNING_SINCE] = -1;
  }

  /** Host time (ms) the owner just read, for the next realtime `now()` only; -1: none. */
  private sample = -1;

  /** Ticks now; `inFlight` are instructions retired by the running slice but not yet counted. */
  now(inFlight = 0): number {
    const s = this.state;
    if (this.kind === 'icount') {
      return Math.floor((s[C.INSTRUCTIONS] + inFlight) / ICOUNT_INSNS_PER_TICK) + s[C.SKIPPED];
    }
    const sample = this.sample;
    this.sample = -1;
    return realtimeTicks(s, sample >= 0 ? sample : performance.now());
  }

  /**
   * The caller just read the host clock (`performance.now()`, ms): the next `now()` uses that
   * instead of reading it again. An exit's handling ends with a clock read, and the next
   * slice's first act (its interrupt check) asks for the time: one read serves both.
   */
  sampled(ms: number): void {
    this.sample = ms;
  }

  /** Guest time as its parts, for a snapshot (host time running now counts as accumulated). */
  save(): { instructions: number; skipped: number; ms: number } {
    const s = this.state;
    const ms = s[C.ACCUMULATED_MS] + (s[C.RUNNING_SINCE] >= 0 ? performance.now() - s[C.RUNNING_SINCE] : 0);
    return { instructions: s[C.INSTRUCTIONS], skipped: s[C.SKIPPED], ms };
  }

  /** Puts back `save`'s time; the clock is stopped (the next run starts it). */
  restore(saved: { instructions: number; skipped: number; ms: number }): void {
    const s = this.state;
    s[C.INSTRUCTIONS] = saved.instructions;
    s[C.SKIPPED] = saved.skipped;
    s[C.ACCUMULATED_MS] = saved.ms;
    s[C.RUNNING_SINCE] = -1;
    this.sample = -1;
  }

  /** Counts the instructions of a finished slice. */
  retire(instructions: number): void {
    this.state[C.INSTRUCTIONS] += instructions;
  }

  /** Moves time forward to `ticks` (all vCPUs idle until then). */
  advanceTo(ticks: number): void {
    const now = this.now();
    if (ticks > now) this.state[C.SKIPPED] += ticks - now;
  }

  /** Starts counting host time (realtime). */
  start(): void {
    this.sample = -1;
    if (this.state[C.RUNNING_SINCE] < 0) this.state[C.RUNNING_SINCE] = performance.now();
  }

  /** Stops counting host time (pause). */
  stop(): void {
    this.sample = -1;
    const s = this.state;
    if (s[C.RUNNING_SINCE] >= 0) {
      s[C.ACCUMULATED_MS] += performance.now() - s[C.RUNNING_SINCE];
      s[C.RUNNING_SINCE] = -1;
    }
  }

  /** Milliseconds of host time until `ticks` (realtime), for sleeping while idle. */
  msUntil(ticks: number): number {
    return Math.max(0, (ticks - this.now()) / (TIMEBASE_HZ / 1000));
  }
}
