/**
 * The block cache's first look at a hot start (block-cache.ts refusedAtFirstLook) scans a few
 * blocks instead of finding the region: leastRegionLength must be negative (may loop alone)
 * wherever findRegion gives the start's block alone as a loop (the one region compiled at the
 * first threshold), and otherwise at most the region's instructions (the look defers the start
 * by it), on hand-made cases (a block branching back to itself, a call, a return, a jump
 * elsewhere, straight code longer than a block) and on random code with branches, jumps,
 * calls and returns between nearby blocks.
 */
import { strict as assert } from 'node:assert';
import { findRegion, leastRegionLength } from '../../../hypervisor-core/hart/jit/region';
import { Bench, CODE_HI, CODE_OFF, CODE_VA, CSR, Rng, addi, beq, bne, jal, jalr } from './wasm/rig';

const RA = 1, T0 = 5, A0 = 10;

/**
 * What findRegion and leastRegionLength say of the start at byte `at` of the code page (`may`:
 * whether it may loop alone, null: no block; `least`: the bound; `insns`: the region's length).
 */
function look(bench: Bench, at: number): { alone: boolean; empty: boolean; may: boolean | null; least: number; insns: number } {
  const pcLo = CODE_VA + at;
  const region = findRegion(bench.u16, CODE_OFF + at, pcLo, CODE_HI, (p) => (p === (CODE_VA & -4096) ? CODE_OFF : -1), false);
  const len = leastRegionLength(bench.u16, CODE_OFF + at, pcLo, CODE_HI);
  const may = len === 0 ? null : len < 0;
  let insns = 0;
  for (const b of region.blocks) insns += b.length;
  return { alone: region.loops && region.blocks.length === 1, empty: region.blocks.length === 0, may, least: Math.abs(len), insns };
}

describe('hart: the first look at a hot start (leastRegionLength)', () => {
  it('a block branching back to its start may loop alone; a call, a jump elsewhere or a fall-through do not', () => {
    const bench = new Bench();
    bench.code([
      addi(A0, A0, 1), bne(A0, 0, -4), // 0x00: a loop of one block (findRegion: alone)
      jal(RA, 0x10), // 0x08: a call to 0x18
      addi(T0, T0, 1), jal(0, 0x10), // 0x0c: a jump to 0x20
      CSR, // 0x14: no block holds it
      addi(A0, A0, 2), jalr(0, RA), // 0x18: a leaf function and its return
    ]);
    const at = (off: number) => look(bench, off);
    assert.deepEqual(at(0x00), { alone: true, empty: false, may: true, least: 2, insns: 2 });
    assert.equal(at(0x08).may, false);
    assert.deepEqual(at(0x0c), { alone: false, empty: false, may: false, least: 2, insns: 2 }, 'the jump goes to a CSR instruction: no block there');
    assert.deepEqual(at(0x14), { alone: false, empty: true, may: null, least: 0, insns: 0 });
    assert.deepEqual(at(0x18), { alone: false, empty: false, may: false, least: 2, insns: 2 }, 'a return alone has no site to go back to');
  });

  it('straight code longer than a block, and a jump over a hole: the blocks it always goes on to count', () => {
    const bench = new Bench();
    // 100 instructions without a branch (blocks of at most 64), a jump over a CSR
    // instruction, 3 more, then a conditional branch ending the straight run.
    const words = [...new Array<number>(100).fill(addi(A0, A0, 1)), jal(0, 8), CSR, addi(A0, A0, 2), addi(A0, A0, 3), bne(A0, T0, -8), CSR];
    bench.code(words);
    const start = look(bench, 0);
    assert.deepEqual(start, { alone: false, empty: false, may: false, least: 104, insns: 104 });
    assert.equal(look(bench, 4 * 60).least, 44, 'from the 61st instruction: 40, the jump, and the 3 after it');
  });

  it('random code: wherever findRegion gives a block alone as a loop, leastRegionLength says it may loop alone; 0 exactly where the region is empty; never more than the region', () => {
    const rng = new Rng(0x1234567);
    let alone = 0, refused = 0;
    for (let round = 0; round < 200; round++) {
      const bench = new Bench();
      const words: number[] = [];
      for (let n = 0; n < 32; n++) {
        const off = 4 * (rng.below(16) - 8) || 4;
        switch (rng.below(9)) {
          case 0: words.push(bne(A0, T0, off)); break;
          case 1: words.push(beq(A0, 0, off)); break;
          case 2: words.push(jal(rng.below(2) ? RA : 0, off)); break;
          case 3: words.push(jalr(0, RA)); break;
          case 4: words.push(CSR); break;
          default: words.push(addi(A0, A0, rng.below(100)));
        }
      }
      bench.code(words);
      for (let at = 0; at < 4 * words.length; at += 4) {
        const l = look(bench, at);
        assert.equal(l.may === null, l.empty, `round ${round}, start 0x${at.toString(16)}: empty`);
        if (l.alone) { assert.equal(l.may, true, `round ${round}, start 0x${at.toString(16)}`); alone++; }
        if (l.may === false) refused++;
        assert.ok(l.least <= l.insns, `round ${round}, start 0x${at.toString(16)}: ${l.least} bounds a region of ${l.insns}`);
      }
    }
    assert.ok(alone > 20 && refused > 1000, `cases: ${alone} alone, ${refused} refused at a block's scan`);
  });
});
