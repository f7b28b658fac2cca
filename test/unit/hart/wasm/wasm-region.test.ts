/**
 * The WebAssembly backend against the JavaScript one (compile.ts, itself held to the
 * interpreter by jit.test.ts, the ISA suite and the differential guest runs): the same region
 * from the same registers, RAM and TLBs must leave the same registers, RAM, pc, reservation
 * and count, for every op a block can hold, every access width and alignment, TLB misses and
 * page crossings, multi-block loops, calls and returns, regions across pages, and budgets
 * that stop anywhere in a region.
 */
import { strict as assert } from 'node:assert';
import {
  Bench, CODE_HI, CODE_OFF, CODE_VA, CSR, I_OPS, LOADS, R_OPS, Rng, SPIN, STORES, addi, auipc, b, beq, bne, i, iop,
  jal, jalr, lui, r, s, same,
} from './rig';

const T0 = 5, T1 = 6, T2 = 7, A0 = 10, A1 = 11, A2 = 12, A3 = 13, RA = 1, S0 = 8;
/** Register values that find the corner cases: zero, ones, the extremes of 32 and 64 bits, and neighbours. */
const CORNERS: [number, number][] = [
  [0, 0], [1, 0], [-1, -1], [0, -2147483648], [-1, 2147483647], [-2147483648, -1], [2147483647, 0],
  [-2147483648, 0], [2, 0], [-2, -1], [0x12345678, 0x9abcdef0 | 0], [63, 0], [32, 0], [31, 0], [0xffffffff | 0, 0], [0, 1],
];
/** Where the data pages are: virtual DATA_VA (high word 0) onwards, host DATA_OFF onwards. */
const DATA_VA = 0x40000000, DATA_OFF = 0x20000;

/** A random state: every register from CORNERS or random bits. */
function seed(bench: Bench, rng: Rng): void {
  for (let reg = 1; reg < 32; reg++) {
    const [lo, hi] = rng.below(3) === 0 ? [rng.next() | 0, rng.next() | 0] : rng.pick(CORNERS);
    bench.set(reg, lo, hi);
  }
}

describe('hart: WebAssembly regions give what JavaScript regions give', () => {
  it('random blocks of every ALU and M op (register and immediate forms, LUI, AUIPC) from corner-case registers', () => {
    const rng = new Rng(0x9e3779b9);
    for (let round = 0; round < 60; round++) {
      const bench = new Bench();
      seed(bench, rng);
      const code: number[] = [];
      for (let n = 0; n < 24; n++) {
        const rd = rng.below(32), rs1 = rng.below(32), rs2 = rng.below(32), kind = rng.below(10);
        if (kind < 6) {
          const [, f7, f3, op] = rng.pick(R_OPS);
          code.push(r(f7, rs2, rs1, f3, rd, op));
        } else if (kind < 9) {
          code.push(iop(rng.pick(I_OPS), rd, rs1, rng.next() & 0xfff));
        } else {
          code.push(rng.below(2) ? lui(rd, rng.next()) : auipc(rd, rng.next()));
        }
      }
      code.push(CSR);
      bench.code(code);
      const { blocks, pages } = bench.region();
      assert.equal(blocks.length, 1);
      same(bench, blocks, pages, 1000, 0, -1, `round ${round}`);
      same(bench, blocks, pages, 23, 0, -1, `round ${round}, a budget short of the block`);
    }
  });

  it('every ALU and M op on every pair of corner values, with rd = rs1, rd = rs2 and x0 operands', () => {
    const bench = new Bench();
    for (const [name, f7, f3, op] of R_OPS) {
      const forms = [r(f7, A2, A1, f3, A0, op), r(f7, A2, A1, f3, A1, op), r(f7, A2, A1, f3, A2, op),
        r(f7, 0, A1, f3, A0, op), r(f7, A2, 0, f3, A0, op), r(f7, A1, A1, f3, A0, op)];
      for (const form of forms) {
        bench.code([form, CSR]);
        const { blocks, pages } = bench.region();
        for (const x of CORNERS) {
          for (const y of CORNERS) {
            bench.set(A1, ...x); bench.set(A2, ...y);
            same(bench, blocks, pages, 10, 0, -1, `${name} ${x} ${y}`);
          }
        }
      }
    }
  });

  it('loads and stores of every width, aligned, misaligned, across a page end and on unmapped pages leave as JavaScript regions do', () => {
    const rng = new Rng(12345);
    for (let round = 0; round < 80; round++) {
      const bench = new Bench();
      seed(bench, rng);
      // Pages 0 and 1 mapped for reads and writes, page 2 read-only, page 3 unmapped.
      bench.map(DATA_VA, 0, DATA_OFF);
      bench.map(DATA_VA + 0x1000, 0, DATA_OFF + 0x3000);
      bench.map(DATA_VA + 0x2000, 0, DATA_OFF + 0x5000, ['r']);
      for (let o = 0; o < 0x8000; o += 4) bench.dv.setUint32(DATA_OFF + o, rng.next(), true);
      const base = [S0, 9, 18, 19];
      // Half the bases at a page's middle, so that offsets 0x7f0..0x7ff reach each byte before the page's end.
      for (const [k, reg] of base.entries()) bench.set(reg, DATA_VA + k * 0x1000 + (rng.below(2) ? 0x800 : rng.below(0x1000)), 0);
      const code: number[] = [];
      for (let n = 0; n < 20; n++) {
        const rb = rng.pick(base), imm = rng.below(3) === 0 ? 0x7f0 + rng.below(16) : rng.below(0x1000) - 0x800;
        if (rng.below(2)) {
          const [, f3] = rng.pick(LOADS);
          // A load's destination is never a base (the bases stay in the data pages).
          code.push(i(imm, rb, f3, rng.pick([0, A0, A1, A2, A3, T0]), 0x03));
        } else {
          const [, f3] = rng.pick(STORES);
          code.push(s(imm, rng.below(32), rb, f3));
        }
      }
      code.push(CSR);
      bench.code(code);
      const { blocks, pages } = bench.region();
      const reservation = rng.below(2) ? DATA_OFF + (rng.below(0x1000) & ~7) : -1;
      same(bench, blocks, pages, 1000, 0, reservation, `round ${round}`);
    }
  });

  it('each load and store width at each byte offset before a page end: crossing leaves before the access, as in JavaScript', () => {
    const bench = new Bench();
    bench.map(DATA_VA, 0, DATA_OFF);
    bench.map(DATA_VA + 0x1000, 0, DATA_OFF + 0x3000);
    for (let o = 0; o < 0x4000; o += 4) bench.dv.setUint32(DATA_OFF + o, Math.imul(o, 0x9e3779b1), true);
    bench.set(S0, DATA_VA + 0x800, 0);
    bench.set(A1, 0x89abcdef | 0, 0x01234567);
    for (const [name, f3] of [...LOADS, ...STORES]) {
      const load = LOADS.some(([n]) => n === name);
      for (let imm = 0x7f0; imm < 0x800; imm++) {
        bench.code([load ? i(imm, S0, f3, A0, 0x03) : s(imm, A1, S0, f3), addi(A2, A2, 1), CSR]);
        const { blocks, pages } = bench.region();
        const out = same(bench, blocks, pages, 10, 0, -1, `${name} at page offset 0x${(imm + 0x800).toString(16)}`);
        const size = 1 << (f3 & 3);
        assert.equal(out.n, imm + 0x800 + size > 0x1000 ? 0 : 2, `${name} at 0x${(imm + 0x800).toString(16)} runs or leaves`);
      }
    }
  });

  it('a loop whose load or store walks at every step from aligned addresses to misaligned ones, across the page end and onto the next page', () => {
    // A loop's access site remembers its page (a memo): the same site must still leave
    // before an access that crosses the page end, whatever it met on that page before.
    const bench = new Bench();
    bench.map(DATA_VA, 0, DATA_OFF);
    bench.map(DATA_VA + 0x1000, 0, DATA_OFF + 0x3000);
    for (let o = 0; o < 0x4000; o += 4) bench.dv.setUint32(DATA_OFF + o, Math.imul(o, 0x9e3779b1), true);
    for (const [name, f3] of [...LOADS, ...STORES]) {
      const load = LOADS.some(([n]) => n === name);
      for (let step = 1; step <= 9; step++) {
        bench.code([
          load ? i(0, S0, f3, A0, 0x03) : s(0, A1, S0, f3), // loop:
          addi(S0, S0, step),
          addi(A1, A1, 7),
          addi(T0, T0, -1),
          bne(T0, 0, -16), // -> loop
          SPIN,
        ]);
        const { blocks, pages } = bench.region();
        for (const from of [0xfc0, 0xfe0, 0xff8]) {
          const start = bench.bytes.slice();
          bench.set(S0, DATA_VA + from, 0);
          bench.set(T0, 40, 0);
          same(bench, blocks, pages, 400, 0, -1, `${name} stepping ${step} from page offset 0x${from.toString(16)}`);
          bench.bytes.set(start);
        }
      }
    }
  });

  it('over a shared memory (vCPU threads) a region runs as over a private one', () => {
    const rng = new Rng(777);
    const bench = new Bench(true);
    seed(bench, rng);
    bench.map(DATA_VA, 0, DATA_OFF);
    bench.set(S0, DATA_VA + 0x100, 0);
    bench.code([i(8, S0, 3, A0, 0x03), r(1, A1, A0, 4, A2, 0x33), s(16, A2, S0, 3), bne(A2, 0, -12), CSR]);
    const { blocks, pages } = bench.region();
    for (let left = 0; left < 20; left++) same(bench, blocks, pages, left, 0, -1, 'shared');
  });

  it('a store to the reserved doubleword clears the reservation; one beside it does not', () => {
    const bench = new Bench();
    bench.map(DATA_VA, 0, DATA_OFF);
    bench.set(S0, DATA_VA + 0x100, 0);
    for (const [imm, f3] of [[0, 3], [4, 2], [7, 0], [8, 0], [-1, 0], [6, 1]]) {
      bench.code([s(imm, A0, S0, f3), CSR]);
      const { blocks, pages } = bench.region();
      const out = same(bench, blocks, pages, 10, 0, DATA_OFF + 0x100, `store at +${imm}`);
      assert.equal(out.reservation, imm >= 0 && imm < 8 ? -1 : DATA_OFF + 0x100, `store at +${imm}`);
    }
  });

  it('a loop of several blocks (an `if`, an inner loop, a leaf call and its return) at every budget and from every entry', () => {
    const bench = new Bench();
    bench.map(DATA_VA, 0, DATA_OFF);
    const code = [
      addi(T0, 0, 6), // 0x00
      addi(T1, 0, 3), // 0x04 outer:
      addi(A0, A0, 1), // 0x08 inner:
      addi(T1, T1, -1), // 0x0c
      bne(T1, 0, -8), // 0x10 -> inner
      i(1, T0, 7, T2, 0x13), // 0x14 andi t2, t0, 1
      beq(T2, 0, 8), // 0x18 -> 0x20
      jal(RA, 0x1c), // 0x1c call leaf (0x38)
      s(0, A0, S0, 3), // 0x20 sd a0, 0(s0)
      addi(S0, S0, 8), // 0x24
      addi(T0, T0, -1), // 0x28
      bne(T0, 0, -0x28), // 0x2c -> outer
      SPIN, // 0x30
      SPIN, // 0x34
      r(1, A0, A1, 4, A1, 0x33), // 0x38 leaf: div a1, a1, a0
      jalr(0, RA), // 0x3c ret
    ];
    bench.code(code);
    bench.set(S0, DATA_VA, 0);
    bench.set(A1, 1000000, 0);
    const { blocks, pages } = bench.region(CODE_VA + 4);
    assert.ok(blocks.length >= 5, `a region of ${blocks.length} blocks`);
    for (let entry = 0; entry < blocks.length; entry++) {
      for (let left = 0; left < 90; left++) {
        const start = bench.bytes.slice();
        same(bench, blocks, pages, left, entry, -1, 'loop');
        bench.bytes.set(start);
      }
    }
    same(bench, blocks, pages, 10, 99, -1, 'an entry past the blocks');
  });

  it('a loop across a page boundary runs on both pages while the fetch TLB maps them as found, and leaves at the second when it does not', () => {
    const bench = new Bench();
    const at = 0xff0 / 4;
    const code: number[] = Array(at + 16).fill(SPIN);
    code[at] = addi(A0, A0, 1); // 0xff0 loop:
    code[at + 1] = addi(A1, A1, 2);
    code[at + 2] = addi(A2, A2, 3);
    code[at + 3] = addi(A3, A3, 4); // 0xffc: the block ends with the page
    code[at + 4] = addi(T0, T0, -1); // 0x1000
    code[at + 5] = bne(T0, 0, -0x14); // -> 0xff0
    // Second virtual page at host 0x5000 (not beside the first).
    bench.code(code.slice(0, at + 4));
    bench.code(code.slice(at + 4), 0x5000);
    bench.mapFetch(CODE_VA + 0x1000, CODE_HI, 0x5000);
    bench.set(T0, 20, 0);
    const { blocks, pages } = bench.region(CODE_VA + 0xff0);
    assert.equal(pages.size, 2, 'the region spans two pages');
    for (let left = 0; left < 130; left += 3) {
      const start = bench.bytes.slice();
      same(bench, blocks, pages, left, 0, -1, 'across pages');
      bench.bytes.set(start);
    }
    bench.mapFetch(CODE_VA + 0x1000, CODE_HI, 0x6000); // the second page now elsewhere
    same(bench, blocks, pages, 100, 0, -1, 'second page remapped');
    bench.f.tagLo[((CODE_VA + 0x1000) >>> 12) & 4095] = 1; // and then unmapped
    same(bench, blocks, pages, 100, 0, -1, 'second page unmapped');
  });

  it('JALR to a return site in the region, to one out of it and to an odd address; JAL with a link', () => {
    const bench = new Bench();
    const code = [
      jal(RA, 0x10), // 0x00 call 0x10
      addi(A0, A0, 1), // 0x04 return site
      jalr(T0, A2, 1), // 0x08 to a2 + 1 (odd: the low bit is dropped)
      SPIN, // 0x0c
      addi(A1, A1, 7), // 0x10 leaf
      jalr(0, RA), // 0x14 ret
    ];
    bench.code(code);
    bench.set(A2, CODE_VA + 0x40, 0);
    const { blocks, pages } = bench.region();
    for (let left = 0; left < 8; left++) same(bench, blocks, pages, left, 0, -1, 'call and return');
    bench.set(A2, 0x1234567, 0x89);
    same(bench, blocks, pages, 100, 0, -1, 'out to another high word');
    bench.set(RA, CODE_VA + 0x40, 0);
    same(bench, blocks, pages, 100, 1, -1, 'a return outside the region');
  });

  it('branches of every condition on corner values, taken and not', () => {
    const bench = new Bench();
    for (const f3 of [0, 1, 4, 5, 6, 7]) {
      for (const x of CORNERS) {
        for (const y of CORNERS.slice(0, 8)) {
          bench.code([b(f3, A0, A1, 8), addi(A2, A2, 1), addi(A3, A3, 1), CSR]);
          bench.set(A0, ...x); bench.set(A1, ...y);
          const { blocks, pages } = bench.region();
          same(bench, blocks, pages, 100, 0, -1, `branch ${f3} ${x} ${y}`);
        }
      }
    }
  });
});
