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

/** The VM's time source. */
export class VmClock {
  private instructions = 0;
  private skipped = 0;
  private accumulatedMs = 0;
  private runningSince = -1;

  constructor(readonly kind: ClockKind) {}

  /** Ticks now; `inFlight` are instructions retired by the running slice but not yet counted. */
  now(inFlight = 0): number {
    if (this.kind === 'icount') {
      return Math.floor((this.instructions + inFlight) / ICOUNT_INSNS_PER_TICK) + this.skipped;
    }
    const ms = this.accumulatedMs + (this.runningSince >= 0 ? performance.now() - this.runningSince : 0);
    return Math.floor(ms * (TIMEBASE_HZ / 1000)) + this.skipped;
  }

  /** Guest time as its parts, for a snapshot (host time running now counts as accumulated). */
  save(): { instructions: number; skipped: number; ms: number } {
    const ms = this.accumulatedMs + (this.runningSince >= 0 ? performance.now() - this.runningSince : 0);
    return { instructions: this.instructions, skipped: this.skipped, ms };
  }

  /** Puts back `save`'s time; the clock is stopped (the next run starts it). */
  restore(s: { instructions: number; skipped: number; ms: number }): void {
    this.instructions = s.instructions;
    this.skipped = s.skipped;
    this.accumulatedMs = s.ms;
    this.runningSince = -1;
  }

  /** Counts the instructions of a finished slice. */
  retire(instructions: number): void {
    this.instructions += instructions;
  }

  /** Moves time forward to `ticks` (all vCPUs idle until then). */
  advanceTo(ticks: number): void {
    const now = this.now();
    if (ticks > now) this.skipped += ticks - now;
  }

  /** Starts counting host time (realtime). */
  start(): void {
    if (this.runningSince < 0) this.runningSince = performance.now();
  }

  /** Stops counting host time (pause). */
  stop(): void {
    if (this.runningSince >= 0) {
      this.accumulatedMs += performance.now() - this.runningSince;
      this.runningSince = -1;
    }
  }

  /** Milliseconds of host time until `ticks` (realtime), for sleeping while idle. */
  msUntil(ticks: number): number {
    return Math.max(0, (ticks - this.now()) / (TIMEBASE_HZ / 1000));
  }
}
