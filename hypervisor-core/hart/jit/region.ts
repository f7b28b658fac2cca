/**
 * Finding a region: the blocks of one code page that a hot block start reaches by direct
 * branches, jumps and fall-throughs (and the return sites of its calls), compiled together
 * as one function so that a loop spanning several blocks, with an `if` inside or a call to a
 * leaf function on the same page, runs without returning to the dispatcher between blocks.
 *
 * A region stays on one page: every pc in it has the same fetch translation (the page's host
 * offset plus the offset in the page), nothing in a block can change the translation, and
 * dropping the page's code (a write to it) drops the whole region.
 */
import { Op } from '../isa/opcodes';
import { Insn, branchImm, pcAdd, scanBlock } from './compile';

/** Most blocks in one region (bounds the compile time and size of its function). */
export const MAX_REGION_BLOCKS = 16;
/** Most instructions in one region. */
export const MAX_REGION_INSNS = 256;

/** The blocks of a region, the entry first, and whether control can go round a cycle inside it. */
export interface Region {
  readonly blocks: Insn[][];
  readonly loops: boolean;
}

/** Low words of the pcs a block can go to directly (same page only), and of the return site of a call it makes. */
function successors(b: Insn[]): number[] {
  const last = b[b.length - 1];
  const [nlo] = pcAdd(last.pcLo, last.pcHi, last.len);
  const out: number[] = [];
  if (last.op === Op.JAL) {
    out.push(((last.pcLo + branchImm(last)!) | 0));
    if (((last.insn >>> 7) & 31) !== 0) out.push(nlo); // a call: its return site is likely next
  } else if (last.op === Op.JALR) {
    if (((last.insn >>> 7) & 31) !== 0) out.push(nlo);
  } else if (last.op >= Op.BEQ && last.op <= Op.BGEU) {
    out.push(((last.pcLo + branchImm(last)!) | 0), nlo);
  } else {
    out.push(nlo); // ended before an instruction a block cannot hold, or at the end of the page
  }
  const page = last.pcLo & -4096;
  return out.filter((lo) => (lo & -4096) === page);
}

/**
 * The region of the block starting at host offset `off`, virtual pc (pcLo, pcHi): the blocks
 * on a cycle through it (its loop, with the branches inside and the leaf calls on the page),
 * found among the same-page blocks it reaches (breadth first, at most MAX_REGION_BLOCKS and
 * MAX_REGION_INSNS). Only the cycle: blocks it leaves to are often cold, and code that never
 * ran before V8 optimised the function deoptimises it when it first runs, each time
 * costing a recompile that grows with the function. Without a cycle the region is the block
 * alone. Empty when the first instruction cannot be in a block.
 */
export function findRegion(u16: Uint16Array, off: number, pcLo: number, pcHi: number): Region {
  const blocks: Insn[][] = [];
  const index = new Map<number, number>();
  const queue = [pcLo];
  let insns = 0;
  for (let q = 0; q < queue.length && blocks.length < MAX_REGION_BLOCKS; q++) {
    const lo = queue[q];
    if (index.has(lo)) continue;
    const b = scanBlock(u16, off + (lo - pcLo), lo, pcHi);
    if (b.length === 0 || insns + b.length > MAX_REGION_INSNS) {
      if (q === 0) return { blocks: [], loops: false };
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
    return (last.pcLo + last.len) | 0;
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
  if (back[0] === 0) return { blocks: blocks.slice(0, 1), loops: false };
  return { blocks: blocks.filter((_, i) => back[i] === 1), loops: true };
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
