/**
 * The flame graph's shape, as the debugger's `hyperscope.exitStacks` request returns it
 * (exit-flame.ts builds it) and the Exit Statistics panel draws it. Types only: the webview
 * imports them without the debugger.
 */
import type { ExitStackSnapshot } from './exit-stacks';

/** A source position (local path). */
export interface FlameSource {
  path: string;
  line: number;
  column: number;
}

/** One frame of the flame graph: a function at one place in the call tree. */
export interface FlameNode {
  name: string;
  /** Samples whose stack passes through this frame. */
  value: number;
  /** Where the frame was: the exiting line for the innermost frame, the call for the others (the first sample's). */
  source?: FlameSource;
  /** Callees, by name. */
  children: FlameNode[];
}

/**
 * What the debugger's `hyperscope.exitStacks` request returns: the sampler's counters (samples
 * past its table of distinct stacks show under "[other stacks]"), its stacks folded and as a tree.
 */
export interface ExitFlameGraph extends Omit<ExitStackSnapshot, 'stacks'> {
  /** Folded stacks, one line per stack, sorted; empty when nothing was sampled. */
  folded: string;
  /** The root ("all") holds every sample. */
  root: FlameNode;
}
