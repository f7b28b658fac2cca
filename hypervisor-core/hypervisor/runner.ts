/**
 * The run loop of a VM outside the debugger: `Vm.runFor` in batches, yielding to the event
 * loop between them (input, timers, control messages), sleeping while every vCPU waits for an
 * interrupt, holding while paused. `hyperscope run` and each VM of `hyperscope serve` use it.
 */
import type { Vm, VmStop } from './vm';
import { runOnThreads } from './threads/vcpu-threads';
import type { SchedBuffers } from './threads/credit-scheduler';
import { runScheduled } from './threads/scheduled-run';

/** Instructions run between two visits to the event loop (input, timers, timeout). */
export const RUN_BATCH = 2_000_000;

/** A stop that ends a run: the guest shut down or asked for a reboot, or the VM hit an error. */
export type FinalStop = Extract<VmStop, { kind: 'shutdown' | 'reboot' | 'fatal' }>;

/** How a run ended: the VM stopped (shut down, reboot, fatal), `quit` said so, or the deadline passed. */
export type RunEnd =
  | { kind: 'stop'; stop: FinalStop }
  | { kind: 'quit' }
  | { kind: 'timeout' }
  /** The VM reached `Vm.pauseAtInstructions` (between two scheduler slices). */
  | { kind: 'pause-point' };

/** What the caller controls between batches. */
export interface RunControl {
  /** True ends the run ('quit'); polled before every batch. */
  quit(): boolean;
  /**
   * A promise while the VM must not run (paused); the VM clock stops until it settles, so a
   * paused VM retires no instruction and its guest time stands still. Null to run.
   */
  hold?(): Promise<void> | null;
  /** Host time (performance.now) at which the run ends with 'timeout'; none by default. */
  deadline?: number;
  /**
   * Host threads for the vCPUs (default 1: the VM's own deterministic round robin). Above 1
   * the VM must have been created with `sharedMemory` (see threads/vcpu-threads.ts).
   */
  threads?: number;
  /** Called once a hold has taken effect on vCPU threads (every one parked at an instruction boundary). */
  onHold?(): void;
  /**
   * The credit scheduler of a daemon (threads/credit-scheduler.ts) and this VM's row in it:
   * every slice then runs only while its thread holds one of the daemon's host-CPU slots.
   */
  sched?: { buffers: SchedBuffers; vm: number };
}

/** Runs `vm` until it stops for good, `quit` answers true, or the deadline passes. */
export async function runUntilStop(vm: Vm, control: RunControl): Promise<RunEnd> {
  if ((control.threads ?? 1) > 1) return runOnThreads(vm, control.threads!, control);
  if (control.sched) return runScheduled(vm, control);
  const deadline = control.deadline ?? Infinity;
  for (;;) {
    if (control.quit()) return { kind: 'quit' };
    const hold = control.hold?.();
    if (hold) {
      vm.pause();
      await hold;
      continue;
    }
    if (performance.now() >= deadline) return { kind: 'timeout' };
    const stop = vm.runFor(RUN_BATCH);
    if (stop === null) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') return { kind: 'stop', stop };
    if (stop.kind === 'paused' && vm.instructions >= vm.pauseAtInstructions) return { kind: 'pause-point' };
    // Every vCPU waits for an interrupt (or a debugger-only stop no caller here asks for):
    // sleep until the next timer, or input, at most 50 ms.
    const ms = Math.min(vm.msUntilNextDeadline(), 50, Math.max(0, deadline - performance.now()));
    await new Promise((r) => setTimeout(r, ms));
  }
}
