/**
 * The debugger's reverse execution (DAP stepBack and reverseContinue) over the checkpoints and
 * replay of time-travel.ts: one instruction or one source line back, and back to the last
 * point where the VM stopped, or would have, for a breakpoint, a watchpoint or an exit filter.
 */
import type { Hart, HartWatchpoint } from '../hart/hart';
import type { Vm, VmStop } from '../hypervisor/vm';
import type { StopEvent } from './guest-debugger';
import { codeAddrLoHi } from './address';
import { TimeTravel, TimeTravelError } from './time-travel';

/** Instructions a line-granularity step back goes back at most (each is a replay from a checkpoint). */
const LINE_BACK_LIMIT = 200;

/** What reverse execution needs of the debugger. */
export interface ReverseHost {
  readonly vm: Vm;
  readonly travel: TimeTravel;
  hart(vcpu: number): Hart;
  /** Source file and line of a code address. */
  sourceAt(address: number): { path: string; line: number } | undefined;
  /** Runs `fn` with the console muted and the debugger's hooks off, then puts them back. */
  quietly(fn: () => void): void;
  /** Inside `quietly`: arms the code breakpoints and exit filters (no conditions) and returns the watchpoints to arm. */
  armForReplay(): HartWatchpoint[];
}

/** Why the VM cannot go back one instruction now (one line), or null. */
export function reverseProblem(travel: TimeTravel): string | null {
  const why = travel.unsupported();
  if (why) return why;
  const here = travel.position();
  if (here === 0) return 'at the first instruction: there is no past';
  const oldest = travel.positions()[0];
  if (oldest === undefined || oldest > here - 1) return 'no checkpoint before this point (the VM has not run since it stopped here)';
  return null;
}

/**
 * Goes back one instruction (on several vCPUs: the last one the VM retired, whichever vCPU ran
 * it), or (`line`) to the first instruction of `vcpu`'s source line before the current one.
 * Returns why it stopped short (as far back as it got), or undefined.
 */
export function stepBack(host: ReverseHost, vcpu: number, granularity: 'instruction' | 'line'): string | undefined {
  const here = host.travel.position();
  let error: string | undefined;
  host.quietly(() => {
    try {
      host.travel.travelTo(here - 1);
      if (granularity === 'line') backToLineStart(host, vcpu, here);
    } catch (e) {
      if (!(e instanceof TimeTravelError)) throw e;
      error = e.message;
    }
  });
  return error;
}

/**
 * From one instruction back: goes on back while the line stays the one the current
 * instruction belongs to, then to the first instruction of the line before it (at most
 * LINE_BACK_LIMIT instructions, each a replay).
 */
function backToLineStart(host: ReverseHost, vcpu: number, from: number): void {
  const travel = host.travel;
  const h = host.hart(vcpu);
  const lineOf = (): string | undefined => {
    const s = host.sourceAt(codeAddrLoHi(h.pcLo, h.pcHi));
    return s ? `${s.path}:${s.line}` : undefined;
  };
  const start = lineOf();
  if (start === undefined) return;
  travel.travelTo(from);
  const current = lineOf();
  travel.travelTo(from - 1);
  let line = lineOf();
  for (let n = 0; n < LINE_BACK_LIMIT && line === current && travel.position() > 0; n++) {
    travel.travelTo(travel.position() - 1);
    line = lineOf();
  }
  const target = line;
  for (let n = 0; n < LINE_BACK_LIMIT && travel.position() > 0; n++) {
    const at = travel.position();
    travel.travelTo(at - 1);
    if (lineOf() !== target) {
      travel.travelTo(at);
      break;
    }
  }
}

/**
 * DAP reverseContinue: back to the last point before now where the VM stopped, or would have,
 * for a code breakpoint, a watchpoint or an exit filter (conditions and hit counts are not
 * evaluated on the way back); to the start of the recorded past when there is none. Returns
 * the stop to report: on the vCPU that met it (`focus` when none did).
 */
export function reverseContinue(host: ReverseHost, focus = 0): StopEvent {
  const travel = host.travel;
  const here = travel.position();
  const positions = travel.positions();
  let hit: { position: number; stop: VmStop } | undefined;
  host.quietly(() => {
    const watches = host.armForReplay();
    for (const v of host.vm.vcpus) v.hart.setWatchpoints(watches);
    for (let k = positions.length - 1; k >= 0 && !hit; k--) {
      // A step of one vCPU among several replays at its ends only: nothing to find inside it.
      if (positions[k] >= here || !travel.replayable(k)) continue;
      const end = Math.min(here, positions[k + 1] ?? here);
      travel.replayFrom(k, end, (s) => {
        // A stop at `here` is the one the VM stands at (or comes after it): not the past.
        if (s.position < here) hit = s;
        if (s.stop.kind === 'breakpoint' && s.stop.cause === 'watchpoint') {
          const h = host.hart(s.stop.vcpu);
          h.watchHit = null;
          h.setWatchpoints([]);
          host.vm.stepVcpu(s.stop.vcpu);
          h.setWatchpoints(watches);
        }
      });
    }
    travel.travelTo(hit ? hit.position : positions[0] ?? here);
  });
  if (!hit) return { reason: 'step', vcpu: focus, description: 'reverse continue: the start of the recorded past' };
  const s = hit.stop;
  const watch = s.kind === 'breakpoint' && s.cause === 'watchpoint';
  return {
    reason: s.kind === 'exit-breakpoint' ? 'exception' : watch ? 'data breakpoint' : 'breakpoint', vcpu: 'vcpu' in s ? s.vcpu : focus,
    description: s.kind === 'exit-breakpoint' ? `reverse continue: VM exit ${s.record.reason}` : watch ? 'reverse continue: watchpoint' : 'reverse continue: breakpoint',
  };
}

/**
 * Why the VM cannot travel to traced exit `seq` now (one line), or null. An exit is found
 * again by the VM's retired instructions when its vCPU left (ExitRecord.position): on several
 * vCPUs the deterministic round robin of one thread brings every vCPU back to where it was.
 */
export function goToExitProblem(host: ReverseHost, seq: number): string | null {
  const travel = host.travel;
  const why = travel.unsupported();
  if (why) return why;
  const r = host.vm.trace.bySeq(seq);
  if (!r) return `exit #${seq} is no longer in the trace (it keeps the last ${host.vm.trace.capacity} exits)`;
  const at = r.position;
  if (at === undefined) return `exit #${seq} has no instruction count to travel to`;
  const positions = travel.positions();
  const oldest = positions[0];
  if (oldest === undefined || oldest > at) {
    return `exit #${seq} happened at instruction ${at}, before the recorded past (${oldest === undefined ? 'none yet' : `from instruction ${oldest}`})`;
  }
  let k = positions.length - 1;
  while (positions[k] > at) k--;
  if (at > positions[k] && !travel.replayable(k)) {
    return `exit #${seq} happened during a step of one vCPU while the others stood still: only the step's ends can be gone back to`;
  }
  return null;
}

/**
 * Travels to the moment of traced exit `seq`: its vCPU at the instruction that left for the
 * hypervisor, not yet executed, every other vCPU where it was then (a checkpoint restored,
 * then replayed). Check goToExitProblem first.
 */
export function goToExit(host: ReverseHost, seq: number): StopEvent {
  const r = host.vm.trace.bySeq(seq)!;
  const target = r.position!;
  let error: string | undefined;
  host.quietly(() => {
    try {
      host.travel.travelTo(target);
    } catch (e) {
      if (!(e instanceof TimeTravelError)) throw e;
      error = e.message;
    }
  });
  const of = host.vm.vcpus.length > 1 ? ` of vCPU ${r.vcpu}` : '';
  const what = `exit #${seq} (${r.reason})${of} at instruction ${target}`;
  return { reason: 'goto', vcpu: r.vcpu, description: error ? `go to ${what}: ${error}` : `at ${what}`, text: error };
}
