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
 * What a caller of the batch loop (batchLoop) decides: when its run ends, what it does after a
 * batch, and what a stop of the VM means to it. The CLI and the daemon (runBatches) and the
 * debugger (debug/run-loop.ts) are its callers.
 */
export interface BatchPolicy<T> {
  /** Budget units between two visits to the event loop, and of one batch without a gate. */
  readonly yieldEvery: number;
  /**
   * Asked before every batch: `{ end }` ends the run, a promise keeps the VM from running
   * until it settles (any gate slot given back meanwhile; asked again after), null runs a batch.
   */
  next(): { end: T } | Promise<unknown> | null;
  /** True when waiting at the gate is no longer wanted (the loop then asks `next` again). */
  giveUp(): boolean;
  /** After every batch, whether or not the VM stopped. */
  afterBatch?(): void;
  /** A stop of the VM: `{ end }` ends the run, `{ sleepMs }` waits that long before the next batch, null runs on at once. */
  onStop(stop: VmStop): { end: T } | { sleepMs: number } | null;
}

/**
 * The one run loop: batches of `gate.batch` (`policy.yieldEvery` without a gate), each between
 * the gate's enter and leave, a visit to the event loop every `policy.yieldEvery` units. The
 * gate is left entered-or-idle as the run ends: the caller idles it.
 */
export async function batchLoop<T>(vm: Vm, gate: BatchGate | null, policy: BatchPolicy<T>): Promise<T> {
  const giveUp = (): boolean => policy.giveUp();
  let sinceYield = 0;
  for (;;) {
    const next = policy.next();
    if (next !== null) {
      if ('end' in next) return next.end;
      gate?.idle();
      await next;
      continue;
    }
    if (gate && !(await gate.enter(giveUp))) continue;
    const stop = vm.runFor(gate ? gate.batch : policy.yieldEvery);
    gate?.leave(vm.lastRunBudget, stop === null);
    policy.afterBatch?.();
    if (stop === null) {
      // Under a gate the batches are short: the event loop gets a turn per yieldEvery's worth.
      sinceYield += vm.lastRunBudget;
      if (!gate || sinceYield >= policy.yieldEvery) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
      continue;
    }
    sinceYield = 0;
    const after = policy.onStop(stop);
    if (after === null) continue;
    if ('end' in after) return after.end;
    await new Promise((r) => setTimeout(r, after.sleepMs));
  }
}

/** The run loop of the CLI and the daemon: until the VM stops for good, `quit`, the deadline or the pause point. */
export function runBatches(vm: Vm, control: RunControl, gate: BatchGate | null): Promise<RunEnd> {
  const deadline = control.deadline ?? Infinity;
  return batchLoop<RunEnd>(vm, gate, {
    yieldEvery: RUN_BATCH,
    giveUp: () => control.quit() || !!control.hold?.() || performance.now() >= deadline,
    next() {
      if (control.quit()) return { end: { kind: 'quit' } };
      const hold = control.hold?.();
      if (hold) {
        vm.pause();
        return hold;
      }
      if (performance.now() >= deadline) return { end: { kind: 'timeout' } };
      return null;
    },
    onStop(stop) {
      if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') return { end: { kind: 'stop', stop } };
      if (stop.kind === 'paused' && vm.instructions >= vm.pauseAtInstructions) return { end: { kind: 'pause-point' } };
      // Every vCPU waits for an interrupt (or a debugger-only stop no caller here asks for); a
      // gate's slot went back with leave(): sleep until the next timer, or input, at most 50 ms.
      return { sleepMs: Math.min(vm.msUntilNextDeadline(), 50, Math.max(0, deadline - performance.now())) };
    },
  });
}
