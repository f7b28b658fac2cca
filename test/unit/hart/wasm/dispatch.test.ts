/**
 * The WebAssembly dispatcher (hart/jit/wasm/dispatch.ts) and its block table in the hart
 * area: regions ending in indirect jumps (each its own region) run one after the other
 * inside WebAssembly, and every result (registers, pc, instructions retired) is the
 * interpreter's, for budgets ending anywhere in the chain, after a chained region's page is
 * rewritten by the host, and where the next block is not compiled yet. The expected values
 * are the RV64I semantics of the program (the interpreter's run of the same code is the
 * reference for pc and count, as in the translation differential tests).
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../../hypervisor-core/memory/phys-memory';
import { JIT_DEFAULTS } from '../../../../hypervisor-core/hart/jit/block-cache';
import { findRegion } from '../../../../hypervisor-core/hart/jit/region';
import { BLOCK_TABLE_BYTES, HART_AREA_BYTES, areasAt, blockTableAt } from '../../../../hypervisor-core/memory/hart-area';

const BASE = 0x80000000;
const A0 = 10, A1 = 11, T0 = 5, T1 = 6, S0 = 8, S1 = 9, S2 = 18, S3 = 19;

const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const auipc = (rd: number) => (rd << 7) | 0x17;
const lui = (rd: number, imm20: number) => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;
const add = (rd: number, rs1: number, rs2: number) => (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33;
const beq = (rs1: number, rs2: number, off: number) => ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) |
  (rs1 << 15) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
const jalr = (rd: number, rs1: number) => (rs1 << 15) | (rd << 7) | 0x67;
const SPIN = 0x0000006f; // jal x0, 0
const NOP = addi(0, 0, 0);

/**
 * Three blocks joined by indirect jumps, so each is a region of its own and only the
 * dispatcher (or the JavaScript loop) goes from one to the next: A (a0 += 1) at 0x40, B
 * (a1 += 1) on the next page at 0x1000 (each after a no-op `addi x0, x0, salt`), C (t0 -= 1, out to the spin at 0x5c when t0 = 0)
 * at 0x50; 1000 rounds. Words by byte offset from BASE.
 */
function program(salt: number): Map<number, number> {
  const w = new Map<number, number>();
  const put = (at: number, words: number[]) => words.forEach((x, i) => w.set(at + 4 * i, x >>> 0));
  put(0x00, [
    auipc(S0), // s0 = BASE
    lui(S1, 1), add(S1, S1, S0), // s1 = B
    addi(S2, S0, 0x50), // s2 = C
    addi(S3, S0, 0x40), // s3 = A
    addi(T0, 0, 1000),
    jalr(0, S3),
  ]);
  put(0x40, [addi(0, 0, salt), addi(A0, A0, 1), jalr(0, S1), NOP]); // A
  put(0x50, [addi(T0, T0, -1), beq(T0, 0, 8), jalr(0, S3), SPIN]); // C; 0x58 goes back to A, 0x5c spins
  put(0x1000, [addi(0, 0, salt), addi(A1, A1, 1), jalr(0, S2)]); // B
  return w;
}

/**
 * A hart over a WebAssembly.Memory with the program, translation at the first entry (or
 * off). A and B start with `addi x0, x0, salt`: a salt of its own gives a test regions no
 * earlier test compiled (modules are kept per process by code).
 */
function hartWith(jit: boolean, salt = 0): { h: Hart; mem: PhysMemory } {
  return hartOver(program(salt), jit);
}

/** A hart at BASE over a WebAssembly.Memory holding `words` (address -> word), translation at the first entry (or off). */
function hartOver(words: Map<number, number>, jit: boolean): { h: Hart; mem: PhysMemory } {
  const mem = new PhysMemory(BASE, 1 << 20, false, 1);
  for (const [at, word] of words) mem.view.setUint32(at, word, true);
  const h = new Hart(0, mem);
  h.setJit(jit);
  if (h.blockCache) h.blockCache.threshold = h.blockCache.straightThreshold = h.blockCache.regionThreshold = 1;
  h.reset(BASE | 0, 0);
  return { h, mem };
}

const state = (h: Hart) => ({ pc: h.pcLo >>> 0, instret: h.instret, x: Array.from(h.x) });

/**
 * For each budget: a translating hart run in pieces (small slices first, while its regions
 * compile, then up to 997 at a time) ends with the pc, count and registers of an
 * interpreting hart run for the whole budget at once.
 */
function sameAtEveryBudget(make: (jit: boolean) => Hart, budgets: number[]): void {
  for (const budget of budgets) {
    const h = make(true);
    let left = budget;
    for (const step of [7, 13, 101]) { const n = Math.min(step, left); h.run(n); left -= n; }
    while (left > 0) { const n = Math.min(997, left); h.run(n); left -= n; }
    const ref = make(false);
    ref.run(budget);
    assert.deepEqual(state(h), state(ref), `budget ${budget}`);
  }
}

describe('WebAssembly dispatcher: regions chained inside WebAssembly', () => {
  let saved: typeof JIT_DEFAULTS.backend;
  before(() => { saved = JIT_DEFAULTS.backend; JIT_DEFAULTS.backend = 'wasm'; });
  after(() => { JIT_DEFAULTS.backend = saved; });

  it('keeps the block table at the end of each hart area, past the arrays', () => {
    const size = 1 << 20;
    const start = areasAt(size) + HART_AREA_BYTES;
    assert.equal(blockTableAt(size, start + 100), start + HART_AREA_BYTES - BLOCK_TABLE_BYTES);
    const { h } = hartWith(true);
    const x = h.x.byteOffset;
    assert.ok(x + 256 <= blockTableAt(size, x), 'x before the table');
  });

  it('goes from region to region without returning to JavaScript: 3000 regions run in a few dispatcher calls', () => {
    const { h } = hartWith(true);
    h.run(100_000);
    const c = h.blockCache!;
    assert.equal(c.backend, 'wasm');
    // 1000 rounds of A, B, C (3 instructions each but C's last round, 2) plus the 7 set-up ones, then the spin.
    assert.equal(h.x[2 * A0], 1000);
    assert.equal(h.x[2 * A1], 1000);
    assert.equal(h.x[2 * T0], 0);
    assert.equal(h.pcLo >>> 0, BASE + 0x5c);
    assert.ok(c.counters.regions >= 4, `regions ${c.counters.regions}`);
    assert.ok(c.dispatchedRegions >= 2990, `regions called by the dispatcher: ${c.dispatchedRegions}`);
    assert.ok(c.counters.dispatches <= 20, `dispatcher calls: ${c.counters.dispatches}`);
    const ref = hartWith(false).h;
    ref.run(100_000);
    assert.deepEqual(state(h), state(ref));
  });

  it('ends exactly on the budget anywhere in the chain (the interpreter\'s pc, count and registers)', () => {
    sameAtEveryBudget((jit) => hartWith(jit).h, [20, 21, 22, 23, 24, 25, 26, 1500, 1501, 1502, 3009, 3010, 3011, 3012]);
  });

  it('drops a chained region whose page the host rewrites: the dispatcher runs the new code, not the old', () => {
    const patch = new Uint8Array(4);
    new DataView(patch.buffer).setUint32(0, addi(A1, A1, 5), true);
    const runs: ReturnType<typeof state>[] = [];
    for (const jit of [true, false]) {
      const { h, mem } = hartWith(jit);
      h.run(1500); // about 500 rounds, B chained from A in WebAssembly
      mem.write(BASE + 0x1004, patch); // B becomes a1 += 5 (as a loader, the debugger or DMA writes)
      // Nothing compiles again: A and C stay, chained to where B was.
      const c = h.blockCache;
      if (c) c.threshold = c.straightThreshold = c.regionThreshold = 1e9;
      h.run(100_000);
      runs.push(state(h));
      if (jit) assert.ok(h.blockCache!.counters.invalidatedPages >= 1);
    }
    assert.deepEqual(runs[0], runs[1]);
    // a1: 5 for every round after the patch; a0 counts every round.
    const [a0, a1] = [runs[0].x[2 * A0], runs[0].x[2 * A1]];
    assert.equal(a0, 1000);
    assert.ok(a1 > 1000 && (a1 - 1000) % 4 === 0, `a1 ${a1}`);
  });

  it('returns to JavaScript at a block not compiled yet, which then compiles when hot (threshold 3)', () => {
    const { h } = hartWith(true);
    const c = h.blockCache!;
    c.threshold = c.straightThreshold = c.regionThreshold = 3;
    h.run(100_000);
    const ref = hartWith(false).h;
    ref.run(100_000);
    assert.deepEqual(state(h), state(ref));
    assert.ok(c.dispatchedRegions >= 2900, `regions called by the dispatcher: ${c.dispatchedRegions}`);
  });
});

/**
 * Regions leaving to a constant pc on their own page, where the next block is another
 * region's: O (t0 = 3, jump to I) at 0x40, the inner loop I (a0 += 1, three times) at 0x80, X
 * after it at 0x8c (a1 += 1, t1 -= 1, out to the spin at 0xa0 when t1 = 0, else an indirect
 * jump back to O); 300 rounds. The dispatcher goes from I's and O's exits at constant pcs,
 * and from X's indirect jump, to the next region without returning to JavaScript.
 */
function constantExits(salt: number): Map<number, number> {
  const w = new Map<number, number>();
  const put = (at: number, words: number[]) => words.forEach((x, i) => w.set(at + 4 * i, x >>> 0));
  const jal = (rd: number, off: number) => ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) |
    (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
  const bne = (rs1: number, rs2: number, off: number) => (beq(rs1, rs2, off) | (1 << 12)) >>> 0;
  put(0x00, [auipc(S0), addi(S3, S0, 0x40), addi(T1, 0, 300), jalr(0, S3)]);
  put(0x40, [addi(0, 0, salt), addi(T0, 0, 3), jal(0, 0x40)]); // O -> I
  put(0x80, [addi(A0, A0, 1), addi(T0, T0, -1), bne(T0, 0, -8)]); // I
  put(0x8c, [addi(A1, A1, 1), addi(T1, T1, -1), beq(T1, 0, 12), jalr(0, S3), NOP, SPIN]); // X; 0xa0 spins
  return w;
}

/** A hart over a WebAssembly.Memory with {@link constantExits}, translation at the first entry (or off). */
function constantExitHart(jit: boolean, salt: number): { h: Hart; mem: PhysMemory } {
  return hartOver(constantExits(salt), jit);
}

describe('WebAssembly dispatcher: regions leaving at constant pcs to other regions', () => {
  let saved: typeof JIT_DEFAULTS.backend;
  before(() => { saved = JIT_DEFAULTS.backend; JIT_DEFAULTS.backend = 'wasm'; });
  after(() => { JIT_DEFAULTS.backend = saved; });

  it('goes on inside WebAssembly at the block the region left to: the RV64I result and the interpreter\'s pc, count and registers', () => {
    const { h } = constantExitHart(true, 200);
    h.run(100_000);
    // 300 rounds of O (2 + jump), I (3 x 3) and X (3, then the jump back, but in the last round).
    assert.deepEqual([h.x[2 * A0], h.x[2 * A1], h.x[2 * T1], h.pcLo >>> 0], [900, 300, 0, BASE + 0xa0]);
    const c = h.blockCache!;
    assert.ok(c.dispatchedRegions >= 900, `regions called by the dispatcher: ${c.dispatchedRegions}`);
    assert.ok(c.counters.dispatches <= 20, `dispatcher calls: ${c.counters.dispatches}`);
    const ref = constantExitHart(false, 200).h;
    ref.run(100_000);
    assert.deepEqual(state(h), state(ref));
  });

  it('ends exactly on the budget anywhere in the chain', () => {
    sameAtEveryBudget((jit) => constantExitHart(jit, 201).h, [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 2001, 2002, 2003, 4500]);
  });

  it('runs the new code at the exit\'s target when the host rewrites it between calls', () => {
    const patch = new Uint8Array(4);
    new DataView(patch.buffer).setUint32(0, addi(A1, A1, 5), true);
    const runs: ReturnType<typeof state>[] = [];
    for (const jit of [true, false]) {
      const { h, mem } = constantExitHart(jit, 202);
      h.run(1500);
      mem.write(BASE + 0x8c, patch); // X becomes a1 += 5
      h.run(100_000);
      runs.push(state(h));
      if (jit) assert.ok(h.blockCache!.counters.invalidatedPages >= 1);
    }
    assert.deepEqual(runs[0], runs[1]);
    const a1 = runs[0].x[2 * A1];
    assert.ok(a1 > 300 && (a1 - 300) % 4 === 0, `a1 ${a1}`);
  });
});

describe('WebAssembly regions compiled in batches (one module for several regions)', () => {
  let saved: typeof JIT_DEFAULTS.backend;
  before(() => { saved = JIT_DEFAULTS.backend; JIT_DEFAULTS.backend = 'wasm'; });
  after(() => { JIT_DEFAULTS.backend = saved; });

  it('runs the same whatever the batch size: pc, count and registers are the interpreter\'s', () => {
    const ref = hartWith(false, 7).h;
    ref.run(100_000);
    for (const batch of [1, 2, 3, 16]) {
      const { h } = hartWith(true, 10 + batch);
      h.blockCache!.batch = batch;
      h.run(100_000);
      assert.deepEqual(state(h), state(ref), `batch ${batch}`);
      const c = h.blockCache!.counters;
      if (batch > 1) assert.ok(c.batches >= 1 && c.batches < c.regions, `batch ${batch}: ${c.batches} batches for ${c.regions} regions`);
      assert.ok(h.blockCache!.dispatchedRegions >= 2990, `batch ${batch}: ${h.blockCache!.dispatchedRegions} regions called`);
    }
  });

  it('drops a region waiting for its batch when the host rewrites its page: the new code runs, not the code found before', () => {
    const patch = new Uint8Array(4);
    new DataView(patch.buffer).setUint32(0, addi(A1, A1, 5), true);
    const runs: ReturnType<typeof state>[] = [];
    for (const jit of [true, false]) {
      const { h, mem } = hartWith(jit, 100);
      if (h.blockCache) h.blockCache.batch = 16;
      h.run(13); // set-up, A, B: A and B wait for their batch (found, not compiled), the pc is at C
      assert.equal(h.pcLo >>> 0, BASE + 0x50);
      if (jit) assert.equal(h.blockCache!.counters.batches, 0, 'no batch compiled yet');
      mem.write(BASE + 0x1004, patch); // B becomes a1 += 5
      h.run(100_000);
      runs.push(state(h));
    }
    assert.deepEqual(runs[0], runs[1]);
    assert.equal(runs[0].x[2 * A1], 1 + 999 * 5, 'the first round adds 1, every later one 5 (the RV64I result of the patched program)');
  });
});

describe('region sizes for WebAssembly', () => {
  it('a loop region is not trimmed to the JavaScript source limit when it compiles to WebAssembly', () => {
    // 15 blocks of 15 loads and a BNE to the next (the last back to the first): 240 instructions,
    // a JavaScript source past MAX_REGION_SOURCE (each load checks the TLB in the source).
    const ld = (rd: number, off: number, rs1: number) => ((off & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
    const bne = (rs1: number, rs2: number, off: number) => ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) |
      (rs1 << 15) | (1 << 12) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
    const u16 = new Uint16Array(4096 / 2);
    const dv = new DataView(u16.buffer);
    const BLOCK = 16 * 4;
    for (let b = 0; b < 15; b++) {
      for (let i = 0; i < 15; i++) dv.setUint32(b * BLOCK + 4 * i, ld(A0 + (i % 6), 8 * i, S0), true);
      // Taken: on to the next block (the last back to the first); not taken: into the next block as well.
      dv.setUint32(b * BLOCK + 60, bne(A0, A1, b === 14 ? -14 * BLOCK - 60 : 4), true);
    }
    const wasm = findRegion(u16, 0, BASE | 0, 0, () => -1, false);
    const js = findRegion(u16, 0, BASE | 0, 0, () => -1);
    assert.ok(wasm.loops && js.loops);
    assert.equal(wasm.blocks.length, 15);
    assert.ok(js.blocks.length < 15, `the JavaScript region keeps ${js.blocks.length} blocks`);
  });
});
