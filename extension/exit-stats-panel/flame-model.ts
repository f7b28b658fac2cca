/**
 * The flame graph's layout for the Exit Statistics panel: the frames of an ExitFlameGraph
 * (hypervisor-core/debug/exit-flame.ts) as rectangles, the root at the bottom as flamegraph.pl
 * draws it, each frame as wide as its share of the samples, callees above their callers in
 * name order. Pure functions (no DOM, no vscode) for the webview script and unit tests.
 */
import type { ExitFlameGraph, FlameNode, FlameSource } from '../../hypervisor-core/debug/flame-graph';

/** One frame to draw. */
export interface FlameRect {
  name: string;
  /** Samples through the frame. */
  value: number;
  /** Stack depth: 0 is the root ("all"). */
  depth: number;
  /** Left edge and width as fractions of the root's width (0..1). */
  x: number;
  width: number;
  source?: FlameSource;
  /** The frame's callers from the outermost, for the tooltip ("main > uart_init"). */
  path: string;
}

/** Frames narrower than this share of the root are left out (flamegraph.pl's --minwidth), with their callees. */
export const MIN_WIDTH = 0.002;
/** The most frames drawn: a wide, deep graph stays a bounded SVG. */
export const MAX_RECTS = 5000;

/** The frames of a flame graph to draw, the root first, callers before callees. */
export function flameRects(root: FlameNode, minWidth = MIN_WIDTH, maxRects = MAX_RECTS): FlameRect[] {
  const out: FlameRect[] = [];
  if (root.value <= 0) return out;
  const visit = (n: FlameNode, depth: number, x: number, path: string) => {
    const width = n.value / root.value;
    if (width < minWidth || out.length >= maxRects) return;
    out.push({ name: n.name, value: n.value, depth, x, width, source: n.source, path });
    let cx = x;
    const inner = depth === 0 ? '' : path ? `${path} > ${n.name}` : n.name;
    for (const c of n.children) {
      visit(c, depth + 1, cx, inner);
      cx += c.value / root.value;
    }
  };
  visit(root, 0, 0, '');
  return out;
}

/** The tooltip of a frame: name, samples and share, its callers, its source. */
export function flameTooltip(r: FlameRect, total: number, reason: string | undefined): string {
  const pct = total > 0 ? ((100 * r.value) / total).toFixed(2) : '0.00';
  const what = reason ? `${reason} exits` : 'samples';
  const lines = [`${r.name}: ${r.value} ${what} (${pct}%)`];
  if (r.path) lines.push(`called from ${r.path}`);
  if (r.source) lines.push(`${r.source.path}:${r.source.line}`);
  return lines.join('\n');
}

/** The summary line above the graph. */
export function flameSummary(g: ExitFlameGraph): string {
  if (!g.reason) return 'Not sampling. Choose an exit reason and press Sample.';
  const state = g.active ? 'sampling' : 'stopped';
  const every = g.period === 1 ? 'every exit' : `one exit in ${g.period}`;
  const dropped = g.dropped > 0 ? `, ${g.dropped} beyond the table of distinct stacks` : '';
  return `${g.reason}: ${g.samples} stacks from ${g.exits} exits (${every}; ${state}${dropped})`;
}

/** The maximum depth of the frames to draw (the SVG's height in rows). */
export function flameDepth(rects: readonly FlameRect[]): number {
  let d = 0;
  for (const r of rects) if (r.depth > d) d = r.depth;
  return d + 1;
}
