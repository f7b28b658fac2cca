/**
 * The block compiler: the blocks of a region (guest code of one or more pages, see region.ts) become
 * one JavaScript function (`new Function`) that runs them with the registers in locals,
 * going from block to block inside the function (blocks laid out in labelled statements,
 * see `regionSource`).
 *
 * A block holds only instructions whose effect is on registers and RAM through the TLB: the
 * RV64I integer operations, M, loads and stores, and a final branch or jump. Anything that
 * can change the privilege, the translation or the interrupt state (CSR, AMO/LR/SC, FP,
 * FENCE.I, ECALL, SRET...) ends the block before it, and the interpreter runs it: the
 * interpreter checks interrupts only after such instructions, so a run with blocks reaches
 * every interrupt check on the same instruction count as one without.
 *
 * Exits are precise: a load or store whose TLB check fails (a miss, MMIO, a page crossing,
 * a code page, a watchpoint) leaves the block before the access with the pc of that
 * instruction and the count of those before it, and the interpreter executes it. A block is
 * entered only when the budget covers all of it, else the function returns at its start, so
 * the instruction count at every exit is exact.
 *
 * Each load and store keeps the page it last found in the TLB (its tags and host offset in
 * locals of the function): a loop walking an array checks two locals instead of reading three
 * TLB arrays. Nothing a region does changes the TLB, and the locals start empty at each call,
 * so the check gives the TLB's answer.
 */
import { Op, PAUSE } from '../isa/opcodes';
import { decode } from '../isa/decoder';
import { expandCompressed } from '../isa/rvc';
import { TLB_MASK } from '../../mmu/tlb';
import { R, REM, div64, divu64, mul64, mulh64, mulhsu64, mulhu64 } from '../int64';

/**
 * A compiled region's code: runs from block `entry` of the region, block after block, for
 * at most `left` instructions, leaves the next pc in h.pcLo/h.pcHi and returns the
 * instructions retired.
 */
export type BlockFn = (h: BlockHart, x: Int32Array, dv: DataView, rTag: Int32Array, rTagHi: Int32Array, rOff: Int32Array,
  wTag: Int32Array, wTagHi: Int32Array, wOff: Int32Array, fTag: Int32Array, fTagHi: Int32Array, fOff: Int32Array,
  left: number, entry: number) => number;

/** What a block touches of the hart besides the registers. */
export interface BlockHart {
  pcLo: number;
  pcHi: number;
  /** LR/SC reservation (host offset), or -1: a store to it clears it. */
  reservation: number;
}

/** A compiled block: one entry into its region's function. */
export interface Block {
  /** Host offset of the first instruction. */
  readonly off: number;
  /** Virtual pc of the first instruction (the code uses it for AUIPC, JAL and links). */
  readonly pcLo: number;
  readonly pcHi: number;
  /** Instructions in one pass: the block is entered only when the budget covers them. */
  readonly len: number;
  readonly fn: BlockFn;
  /** The block's index in its region (the function's `entry` argument). */
  readonly entry: number;
  /** Virtual page numbers (pc >>> 12, in pcHi) of every page the region runs code on: a breakpoint on one keeps it from running. */
  readonly vpages: readonly number[];
  /** The region's index in its memory's WebAssembly dispatch table (wasm/dispatch.ts), or -1: called through `fn` only. */
  readonly index: number;
}

/**
 * Loads and stores of a region that remember their page (the first ones; the others read the
 * TLB arrays each time): each memo is three more locals live around the region's loop.
 */
const MEMO_SITES = 32;

/** Longest block, in instructions. */
export const MAX_BLOCK = 64;

/** Ops a block can hold (besides the terminating branches and jumps). */
function simple(op: Op): boolean {
  return (op >= Op.LUI && op <= Op.FENCE) || (op >= Op.MUL && op <= Op.REMUW);
}

/** A 64-bit pc as constants: (lo + d, hi) with carry. */
export function pcAdd(lo: number, hi: number, d: number): [number, number] {
  const nlo = (lo + d) | 0;
  const carry = d >= 0 ? ((nlo >>> 0) < (lo >>> 0) ? 1 : 0) : ((nlo >>> 0) > (lo >>> 0) ? -1 : 0);
  return [nlo, (hi + carry) | 0];
}

/** One decoded instruction of a block. */
export interface Insn { op: Op; insn: number; len: number; pcLo: number; pcHi: number }

/** The instructions in `blocks` (a region's). */
export function instructionCount(blocks: readonly (readonly Insn[])[]): number {
  let n = 0;
  for (const b of blocks) n += b.length;
  return n;
}

/**
 * Reads the instructions of a block from `u16` (RAM as halfwords) at host offset `off`,
 * virtual pc (pcLo, pcHi): up to MAX_BLOCK, ending with the first branch or jump (included)
 * or before the first instruction a block cannot hold, or at the end of the page.
 */
export function scanBlock(u16: Uint16Array, off: number, pcLo: number, pcHi: number): Insn[] {
  const out: Insn[] = [];
  let lo = pcLo, hi = pcHi, o = off;
  while (out.length < MAX_BLOCK) {
    const inPage = lo & 0xfff;
    let insn = u16[o >>> 1], len = 2;
    if ((insn & 3) === 3) {
      if (inPage === 0xffe) break; // the second half is on the next page
      insn |= u16[(o >>> 1) + 1] << 16;
      len = 4;
    } else {
      insn = expandCompressed(insn);
      if (insn === 0) break;
    }
    const op = decode(insn);
    const branch = op >= Op.JAL && op <= Op.BGEU;
    // PAUSE ends a block too: the interpreter runs it, where a spinning hart yields (Hart.yieldOnSpin).
    if (!branch && (!simple(op) || insn === PAUSE)) break;
    out.push({ op, insn, len, pcLo: lo, pcHi: hi });
    if (branch) break;
    [lo, hi] = pcAdd(lo, hi, len);
    o += len;
    if ((lo & 0xfff) === 0) break; // end of the page
  }
  return out;
}

/** The offset of a JAL's or a conditional branch's target from its pc; null for other instructions. */
export function branchImm(i: Insn): number | null {
  const { op, insn } = i;
  if (op === Op.JAL) return ((insn >> 31) << 20) | (insn & 0xff000) | ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe);
  if (op >= Op.BEQ && op <= Op.BGEU) return ((insn >> 31) << 12) | ((insn << 4) & 0x800) | ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e);
  return null;
}

const L = (r: number): string => (r === 0 ? '0' : `l${r}`);
const H = (r: number): string => (r === 0 ? '0' : `h${r}`);
/** Sets register r (not x0) to the expressions lo, hi. */
const setReg = (r: number, lo: string | number, hi: string | number): string => `l${r} = ${lo}; h${r} = ${hi};`;

/** The body of one ALU/M instruction: sets rl, rh from al, ah (rs1), bl, bh (rs2) and imm. */
function aluBody(op: Op): string | null {
  switch (op) {
    case Op.ADDI: case Op.ADD: return 'rl = (al + bl) | 0; rh = (ah + bh + ((rl >>> 0) < (al >>> 0) ? 1 : 0)) | 0;';
    case Op.SUB: return 'rl = (al - bl) | 0; rh = (ah - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;';
    case Op.SLTI: case Op.SLT: return 'rl = ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0)) ? 1 : 0; rh = 0;';
    case Op.SLTIU: case Op.SLTU: return 'rl = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0)) ? 1 : 0; rh = 0;';
    case Op.XORI: case Op.XOR: return 'rl = al ^ bl; rh = ah ^ bh;';
    case Op.ORI: case Op.OR: return 'rl = al | bl; rh = ah | bh;';
    case Op.ANDI: case Op.AND: return 'rl = al & bl; rh = ah & bh;';
    case Op.SLLI: case Op.SLL: return 's = bl & 63; if (s === 0) { rl = al; rh = ah; } else if (s < 32) { rh = (ah << s) | (al >>> (32 - s)); rl = al << s; } else { rh = al << (s - 32); rl = 0; }';
    case Op.SRLI: case Op.SRL: return 's = bl & 63; if (s === 0) { rl = al; rh = ah; } else if (s < 32) { rl = (al >>> s) | (ah << (32 - s)); rh = (ah >>> s) | 0; } else { rl = (ah >>> (s - 32)) | 0; rh = 0; }';
    case Op.SRAI: case Op.SRA: return 's = bl & 63; if (s === 0) { rl = al; rh = ah; } else if (s < 32) { rl = (al >>> s) | (ah << (32 - s)); rh = ah >> s; } else { rl = ah >> (s - 32); rh = ah >> 31; }';
    case Op.ADDIW: case Op.ADDW: return 'rl = (al + bl) | 0; rh = rl >> 31;';
    case Op.SUBW: return 'rl = (al - bl) | 0; rh = rl >> 31;';
    case Op.SLLIW: case Op.SLLW: return 'rl = al << (bl & 31); rh = rl >> 31;';
    case Op.SRLIW: case Op.SRLW: return 'rl = (al >>> (bl & 31)) | 0; rh = rl >> 31;';
    case Op.SRAIW: case Op.SRAW: return 'rl = al >> (bl & 31); rh = rl >> 31;';
    case Op.MUL: return 'mul64(al, ah, bl, bh); rl = R[0]; rh = R[1];';
    case Op.MULH: return 'mulh64(al, ah, bl, bh); rl = R[0]; rh = R[1];';
    case Op.MULHSU: return 'mulhsu64(al, ah, bl, bh); rl = R[0]; rh = R[1];';
    case Op.MULHU: return 'mulhu64(al, ah, bl, bh); rl = R[0]; rh = R[1];';
    case Op.MULW: return 'rl = Math.imul(al, bl); rh = rl >> 31;';
    case Op.DIV: return 'if (bl === 0 && bh === 0) { rl = -1; rh = -1; } else if (bl === -1 && bh === -1 && al === 0 && ah === -2147483648) { rl = al; rh = ah; } else { div64(al, ah, bl, bh); rl = R[0]; rh = R[1]; }';
    case Op.REM: return 'if (bl === 0 && bh === 0) { rl = al; rh = ah; } else if (bl === -1 && bh === -1 && al === 0 && ah === -2147483648) { rl = 0; rh = 0; } else { div64(al, ah, bl, bh); rl = REM[0]; rh = REM[1]; }';
    case Op.DIVU: return 'if (bl === 0 && bh === 0) { rl = -1; rh = -1; } else { divu64(al, ah, bl, bh); rl = R[0]; rh = R[1]; }';
    case Op.REMU: return 'if (bl === 0 && bh === 0) { rl = al; rh = ah; } else { divu64(al, ah, bl, bh); rl = REM[0]; rh = REM[1]; }';
    case Op.DIVW: return 'if (bl === 0) rl = -1; else if (bl === -1 && al === -2147483648) rl = al; else rl = (al / bl) | 0; rh = rl >> 31;';
    case Op.REMW: return 'if (bl === 0) rl = al; else if (bl === -1 && al === -2147483648) rl = 0; else rl = al % bl | 0; rh = rl >> 31;';
    case Op.DIVUW: return 'if (bl === 0) rl = -1; else rl = Math.floor((al >>> 0) / (bl >>> 0)) | 0; rh = rl >> 31;';
    case Op.REMUW: return 'if (bl === 0) rl = al; else rl = ((al >>> 0) % (bl >>> 0)) | 0; rh = rl >> 31;';
    default: return null;
  }
}

/** I-type ALU ops (the second operand is the immediate). */
function immediateForm(op: Op): boolean {
  return (op >= Op.ADDI && op <= Op.SRAI) || (op >= Op.ADDIW && op <= Op.SRAIW);
}

/** Branch conditions on (al, ah) and (bl, bh). */
function branchCond(op: Op): string {
  switch (op) {
    case Op.BEQ: return 'al === bl && ah === bh';
    case Op.BNE: return 'al !== bl || ah !== bh';
    case Op.BLT: return 'ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0))';
    case Op.BGE: return '!(ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0)))';
    case Op.BLTU: return '(ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0))';
    default: return '!((ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0)))';
  }
}

const LOAD: Partial<Record<Op, [number, string]>> = {
  [Op.LB]: [1, 'rl = dv.getInt8(off); rh = rl >> 31;'],
  [Op.LBU]: [1, 'rl = dv.getUint8(off); rh = 0;'],
  [Op.LH]: [2, 'rl = dv.getInt16(off, true); rh = rl >> 31;'],
  [Op.LHU]: [2, 'rl = dv.getUint16(off, true); rh = 0;'],
  [Op.LW]: [4, 'rl = dv.getInt32(off, true); rh = rl >> 31;'],
  [Op.LWU]: [4, 'rl = dv.getInt32(off, true); rh = 0;'],
  [Op.LD]: [8, 'rl = dv.getInt32(off, true); rh = dv.getInt32(off + 4, true);'],
};

const STORE: Partial<Record<Op, [number, string]>> = {
  [Op.SB]: [1, 'dv.setUint8(off, bl & 0xff);'],
  [Op.SH]: [2, 'dv.setUint16(off, bl & 0xffff, true);'],
  [Op.SW]: [4, 'dv.setInt32(off, bl, true);'],
  [Op.SD]: [8, 'dv.setInt32(off, bl, true); dv.setInt32(off + 4, bh, true);'],
};

/** Positions of a region's blocks in reverse postorder from the entry (blocks[0]): every edge to a later position goes forward. */
export function blockOrder(blocks: Insn[][], member: Map<number, number>): number[] {
  const pcHi = blocks[0][0].pcHi;
  const succ = blocks.map((b) => {
    const last = b[b.length - 1], out: number[] = [];
    const add = (lo: number, hi: number): void => {
      const j = hi === pcHi ? member.get(lo) : undefined;
      if (j !== undefined) out.push(j);
    };
    const imm = branchImm(last);
    if (imm !== null) add(...pcAdd(last.pcLo, last.pcHi, imm));
    if (last.op !== Op.JAL && last.op !== Op.JALR) add(...pcAdd(last.pcLo, last.pcHi, last.len));
    return out;
  });
  const order: number[] = [], seen = new Uint8Array(blocks.length);
  let post: number[] = [];
  const visit = (j: number): void => {
    seen[j] = 1;
    for (const t of succ[j]) if (seen[t] === 0) visit(t);
    post.push(j);
  };
  // The entry's reverse postorder, then that of each block reached only by an indirect jump (a return site).
  for (let j = 0; j < blocks.length; j++) {
    if (seen[j] !== 0) continue;
    post = [];
    visit(j);
    order.push(...post.reverse());
  }
  return order;
}

/**
 * Generates the source of a region's function (blocks[j] is entered as `entry` j).
 * Exported for tests; `compileRegion` is the entry point.
 *
 * The blocks are laid out in reverse postorder inside nested labelled statements, so a
 * forward edge (the fall-through of a branch, the jump into an `if`) is a `break` to the
 * label closing right before its target and a jump back to the entry is a `continue` of the
 * function's loop: V8 then sees the region's control flow as it is instead of one `switch`
 * reached between every two blocks. Only an entry at another block, a jump back to a block
 * other than the entry and an indirect jump go through the block number `st`, dispatched at
 * the top of the loop.
 *
 * `pages` gives the host page offset of each virtual page the blocks are on (region.ts). An
 * edge into a block on another page first checks that the fetch TLB still maps that page
 * there, and leaves at the target otherwise (the interpreter then fetches it, faulting as
 * the hardware would): the region runs only code whose translation is what it was compiled
 * for. The entry's own page is checked by the dispatcher that finds the entry.
 */
export function regionSource(blocks: Insn[][], pages: ReadonlyMap<number, number> = new Map()): string {
  const used = new Set<number>(), written = new Set<number>();
  for (const b of blocks) {
    for (const i of b) {
      const rd = (i.insn >>> 7) & 31, rs1 = (i.insn >>> 15) & 31, rs2 = (i.insn >>> 20) & 31;
      used.add(rs1); used.add(rs2);
      if (!(i.op >= Op.BEQ && i.op <= Op.BGEU) && !STORE[i.op] && i.op !== Op.FENCE && rd !== 0) { written.add(rd); used.add(rd); }
    }
  }
  used.delete(0);
  const pcHi = blocks[0][0].pcHi;
  const member = new Map<number, number>(blocks.map((b, j) => [b[0].pcLo, j]));
  const order = blockOrder(blocks, member);
  const position = new Int32Array(blocks.length);
  order.forEach((j, p) => { position[j] = p; });
  /** Leaves before instruction k of the current block (not executed) with the pc given. */
  const exitAt = (k: number, lo: number | string, hi: number | string): string => `{ k = ${k}; plo = ${lo}; phi = ${hi}; break out; }`;
  let here = 0; // the position of the block being generated
  let herePage = 0; // the virtual page (low word) of the block being generated
  /** The check that the fetch TLB maps page `p` (of target pc lo) where the region found it, leaving before instruction k otherwise. */
  const pageCheck = (p: number, k: number, lo: number | string): string => {
    const i = (p >>> 12) & TLB_MASK, host = pages.get(p);
    if (host === undefined) throw new Error(`region: no host page for ${(p >>> 0).toString(16)}`);
    return `if (fTag[${i}] !== ${p} || fTagHi[${i}] !== ${pcHi} || fOff[${i}] !== ${host}) ${exitAt(k, lo, pcHi)}`;
  };
  const siteNames: string[] = [];
  const site = (): string | null => {
    if (siteNames.length >= MEMO_SITES) return null;
    const c = `c${siteNames.length}`;
    siteNames.push(c);
    return c;
  };
  /** Goes on at pc (lo, hi) after k instructions of the current block: the next block of the region, or out. */
  const goTo = (k: number, lo: number, hi: number): string => {
    const j = hi === pcHi ? member.get(lo) : undefined;
    if (j === undefined) return exitAt(k, lo, hi);
    const p = position[j], tp = lo & -4096;
    const check = tp !== herePage ? pageCheck(tp, k, lo) + ' ' : '';
    if (p > here) return `{ ${check}n += ${k}; break b${p}; }`;
    return `{ ${check}n += ${k}; st = ${j}; continue; }`;
  };
  // An indirect jump to a call's return site in the region stays inside; into a block on
  // another page only while the fetch TLB maps that page as it did. Only return sites: a
  // case for every block at every indirect jump made large regions too large for V8 to optimise.
  const returnSites = new Set<number>();
  for (const b of blocks) {
    const last = b[b.length - 1];
    if ((last.op === Op.JAL || last.op === Op.JALR) && ((last.insn >>> 7) & 31) !== 0) {
      const [lo, hi] = pcAdd(last.pcLo, last.pcHi, last.len);
      if (hi === pcHi && member.has(lo)) returnSites.add(lo);
    }
  }
  const sites = (): string => blocks.filter((b) => returnSites.has(b[0].pcLo)).map((b) => {
    const j = member.get(b[0].pcLo)!;
    const tp = b[0].pcLo & -4096;
    if (tp === herePage) return `case ${b[0].pcLo}: st = ${j}; break;`;
    const i = (tp >>> 12) & TLB_MASK;
    return `case ${b[0].pcLo}: if (fTag[${i}] === ${tp} && fTagHi[${i}] === ${pcHi} && fOff[${i}] === ${pages.get(tp)}) st = ${j}; break;`;
  }).join(' ');
  const indirect = (k: number): string => returnSites.size === 0 ? `{ n += ${k}; k = 0; plo = lo & ~1; phi = hi; break out; }` :
    `{ n += ${k}; st = -1; if (hi === ${pcHi}) switch (lo & ~1) { ${sites()} } if (st >= 0) continue; k = 0; plo = lo & ~1; phi = hi; break out; }`;
  const code = order.map((j, p) => {
    here = p;
    herePage = blocks[j][0].pcLo & -4096;
    const insns = blocks[j];
    const first = insns[0];
    const body = [`if (n + ${insns.length} > left) ${exitAt(0, first.pcLo, first.pcHi)}`];
    insns.forEach((i, k) => body.push(...insnSource(i, k, exitAt, goTo, indirect, site)));
    const last = insns[insns.length - 1];
    if (!(last.op >= Op.JAL && last.op <= Op.BGEU)) {
      const [nlo, nhi] = pcAdd(last.pcLo, last.pcHi, last.len);
      body.push(goTo(insns.length, nlo, nhi));
    }
    return body.join('\n    ');
  });
  // Entry dispatch: st names the block to run next; the entry (block 0, position 0) runs at once.
  const dispatch = order.slice(1).map((j, q) => `if (st === ${j}) break b${q + 1};`).join(' ');
  let nest = `if (st !== ${order[0]}) { ${dispatch} ${exitAt(0, first0(blocks), pcHi)} }\n    ${code[0]}`;
  for (let p = 1; p < code.length; p++) nest = `b${p}: {\n    ${nest}\n    }\n    ${code[p]}`;
  const regs = [...used].sort((a, b) => a - b);
  const load = regs.map((r) => `l${r} = x[${2 * r}], h${r} = x[${2 * r + 1}]`).join(', ');
  const store = [...written].sort((a, b) => a - b).map((r) => `x[${2 * r}] = l${r}; x[${2 * r + 1}] = h${r};`).join(' ');
  return `'use strict';
return function region_${(blocks[0][0].pcLo >>> 0).toString(16)}(h, x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff, left, entry) {
  let n = 0, k = 0, plo = 0, phi = 0, rl = 0, rh = 0, s = 0, st = entry;${regs.length ? `\n  let ${load};` : ''}${siteNames.length ? `\n  let ${siteNames.map((c) => `${c}p = 1, ${c}h = 0, ${c}o = 0`).join(', ')};` : ''}
  out: for (;;) {
    ${nest}
  }
  ${store}
  h.pcLo = plo; h.pcHi = phi;
  return n + k;
};`;
}

/** The entry pc's low word (an unknown block number leaves there). */
const first0 = (blocks: Insn[][]): number => blocks[0][0].pcLo;

/**
 * The source of instruction `i`, the k-th of its block: `exitAt(k, lo, hi)` leaves before it,
 * `goTo(k, lo, hi)` goes on at a direct target after k instructions, `indirect(k)` at the
 * target in (lo, hi) (JALR).
 */
function insnSource(i: Insn, k: number, exitAt: (k: number, lo: number | string, hi: number | string) => string,
  goTo: (k: number, lo: number, hi: number) => string, indirect: (k: number) => string, site: () => string | null): string[] {
  const { op, insn } = i;
  const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const [nlo, nhi] = pcAdd(i.pcLo, i.pcHi, i.len);
  const set = rd === 0 ? '' : setReg(rd, 'rl', 'rh');
  const alu = aluBody(op);
  if (alu !== null) {
    if (rd === 0) return [];
    const imm = insn >> 20;
    const b = immediateForm(op) ? `bl = ${imm}, bh = ${imm >> 31}` : `bl = ${L(rs2)}, bh = ${H(rs2)}`;
    return [`{ const al = ${L(rs1)}, ah = ${H(rs1)}, ${b}; ${alu} ${set} }`];
  }
  const load = LOAD[op], store = STORE[op];
  if (load !== undefined || store !== undefined) {
    const [size, access] = (load ?? store)!;
    const imm = load ? insn >> 20 : ((insn >> 20) & ~31) | ((insn >> 7) & 31);
    const t = load ? 'r' : 'w';
    const tail = load ? set : `if (h.reservation >= 0 && (off & ~7) === (h.reservation & ~7)) h.reservation = -1;`;
    const c = site();
    const address = `{ const al = ${L(rs1)}, lo = (al + ${imm}) | 0;` +
      ` const hi = (${H(rs1)} + ${imm >> 31} + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;` +
      ` if ((lo & 0xfff) > ${4096 - size}) ${exitAt(k, i.pcLo, i.pcHi)}`;
    const operand = (store ? ` const bl = ${L(rs2)}, bh = ${H(rs2)};` : '') + ` ${access} ${tail} }`;
    if (c === null) {
      return [address + ` const i = (lo >>> 12) & ${TLB_MASK};` +
        ` if (${t}Tag[i] !== (lo & -4096) || ${t}TagHi[i] !== hi) ${exitAt(k, i.pcLo, i.pcHi)}` +
        ` const off = ${t}Off[i] + (lo & 0xfff);` + operand];
    }
    return [address +
      ` if ((lo & -4096) !== ${c}p || hi !== ${c}h) { const i = (lo >>> 12) & ${TLB_MASK};` +
      ` if (${t}Tag[i] !== (lo & -4096) || ${t}TagHi[i] !== hi) ${exitAt(k, i.pcLo, i.pcHi)}` +
      ` ${c}p = lo & -4096; ${c}h = hi; ${c}o = ${t}Off[i]; }` +
      ` const off = ${c}o + (lo & 0xfff);` + operand];
  }
  switch (op) {
    case Op.FENCE: return []; // one hart's accesses are already in order
    case Op.LUI: return rd === 0 ? [] : [setReg(rd, insn & 0xfffff000, insn >> 31)];
    case Op.AUIPC: {
      if (rd === 0) return [];
      const [lo, hi] = pcAdd(i.pcLo, i.pcHi, insn & 0xfffff000);
      return [setReg(rd, lo, hi)];
    }
    case Op.JAL: {
      const [tlo, thi] = pcAdd(i.pcLo, i.pcHi, branchImm(i)!);
      return [(rd !== 0 ? setReg(rd, nlo, nhi) + ' ' : '') + goTo(k + 1, tlo, thi)];
    }
    case Op.JALR: {
      const imm = insn >> 20;
      return [`{ const al = ${L(rs1)}, lo = (al + ${imm}) | 0; const hi = (${H(rs1)} + ${imm >> 31} + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;` +
        (rd !== 0 ? ' ' + setReg(rd, nlo, nhi) : '') + ` ${indirect(k + 1)} }`];
    }
    default: { // branches
      const [tlo, thi] = pcAdd(i.pcLo, i.pcHi, branchImm(i)!);
      return [`{ const al = ${L(rs1)}, ah = ${H(rs1)}, bl = ${L(rs2)}, bh = ${H(rs2)}; if (${branchCond(op)}) ${goTo(k + 1, tlo, thi)} }`,
        goTo(k + 1, nlo, nhi)];
    }
  }
}

/**
 * Region functions by their code (pcs and instruction words), shared by every block cache of
 * the process: a VM restarted by the debugger, another VM of the daemon running the same
 * guest, or a page whose code was dropped and came back unchanged gets the function V8 has
 * already optimised instead of a new one that starts cold in V8's interpreter. A function
 * depends only on its arguments, so any hart of any memory can run it.
 */
const known = new Map<string, BlockFn>();
/**
 * Instructions in the functions of `known`; past MAX_KNOWN_INSNS the map starts again. V8
 * keeps each function's source (about 150 bytes an instruction) and code: this bounds them to
 * about 10 MiB of source, far above what the Linux sample compiles to its prompt (121 blocks).
 */
let knownInsns = 0;
const MAX_KNOWN_INSNS = 1 << 16;

/** The key of a region in `known`: everything its source depends on (the host pages only when it spans several). */
export function regionKey(blocks: Insn[][], pages: ReadonlyMap<number, number>): string {
  let key = `${blocks[0][0].pcHi}`;
  if (pages.size > 1) for (const [p, host] of pages) key += `@${p}:${host}`;
  for (const b of blocks) {
    key += `|${b[0].pcLo}`;
    // The length too: a compressed instruction expands to the same word as its 32-bit form,
    // and the pcs after it (a branch's target, AUIPC, a link, an exit) depend on which it is.
    for (const i of b) key += i.len === 2 ? `,c${i.insn}` : `,${i.insn}`;
  }
  return key;
}

/** Whether a region with exactly this code was compiled before in this process (then compiling it costs nothing). */
export function compiledBefore(blocks: Insn[][], pages: ReadonlyMap<number, number> = new Map()): boolean {
  return blocks.length > 0 && known.has(regionKey(blocks, pages));
}

/**
 * Compiles a region (its blocks and pages from findRegion, the entry first) into one
 * function, or returns the one compiled before.
 */
export function compileRegion(blocks: Insn[][], pages: ReadonlyMap<number, number> = new Map()): BlockFn {
  const key = regionKey(blocks, pages);
  const seen = known.get(key);
  if (seen !== undefined) return seen;
  const factory = new Function('R', 'REM', 'mul64', 'mulh64', 'mulhsu64', 'mulhu64', 'div64', 'divu64', regionSource(blocks, pages));
  const fn = factory(R, REM, mul64, mulh64, mulhsu64, mulhu64, div64, divu64) as BlockFn;
  const insns = instructionCount(blocks);
  if (knownInsns + insns > MAX_KNOWN_INSNS) { known.clear(); knownInsns = 0; }
  known.set(key, fn);
  knownInsns += insns;
  return fn;
}
