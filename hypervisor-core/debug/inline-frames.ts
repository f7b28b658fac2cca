/**
 * Inlined functions at a stop, as gdb presents them (gdb/inline-frame.c): when the pc is where
 * an inlined copy begins, none of its code has run yet, so the stop can be shown in the caller
 * at the call's line with the inlined level hidden; `step` then enters it without running
 * anything. Step over treats a deeper inlined copy as a call to step over; step out of an
 * inlined level runs until the pc leaves its code.
 *
 * A chain is DebugSymbols.inlineChainAt(pc): innermost first, inlined copies then the
 * out-of-line function. "Depth" counts its inlined levels.
 */
import type { InlineLevel } from './debug-symbols';

/** Inlined levels in a chain. */
export function inlinedDepth(chain: InlineLevel[]): number {
  let n = 0;
  while (n < chain.length && chain[n].inlined) n++;
  return n;
}

/** How many innermost inlined levels begin exactly at `pc` (each could be hidden). */
export function levelsEnteredAt(chain: InlineLevel[], pc: number): number {
  let n = 0;
  while (n < chain.length && chain[n].inlined && chain[n].entry === pc) n++;
  return n;
}

/**
 * The line shown for the chain with `hidden` inner levels hidden: the pc's own line when none
 * is, else the call's line in the first shown level (undefined when DWARF has no call line).
 */
export function shownLine(chain: InlineLevel[], hidden: number, pcLine: { path: string; line: number } | undefined):
  { path: string; line: number } | undefined {
  if (hidden === 0) return pcLine;
  const call = chain[hidden - 1]?.call;
  return call ? { path: call.path, line: call.line } : undefined;
}

/**
 * The levels to hide at a stop on a source breakpoint: the fewest that make the shown line
 * the breakpoint's line (a breakpoint on `f();` whose first instruction begins the inlined
 * `f` shows the caller at that line; one on f's own first line shows f). 0 when none does.
 */
export function hiddenForLine(chain: InlineLevel[], pc: number, line: number, pcLine: { path: string; line: number } | undefined): number {
  const max = levelsEnteredAt(chain, pc);
  for (let k = 0; k <= max; k++) if (shownLine(chain, k, pcLine)?.line === line) return k;
  return 0;
}
