/**
 * Where each vCPU's host time goes, as Linux's schedstat splits a task's time: running (guest
 * code and its exits), waiting (runnable but another vCPU holds the host thread: what the
 * guest would see as steal time) and blocked (in WFI or a suspend with nothing pending).
 * Time while the VM is paused, or while a vCPU is stopped (HSM), counts for none of them.
 *
 * The scheduler reports at slice boundaries: `account(now, running, stateOf)` gives the host
 * time since the last report to `running` as run time and to every other vCPU by its state
 * (runnable: wait; blocked: blocked). In a gap where no vCPU ran (running = -1: device work,
 * the event loop, idle sleep) only blocked time counts. `suspend()` drops the time until the
 * next report (pause).
 */

/** A vCPU's state as the accounting sees it. */
export type AccountedState = 'runnable' | 'blocked' | 'other';

/** The three times of one vCPU, in host nanoseconds. */
export interface VcpuTimesRow {
  runNs: number;
  waitNs: number;
  blockedNs: number;
}

/** Run, wait and blocked time per vCPU. */
export class VcpuTimes {
  private readonly run: Float64Array;
  private readonly wait: Float64Array;
  private readonly blocked: Float64Array;
  /** Host time (ms, performance.now) of the last report; -1 after suspend or before the first. */
  private lastMs = -1;

  constructor(readonly vcpus: number) {
    this.run = new Float64Array(vcpus);
    this.wait = new Float64Array(vcpus);
    this.blocked = new Float64Array(vcpus);
  }

  /** Gives the host time since the last report to `running` (-1: none ran) and to the others by state. */
  account(nowMs: number, running: number, stateOf: (vcpu: number) => AccountedState): void {
    const last = this.lastMs;
    this.lastMs = nowMs;
    if (last < 0 || nowMs <= last) return;
    const ns = (nowMs - last) * 1e6;
    for (let v = 0; v < this.vcpus; v++) {
      if (v === running) {
        this.run[v] += ns;
        continue;
      }
      const s = stateOf(v);
      // Waiting is for another vCPU: a gap in which none ran (devices, the event loop) is the host's.
      if (s === 'runnable' && running >= 0) this.wait[v] += ns;
      else if (s === 'blocked') this.blocked[v] += ns;
    }
  }

  /**
   * The time since the last report went to waiting for a host CPU (a credit scheduler's slot,
   * threads/credit-scheduler.ts): runnable vCPUs waited (steal), blocked ones were blocked.
   */
  accountSteal(nowMs: number, stateOf: (vcpu: number) => AccountedState): void {
    const last = this.lastMs;
    this.lastMs = nowMs;
    if (last < 0 || nowMs <= last) return;
    const ns = (nowMs - last) * 1e6;
    for (let v = 0; v < this.vcpus; v++) {
      const s = stateOf(v);
      if (s === 'runnable') this.wait[v] += ns;
      else if (s === 'blocked') this.blocked[v] += ns;
    }
  }

  /** Adds `ns` of wait (steal) time to `vcpu`: a vCPU thread's wait for a host-CPU slot. */
  addWait(vcpu: number, ns: number): void {
    this.wait[vcpu] += ns;
  }

  /** The VM is paused: the time until the next report is nobody's. */
  suspend(): void {
    this.lastMs = -1;
  }

  /** Forgets everything counted. */
  reset(): void {
    this.run.fill(0);
    this.wait.fill(0);
    this.blocked.fill(0);
  }

  /** The times of `vcpu`. */
  row(vcpu: number): VcpuTimesRow {
    return { runNs: this.run[vcpu], waitNs: this.wait[vcpu], blockedNs: this.blocked[vcpu] };
  }
}
