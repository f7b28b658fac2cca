/**
 * A bench for the two region backends: one WebAssembly.Memory holding RAM (from byte 0), the
 * registers and the read, write and fetch TLB arrays, as a VM's memory holds them; a region
 * found in it (region.ts) runs once through compile.ts's JavaScript function and once
 * through the WebAssembly module from the same state, and everything either can change is
 * compared: the whole memory (RAM, registers, TLBs), the next pc, the reservation and the
 * count returned.
 */
import { strict as assert } from 'node:assert';
import { BlockFn, BlockHart, Insn, compileRegion } from '../../../../hypervisor-core/hart/jit/compile';
import { findRegion } from '../../../../hypervisor-core/hart/jit/region';
import { compileRegionWasm, compileRegionsWasm } from '../../../../hypervisor-core/hart/jit/wasm';
import { TLB_SIZE, TLB_MASK } from '../../../../hypervisor-core/mmu/tlb';
import { Op } from '../../../../hypervisor-core/hart/isa/opcodes';
import { arrayStride } from '../../../../hypervisor-core/memory/hart-area';


/** RAM size of the bench (host offsets 0..RAM). */
export const RAM = 1 << 18;
/** Bytes from one TLB array to the next, as a hart area places them (the layout WebAssembly regions take). */
const STRIDE = arrayStride(TLB_SIZE);
/** The registers' byte address; the 16 bytes after them are the WebAssembly side's exit words (abi.ts), not compared. */
const X_AT = RAM + 64;
const EXIT_AT = X_AT + 256, EXIT_END = EXIT_AT + 16;
/** Where the code's page is in host RAM, and its virtual address (high word CODE_HI). */
export const CODE_OFF = 0x1000;
export const CODE_VA = 0x80001000 | 0;
export const CODE_HI = 0;

/** The arrays of one TLB, views on the bench's memory. */
export interface TlbArrays { tagLo: Int32Array; tagHi: Int32Array; off: Int32Array }

/** One bench: a memory and the views a hart would have on it. */
export class Bench {
  readonly memory: WebAssembly.Memory;
  readonly buf: ArrayBuffer;
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  readonly u16: Uint16Array;
  /** After RAM, then each TLB array (4096 i32, STRIDE bytes apart), in the order r, w, f. */
  readonly x: Int32Array;
  readonly r: TlbArrays;
  readonly w: TlbArrays;
  readonly f: TlbArrays;

  /** @param shared a shared memory, as vCPU threads have */
  constructor(shared = false) {
    const pages = RAM / 65536 + 4; // 4 KiB, then 9 arrays of STRIDE bytes
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
    this.buf = this.memory.buffer as ArrayBuffer;
    this.bytes = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf, 0, RAM);
    this.u16 = new Uint16Array(this.buf, 0, RAM / 2);
    this.x = new Int32Array(this.buf, X_AT, 64);
    let at = RAM + 4096;
    const tlb = (): TlbArrays => {
      const t = { tagLo: new Int32Array(this.buf, at, TLB_SIZE), tagHi: new Int32Array(this.buf, at + STRIDE, TLB_SIZE),
        off: new Int32Array(this.buf, at + 2 * STRIDE, TLB_SIZE) };
      at += 3 * STRIDE;
      t.tagLo.fill(1);
      return t;
    };
    this.r = tlb(); this.w = tlb(); this.f = tlb();
    this.mapFetch(CODE_VA, CODE_HI, CODE_OFF);
  }

  /** Writes 32-bit instruction words at host offset `off` (the code page by default). */
  code(words: number[], off = CODE_OFF): void {
    words.forEach((w, i) => this.dv.setUint32(off + 4 * i, w >>> 0, true));
  }

  /** Maps virtual page (lo, hi) to host page `host` in the TLBs named. */
  map(lo: number, hi: number, host: number, which: ('r' | 'w' | 'f')[] = ['r', 'w']): void {
    for (const t of which) {
      const i = (lo >>> 12) & TLB_MASK;
      this[t].tagLo[i] = lo & -4096; this[t].tagHi[i] = hi; this[t].off[i] = host;
    }
  }
  mapFetch(lo: number, hi: number, host: number): void { this.map(lo, hi, host, ['f']); }

  /** Sets register r to the 64-bit value (lo, hi). */
  set(r: number, lo: number, hi = lo >> 31): void { this.x[2 * r] = lo; this.x[2 * r + 1] = hi; }

  /** The region found at the code's virtual pc `pcLo` (host offset from the fetch TLB). */
  region(pcLo = CODE_VA, pcHi = CODE_HI): { blocks: Insn[][]; pages: Map<number, number> } {
    const i = (pcLo >>> 12) & TLB_MASK;
    const off = this.f.off[i] + (pcLo & 0xfff);
    return findRegion(this.u16, off, pcLo, pcHi, (p) => {
      const j = (p >>> 12) & TLB_MASK;
      return this.f.tagLo[j] === p && this.f.tagHi[j] === pcHi ? this.f.off[j] : -1;
    });
  }

  /** Runs fn as block-cache.ts calls a region. */
  call(fn: BlockFn, h: BlockHart, left: number, entry: number): number {
    const { r, w, f } = this;
    return fn(h, this.x, this.dv, r.tagLo, r.tagHi, r.off, w.tagLo, w.tagHi, w.off, f.tagLo, f.tagHi, f.off, left, entry);
  }
}

/** What a run leaves: the memory and the hart's pc and reservation, and the count. */
export interface Outcome { n: number; pcLo: number; pcHi: number; reservation: number; mem: Uint8Array }

/** The bytes a run may change: RAM, registers and TLBs, or only the registers when the region stores nothing. */
function span(blocks: Insn[][]): [number, number] {
  const stores = blocks.some((b) => b.some((i) => i.op >= Op.SB && i.op <= Op.SD));
  return stores ? [0, RAM + 4096 + 9 * STRIDE] : [X_AT, X_AT + 256];
}

/**
 * Runs blocks from `entry` for `left` instructions with each backend from the bench's state
 * (restored between them) and asserts that both leave the same outcome; returns the JS one.
 */
export function same(b: Bench, blocks: Insn[][], pages: Map<number, number>, left: number, entry = 0,
  reservation = -1, what = ''): Outcome {
  const [from, to] = span(blocks);
  const start = b.bytes.slice(from, to);
  const run = (fn: BlockFn): Outcome => {
    b.bytes.set(start, from);
    const h: BlockHart = { pcLo: 0x5a5a, pcHi: 0x5a5a, reservation };
    const n = b.call(fn, h, left, entry);
    b.bytes.fill(0, EXIT_AT, EXIT_END);
    return { n, pcLo: h.pcLo, pcHi: h.pcHi, reservation: h.reservation, mem: b.bytes.slice(from, to) };
  };
  const js = run(compileRegion(blocks, pages));
  // Both WebAssembly forms: registers in locals (a region that loops) and in memory (a straight one).
  for (const loops of [true, false]) {
    const fn = loops ? compileRegionWasm(blocks, pages, b.memory) : compileRegionsWasm([{ blocks, pages, loops }], b.memory)[0];
    compare(js, run(fn), from, `${what} (left ${left}, entry ${entry}${loops ? '' : ', registers in memory'})`);
  }
  b.bytes.set(js.mem, from);
  return js;
}

/** Asserts that a WebAssembly run left what the JavaScript one did. */
function compare(js: Outcome, wasm: Outcome, from: number, at: string): void {
  assert.deepEqual([wasm.n, wasm.pcLo, wasm.pcHi, wasm.reservation], [js.n, js.pcLo, js.pcHi, js.reservation], `count, pc, reservation ${at}`);
  const regs = (m: Uint8Array) => Array.from(new Int32Array(m.buffer, X_AT - from, 64));
  assert.deepEqual(regs(wasm.mem), regs(js.mem), `registers ${at}`);
  if (Buffer.compare(wasm.mem, js.mem) !== 0) {
    let i = 0;
    while (wasm.mem[i] === js.mem[i]) i++;
    assert.fail(`memory differs first at byte 0x${(from + i).toString(16)} ${at}`);
  }
}

// ---- instruction encoders (the base ISA's formats, unprivileged spec chapter 2 and 24) ----

export const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
export const i = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
export const s = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;
export const b = (f3: number, rs1: number, rs2: number, off: number): number =>
  ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
  (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
export const jal = (rd: number, off: number): number => ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) |
  (((off >> 11) & 1) << 20) | (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
export const jalr = (rd: number, rs1: number, imm = 0): number => i(imm, rs1, 0, rd, 0x67);
export const lui = (rd: number, imm20: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0;
export const auipc = (rd: number, imm20: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17) >>> 0;
export const addi = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x13);
export const bne = (rs1: number, rs2: number, off: number): number => b(1, rs1, rs2, off);
export const beq = (rs1: number, rs2: number, off: number): number => b(0, rs1, rs2, off);
export const SPIN = 0x0000006f; // jal x0, 0
/** An instruction no block holds (csrrs x0, mscratch, x0): ends a block before it. */
export const CSR = 0x34002073;

/** R-type ALU and M ops: [name, funct7, funct3, opcode]. */
export const R_OPS: [string, number, number, number][] = [
  ['add', 0, 0, 0x33], ['sub', 0x20, 0, 0x33], ['sll', 0, 1, 0x33], ['slt', 0, 2, 0x33], ['sltu', 0, 3, 0x33],
  ['xor', 0, 4, 0x33], ['srl', 0, 5, 0x33], ['sra', 0x20, 5, 0x33], ['or', 0, 6, 0x33], ['and', 0, 7, 0x33],
  ['mul', 1, 0, 0x33], ['mulh', 1, 1, 0x33], ['mulhsu', 1, 2, 0x33], ['mulhu', 1, 3, 0x33],
  ['div', 1, 4, 0x33], ['divu', 1, 5, 0x33], ['rem', 1, 6, 0x33], ['remu', 1, 7, 0x33],
  ['addw', 0, 0, 0x3b], ['subw', 0x20, 0, 0x3b], ['sllw', 0, 1, 0x3b], ['srlw', 0, 5, 0x3b], ['sraw', 0x20, 5, 0x3b],
  ['mulw', 1, 0, 0x3b], ['divw', 1, 4, 0x3b], ['divuw', 1, 5, 0x3b], ['remw', 1, 6, 0x3b], ['remuw', 1, 7, 0x3b],
];
/** I-type ALU ops: [name, funct3, opcode, immediate or shift kind]. */
export const I_OPS: [string, number, number, 'imm' | 'sh64' | 'sh64a' | 'sh32' | 'sh32a'][] = [
  ['addi', 0, 0x13, 'imm'], ['slti', 2, 0x13, 'imm'], ['sltiu', 3, 0x13, 'imm'], ['xori', 4, 0x13, 'imm'],
  ['ori', 6, 0x13, 'imm'], ['andi', 7, 0x13, 'imm'], ['slli', 1, 0x13, 'sh64'], ['srli', 5, 0x13, 'sh64'], ['srai', 5, 0x13, 'sh64a'],
  ['addiw', 0, 0x1b, 'imm'], ['slliw', 1, 0x1b, 'sh32'], ['srliw', 5, 0x1b, 'sh32'], ['sraiw', 5, 0x1b, 'sh32a'],
];
/** Loads: [name, funct3, size]; stores: [name, funct3, size]. */
export const LOADS: [string, number, number][] = [['lb', 0, 1], ['lh', 1, 2], ['lw', 2, 4], ['ld', 3, 8], ['lbu', 4, 1], ['lhu', 5, 2], ['lwu', 6, 4]];
export const STORES: [string, number, number][] = [['sb', 0, 1], ['sh', 1, 2], ['sw', 2, 4], ['sd', 3, 8]];

/** An I-type ALU instruction of I_OPS kind with immediate or shift amount v. */
export function iop([, f3, op, kind]: (typeof I_OPS)[number], rd: number, rs1: number, v: number): number {
  switch (kind) {
    case 'imm': return i(v, rs1, f3, rd, op);
    case 'sh64': return i(v & 63, rs1, f3, rd, op);
    case 'sh64a': return i(0x400 | (v & 63), rs1, f3, rd, op);
    case 'sh32': return i(v & 31, rs1, f3, rd, op);
    default: return i(0x400 | (v & 31), rs1, f3, rd, op);
  }
}

/** A small deterministic generator (xorshift32) for the random cases. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    let x = this.state;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (this.state = x) >>> 0;
  }
  below(n: number): number { return this.next() % n; }
  pick<T>(a: readonly T[]): T { return a[this.below(a.length)]; }
}
