/**
 * Source-level stepping of one vCPU, as gdb's `next`, `step` and `finish`: instruction steps
 * until the line changes, calls run to their return (a temporary breakpoint at the return
 * address with the caller's stack pointer as its condition), inlined copies shown as their
 * calls (inline-frames.ts). The other vCPUs run only while a call runs to its return.
 */
import type { Hart } from '../hart/hart';
import type { Vm } from '../hypervisor/vm';
import { bigAddr, codeAddr, codeAddrLoHi } from './address';
import type { DebugSymbols } from './debug-symbols';
import type { StopEvent } from './guest-debugger';
import { inlinedDepth, levelsEnteredAt, shownLine } from './inline-frames';
import type { StackFrame } from './unwind';

/** A code location to run to, with a predicate on the vCPU state there. */
export interface RunTarget { vcpu: number; address: number; until: (h: Hart) => boolean }

/** How a run to a target ended: reached, stopped for another reason (reported), or the VM ended. */
export type RunOutcome = 'target' | 'stopped' | 'ended';

/** What line steps use of the debugger. */
export interface StepHost {
  readonly vm: Vm;
  /** Incremented by a restart: a step of an older VM ends quietly. */
  readonly generation: number;
  hart(vcpu: number): Hart;
  symbolsFor(addr: number): DebugSymbols | undefined;
  readInsn(h: Hart, addr: bigint): number | undefined;
  stackTrace(vcpu: number): StackFrame[];
  /** Inlined levels at the top of the vCPU's stack shown as their calls at the last stop. */
  hiddenAt(vcpu: number): number;
  /** One instruction of one vCPU ('stopped'/'ended': the VM stopped for another reason, reported). */
  stepOnce(vcpu: number): 'ok' | 'stopped' | 'ended';
  /** Runs every vCPU until `target` (the step goes on) or another stop (reported). */
  runTo(target: RunTarget): Promise<RunOutcome>;
  /** Reports the step's stop; `hidden` inlined levels shown as their calls. */
  stopped(e: StopEvent, hidden?: number): void;
  /** Visits the event loop; true when the step must end (a restart, the end, or a pause it reported). */
  interrupted(vcpu: number, generation: number): Promise<boolean>;
}

const pcOf = (h: Hart): number => codeAddrLoHi(h.pcLo, h.pcHi);
const spOf = (h: Hart): number => codeAddrLoHi(h.x[4], h.x[5]);

/** True when the instruction bits are a call (jal/jalr/c.jalr with rd = ra). */
export function isCall(raw: number): boolean {
  if ((raw & 3) !== 3) return (raw & 0xf07f) === 0x9002 && ((raw >> 7) & 31) !== 0; // c.jalr
  const op = raw & 0x7f;
  return (op === 0x6f || op === 0x67) && ((raw >> 7) & 31) === 1;
}

/**
 * Steps `vcpu` to the start of the next source line, as gdb's `next`/`step`: `over` runs
 * called functions to their return and steps through inlined copies it meets (a copy's
 * entry is a stop at the call's line in the caller), `in` stops in a called function that
 * has line information and enters an inlined copy whose entry the stop shows as its call.
 */
export async function stepLine(host: StepHost, vcpu: number, mode: 'over' | 'in'): Promise<void> {
  const h = host.hart(vcpu);
  const pc0 = pcOf(h);
  const syms = host.symbolsFor(pc0);
  const chain0 = syms?.inlineChainAt(pc0) ?? [];
  const hidden0 = Math.min(host.hiddenAt(vcpu), levelsEnteredAt(chain0, pc0));
  if (mode === 'in' && hidden0 > 0) {
    // Into the inlined copy the stop showed as a call: none of its code has run, nothing runs now.
    host.stopped({ reason: 'step', vcpu, description: 'step' }, hidden0 - 1);
    return;
  }
  const start = syms ? shownLine(chain0, hidden0, syms.lineAt(pc0)) : undefined;
  if (!syms || !start) {
    if (host.stepOnce(vcpu) === 'ok') host.stopped({ reason: 'step', vcpu, description: 'step' });
    return;
  }
  const depth0 = inlinedDepth(chain0) - hidden0;
  const startSp = spOf(h);
  const gen = host.generation;
  for (let steps = 1; ; steps++) {
    const pc = pcOf(h);
    const call = await stepOverCall(host, vcpu, syms, mode);
    if (call === 'entered') { host.stopped({ reason: 'step', vcpu, description: 'step' }); return; }
    if (call !== 'ok') return;
    const now = pcOf(h);
    const line = syms.lineAt(now);
    if (line && spOf(h) > startSp && !inSameFunction(syms, pc, now)) break; // returned to the caller
    if (host.vm.vcpus[vcpu].state !== 'runnable') break;
    if (line && syms.isLineStart(now)) {
      const chain = syms.inlineChainAt(now);
      const depth = inlinedDepth(chain);
      // Deeper inlined levels are calls: over stops only at their entry, shown as the call.
      const hidden = mode === 'over' && depth > depth0 ? depth - depth0 : 0;
      const inside = hidden > 0 && levelsEnteredAt(chain, now) < hidden;
      const shown = inside ? undefined : shownLine(chain, hidden, line);
      if (shown && (shown.line !== start.line || shown.path !== start.path)) {
        host.stopped({ reason: 'step', vcpu, description: 'step' }, hidden);
        return;
      }
    }
    if (steps % 4096 === 0) {
      if (await host.interrupted(vcpu, gen)) return;
    }
    if (steps > 5_000_000) break;
  }
  host.stopped({ reason: 'step', vcpu, description: 'step' }, hiddenAtEntry(host, vcpu));
}

/**
 * One instruction of a line step; a call runs to its return ('ok'), or with `in` stops in a
 * callee that has line information ('entered'). 'stopped'/'ended' when the VM stopped for
 * another reason (its 'stopped' event is out).
 */
async function stepOverCall(host: StepHost, vcpu: number, syms: DebugSymbols, mode: 'over' | 'in'): Promise<'ok' | 'entered' | 'stopped' | 'ended'> {
  const h = host.hart(vcpu);
  const pc = pcOf(h);
  const raw = host.readInsn(h, bigAddr(pc));
  if (raw === undefined || !isCall(raw)) return host.stepOnce(vcpu);
  const ret = pc + ((raw & 3) === 3 ? 4 : 2);
  const spAtCall = spOf(h);
  const out = host.stepOnce(vcpu);
  if (out !== 'ok') return out;
  if (mode === 'in' && syms.lineAt(pcOf(h))) return 'entered';
  const run = await host.runTo({ vcpu, address: ret, until: (x) => spOf(x) >= spAtCall });
  if (run !== 'target') return run === 'ended' ? 'ended' : 'stopped';
  return 'ok';
}

/** gdb's skip of inline frames at a stop: the inlined copies that begin at the pc are shown as their calls. */
function hiddenAtEntry(host: StepHost, vcpu: number): number {
  const pc = pcOf(host.hart(vcpu));
  const chain = host.symbolsFor(pc)?.inlineChainAt(pc) ?? [];
  return levelsEnteredAt(chain, pc);
}

function inSameFunction(syms: DebugSymbols, a: number, b: number): boolean {
  return syms.symbolAt(a)?.start === syms.symbolAt(b)?.start;
}

/**
 * Runs until the current function of `vcpu` returns to its caller; out of an inlined copy,
 * until the pc leaves the copy's code (calls inside it run to their return), as gdb's `finish`.
 */
export async function stepOut(host: StepHost, vcpu: number): Promise<void> {
  const h = host.hart(vcpu);
  const pc = pcOf(h);
  const syms = host.symbolsFor(pc);
  const chain = syms?.inlineChainAt(pc) ?? [];
  const top = chain[Math.min(host.hiddenAt(vcpu), levelsEnteredAt(chain, pc))];
  if (syms && top?.inlined) {
    const startSp = spOf(h);
    const gen = host.generation;
    for (let steps = 1; steps <= 5_000_000; steps++) {
      const out = await stepOverCall(host, vcpu, syms, 'over');
      if (out !== 'ok') return;
      const now = pcOf(h);
      if (spOf(h) > startSp || !syms.inlineChainAt(now).some((l) => l.key === top.key)) break;
      if (host.vm.vcpus[vcpu].state !== 'runnable') break;
      if (steps % 4096 === 0) {
        if (await host.interrupted(vcpu, gen)) return;
      }
    }
    host.stopped({ reason: 'step', vcpu, description: 'step out' }, hiddenAtEntry(host, vcpu));
    return;
  }
  const frames = host.stackTrace(vcpu);
  if (frames.length < 2) {
    if (host.stepOnce(vcpu) === 'ok') host.stopped({ reason: 'step', vcpu, description: 'step' });
    return;
  }
  const cfa = codeAddr(frames[0].fp);
  const out = await host.runTo({ vcpu, address: codeAddr(frames[1].pc), until: (x) => spOf(x) >= cfa });
  if (out === 'target') host.stopped({ reason: 'step', vcpu, description: 'step out' });
}

