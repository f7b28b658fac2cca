/**
 * The debugger's run loop (guest-debugger.ts's continue and line steps): the runner's batch
 * loop, as the CLI's, with the debugger's stops. Batches of DEBUG_BATCH instructions between
 * visits to the event loop, so a pause is answered within a batch even when the guest spins,
 * until a stop, the step's target or the end. With the vCPUs on host threads, the threads run
 * and this thread decides the stops they report.
 */
import type { Hart } from '../hart/hart';
import type { Vm, VmStop } from '../hypervisor/vm';
import { batchLoop, type BatchGate } from '../hypervisor/runner';
import { codeAddrLoHi } from './address';
import type { GuestTrapBreakpoints } from './guest-trap-breakpoints';
import type { RunOutcome, RunTarget } from './line-steps';
import { DebugThreads, ThreadRunEnd, threadConfig } from './thread-runs';
import type { StopEvent } from './debugger-types';
import type { WatchpointSet } from './watchpoints';

/** Instructions per batch between two visits to the event loop (a few ms of guest time). */
export const DEBUG_BATCH = 200_000;

const pcOf = (h: Hart): number => codeAddrLoHi(h.pcLo, h.pcHi);

/** A stop decided while the vCPU threads ran, reported once every vCPU is parked. */
export interface DeferredStop { e: StopEvent; hidden: number }

/** What the run loop uses of the debugger. */
export interface RunHost {
  readonly vm: Vm;
  /** Changes when the VM is replaced (restart) or a failed run is abandoned: an older loop ends quietly. */
  readonly generation: number;
  /** Host threads for the vCPUs (1: the VM's own round robin on this thread). */
  readonly threads: number;
  /** The vCPU threads, when `threads` is above 1. */
  readonly vcpuThreads: DebugThreads | undefined;
  /** vCPUs that stay stopped while the others run, or null. */
  readonly held: ReadonlySet<number> | null;
  readonly pauseRequested: boolean;
  readonly watchpoints: WatchpointSet;
  readonly guestTraps: GuestTrapBreakpoints;
  /** vCPUs stopped before a watched access: they perform it first, unwatched. */
  readonly watchSkip: ReadonlySet<number>;
  /**
   * A new gate every batch of a run passes (an attached VM in a daemon: the credit
   * scheduler's host-CPU slot, threads/sched-gate.ts), or null.
   */
  schedulerGate(): BatchGate | null;
  /** The code breakpoints' addresses (a new set). */
  breakpointAddresses(): Set<number>;
  /** Arms the code breakpoints on every hart, and `extra` (a step's target) when given. */
  armBreakpoints(extra?: number): void;
  /** Marks the VM running (pause requests before now are dropped). */
  running(): void;
  isEnded(): boolean;
  /** The vCPU of the last stop (a pause is reported there). */
  lastStopVcpu(): number;
  stepOnce(vcpu: number): 'ok' | 'stopped' | 'ended';
  /** Maps a VM stop to an outcome, reporting it (stop-decisions.ts); 'resume' runs on. */
  handleStop(stop: VmStop, target: RunTarget | undefined): RunOutcome | 'resume';
  stopped(e: StopEvent, hidden?: number): void;
  maybeEmitStats(): void;
  /** From now on a reported stop is kept (the vCPU threads still run) until `takeDeferred`. */
  deferStops(): void;
  /** The stop kept since `deferStops`, if any; stops are reported at once again. */
  takeDeferred(): DeferredStop | null;
}

/** Runs the VM until a stop, the target (a line step's) or the end; the stop has been reported. */
export async function runLoop(host: RunHost, target?: RunTarget): Promise<RunOutcome> {
  const gen = host.generation;
  const vm = host.vm;
  host.running();
  host.armBreakpoints(target?.address);
  // Resuming executes the instruction under a breakpoint at each vCPU's pc instead of stopping again.
  const bps = host.breakpointAddresses();
  // A hit on another vCPU thread after the last stop was decided is not stepped over: it is reported now.
  const unreported = host.vcpuThreads?.unreported;
  for (const v of vm.vcpus) {
    if (unreported?.has(v.id)) continue;
    if (bps.has(pcOf(v.hart)) || pcOf(v.hart) === target?.address) v.hart.resumeFromBreakpoint = true;
  }
  try {
    // A vCPU stopped before a watched access performs it first.
    for (const vcpu of [...host.watchSkip]) {
      const out = host.stepOnce(vcpu);
      if (out !== 'ok') return out;
    }
    if (host.threads > 1) return await runOnThreads(host, target, gen);
    vm.held = host.held;
    // An attached VM in a daemon: every slice holds a host-CPU slot, as under its own run loop.
    const gate = host.schedulerGate();
    try {
      return await runBatches(host, target, gen, gate);
    } finally {
      gate?.idle(); // a stopped debuggee holds no slot
    }
  } finally {
    vm.held = null;
    if (target && host.generation === gen) host.armBreakpoints();
  }
}

/** The batches on this thread (the runner's loop), each through `gate` when there is one. */
function runBatches(host: RunHost, target: RunTarget | undefined, gen: number, gate: BatchGate | null): Promise<RunOutcome> {
  const vm = host.vm;
  return batchLoop<RunOutcome>(vm, gate, {
    yieldEvery: DEBUG_BATCH,
    giveUp: () => host.pauseRequested || host.generation !== gen || host.isEnded(),
    next() {
      if (host.generation !== gen || host.isEnded()) return { end: 'ended' };
      if (host.pauseRequested) {
        host.stopped({ reason: 'pause', vcpu: host.lastStopVcpu(), description: 'paused' });
        return { end: 'stopped' };
      }
      return null;
    },
    afterBatch: () => host.maybeEmitStats(),
    onStop(stop) {
      if (stop.kind === 'idle') return { sleepMs: Math.max(1, Math.min(vm.msUntilNextDeadline(), 50)) };
      const out = host.handleStop(stop, target);
      return out === 'resume' ? null : { end: out };
    },
  });
}

/**
 * The run loop with the vCPUs on threads: stops are decided on this thread as the vCPU
 * threads report them (handleStop), then every vCPU is parked and its state brought here
 * before the stop is reported, so inspection and steps work on this thread as with one.
 */
async function runOnThreads(host: RunHost, target: RunTarget | undefined, gen: number): Promise<RunOutcome> {
  const addrs = host.breakpointAddresses();
  if (target) addrs.add(target.address);
  const config = threadConfig(addrs, host.watchpoints.hartList(),
    { exceptions: host.guestTraps.wants(false), interrupts: host.guestTraps.wants(true) }, host.held ?? []);
  host.deferStops();
  let end: ThreadRunEnd;
  let report: DeferredStop | null;
  try {
    end = await host.vcpuThreads!.run(config, (stop) => host.handleStop(stop, target), () => {
      host.maybeEmitStats();
      return host.pauseRequested || host.generation !== gen || host.isEnded();
    });
  } finally {
    report = host.takeDeferred();
  }
  if (host.generation !== gen || host.isEnded()) return 'ended';
  if (end.outcome) {
    if (report) host.stopped(report.e, report.hidden);
    return end.outcome;
  }
  if (end.stop) {
    const out = host.handleStop(end.stop, target);
    return out === 'resume' ? 'stopped' : out;
  }
  host.stopped({ reason: 'pause', vcpu: host.lastStopVcpu(), description: 'paused' });
  return 'stopped';
}
