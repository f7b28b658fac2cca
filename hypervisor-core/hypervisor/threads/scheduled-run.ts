/**
 * The runner's loop (runner.ts) for a VM whose vCPUs take turns on its own thread, under a
 * daemon's credit scheduler (credit-scheduler.ts): each slice of the round robin runs only
 * while this thread holds a host-CPU slot, waited for without blocking the thread's event loop
 * (console input and control messages are answered meanwhile). The time the VM's runnable
 * vCPUs wait for a slot is their wait (steal) time: in `vm stats` and in SBI STA's record.
 */
import type { Vm } from '../vm';
import type { AccountedState } from '../stats/vcpu-times';
import type { RunControl, RunEnd } from '../runner';
import { CreditScheduler, SchedUnit } from './credit-scheduler';

/** Budget units of one slice under the scheduler: one vCPU slice of the round robin (vm.ts SLICE_INSTRUCTIONS). */
export const SCHED_SLICE = 50_000;
/** Budget units between two visits to the event loop when no wait came between (as runner.ts's RUN_BATCH). */
const YIELD_UNITS = 2_000_000;

/** Runs `vm` until it stops for good, `quit` says so, or the deadline passes; every slice holds a slot. */
export async function runScheduled(vm: Vm, control: RunControl): Promise<RunEnd> {
  const unit: SchedUnit = new CreditScheduler(control.sched!.buffers).unit(control.sched!.vm, 0);
  const deadline = control.deadline ?? Infinity;
  const state = (id: number): AccountedState => {
    const s = vm.vcpus[id].state;
    return s === 'runnable' ? 'runnable' : s === 'blocked' ? 'blocked' : 'other';
  };
  let sinceYield = 0;
  try {
    for (;;) {
      if (control.quit()) return { kind: 'quit' };
      const hold = control.hold?.();
      if (hold) {
        unit.block();
        vm.pause();
        await hold;
        continue;
      }
      if (performance.now() >= deadline) return { kind: 'timeout' };
      const asked = performance.now();
      if (!(await unit.acquireAsync(() => control.quit() || !!control.hold?.() || performance.now() >= deadline))) continue;
      if (unit.waited) {
        // Until the request the time was the host's (as between two batches); then the runnable vCPUs waited.
        vm.stats.times.account(asked, -1, state);
        vm.stats.times.accountSteal(performance.now(), state);
      }
      const stop = vm.runFor(SCHED_SLICE);
      unit.release(vm.lastRunBudget, stop === null);
      sinceYield += vm.lastRunBudget;
      if (stop === null) {
        if (sinceYield >= YIELD_UNITS) {
          sinceYield = 0;
          await new Promise((r) => setImmediate(r));
        }
        continue;
      }
      sinceYield = 0;
      if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') return { kind: 'stop', stop };
      if (stop.kind === 'paused' && vm.instructions >= vm.pauseAtInstructions) return { kind: 'pause-point' };
      // Every vCPU waits for an interrupt: the slot went back; sleep until the next timer or input.
      const ms = Math.min(vm.msUntilNextDeadline(), 50, Math.max(0, deadline - performance.now()));
      await new Promise((r) => setTimeout(r, ms));
    }
  } finally {
    unit.block();
  }
}
