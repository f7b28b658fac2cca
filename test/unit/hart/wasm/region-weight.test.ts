/**
 * Which code a WebAssembly block cache compiles (hart/jit/block-cache.ts `weight`): a long
 * straight function body reached only by falling through a not-taken branch, called far fewer
 * times than the straight threshold, compiles once its entries times its instructions reach
 * the weight, and not at all without a weight. The guest's results are its RV64I semantics
 * (a0 counts the body's additions); the entry counts are the cache's policy, computed here
 * from the block lengths the RISC-V encoding gives.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../../hypervisor-core/memory/phys-memory';
import { MAX_BLOCK } from '../../../../hypervisor-core/hart/jit/compile';
import { findRegion } from '../../../../hypervisor-core/hart/jit/region';
import { hintRegions, regionKeyWasm } from '../../../../hypervisor-core/hart/jit/wasm';

const BASE = 0x80000000;
const A0 = 10, A1 = 11, T0 = 5, RA = 1;
const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const bne = (rs1: number, rs2: number, off: number) => ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) |
  (rs1 << 15) | (1 << 12) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
const jal = (rd: number, off: number) => ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) |
  (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
const jalr = (rd: number, rs1: number) => (rs1 << 15) | (rd << 7) | 0x67;
const SPIN = 0x0000006f; // jal x0, 0

/** Additions in the function body: more than one block holds (MAX_BLOCK), fewer than a region may. */
const BODY = 200;
/** Calls of the function: far below the straight threshold (20,000 entries); an addi immediate. */
const CALLS = 2000;
/** Where the function is (its own page, so no other test's module starts there). */
const F = 0x3000;

/**
 * main: `t0 = CALLS; do { f(); } while (--t0)`, then spins; f: `bne a1, x0, out` (a1 is 0:
 * never taken), BODY times `addi a0, a0, 1` and a salt, `out: ret`.
 */
function hartWith(weight: number, salt: number, earlyLooks = 0): Hart {
  const h = hartOver((put) => {
    put(0x00, [addi(T0, 0, CALLS), jal(RA, F - 0x04), addi(T0, T0, -1), bne(T0, 0, -8), SPIN]);
    const body = [addi(0, 0, salt), ...new Array<number>(BODY).fill(addi(A0, A0, 1))];
    put(F, [bne(A1, 0, 4 * (body.length + 1)), ...body, jalr(0, RA)]);
  }, weight);
  h.blockCache!.earlyLooks = earlyLooks;
  return h;
}

/** A hart at BASE over fresh memory holding the code `write` puts there, with the cache's thresholds as the tests assume them. */
function hartOver(write: (put: (at: number, words: number[]) => void) => void, weight: number): Hart {
  const mem = new PhysMemory(BASE, 1 << 20, false, 1);
  write((at, words) => words.forEach((w, i) => mem.view.setUint32(at + 4 * i, w >>> 0, true)));
  const h = new Hart(0, mem);
  h.setJit(true);
  h.blockCache!.threshold = 64;
  h.blockCache!.regionThreshold = h.blockCache!.straightThreshold = 20000;
  h.blockCache!.weight = weight;
  h.reset(BASE | 0, 0);
  return h;
}

/** Instructions from the start to the spin: `li t0`, then per call jal, bne, the salt and BODY additions, ret, addi, bne. */
const TO_SPIN = 1 + CALLS * (BODY + 6);

/** Runs main exactly to its spin (the spin, a loop, would compile at once and run translated). */
function runToSpin(h: Hart): void {
  assert.equal(h.run(TO_SPIN), StopReason.BUDGET);
  assert.equal(h.pcLo >>> 0, BASE + 0x10);
}

describe('hart: a WebAssembly region compiles once its entries times its instructions reach the weight', () => {
  it('a straight body after a not-taken branch, called 2000 times, runs translated from about weight / body length calls on', () => {
    const weight = 65536;
    const h = hartWith(weight, 1);
    runToSpin(h);
    assert.equal(h.x[2 * A0], CALLS * BODY, 'a0: every addition ran once per call');
    // The body (the salt, BODY additions and the return) is straight code in blocks of at
    // most MAX_BLOCK instructions, each the only successor of the one before: its start is
    // looked at first at 64 entries, where those blocks bound its region from below (BODY + 2
    // instructions), then at ceil(weight / (BODY + 2)) entries, found worth compiling there
    // and compiled with its batch, at the latest when hot again (`threshold` more).
    assert.ok(BODY + 2 > 2 * MAX_BLOCK, 'the body spans several blocks');
    const compiledAt = Math.ceil(weight / (BODY + 2));
    const translated = h.blockCache!.counters.insns;
    assert.ok(translated >= (CALLS - compiledAt - 64) * BODY, `translated ${translated}: the body from call ${compiledAt + 64} on`);
    assert.ok(translated <= (CALLS - compiledAt + 1) * (BODY + 6), `translated ${translated}: not before call ${compiledAt}`);
  });

  it('the first looks of a cache weigh by a sixteenth of the weight: the same body compiles at its first look', () => {
    const weight = 65536;
    const h = hartWith(weight, 3, 100);
    runToSpin(h);
    assert.equal(h.x[2 * A0], CALLS * BODY);
    // weight / 16 / (BODY + 2) is below the first threshold (64 entries): found worth then,
    // compiled with its batch at the latest when hot again (64 more).
    assert.ok(Math.ceil(weight / 16 / (BODY + 2)) <= 64);
    const translated = h.blockCache!.counters.insns;
    assert.ok(translated >= (CALLS - 128) * BODY, `translated ${translated}: the body from call 128 on`);
    assert.ok(translated <= (CALLS - 64 + 1) * (BODY + 6), `translated ${translated}: not before call 64`);
  });

  it('a loop whose block loops alone inside an outer loop compiles once entries times the region reach the weight', () => {
    // t0 = OUTER; do { a1 = INNER; do { a0++; a1--; } while (a1); } while (--t0): the inner
    // block loops alone, but its region holds the outer loop too (3 blocks, 9 instructions),
    // which neither the first threshold nor, at OUTER * INNER = 12,000 entries, the region
    // threshold compiles: only the weight does, at ceil(weight / 9) entries of the inner start.
    const OUTER = 1500, INNER = 8, weight = 32768;
    const h = hartOver((put) => put(0x00, [
      addi(T0, 0, OUTER),
      addi(A1, 0, INNER), // 0x04: the outer loop
      addi(A0, A0, 1), addi(A1, A1, -1), bne(A1, 0, -8), // 0x08: the inner loop
      addi(T0, T0, -1), bne(T0, 0, -20), // 0x14
      SPIN,
    ]), weight);
    h.blockCache!.earlyLooks = 0;
    const perOuter = 1 + 3 * INNER + 2, total = 1 + OUTER * perOuter;
    assert.equal(h.run(total), StopReason.BUDGET);
    assert.equal(h.pcLo >>> 0, BASE + 0x1c);
    assert.equal(h.x[2 * A0], OUTER * INNER, 'a0: every inner iteration ran once');
    // The inner start is entered INNER - 1 times an outer iteration (its first iteration is
    // reached by falling through from 0x04, inside that block). Interpreted until it reached
    // `entries`, translated from at most `threshold` (64) entries more on: the region holds
    // the outer loop, so nothing leaves it after that.
    const entries = Math.ceil(weight / 9);
    const translated = h.blockCache!.counters.insns;
    const before = Math.floor(entries / (INNER - 1)), by = Math.ceil((entries + 64) / (INNER - 1)) + 1;
    assert.ok(translated <= total - before * perOuter, `translated ${translated}: not before outer iteration ${before}`);
    assert.ok(translated >= total - by * perOuter, `translated ${translated}: from outer iteration ${by} on`);
  });

  it('with a region profile naming the body (host/region-profile.ts), it compiles at its first look even without a weight', () => {
    const h = hartWith(0, 5);
    const mem = h.mem;
    // The region the cache will find at the body's start (after the not-taken bne), named as a profile names it.
    const start = F + 4;
    const region = findRegion(new Uint16Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.size >>> 1), start, (BASE + start) | 0, 0,
      (p) => (p - BASE) | 0, false);
    assert.ok(region.blocks.length > 1, 'the body spans several blocks');
    hintRegions([[regionKeyWasm(region.blocks, region.pages, mem.wasm!, region.loops), (BASE + start) | 0]]);
    runToSpin(h);
    assert.equal(h.x[2 * A0], CALLS * BODY);
    // Looked at first at 64 entries, compiled with its batch at the latest when hot again (64 more).
    const translated = h.blockCache!.counters.insns;
    assert.ok(translated >= (CALLS - 128) * BODY, `translated ${translated}: the body from call 128 on`);
    assert.ok(translated <= (CALLS - 64 + 1) * (BODY + 6), `translated ${translated}: not before call 64`);
  });

  it('without a weight the same body stays interpreted (below every threshold)', () => {
    const h = hartWith(0, 2);
    runToSpin(h);
    assert.equal(h.x[2 * A0], CALLS * BODY);
    assert.equal(h.blockCache!.counters.insns, 0);
  });
});
