/**
 * Guest time while every vCPU of a VM waits for an interrupt: the earliest timer deadline of
 * the blocked vCPUs, and (icount with `idleSleep`, QEMU's `-icount sleep=on`) an idle period
 * in which guest time follows host time until that deadline, so an idle guest costs no host
 * CPU yet runs the same instructions and exits as with `sleep=off`.
 */
import { TIMEBASE_HZ } from '../machine/memory-map';
import type { VmClock } from './clock';
import type { Vcpu } from './vcpu';
import type { VmOptions, VmStop } from './vm-options';

/** With `idleSleep`, how close to a deadline (1 ms in ticks) counts as reaching it. */
const IDLE_SLACK_TICKS = TIMEBASE_HZ / 1000;

/** The idle periods of one VM (vm.ts's scheduler asks it when no vCPU is runnable). */
export class IdleTime {
  /** The current idle period: host ms and guest ticks when it began, its deadline (ticks). */
  private period: { sinceMs: number; fromTicks: number; deadline: number } | null = null;

  /** `opts` is read at every call: a debugger replaying the past turns `idleSleep` off for a while. */
  constructor(
    private readonly clock: VmClock,
    private readonly vcpus: readonly Vcpu[],
    private readonly opts: Pick<VmOptions, 'idleSleep' | 'hostNow'>,
  ) {}

  /** True during an idle period (`idleSleep` only). */
  get active(): boolean {
    return this.period !== null;
  }

  /**
   * Every vCPU waits. icount: move guest time to the earliest timer deadline, at once or (with
   * `idleSleep`) as host time passes, reporting idle until it is reached; realtime: report idle
   * so the caller can sleep until it. Returns null to go on running, or the idle stop.
   */
  untilDeadline(): VmStop | null {
    const deadline = this.nextTimerDeadline();
    // A deadline already passed that did not wake anyone would never make progress.
    if (this.clock.kind !== 'icount' || deadline === Infinity || deadline <= this.clock.now()) return { kind: 'idle' };
    const wake = Math.ceil(deadline);
    if (!this.opts.idleSleep) {
      this.clock.advanceTo(wake);
      return null;
    }
    if (!this.period) this.period = { sinceMs: this.hostNow(), fromTicks: this.clock.now(), deadline: wake };
    this.period.deadline = Math.min(this.period.deadline, wake);
    // Less than a millisecond to go is not worth another host timer (they are that coarse).
    if (this.target() < this.period.deadline - IDLE_SLACK_TICKS) {
      this.clock.advanceTo(this.target());
      return { kind: 'idle' };
    }
    // The deadline came: guest time is exactly it, however late the host looked, so the
    // instructions and exits that follow do not depend on host timing.
    this.clock.advanceTo(this.period.deadline);
    this.period = null;
    return null;
  }

  /** Ends the idle period early (a vCPU woke, or the VM pauses): guest time as far as host time went. */
  end(): void {
    this.clock.advanceTo(Math.min(this.target(), this.period!.deadline));
    this.period = null;
  }

  /** Milliseconds until the next timer deadline of a blocked vCPU (Infinity if none). */
  msUntilNextDeadline(): number {
    const deadline = this.nextTimerDeadline();
    return deadline === Infinity ? Infinity : this.clock.msUntil(deadline);
  }

  /** Guest ticks the current idle period has reached in host time. */
  private target(): number {
    const period = this.period!;
    return period.fromTicks + Math.floor(Math.max(0, this.hostNow() - period.sinceMs) * (TIMEBASE_HZ / 1000));
  }

  /** The earliest timer deadline of a blocked vCPU, in ticks (Infinity if none). */
  private nextTimerDeadline(): number {
    let deadline = Infinity;
    for (const v of this.vcpus) if (v.state === 'blocked') deadline = Math.min(deadline, v.timerDeadline());
    return deadline;
  }

  private hostNow(): number {
    return this.opts.hostNow ? this.opts.hostNow() : performance.now();
  }
}
