/**
 * The flame graph of guest call stacks sampled at VM exits (exit-stacks.ts): each sampled pc
 * named from the guest's symbols, inlined functions expanded into their own frames as the
 * Call Stack view shows them, then folded two ways:
 *
 * - folded text, Brendan Gregg's format that flamegraph.pl, speedscope and inferno read: one
 *   line per distinct stack, frames from the outermost to the innermost joined by ';', a space
 *   and the number of samples ("_start;main;uart_puts_polled;uart_putc_polled;uart_read 270");
 * - a tree of frames with their sample counts and source positions, for the panel to draw.
 *
 * Samples whose stack found the sampler's table full appear as one "[other stacks]" frame, so
 * the counts add up to the samples.
 */
import type { DebugSymbols } from './debug-symbols';
import type { ExitStackSnapshot } from './exit-stacks';
import { codeAddr } from './address';
import type { ExitFlameGraph, FlameNode, FlameSource } from './flame-graph';

export type { ExitFlameGraph, FlameNode, FlameSource } from './flame-graph';

/** The frame that stands for samples the sampler could not keep. */
export const OTHER_STACKS = '[other stacks]';

/** Names kept per pc. */
const CACHE_LIMIT = 8192;

/** Names the frames of sampled pcs from the guest's symbol files, with a bounded cache. */
export class FlameFrameNamer {
  private readonly cache = new Map<string, { name: string; source?: FlameSource }[]>();

  /**
   * @param symbols the guest's symbol files (the first that knows a pc names it)
   * @param toLocal maps a path recorded in DWARF to the local file
   */
  constructor(private readonly symbols: readonly DebugSymbols[], private readonly toLocal: (recorded: string) => string) {}

  /**
   * The functions at a frame's pc, outermost first: the out-of-line function, then the
   * functions inlined into it there. A return address (`inner` false) belongs to its call.
   */
  levels(pc: bigint, inner: boolean): { name: string; source?: FlameSource }[] {
    const key = `${inner ? 'i' : 'r'}${pc.toString(16)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const levels = this.lookUp(pc, inner);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, levels);
    return levels;
  }

  private lookUp(pc: bigint, inner: boolean): { name: string; source?: FlameSource }[] {
    let at: number;
    try {
      at = codeAddr(inner ? pc : pc - 1n);
    } catch {
      return [{ name: '0x' + pc.toString(16) }];
    }
    const syms = this.symbols.find((s) => s.symbolAt(at) || s.lineAt(at));
    if (!syms) return [{ name: '0x' + pc.toString(16) }];
    const line = syms.lineAt(at);
    let source: FlameSource | undefined = line ? { path: this.toLocal(line.path), line: line.line, column: line.column } : undefined;
    const chain = syms.inlineChainAt(at);
    if (chain.length < 2) {
      return [{ name: chain[0]?.name ?? syms.functionAt(at) ?? syms.symbolAt(at)?.name ?? '0x' + pc.toString(16), source }];
    }
    const out: { name: string; source?: FlameSource }[] = [];
    for (const level of chain) {
      out.push({ name: level.name, source });
      source = level.call ? { path: this.toLocal(level.call.path), line: level.call.line, column: level.call.column } : undefined;
    }
    // DWARF without the out-of-line function: its ELF symbol closes the chain.
    if (chain[chain.length - 1].inlined) out.push({ name: syms.symbolAt(at)?.name ?? '0x' + pc.toString(16), source });
    return out.reverse();
  }
}

/** A frame name as folded text can carry it (';' separates frames, a line is one stack). */
function foldedName(name: string): string {
  return name.replace(/;/g, ':').replace(/[\r\n]/g, ' ');
}

/** Names and folds a snapshot of the sampler. */
export function exitFlameGraph(snap: ExitStackSnapshot, namer: FlameFrameNamer): ExitFlameGraph {
  const root: FlameNode = { name: 'all', value: 0, children: [] };
  const lines = new Map<string, number>();
  const add = (path: { name: string; source?: FlameSource }[], count: number) => {
    root.value += count;
    let node = root;
    for (const f of path) {
      let child = node.children.find((c) => c.name === f.name);
      if (!child) {
        child = { name: f.name, value: 0, children: [] };
        if (f.source) child.source = f.source;
        node.children.push(child);
      }
      child.value += count;
      node = child;
    }
    const line = path.map((f) => foldedName(f.name)).join(';');
    lines.set(line, (lines.get(line) ?? 0) + count);
  };
  for (const s of snap.stacks) {
    const path: { name: string; source?: FlameSource }[] = [];
    for (let i = s.pcs.length - 1; i >= 0; i--) path.push(...namer.levels(s.pcs[i], i === 0));
    add(path, s.count);
  }
  if (snap.dropped > 0) add([{ name: OTHER_STACKS }], snap.dropped);
  sortTree(root);
  const folded = [...lines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([l, n]) => `${l} ${n}\n`).join('');
  return {
    reason: snap.reason, period: snap.period, active: snap.active, exits: snap.exits, samples: snap.samples, dropped: snap.dropped,
    folded, root,
  };
}

/** Children by name, as flamegraph.pl orders them (the x axis is not time). */
function sortTree(node: FlameNode): void {
  node.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of node.children) sortTree(c);
}
