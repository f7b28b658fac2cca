/**
 * The run loop of a VM outside the debugger: `Vm.runFor` in batches, yielding to the event
 * loop between them (input, timers, control messages), sleeping while every vCPU waits for an
 * interrupt, holding while paused. `hyperscope run` and each VM of `hyperscope serve` use it;
 * under a daemon's credit scheduler every batch passes a gate (threads/sched-gate.ts).
 */
import type { Vm, VmStop } from './vm';
import { runOnThreads } from './threads/vcpu-threads';
import type { SchedBuffers } from './threads/credit-scheduler';
import { schedulerGate } from './threads/sched-gate';

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

/**
 * What a batch of the run loop passes through besides the VM: the credit scheduler's host-CPU
 * slot (threads/sched-gate.ts), taken before every batch and given back after it.
 */
export interface BatchGate {
  /** Budget units of one batch under the gate (RUN_BATCH without one). */
  readonly batch: number;
  /** Waits until a batch may run; false when `giveUp` turned true first (the loop polls again). */
  enter(giveUp: () => boolean): Promise<boolean>;
  /** The batch used `units` budget units; `runnable`: the VM wants another at once. */
  leave(units: number, runnable: boolean): void;
  /** The VM wants no batch for now (held, or the run ended). */
  idle(): void;
}

/** Runs `vm` until it stops for good, `quit` answers true, or the deadline passes. */
export async function runUntilStop(vm: Vm, control: RunControl): Promise<RunEnd> {
  if ((control.threads ?? 1) > 1) return runOnThreads(vm, control.threads!, control);
  const gate = control.sched ? schedulerGate(vm, control.sched) : null;
  try {
    return await runBatches(vm, control, gate);
  } finally {
    gate?.idle();
  }
}

/**
 * The one run loop: batches of `gate.batch` (RUN_BATCH without a gate), each between the
 * gate's enter and leave, a visit to the event loop every RUN_BATCH units. The gate is left
 * entered-or-idle as the run ends: the caller idles it.
 */
export async function runBatches(vm: Vm, control: RunControl, gate: BatchGate | null): Promise<RunEnd> {
  const deadline = control.deadline ?? Infinity;
  const batch = gate?.batch ?? RUN_BATCH;
  const giveUp = (): boolean => control.quit() || !!control.hold?.() || performance.now() >= deadline;
  let sinceYield = 0;
  for (;;) {
    if (control.quit()) return { kind: 'quit' };
    const hold = control.hold?.();
    if (hold) {
      gate?.idle();
      vm.pause();
      await hold;
      continue;
    }
    if (performance.now() >= deadline) return { kind: 'timeout' };
    if (gate && !(await gate.enter(giveUp))) continue;
    const stop = vm.runFor(batch);
    gate?.leave(vm.lastRunBudget, stop === null);
    if (stop === null) {
      // A batch that ran out of budget used at least `batch` units, so without a gate this
      // visits the event loop after every batch.
      sinceYield += vm.lastRunBudget;
      if (sinceYield >= RUN_BATCH) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
      continue;
    }
    sinceYield = 0;
    if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') return { kind: 'stop', stop };
    if (stop.kind === 'paused' && vm.instructions >= vm.pauseAtInstructions) return { kind: 'pause-point' };
    // Every vCPU waits for an interrupt (or a debugger-only stop no caller here asks for); a
    // gate's slot went back with leave(): sleep until the next timer, or input, at most 50 ms.
    const ms = Math.min(vm.msUntilNextDeadline(), 50, Math.max(0, deadline - performance.now()));
    await new Promise((r) => setTimeout(r, ms));
  }
}
