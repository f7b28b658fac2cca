/**
 * The one table builder writes tables the hart's walker reads (privileged spec 4.3.2): map,
 * unmap, protect, dropping a superpage's span, giving every page back, and mapping a range
 * in one pass per leaf table exactly as page by page.
 */
import { strict as assert } from 'node:assert';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';
import { TableBuilder } from '../../../hypervisor-core/mmu/table-builder';
import { Access, Pte, SV39, SV48, Walker, WalkFault } from '../../../hypervisor-core/mmu/walker';

const LEAF = Pte.R | Pte.W | Pte.A | Pte.D;

describe('TableBuilder', () => {
  const mem = new PhysMemory(0x80000000, 4 * 1024 * 1024);
  const alloc = new PageAllocator(mem, mem.base, mem.base + mem.size);
  const walker = new Walker(mem);

  it('builds Sv39 tables the walker translates, with the leaf flags given', () => {
    const t = new TableBuilder(mem, alloc, SV39);
    const page = alloc.allocate();
    t.map(0x7fff_f000, page, Pte.R | Pte.A); // read-only
    assert.equal(walker.walk(SV39, t.root, 0x7fff_f123, Access.READ, false, false, false, null), page + 0x123);
    assert.equal(walker.walk(SV39, t.root, 0x7fff_f123, Access.WRITE, false, false, false, null), WalkFault.PAGE);
    assert.equal(t.mappedPages, 1);
    assert.equal(t.tablePages, 3, 'root, one level-1 and one level-0 table');
    assert.equal(t.leaf(0x7fff_f000), Pte.V | Pte.R | Pte.A);
  });

  it('protect clears leaf flags (write protection) and unmap removes the leaf', () => {
    const t = new TableBuilder(mem, alloc, SV48);
    const page = alloc.allocate();
    t.map(0x7f_0000_1000, page, LEAF);
    assert.equal(walker.walk(SV48, t.root, 0x7f_0000_1008, Access.WRITE, false, false, false, null), page + 8);
    assert.equal(t.protect(0x7f_0000_1000, Pte.W), true);
    assert.equal(walker.walk(SV48, t.root, 0x7f_0000_1008, Access.WRITE, false, false, false, null), WalkFault.PAGE);
    assert.equal(walker.walk(SV48, t.root, 0x7f_0000_1008, Access.READ, false, false, false, null), page + 8);
    assert.equal(t.unmap(0x7f_0000_1000), true);
    assert.equal(t.unmap(0x7f_0000_1000), false);
    assert.equal(walker.walk(SV48, t.root, 0x7f_0000_1008, Access.READ, false, false, false, null), WalkFault.PAGE);
  });

  it('dropRegion removes every page of a 2 MiB span and gives its table back; destroy gives all back', () => {
    const before = alloc.used;
    const t = new TableBuilder(mem, alloc, SV39);
    const page = alloc.allocate();
    for (const va of [0x4020_0000, 0x4020_1000, 0x403f_f000, 0x4040_0000]) t.map(va, page, LEAF);
    assert.equal(t.tablePages, 4);
    t.dropRegion(0x4030_0000, 0x20_0000);
    assert.equal(t.mappedPages, 1, 'the page in the next 2 MiB span stays');
    assert.equal(t.tablePages, 3);
    assert.equal(walker.walk(SV39, t.root, 0x4020_1000, Access.READ, false, false, false, null), WalkFault.PAGE);
    assert.equal(walker.walk(SV39, t.root, 0x4040_0000, Access.READ, false, false, false, null), page);
    t.destroy();
    alloc.release(page);
    assert.equal(alloc.used, before);
  });

  it('mapRange maps a range across leaf tables exactly as map page by page (tables, counts, translations)', () => {
    const one = new TableBuilder(mem, alloc, SV39), range = new TableBuilder(mem, alloc, SV39);
    const target = (i: number): number => mem.base + ((i * 7) % 900) * 4096; // any host pages
    const start = 0x401f_e000, count = 600; // starts 2 pages before a leaf table's end, crosses two
    one.map(start + 5 * 4096, target(5), LEAF);
    range.map(start + 5 * 4096, target(5), LEAF); // mapped before: counted once
    for (let i = 0; i < count; i++) one.map(start + i * 4096, target(i), LEAF);
    range.mapRange(start, count, target, LEAF);
    assert.equal(range.mappedPages, count);
    assert.equal(range.mappedPages, one.mappedPages);
    assert.equal(range.tablePages, one.tablePages);
    for (let i = -1; i <= count; i++) {
      const va = start + i * 4096 + 0x18;
      assert.equal(walker.walk(SV39, range.root, va, Access.WRITE, false, false, false, null),
        walker.walk(SV39, one.root, va, Access.WRITE, false, false, false, null), `page ${i}`);
    }
    one.destroy();
    range.destroy();
  });
});
