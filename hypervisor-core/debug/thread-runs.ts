/**
 * Debugger runs with the vCPUs on host threads, all-stop: the vCPU threads run with the
 * debugger's breakpoints armed; each stop they meet (a breakpoint, watchpoint or guest trap
 * in a hart, an exit filter or the VM's own stop on the VM's thread) is decided here, on the
 * VM's thread, with that vCPU's state; once one stops the run, every vCPU is parked at an
 * instruction boundary and its state brought back, so the debugger inspects and steps the
 * vCPUs on the VM's thread as with one thread (threads/vcpu-threads.ts, debug mode).
 */
import { Slot } from '../hart/hart-state';
import type { HartWatchpoint } from '../hart/hart';
import type { ThreadDebugConfig } from '../hypervisor/threads/shared-words';
import { VcpuThreads } from '../hypervisor/threads/vcpu-threads';
import type { Vm, VmStop } from '../hypervisor/vm';
import { isCodeAddr, loHiOf } from './address';
import type { RunOutcome } from './line-steps';

/** How a threaded run ended: a stop it decided (reported by the caller), the VM's own stop, or neither (`quit`). */
export interface ThreadRunEnd { outcome?: RunOutcome; stop?: VmStop }

/** What every vCPU thread arms: code breakpoints, watchpoints, guest trap kinds, held vCPUs. */
export function threadConfig(addrs: Iterable<number>, watches: HartWatchpoint[], guestTraps: { exceptions: boolean; interrupts: boolean },
  held: Iterable<number>): ThreadDebugConfig {
  return {
    breakpoints: [...addrs].filter(isCodeAddr).map((a) => { const { lo, hi } = loHiOf(a); return [lo, hi]; }),
    watches, guestExceptions: guestTraps.exceptions, guestInterrupts: guestTraps.interrupts, held: [...held],
  };
}

/** The vCPU threads of one debugged VM. */
export class DebugThreads {
  private readonly t: VcpuThreads;

  /** Starts `count` threads for the VM, parked (their code loads while the user sets breakpoints). */
  constructor(private readonly vm: Vm, count: number) {
    this.t = new VcpuThreads(vm, count, true);
    this.t.start();
  }

  /** vCPUs whose hart stopped after the last run's stop was decided: not stepped over at the next resume, so they stop again. */
  get unreported(): ReadonlySet<number> {
    return this.t.unreported;
  }

  /** Makes a run look at its `quit` now (a pause). */
  interrupt(): void {
    this.t.interrupt();
  }

  /** Ends the threads. */
  terminate(): Promise<void> {
    return this.t.terminate();
  }

  /**
   * Runs every vCPU (but the held ones) until `decide` stops the run (its outcome), the VM
   * stops by itself (a thread failed, or a stop came after the decided one), or `quit` answers
   * true; every vCPU is parked on return. `decide` gets each stop with its vCPU's state on this
   * thread and answers 'resume' to let that vCPU go on.
   */
  async run(config: ThreadDebugConfig, decide: (stop: VmStop) => RunOutcome | 'resume', quit: () => boolean): Promise<ThreadRunEnd> {
    const t = this.t;
    let outcome: RunOutcome | undefined;
    t.onDebugStop = (stop) => {
      if (stop.kind === 'breakpoint' && stop.cause === 'guest-trap') {
        // The thread stopped at every trap of an enabled kind; the filters and their conditions decide here.
        const h = this.vm.vcpus[stop.vcpu].hart;
        if (!h.onGuestTrap?.(0, h.hi(Slot.VSCAUSE) < 0)) return false;
      }
      const out = decide(stop);
      if (out === 'resume') return false;
      outcome = out;
      return true;
    };
    try {
      t.resumeDebug(config);
      const end = await t.run(Infinity, () => t.stopDecided || quit());
      await t.parkDebug();
      if (outcome) return { outcome };
      const stop = end ?? t.failed;
      return stop ? { stop } : {};
    } finally {
      t.onDebugStop = null;
    }
  }
}
