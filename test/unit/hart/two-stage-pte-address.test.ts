/**
 * In a two-stage walk each VS-stage PTE address is a guest physical address. One wider than
 * the G-stage's input (41 bits for Sv39x4) is a guest page fault for the original access, with
 * htval = that GPA >> 2 and htinst = 0x3000 (an implicit 64-bit PTE read); it must not lose
 * its high bits and read a PTE at a low address (privileged spec, H extension, "Guest
 * Physical Address Translation" and "Transformed Instruction or Pseudoinstruction for mtinst
 * or htinst").
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Cause, Hstatus, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { GStage } from '../../../hypervisor-core/hypervisor/gstage';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const CODE_GPA = 0x80200000;
const TABLE_GPA = 0x80300000;
/** The VS root table's GPA with bit 41 set: beyond Sv39x4's 41-bit input. */
const WIDE_ROOT = 2 ** 41 + TABLE_GPA;
/** The Sv39 root index of VA 0x80200000 (VPN[2] = 2): the first PTE read is at root + 16. */
const FIRST_PTE = WIDE_ROOT + 2 * 8;

/**
 * A hart with a G-stage that maps the code page and TABLE_GPA, where a VS root table maps
 * VA 0x80000000.. to GPA 0x80000000 with a gigapage: reading the wide root's PTEs at their
 * low 41 bits would find it and translate.
 */
function setup(code: number[], virt: boolean): Hart {
  const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
  const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
  const g = new GStage(mem, alloc);
  const codePage = alloc.allocate();
  code.forEach((w, i) => mem.view.setUint32(codePage - BASE + 4 * i, w, true));
  g.map(CODE_GPA, codePage);
  const table = alloc.allocate();
  // root[2]: gigapage at GPA 0x80000000, V R W X A D.
  mem.view.setUint32(table - BASE + 16, ((BASE / 4096) << 10) | 0xcf, true);
  g.map(TABLE_GPA, table);
  const hart = new Hart(0, mem);
  hart.reset(0);
  hart.hostTraps = true;
  hart.priv = Priv.S;
  hart.medeleg = 0xf0b7ff; // as the hypervisor sets it: guest page faults go to HS
  const [glo, ghi] = g.hgatp(1);
  hart.set(Slot.HGATP, glo, ghi);
  const ppn = WIDE_ROOT / 4096;
  hart.set(Slot.VSATP, ppn % 2 ** 32 | 0, (8 << 28) | Math.floor(ppn / 2 ** 32));
  hart.set(Slot.HSTATUS, virt ? Hstatus.SPV | Hstatus.SPVP : Hstatus.SPVP, 2);
  hart.set(Slot.MSTATUS, Mstatus.SPP, 0);
  hart.set(Slot.SEPC, virt ? CODE_GPA | 0 : codePage | 0, 0);
  hart.hostSret();
  return hart;
}

function htval(h: Hart): number {
  return (h.hi(Slot.HTVAL) >>> 0) * 2 ** 32 + (h.lo(Slot.HTVAL) >>> 0);
}

describe('hart: a VS-stage PTE address beyond the G-stage width', () => {
  it('an instruction fetch in VS-mode takes a fetch guest page fault (20) on the implicit PTE read', () => {
    const h = setup([0x00000013], true); // nop
    assert.equal(h.run(10), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.FETCH_GUEST_PAGE_FAULT);
    assert.equal(htval(h), FIRST_PTE / 4);
    assert.equal(h.lo(Slot.HTINST), 0x3000, 'the implicit 64-bit read pseudoinstruction');
    assert.equal(h.lo(Slot.STVAL), CODE_GPA | 0, 'stval is the guest virtual address');
    assert.ok(h.lo(Slot.HSTATUS) & Hstatus.GVA);
    assert.equal(h.instret, 0, 'nothing ran');
  });

  it('HLV.W from HS-mode takes a load guest page fault (21) with htinst 0x3000', () => {
    // lui a1, 0x80200 (sign-extended: 0xffffffff80200000) ; slli a1, a1, 32 ; srli a1, a1, 32 ; hlv.w a0, (a1)
    const h = setup([0x802005b7, 0x02059593, 0x0205d593, 0x6805c573], false);
    assert.equal(h.run(10), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.LOAD_GUEST_PAGE_FAULT);
    assert.equal(htval(h), FIRST_PTE / 4);
    assert.equal(h.lo(Slot.HTINST), 0x3000);
    assert.equal(h.lo(Slot.STVAL), CODE_GPA | 0);
    assert.equal(h.instret, 3, 'the three set-up instructions ran; HLV.W did not');
  });
});
