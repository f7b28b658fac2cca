/**
 * The gate a VM whose vCPUs take turns on its own thread passes for every batch of the
 * runner's loop (runner.ts) under a daemon's credit scheduler (credit-scheduler.ts): each
 * slice of the round robin runs only while this thread holds a host-CPU slot, waited for
 * without blocking the thread's event loop (console input and control messages are answered
 * meanwhile). The time the VM's runnable vCPUs wait for a slot is their wait (steal) time: in
 * `vm stats` and in SBI STA's record.
 */
import type { Vm } from '../vm';
import type { AccountedState } from '../stats/vcpu-times';
import type { BatchGate } from '../runner';
import { CreditScheduler, SchedBuffers } from './credit-scheduler';

/** Budget units of one slice under the scheduler: one vCPU slice of the round robin (vm.ts SLICE_INSTRUCTIONS). */
export const SCHED_SLICE = 50_000;

/** The gate of `vm`, row `sched.vm` of the daemon's scheduler: one slot held around every slice. */
export function schedulerGate(vm: Vm, sched: { buffers: SchedBuffers; vm: number }): BatchGate {
  const unit = new CreditScheduler(sched.buffers).unit(sched.vm, 0);
  const state = (id: number): AccountedState => {
    const s = vm.vcpus[id].state;
    return s === 'runnable' ? 'runnable' : s === 'blocked' ? 'blocked' : 'other';
  };
  return {
    batch: SCHED_SLICE,
    async enter(giveUp) {
      const asked = performance.now();
      if (!(await unit.acquireAsync(giveUp))) return false;
      if (unit.waited) {
        // Until the request the time was the host's (as between two batches); then the runnable vCPUs waited.
        vm.stats.times.account(asked, -1, state);
        vm.stats.times.accountSteal(performance.now(), state);
      }
      return true;
    },
    leave: (units, runnable) => unit.release(units, runnable),
    idle: () => unit.block(),
  };
}
