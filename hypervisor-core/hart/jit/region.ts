/**
 * Finding a region: the blocks that a hot block start reaches by direct branches, jumps and
 * fall-throughs (and the return sites of its calls), compiled together as one function so
 * that a loop spanning several blocks, with an `if` inside or a call to a leaf function,
 * runs without returning to the dispatcher between blocks.
 *
 * A region may span pages: a block never does (it ends at its page's end), but its successor
 * may be on another virtual page whose fetch translation the TLB held when the region was
 * found. The region records each page's host offset (`pages`); the compiled code checks the
 * fetch TLB still gives it on every edge into another page (compile.ts), and a write to any
 * of the pages drops the whole region (block-cache.ts).
 */
import { Op } from '../isa/opcodes';
import { Insn, branchImm, instructionCount, pcAdd, regionSource, scanBlock } from './compile';

/**
 * Most blocks in one region (bounds the compile time and size of its function). At 64 blocks
 * and 768 instructions the Linux boot translated 70 M of its 142 M instructions to the prompt
 * instead of 48 M but took about twice the CPU time: V8's optimising compiler, on the main
 * thread or starved on a busy machine, spent seconds on the large regions and again after
 * each deoptimisation of a cold path in them.
 */
export const MAX_REGION_BLOCKS = 16;
/** Most instructions in one region. */
export const MAX_REGION_INSNS = 256;
/**
 * The same bounds for a WebAssembly region, which V8 compiles whole at once (Liftoff) and
 * never deoptimises: the bounds above were set for JavaScript. At most as many blocks as the
 * dispatcher's table can enter (wasm/dispatch.ts MAX_ENTRY), so every block chains. With the
 * block cache's weight, 1024 instructions took the Linux boot to its prompt in 19.95 G host
 * instructions against 20.01 G at 512 (cachegrind, `node --single-threaded`).
 */
export const MAX_WASM_REGION_BLOCKS = 32;
/** Most instructions in one WebAssembly region. */
export const MAX_WASM_REGION_INSNS = 1024;
/**
 * Longest source of a region's function, in characters. V8 optimises a function only up to
 * about 60 KB of bytecode: of the Linux boot's regions, those up to 66 KB of source were
 * optimised and those from 76 KB up never were, running in V8's interpreter several times
 * slower than this project's own. A region past it loses its last blocks until it fits.
 */
export const MAX_REGION_SOURCE = 60_000;
/** Regions this large or larger (instructions) are measured against MAX_REGION_SOURCE. */
const SMALL_REGION = 128;

/** The blocks of a region, the entry first, and whether control can go round a cycle inside it. */
export interface Region {
  readonly blocks: Insn[][];
  readonly loops: boolean;
  /**
   * Host page offset of each virtual page (low word, all in the entry's pcHi) the region's
   * blocks are on, as the fetch TLB gave them when the region was found; the entry's first.
   */
  readonly pages: Map<number, number>;
}

/**
 * The host page offset the fetch TLB gives for the virtual page with low word `pageLo` (in
 * the entry's pcHi), or -1 when it holds none: the region does not go there.
 */
export type PageLookup = (pageLo: number) => number;

/** Low words of the pcs a block can go to directly, and of the return site of a call it makes (in the block's pcHi only). */
function successors(b: Insn[]): number[] {
  const last = b[b.length - 1];
  const out: [number, number][] = [];
  const next = pcAdd(last.pcLo, last.pcHi, last.len);
  const target = (): [number, number] => pcAdd(last.pcLo, last.pcHi, branchImm(last)!);
  if (last.op === Op.JAL) {
    out.push(target());
    if (((last.insn >>> 7) & 31) !== 0) out.push(next); // a call: its return site is likely next
  } else if (last.op === Op.JALR) {
    if (((last.insn >>> 7) & 31) !== 0) out.push(next);
  } else if (last.op >= Op.BEQ && last.op <= Op.BGEU) {
    out.push(target(), next);
  } else {
    out.push(next); // ended before an instruction a block cannot hold, or at the end of the page
  }
  return out.filter(([, hi]) => hi === last.pcHi).map(([lo]) => lo);
}

/**
 * The region of the block starting at host offset `off`, virtual pc (pcLo, pcHi): the blocks
 * on a cycle through it (its loop, with the branches inside and the leaf calls), found among
 * the blocks it reaches (breadth first, within MAX_REGION_BLOCKS and MAX_REGION_INSNS, or the
 * WebAssembly bounds) on its own page and on the pages `pageOf` knows. Only the cycle: blocks it leaves to are
 * often cold, and code that never ran before V8 optimised the function deoptimises it when
 * it first runs, each time costing a recompile that grows with the function. Without a
 * cycle the region is the block alone, with the straight run of blocks after it (each
 * reached by falling through or a jump, as a long unrolled function body is). Empty when
 * the first instruction cannot be in a block. `jsLimit` false: not trimmed to what V8
 * optimises as a JavaScript function (for WebAssembly regions).
 */
export function findRegion(u16: Uint16Array, off: number, pcLo: number, pcHi: number, pageOf: PageLookup = () => -1,
  jsLimit = true): Region {
  const blocks: Insn[][] = [];
  const index = new Map<number, number>();
  const pages = new Map<number, number>([[pcLo & -4096, (off - (pcLo & 0xfff)) | 0]]);
  const queue = [pcLo];
  const maxBlocks = jsLimit ? MAX_REGION_BLOCKS : MAX_WASM_REGION_BLOCKS;
  const maxInsns = jsLimit ? MAX_REGION_INSNS : MAX_WASM_REGION_INSNS;
  let insns = 0;
  for (let q = 0; q < queue.length && blocks.length < maxBlocks; q++) {
    const lo = queue[q];
    if (index.has(lo)) continue;
    let host = pages.get(lo & -4096);
    if (host === undefined) {
      host = pageOf(lo & -4096);
      if (host < 0) continue;
      pages.set(lo & -4096, host);
    }
    const b = scanBlock(u16, host + (lo & 0xfff), lo, pcHi);
    if (b.length === 0 || insns + b.length > maxInsns) {
      if (q === 0) return { blocks: [], loops: false, pages };
      continue;
    }
    index.set(lo, blocks.length);
    blocks.push(b);
    insns += b.length;
    for (const s of successors(b)) if (!index.has(s)) queue.push(s);
  }
  // Every block found is reachable from the entry; keep those that lead back to it.
  // A return (JALR x0 through ra or t0, the ABI's link registers) goes back to a call site's next block.
  const returnSites = blocks.filter((b) => isCall(b[b.length - 1])).map((b) => {
    const last = b[b.length - 1];
    const [lo, hi] = pcAdd(last.pcLo, last.pcHi, last.len);
    return hi === pcHi ? lo : 1; // 1: no block starts there
  });
  const edges = blocks.map((b) => (isReturn(b[b.length - 1]) ? returnSites : successors(b))
    .map((lo) => index.get(lo)).filter((j): j is number => j !== undefined));
  const back = new Uint8Array(blocks.length);
  for (let changed = true; changed;) {
    changed = false;
    edges.forEach((e, i) => {
      if (back[i] === 0 && e.some((j) => j === 0 || back[j] === 1)) { back[i] = 1; changed = true; }
    });
  }
  if (back[0] === 0) return fit(straightRun(blocks, edges), false, pages, jsLimit);
  return fit(blocks.filter((_, i) => back[i] === 1), true, pages, jsLimit);
}

/**
 * A lower bound of the instructions in the region of the start at host offset `off` (pc
 * lo/hi), from a few block scans instead of the region's search: the start's block and the
 * blocks it always goes on to on its page (each the only successor of the one before, as
 * straight code split by a jump or by the longest block is). Those are in its region whatever
 * it is: with no cycle through the start they are its straight run, and a cycle through the
 * start leaves it only through them. Negated (the first block's length) when findRegion could
 * give that block alone as a loop, from that block only: one of its successors is its own
 * start (a block ending in a return cannot: with it alone in the region, no call block gives
 * the return a site to go to). 0: the first instruction cannot be in a block (the region is
 * empty).
 *
 * The first block alone bounded blake2s_compress_generic's unrolled rounds (regions of 600
 * and 1,024 instructions whose first blocks are 64 long, the longest block) at 64, so their
 * first look deferred them to 1,024 entries instead of about 100.
 */
export function leastRegionLength(u16: Uint16Array, off: number, pcLo: number, pcHi: number): number {
  let b = scanBlock(u16, off, pcLo, pcHi);
  if (b.length === 0) return 0;
  let next = successors(b);
  if (next.includes(pcLo)) return -b.length;
  const pageBase = off - (pcLo & 0xfff);
  const seen = [pcLo];
  let insns = b.length;
  while (seen.length < MAX_WASM_REGION_BLOCKS && successorCount(b) === 1) {
    const lo = next[0];
    if (lo === undefined || (lo & -4096) !== (pcLo & -4096) || seen.includes(lo)) break;
    b = scanBlock(u16, pageBase + (lo & 0xfff), lo, pcHi);
    if (b.length === 0 || insns + b.length > MAX_WASM_REGION_INSNS) break;
    seen.push(lo);
    insns += b.length;
    next = successors(b);
  }
  return insns;
}

/**
 * The region of `blocks` (the entry first), with its last blocks dropped while its source is
 * longer than MAX_REGION_SOURCE; with `jsLimit` false (WebAssembly regions, which V8 compiles
 * whole whatever their size) as found, without generating the JavaScript source to measure.
 */
function fit(blocks: Insn[][], loops: boolean, all: Map<number, number>, jsLimit: boolean): Region {
  let kept = blocks;
  for (;;) {
    const pages = pagesOf(kept, all);
    if (!jsLimit) return { blocks: kept, loops, pages };
    if (kept.length === 1 || instructionCount(kept) < SMALL_REGION || regionSource(kept, pages).length <= MAX_REGION_SOURCE) return { blocks: kept, loops, pages };
    kept = kept.slice(0, Math.ceil(kept.length * 3 / 4));
  }
}

/** The entry block and those it always goes on to (its only successor, each in turn): straight-line code split into blocks. */
function straightRun(blocks: Insn[][], edges: number[][]): Insn[][] {
  const out = [blocks[0]];
  const seen = new Set([0]);
  for (let j = 0; edges[j].length === 1 && !seen.has(edges[j][0]) && successorCount(blocks[j]) === 1;) {
    j = edges[j][0];
    seen.add(j);
    out.push(blocks[j]);
  }
  return out;
}

/** How many places a block's end can go (a conditional branch two, an indirect jump unknown: 0). */
function successorCount(b: Insn[]): number {
  const last = b[b.length - 1];
  if (last.op === Op.JALR) return 0;
  if (last.op >= Op.BEQ && last.op <= Op.BGEU) return 2;
  if (last.op === Op.JAL && ((last.insn >>> 7) & 31) !== 0) return 0; // a call: where it returns to is not the next block
  return 1;
}

/** The entries of `pages` the kept blocks are on (the entry's page first). */
function pagesOf(blocks: Insn[][], pages: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const b of blocks) out.set(b[0].pcLo & -4096, pages.get(b[0].pcLo & -4096)!);
  return out;
}

/** A call: JAL or JALR that links (rd != x0). */
function isCall(i: Insn): boolean {
  return (i.op === Op.JAL || i.op === Op.JALR) && ((i.insn >>> 7) & 31) !== 0;
}

/** A return: JALR x0, 0(ra) or 0(t0) (the calling convention's link registers). */
function isReturn(i: Insn): boolean {
  const rs1 = (i.insn >>> 15) & 31;
  return i.op === Op.JALR && ((i.insn >>> 7) & 31) === 0 && (rs1 === 1 || rs1 === 5);
}
