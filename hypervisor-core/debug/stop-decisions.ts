/**
 * What a stop of the VM means to the debugger: the one switch over `VmStop` that decides
 * whether a run reached its target, stops (and how the stop is described to the user), runs
 * on (a breakpoint whose condition is false, a logpoint, a watchpoint whose condition is
 * false) or ends (shutdown, reboot).
 */
import type { Hart } from '../hart/hart';
import type { VmStop } from '../hypervisor/vm';
import { formatExitRecord } from '../hypervisor/trace/format';
import { codeAddrLoHi } from './address';
import type { BreakpointSet, CodeBreakpoint } from './breakpoints';
import type { DebugSymbols } from './debug-symbols';
import type { StopEvent } from './debugger-types';
import type { ExitBreakpoints } from './exit-breakpoints';
import type { ExprEnv } from './expression';
import { GuestTrap, GuestTrapBreakpoints, guestTrapName } from './guest-trap-breakpoints';
import { hiddenForLine } from './inline-frames';
import type { RunOutcome, RunTarget } from './line-steps';
import type { WatchpointSet } from './watchpoints';

/** What the stop decisions read and do of the debugger. */
export interface StopHost {
  readonly breakpoints: BreakpointSet;
  readonly exitBreakpoints: ExitBreakpoints;
  readonly guestTraps: GuestTrapBreakpoints;
  readonly watchpoints: WatchpointSet;
  hart(vcpu: number): Hart;
  exprEnv(vcpu: number): ExprEnv;
  symbolsFor(addr: number): DebugSymbols | undefined;
  /** A logpoint was hit (its message is printed, the run goes on). */
  logpoint(bp: CodeBreakpoint, vcpu: number): void;
  /** A breakpoint's condition could not be evaluated (told once; the breakpoint stops no more). */
  breakpointError(bp: CodeBreakpoint): void;
  /** Reports a stop; `hidden` inlined levels at the top of the vCPU's stack are shown as their calls. */
  stopped(e: StopEvent, hidden?: number): void;
  /** The guest ended: the session ends with it. */
  ended(how: 'shutdown' | 'failure' | 'reboot'): void;
  /** The VM failed: continuing ends the session (`text` says why). */
  failed(text: string): void;
  /** The guest trap that stopped the hart, taken (the hart's hook set it). */
  takeGuestTrapHit(): { filter: string; trap: GuestTrap } | undefined;
  /** One instruction of `vcpu` with no watchpoint armed (the access a watchpoint stopped). */
  stepUnwatched(vcpu: number): VmStop | null;
  /** `vcpu` stopped before a watched access: its next instruction runs unwatched. */
  skipWatchOnce(vcpu: number): void;
}

const pcOf = (h: Hart): number => codeAddrLoHi(h.pcLo, h.pcHi);

/** Maps a VM stop to an outcome of the run (`target`: where a step runs to), reporting the stop or the end. */
export function decideStop(host: StopHost, stop: VmStop, target: RunTarget | undefined): RunOutcome | 'resume' {
  switch (stop.kind) {
    case 'breakpoint': {
      if (stop.cause) return debugStop(host, stop.vcpu, stop.cause);
      const h = host.hart(stop.vcpu);
      const pc = pcOf(h);
      if (target && target.vcpu === stop.vcpu && target.address === pc && target.until(h)) return 'target';
      const hit = host.breakpoints.hit(pc, host.exprEnv(stop.vcpu), (bp) => host.logpoint(bp, stop.vcpu), (bp) => host.breakpointError(bp));
      if (!hit) {
        h.resumeFromBreakpoint = true;
        return 'resume';
      }
      const reason = hit.bp.kind === 'function' ? 'function breakpoint' : hit.bp.kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
      const syms = hit.bp.line !== undefined ? host.symbolsFor(pc) : undefined;
      host.stopped({
        reason, vcpu: stop.vcpu, description: hit.error ? 'breakpoint condition error' : reason,
        text: hit.error, breakpointIds: [hit.bp.id],
      }, syms ? hiddenForLine(syms.inlineChainAt(pc), pc, hit.bp.line!, syms.lineAt(pc)) : 0);
      return 'stopped';
    }
    case 'exit-breakpoint': {
      const r = stop.record;
      const filter = host.exitBreakpoints.match(r) ?? `exit-${r.reason}`;
      const error = host.exitBreakpoints.lastError;
      host.exitBreakpoints.lastError = undefined;
      host.stopped({
        reason: 'exception', vcpu: stop.vcpu, description: `VM exit: ${r.sbi ? `sbi ${r.sbi.name}` : r.mmio ? `mmio ${r.mmio.device} ${r.mmio.write ? 'write' : 'read'}` : r.reason}`,
        text: (error ? error + '\n' : '') + formatExitRecord(r), exit: { filter, record: r },
      });
      return 'stopped';
    }
    case 'fault-loop':
      host.stopped({ reason: 'exception', vcpu: stop.vcpu, description: 'guest loops on a fault', text: stop.message });
      return 'stopped';
    case 'shutdown':
      host.ended(stop.failure ? 'failure' : 'shutdown');
      return 'ended';
    case 'reboot':
      host.ended('reboot');
      return 'ended';
    case 'fatal': {
      const text = `vCPU ${stop.vcpu}: ${stop.message}: pc 0x${stop.pc.toString(16)} scause 0x${stop.scause.toString(16)} stval 0x${stop.stval.toString(16)}`;
      host.failed(text);
      host.stopped({ reason: 'exception', vcpu: stop.vcpu, description: 'VM error', text, fatal: text });
      return 'stopped';
    }
    case 'paused':
      host.stopped({ reason: 'pause', vcpu: 0, description: 'paused' });
      return 'stopped';
    case 'idle':
      return 'resume';
  }
}

/** A watchpoint or guest trap stop of the hart: stop, or go on when its conditions say so. */
function debugStop(host: StopHost, vcpu: number, cause: 'watchpoint' | 'guest-trap'): RunOutcome | 'resume' {
  const h = host.hart(vcpu);
  if (cause === 'guest-trap') {
    const g = host.takeGuestTrapHit();
    if (!g) return 'resume';
    const error = host.guestTraps.lastError;
    host.guestTraps.lastError = undefined;
    const t = g.trap;
    host.stopped({
      reason: 'exception', vcpu, description: `guest ${t.interrupt ? 'interrupt' : 'exception'}: ${guestTrapName(t)}`,
      text: (error ? error + '\n' : '') + `${guestTrapName(t)} at 0x${t.epc.toString(16)} from ${t.fromUser ? 'VU' : 'VS'}-mode, ` +
        `stval 0x${t.tval.toString(16)}; the guest handler at 0x${t.pc.toString(16)} has not run yet`,
      guestTrap: g,
    });
    return 'stopped';
  }
  const access = h.watchHit;
  h.watchHit = null;
  const hit = access ? host.watchpoints.hit(access.index, host.exprEnv(vcpu)) : undefined;
  if (!access || !hit) {
    // Not stopping: perform the access unwatched, then run on.
    const stop = host.stepUnwatched(vcpu);
    return stop ? decideStop(host, stop, undefined) : 'resume';
  }
  host.skipWatchOnce(vcpu);
  const addr = ((BigInt(access.hi >>> 0) << 32n) | BigInt(access.lo >>> 0));
  const what = `${access.write ? 'write' : 'read'} of ${access.size} byte${access.size > 1 ? 's' : ''} at 0x${addr.toString(16)}`;
  host.stopped({
    reason: 'data breakpoint', vcpu, description: hit.error ? 'watchpoint condition error' : `watchpoint: ${what}`,
    text: hit.error ?? `${what} (watching 0x${hit.wp.address.toString(16)}, ${hit.wp.size} bytes, ${hit.wp.access}); the access has not happened yet`,
    breakpointIds: [hit.wp.id],
    watch: { address: addr, size: access.size, write: access.write, watched: hit.wp.address, access: hit.wp.access },
  });
  return 'stopped';
}
