/**
 * The debugger's breakpoint requests as DAP sends them, each replacing its kind: source lines
 * of one file, function names, instruction addresses (with conditions, hit counts and log
 * messages), and the exit and guest trap filters with their modes. Each answers per request
 * what was placed or why not; the caller arms the harts afterwards.
 */
import { resolve } from 'node:path';
import type { BreakpointRequest, BreakpointSet } from './breakpoints';
import { functionAddresses, placeSourceLines } from './breakpoint-placement';
import type { DebugSymbols } from './debug-symbols';
import type { ExitBreakpoints, ExitFilterSpec } from './exit-breakpoints';
import { FilterActions, FilterMode, parseFilterMode } from './filter-actions';
import { GUEST_TRAP_FILTER_IDS, GuestTrapBreakpoints } from './guest-trap-breakpoints';
import type { SourceResolver } from './source-resolver';

/** What every code breakpoint may carry. */
export interface BreakpointOptions { condition?: string; hitCondition?: string; logMessage?: string }

/** Source breakpoints of one local file: per line, the line used and its addresses (empty: not placed). */
export function sourceBreakpoints(set: BreakpointSet, symbols: DebugSymbols[], resolver: SourceResolver, localPath: string,
  bps: (BreakpointOptions & { line: number })[]): { line: number; ids: number[]; addresses: number[]; error?: string }[] {
  const placed = placeSourceLines(symbols, resolver, localPath, bps.map((b) => b.line));
  const results = set.replace(`source:${resolve(localPath)}`, bps.map((b, i) => ({
    kind: 'source', addresses: placed[i].addresses, line: placed[i].line, condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
  }) as BreakpointRequest));
  return results.map((r, i) => ({
    line: placed[i].line, addresses: placed[i].addresses,
    ids: 'ids' in r ? r.ids : [], error: 'error' in r ? r.error : placed[i].addresses.length ? undefined : 'no code at this line',
  }));
}

/** Function breakpoints (ELF symbols, DWARF functions and their inlined copies). */
export function functionBreakpoints(set: BreakpointSet, symbols: DebugSymbols[], bps: (BreakpointOptions & { name: string })[]):
  { addresses: number[]; ids: number[]; error?: string }[] {
  const addrs = bps.map((b) => functionAddresses(symbols, b.name));
  const results = set.replace('function', bps.map((b, i) => ({
    kind: 'function', addresses: addrs[i], condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
  })));
  return results.map((r, i) => ({
    addresses: addrs[i], ids: 'ids' in r ? r.ids : [],
    error: 'error' in r ? r.error : addrs[i].length ? undefined : `no function '${bps[i].name}'`,
  }));
}

/** Instruction breakpoints at absolute addresses. */
export function instructionBreakpoints(set: BreakpointSet, bps: (BreakpointOptions & { address: number })[]): { ids: number[]; error?: string }[] {
  const results = set.replace('instruction', bps.map((b) => ({
    kind: 'instruction', addresses: [b.address], condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
  })));
  return results.map((r) => ('ids' in r ? { ids: r.ids } : { ids: [], error: r.error }));
}

/** Exit and guest trap filters, each in a mode (stop, log, count); per filter undefined (accepted) or an error message. */
export function exitFilters(specs: (ExitFilterSpec & { mode?: string })[], actions: FilterActions, exits: ExitBreakpoints,
  guestTraps: GuestTrapBreakpoints): (string | undefined)[] {
  const modes = new Map<string, FilterMode>();
  const modeErrors = specs.map((s) => {
    try {
      modes.set(s.filter, parseFilterMode(s.mode));
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  });
  actions.setModes(modes);
  // A filter with an unknown mode is refused, not enabled in another mode.
  const usable = specs.filter((_, i) => !modeErrors[i]);
  const isGuest = (s: ExitFilterSpec) => GUEST_TRAP_FILTER_IDS.includes(s.filter);
  const exitErrors = exits.set(usable.filter((s) => !isGuest(s)));
  const guestErrors = guestTraps.set(usable.filter(isGuest));
  let e = 0, g = 0;
  return specs.map((s, i) => modeErrors[i] ?? (isGuest(s) ? guestErrors[g++] : exitErrors[e++]));
}
