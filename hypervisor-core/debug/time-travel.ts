/**
 * Reverse execution for the debugger (DAP stepBack and reverseContinue), as gdb's record and
 * rr do it with checkpoints: the VM's state is saved in memory every CHECKPOINT_INTERVAL
 * instructions (at a stop, before the VM runs on), and a point in the past is reached by
 * restoring the last checkpoint before it and running forward to it exactly. Replay is
 * deterministic because guest time is instruction time (the icount clock) and the scheduler's
 * round robin depends on nothing but the guest: slices of a fixed budget, ended early by exits,
 * never by where the debugger stopped (Vm.sliceLeft). Idle periods are skipped at once (the
 * same instructions and exits as when they were waited out). A position is the VM's retired
 * instructions, all vCPUs together.
 *
 * Several vCPUs: they must take turns on one thread (threads: 1), whose round robin is the
 * deterministic one. A debugger step runs one vCPU while the others stay stopped, which no
 * replay reproduces: with several vCPUs every resume takes a checkpoint, and the stretch a
 * step ran is reachable at its ends only (a run's stretch anywhere).
 *
 * Bounds: checkpoints are compressed snapshots (snapshot-file.ts); at most CHECKPOINT_BYTES of
 * them are kept, the oldest dropped first, so the past reaches back as far as the memory
 * allows. A checkpoint past the current point is dropped when the VM resumes from here (the
 * user may have changed registers or memory: that future is no longer the one recorded).
 *
 * Limits: console input typed after the oldest checkpoint is replayed at the instruction
 * count it arrived at.
 */
import type { Vm, VmStop } from '../hypervisor/vm';
import { memoryForRestore, restoreVm, saveVm, usedHostMemory } from '../hypervisor/vm-state';
import { decodeSnapshot, encodeSnapshot } from '../state/snapshot-file';

/** Instructions between two checkpoints: what one step back replays at most. */
export const CHECKPOINT_INTERVAL = 2_000_000;
/** Memory the checkpoints may use, compressed (the bound the README states). */
export const CHECKPOINT_BYTES = 256 * 1024 * 1024;

/**
 * One saved point: the VM's retired instructions there, the compressed snapshot, and whether
 * the stretch after it was a run (replayable anywhere) or a step of one vCPU on several.
 */
interface Checkpoint { position: number; bytes: Buffer; step: boolean }

/** Why the VM cannot travel back (one line). */
export class TimeTravelError extends Error {}

/** A stop met while replaying, and where (the VM's retired instructions). */
export interface ReplayStop { position: number; stop: VmStop }

/** The checkpoints of one VM and the replay to any point after the oldest. */
export class TimeTravel {
  private checkpoints: Checkpoint[] = [];
  private bytes = 0;
  /** Console input with the position it arrived at (replayed at the same point). */
  private inputs: { position: number; bytes: Uint8Array }[] = [];

  /** @param vm the debugged VM (a function: a restart makes a new one) */
  constructor(private readonly vm: () => Vm) {}

  /** Why reverse execution is not available for this VM, or null. */
  unsupported(): string | null {
    const vm = this.vm();
    if (vm.clock.kind !== 'icount') return 'reverse execution needs the icount clock ("clock": "icount")';
    if (vm.vcpus.length > 1 && vm.opts.sharedMemory) {
      return `reverse execution on ${vm.vcpus.length} vCPUs needs them on one thread ("threads": 1), where they take turns deterministically`;
    }
    if (!vm.plic) return 'reverse execution cannot save a VM with the AIA yet';
    return null;
  }

  /** The VM's retired instructions (all vCPUs): its position in its history. */
  position(): number {
    return this.vm().instructions;
  }

  /** Several vCPUs: a step's stretch cannot be replayed by running the VM. */
  private get smp(): boolean {
    return this.vm().vcpus.length > 1;
  }

  /** Whether the stretch after checkpoint `index` can be replayed anywhere (a run), or only reached at its ends (a step on several vCPUs). */
  replayable(index: number): boolean {
    return !this.checkpoints[index]?.step;
  }

  /** Forgets every checkpoint (a restart). */
  clear(): void {
    this.checkpoints = [];
    this.bytes = 0;
    this.inputs = [];
  }

  /** Checkpoints kept and their size (for tests and the README's figures). */
  get usage(): { checkpoints: number; bytes: number; oldest: number | null } {
    return { checkpoints: this.checkpoints.length, bytes: this.bytes, oldest: this.checkpoints[0]?.position ?? null };
  }

  /** Notes console input given to the guest now. */
  noteInput(bytes: Uint8Array): void {
    if (this.unsupported() === null) this.inputs.push({ position: this.position(), bytes: bytes.slice() });
  }

  /**
   * Called at a stop, before the VM runs forward: drops the recorded future if the VM is back
   * in its past, and takes a checkpoint when the last is CHECKPOINT_INTERVAL behind (or none).
   */
  beforeResume(step = false): void {
    if (this.unsupported() !== null) return;
    const here = this.position();
    while (this.checkpoints.length > 0 && this.checkpoints[this.checkpoints.length - 1].position > here) {
      this.bytes -= this.checkpoints.pop()!.bytes.length;
    }
    this.inputs = this.inputs.filter((i) => i.position <= here);
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (!last || here - last.position >= CHECKPOINT_INTERVAL || this.smp) this.take(step && this.smp);
  }

  /** Saves the VM now (between runs), evicting the oldest checkpoints past the bound. */
  take(step = false): void {
    const vm = this.vm();
    const bytes = encodeSnapshot({ state: saveVm(vm), memory: usedHostMemory(vm) });
    const position = this.position();
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && last.position === position) {
      this.bytes -= last.bytes.length;
      this.checkpoints.pop();
    }
    this.checkpoints.push({ position, bytes, step });
    this.bytes += bytes.length;
    while (this.bytes > CHECKPOINT_BYTES && this.checkpoints.length > 1) this.bytes -= this.checkpoints.shift()!.bytes.length;
  }

  /**
   * Goes to `target` (vCPU 0's retired instructions, in the past): restores the last
   * checkpoint at or before it and replays. `onStop` sees every debugger stop on the way
   * (breakpoints, watchpoints, exit filters, as the hooks installed on the VM make them); it
   * performs a watched access unwatched itself, and the replay resumes past the stop. Throws TimeTravelError when no checkpoint
   * reaches back that far.
   */
  travelTo(target: number, onStop?: (s: ReplayStop) => void): void {
    const why = this.unsupported();
    if (why) throw new TimeTravelError(why);
    let k = this.checkpoints.length - 1;
    while (k >= 0 && this.checkpoints[k].position > target) k--;
    if (k < 0) {
      const oldest = this.checkpoints[0]?.position;
      throw new TimeTravelError(oldest === undefined ? 'no checkpoint recorded yet' : `the recorded past starts at instruction ${oldest}`);
    }
    if (target > this.checkpoints[k].position && !this.replayable(k)) {
      throw new TimeTravelError(`instruction ${target} lies inside a step of one vCPU while the others stood still: only its start (${this.checkpoints[k].position}) and end can be gone back to`);
    }
    this.restore(this.checkpoints[k]);
    this.replay(target, onStop);
  }

  /** Restores checkpoint `index` (of `positions()`) and replays from it to `target`, as travelTo. */
  replayFrom(index: number, target: number, onStop?: (s: ReplayStop) => void): void {
    const c = this.checkpoints[index];
    if (!c || c.position > target) throw new TimeTravelError('no such checkpoint');
    this.restore(c);
    this.replay(target, onStop);
  }

  /** Positions of the checkpoints, oldest first. */
  positions(): number[] {
    return this.checkpoints.map((c) => c.position);
  }

  private restore(c: Checkpoint): void {
    const vm = this.vm();
    const { state } = decodeSnapshot(c.bytes, (s) => memoryForRestore(vm, s));
    restoreVm(vm, state);
  }

  /** Runs the VM forward to exactly `target` retired instructions, feeding recorded input on the way. */
  private replay(target: number, onStop?: (s: ReplayStop) => void): void {
    const vm = this.vm();
    const sleep = vm.opts.idleSleep;
    vm.opts.idleSleep = false; // idle periods pass at once: the same instructions and exits
    try {
      for (const input of this.inputs) {
        if (input.position < vm.instructions || input.position > target) continue;
        this.runTo(input.position, onStop);
        vm.input.push(input.bytes);
      }
      this.runTo(target, onStop);
    } finally {
      vm.opts.idleSleep = sleep;
      vm.stopAtRetired = null;
      vm.pause();
    }
  }

  /** Runs the VM to `target` retired instructions; every other stop goes to `onStop`, then on. */
  private runTo(target: number, onStop?: (s: ReplayStop) => void): void {
    const vm = this.vm();
    vm.stopAtRetired = { vcpu: -1, instret: target };
    for (let guard = 0; vm.instructions < target; guard++) {
      if (guard > 1_000_000) throw new TimeTravelError('the replay does not advance');
      const stop = vm.runFor(50_000_000);
      if (stop === null || stop.kind === 'paused') continue;
      if (stop.kind === 'idle') throw new TimeTravelError('the replay found every vCPU waiting with no timer');
      if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') {
        throw new TimeTravelError(`the replay diverged: the VM stopped (${stop.kind}) before instruction ${target}`);
      }
      // The caller steps over what stopped it (a watched access is performed unwatched there).
      onStop?.({ position: vm.instructions, stop });
      if ('vcpu' in stop) vm.vcpus[stop.vcpu].hart.resumeFromBreakpoint = true;
    }
  }
}
