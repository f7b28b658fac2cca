/** The G-stage table the hypervisor builds is walked by the hart's own walker (Sv39x4). */
import { strict as assert } from 'node:assert';
import { GStage } from '../../../hypervisor-core/hypervisor/gstage';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';
import { Access, SV39X4, Walker, WalkFault } from '../../../hypervisor-core/mmu/walker';

describe('G-stage tables (Sv39x4)', () => {
  const mem = new PhysMemory(0x80000000, 4 * 1024 * 1024);
  const alloc = new PageAllocator(mem, mem.base, mem.base + mem.size);
  const g = new GStage(mem, alloc);
  const walker = new Walker(mem);

  it('has a 16 KiB-aligned root and an hgatp with mode Sv39x4 and the VMID', () => {
    assert.equal(g.root % 16384, 0);
    const [, hi] = g.hgatp(5);
    assert.equal(hi >>> 28, 8);
    assert.equal((hi >>> 12) & 0x3fff, 5);
  });

  it('maps guest pages to host pages, checked as user accesses, and faults elsewhere', () => {
    const hpa = alloc.allocate();
    g.map(0x80203000, hpa);
    assert.equal(walker.walk(SV39X4, g.root, 0x80203010, Access.WRITE, true, false, false, null), hpa + 0x10);
    assert.equal(walker.walk(SV39X4, g.root, 0x80203ff8, Access.FETCH, true, false, false, null), hpa + 0xff8);
    assert.equal(walker.walk(SV39X4, g.root, 0x80204000, Access.READ, true, false, false, null), WalkFault.PAGE);
    assert.equal(walker.walk(SV39X4, g.root, 0x10000000, Access.READ, true, false, false, null), WalkFault.PAGE);
    assert.equal(g.mappedPages, 1);
    assert.equal(g.unmap(0x80203000), true);
    assert.equal(walker.walk(SV39X4, g.root, 0x80203010, Access.READ, true, false, false, null), WalkFault.PAGE);
  });

  it('reaches the top of the 41-bit guest physical space through the 2048-entry root', () => {
    const hpa = alloc.allocate();
    g.map(0x1fffffff000, hpa);
    assert.equal(walker.walk(SV39X4, g.root, 0x1fffffff123, Access.READ, true, false, false, null), hpa + 0x123);
  });
});
