/**
 * The block cache's first look at a hot start (block-cache.ts refusedAtFirstLook) scans
 * only the start's block: firstBlockLength must be negative (may loop alone) wherever findRegion gives that block
 * alone as a loop (the one region compiled at the first threshold), on hand-made cases
 * (a block branching back to itself, a call, a return, a jump elsewhere) and on random
 * code with branches, jumps, calls and returns between nearby blocks.
 */
import { strict as assert } from 'node:assert';
import { findRegion, firstBlockLength } from '../../../hypervisor-core/hart/jit/region';
import { Bench, CODE_HI, CODE_OFF, CODE_VA, CSR, Rng, addi, beq, bne, jal, jalr } from './wasm/rig';

const RA = 1, T0 = 5, A0 = 10;

/** What findRegion and firstBlockLength say of the block at byte `at` of the code page (`may`: whether it may loop alone; null: no block). */
function look(bench: Bench, at: number): { alone: boolean; empty: boolean; may: boolean | null } {
  const pcLo = CODE_VA + at;
  const region = findRegion(bench.u16, CODE_OFF + at, pcLo, CODE_HI, (p) => (p === (CODE_VA & -4096) ? CODE_OFF : -1), false);
  const len = firstBlockLength(bench.u16, CODE_OFF + at, pcLo, CODE_HI);
  const may = len === 0 ? null : len < 0;
  return { alone: region.loops && region.blocks.length === 1, empty: region.blocks.length === 0, may };
}

describe('hart: the first look at a hot start (firstBlockLength)', () => {
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
    assert.deepEqual(at(0x00), { alone: true, empty: false, may: true });
    assert.equal(at(0x08).may, false);
    assert.equal(at(0x0c).may, false);
    assert.deepEqual(at(0x14), { alone: false, empty: true, may: null });
    assert.deepEqual(at(0x18), { alone: false, empty: false, may: false }, 'a return alone has no site to go back to');
  });

  it('random code: wherever findRegion gives a block alone as a loop, firstBlockLength says it may loop alone; 0 exactly where the region is empty', () => {
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
      }
    }
    assert.ok(alone > 20 && refused > 1000, `cases: ${alone} alone, ${refused} refused at a block's scan`);
  });
});
