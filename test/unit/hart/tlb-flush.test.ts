/**
 * A TLB flush empties the TLB whether it clears the few entries filled since the last flush
 * or, after many fills, all of them; entries filled after a flush are found again.
 */
import { strict as assert } from 'node:assert';
import { Tlb, TLB_SIZE } from '../../../hypervisor-core/mmu/tlb';

/** Whether the TLB holds a translation for the page at (lo, hi). */
function holds(t: Tlb, lo: number, hi = 0): boolean {
  const i = (lo >>> 12) & (TLB_SIZE - 1);
  return t.tagLo[i] === (lo & ~0xfff) && t.tagHi[i] === hi;
}

describe('TLB flush', () => {
  for (const fills of [0, 1, 3, 64, 65, 5000]) {
    it(`empties the TLB after ${fills} fills`, () => {
      const t = new Tlb();
      const pages: number[] = [];
      for (let k = 0; k < fills; k++) {
        const lo = (0x80000000 + k * 0x1000 * 7) | 0; // spread, with collisions past 4096/7
        t.fill(lo, 0, k * 4096);
        pages.push(lo);
      }
      if (fills > 0) assert.ok(holds(t, pages[pages.length - 1]));
      t.flush();
      for (const lo of pages) assert.ok(!holds(t, lo), `page 0x${(lo >>> 0).toString(16)} still cached`);
      for (let i = 0; i < TLB_SIZE; i++) assert.equal(t.tagLo[i] & 1, 1, `entry ${i}`);
      t.fill(0x80200000 | 0, 0, 0);
      assert.ok(holds(t, 0x80200000 | 0));
      t.flush();
      assert.ok(!holds(t, 0x80200000 | 0));
    });
  }

  it('an entry dropped and refilled a thousand times counts once, and flushes still empty the TLB', () => {
    // A guest storing to a counter on its loop's code page: each turn the page's write entry
    // is dropped (the page holds code again) and refilled by the next store.
    const t = new Tlb();
    t.fill(0x80000000 | 0, 0, 0);
    for (let k = 0; k < 1000; k++) {
      t.dropOffset(4096);
      t.fill(0x80001000 | 0, 0, 4096);
    }
    assert.equal(t.filledEntries, 2, 'two distinct entries, not 1,001 fills (past 64 every drop scanned all 4096)');
    t.flush();
    assert.ok(!holds(t, 0x80000000 | 0) && !holds(t, 0x80001000 | 0));
    t.fill(0x80001000 | 0, 0, 4096);
    assert.equal(t.filledEntries, 1, 'a flush forgets what it counted');
    t.flush();
    assert.ok(!holds(t, 0x80001000 | 0), 'an entry refilled after a flush is flushed again');
  });

  it('a page flush between fills does not confuse the next full flush', () => {
    const t = new Tlb();
    t.fill(0x1000, 0, 0);
    t.flushPage(0x1000, 0);
    t.fill(0x1000 + TLB_SIZE * 0x1000, 0, 4096); // the same entry, another page
    t.flush();
    assert.ok(!holds(t, 0x1000 + TLB_SIZE * 0x1000));
  });
});
