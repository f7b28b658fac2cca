/**
 * The interpreter's TLB-miss paths keep the privileged spec's rules:
 * - a load, store or fetch that misses the TLB and faults takes the page fault at that
 *   instruction, with xtval the faulting address, the destination register and memory
 *   untouched (privileged spec, "Virtual Address Translation Process", and the trap rules of
 *   "Supervisor Trap Value Register");
 * - HFENCE.GVMA and an hgatp write make a changed G-stage mapping visible; a VS-mode
 *   SFENCE.VMA makes a changed VS-stage PTE visible (H extension, "Hypervisor Memory-Management
 *   Fence Instructions": a VS-mode SFENCE.VMA orders VS-stage translations only, so the G-stage
 *   translations it needs again may stay cached).
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Cause, Hstatus, Mstatus } from '../../../hypervisor-core/hart/csr-numbers';
import { GStage } from '../../../hypervisor-core/hypervisor/gstage';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const A1 = 11, A0 = 10, A2 = 12, A3 = 13, A4 = 14;

// ---- encodings (unprivileged and privileged specs, instruction formats) ----
const iType = (op: number, f3: number, rd: number, rs1: number, imm: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const ld = (rd: number, rs1: number, imm = 0): number => iType(0x03, 3, rd, rs1, imm);
const jalr = (rd: number, rs1: number): number => iType(0x67, 0, rd, rs1, 0);
const sd = (rs2: number, rs1: number): number => ((rs2 << 20) | (rs1 << 15) | (3 << 12) | 0x23) >>> 0;
const hlvD = (rd: number, rs1: number): number => ((0x36 << 25) | (rs1 << 15) | (4 << 12) | (rd << 7) | 0x73) >>> 0;
const SFENCE_VMA_ALL = (0x09 << 25) | 0x73;
const HFENCE_GVMA_ALL = (0x31 << 25) | 0x73;
const csrw = (csr: number, rs1: number): number => ((csr << 20) | (rs1 << 15) | (1 << 12) | 0x73) >>> 0;
const HGATP = 0x680;

/** PTE flags: V R W X A D (G and U clear). */
const RWXAD = 0xcf;
const RWAD = 0xc7;
const RA = 0x43;
const pte = (pa: number, flags: number): number => ((pa / 4096) << 10) | flags;

function write64(mem: PhysMemory, hpa: number, v: number): void {
  mem.view.setUint32(hpa - BASE, v, true);
  mem.view.setUint32(hpa - BASE + 4, 0, true);
}

function setX(h: Hart, r: number, v: number): void {
  h.x[2 * r] = v | 0;
  h.x[2 * r + 1] = Math.floor(v / 2 ** 32) | 0;
}

function getX(h: Hart, r: number): number {
  return (h.x[2 * r + 1] >>> 0) * 2 ** 32 + (h.x[2 * r] >>> 0);
}

/** A hart entering S-mode (virt: VS-mode) at `pc` with its traps stopping `run` (HOST_TRAP) or going to VS. */
function enter(mem: PhysMemory, pc: number, virt: boolean): Hart {
  const h = new Hart(0, mem);
  h.reset(0);
  h.hostTraps = true;
  h.medeleg = 0xf0b7ff; // as the hypervisor sets it: page faults go to HS (guest page faults too)
  h.set(Slot.HSTATUS, virt ? Hstatus.SPV | Hstatus.SPVP : Hstatus.SPVP, 2);
  h.set(Slot.MSTATUS, Mstatus.SPP, 0);
  h.set(Slot.SEPC, pc | 0, 0);
  return h;
}

describe('hart: a TLB miss that faults', () => {
  /**
   * S-mode, Sv39: a gigapage maps 0x80000000.. to itself (the code), VA 0x1000 is a
   * read-only page holding 0x1234, VA 0x2000 is not mapped.
   */
  function sMode(code: number[]): { h: Hart; mem: PhysMemory; ro: number } {
    const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
    const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
    const codePage = alloc.allocate(), root = alloc.allocate(), l1 = alloc.allocate(), l0 = alloc.allocate();
    const ro = alloc.allocate();
    code.forEach((w, i) => mem.view.setUint32(codePage - BASE + 4 * i, w, true));
    write64(mem, root + 2 * 8, pte(BASE, RWXAD));
    write64(mem, root, pte(l1, 1));
    write64(mem, l1, pte(l0, 1));
    write64(mem, l0 + 8, pte(ro, RA));
    write64(mem, ro, 0x1234);
    const h = enter(mem, codePage, false);
    h.set(Slot.SATP, root / 4096, 8 << 28);
    h.hostSret();
    return { h, mem, ro };
  }

  it('a load from an unmapped page: load page fault (13), stval the address, rd unchanged', () => {
    const { h } = sMode([ld(A0, A1)]);
    const pc = h.pcLo;
    setX(h, A1, 0x2000);
    setX(h, A0, 7);
    assert.equal(h.run(10), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.LOAD_PAGE_FAULT);
    assert.equal(h.lo(Slot.STVAL), 0x2000);
    assert.equal(h.lo(Slot.SEPC), pc);
    assert.equal(getX(h, A0), 7);
    assert.equal(h.instret, 0);
  });

  it('a store to a read-only page: store page fault (15), memory unchanged', () => {
    const { h, mem, ro } = sMode([ld(A2, A1), sd(A0, A1)]);
    const pc = h.pcLo;
    setX(h, A1, 0x1000);
    setX(h, A0, 0x5678);
    assert.equal(h.run(10), StopReason.HOST_TRAP);
    assert.equal(getX(h, A2), 0x1234, 'the load through the read-only page ran');
    assert.equal(h.lo(Slot.SCAUSE), Cause.STORE_PAGE_FAULT);
    assert.equal(h.lo(Slot.STVAL), 0x1000);
    assert.equal(h.lo(Slot.SEPC), pc + 4);
    assert.equal(mem.view.getUint32(ro - BASE, true), 0x1234);
    assert.equal(h.instret, 1);
  });

  it('a jump to an unmapped page: instruction page fault (12) at the target, the jump retired', () => {
    const { h } = sMode([jalr(0, A1)]);
    setX(h, A1, 0x2000);
    assert.equal(h.run(10), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.FETCH_PAGE_FAULT);
    assert.equal(h.lo(Slot.STVAL), 0x2000);
    assert.equal(h.lo(Slot.SEPC), 0x2000);
    assert.equal(h.instret, 1);
  });
});

describe('hart: fences and the G-stage translations', () => {
  const D = 0x80400000; // a guest physical data page

  /** HS-mode code reading GPA D with HLV.D (vsatp Bare), D mapped to a host page holding 111. */
  function hsMode(code: number[]): { h: Hart; mem: PhysMemory; alloc: PageAllocator; g: GStage } {
    const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
    const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
    const g = new GStage(mem, alloc);
    const codePage = alloc.allocate(), p1 = alloc.allocate();
    code.forEach((w, i) => mem.view.setUint32(codePage - BASE + 4 * i, w, true));
    write64(mem, p1, 111);
    g.map(D, p1);
    const h = enter(mem, codePage, false);
    const [glo, ghi] = g.hgatp(1);
    h.set(Slot.HGATP, glo, ghi);
    h.hostSret();
    setX(h, A1, D);
    return { h, mem, alloc, g };
  }

  it('HFENCE.GVMA: an HLV after it sees the G-stage page remapped before it', () => {
    const { h, mem, alloc, g } = hsMode([hlvD(A0, A1), HFENCE_GVMA_ALL, hlvD(A2, A1)]);
    assert.equal(h.run(1), StopReason.BUDGET);
    assert.equal(getX(h, A0), 111);
    const p2 = alloc.allocate();
    write64(mem, p2, 222);
    g.map(D, p2);
    h.run(2);
    assert.equal(getX(h, A2), 222);
  });

  it('an hgatp write: an HLV after it translates through the new G-stage', () => {
    const { h, mem, alloc } = hsMode([hlvD(A0, A1), csrw(HGATP, A4), hlvD(A2, A1)]);
    const g2 = new GStage(mem, alloc);
    const p2 = alloc.allocate();
    write64(mem, p2, 222);
    g2.map(D, p2);
    const [glo, ghi] = g2.hgatp(2);
    h.x[2 * A4] = glo; h.x[2 * A4 + 1] = ghi;
    h.run(3);
    assert.equal(getX(h, A0), 111);
    assert.equal(getX(h, A2), 222);
  });

  it('a VS-mode SFENCE.VMA: a load after it sees the VS-stage PTE changed before it, and walks only the VS-stage again', () => {
    // VS-stage Sv39 at GPA R0: a gigapage for the code, VA 0x1000 -> GPA D, VA 0x2000 -> GPA D + 0x1000.
    const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
    const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
    const g = new GStage(mem, alloc);
    const CODE = 0x80200000, R0 = 0x80300000, L1 = 0x80301000, L0 = 0x80302000;
    const hpa = new Map<number, number>();
    for (const gpa of [CODE, R0, L1, L0, D, D + 0x1000]) {
      const p = alloc.allocate();
      hpa.set(gpa, p);
      g.map(gpa, p);
    }
    [ld(A0, A1), ld(A2, A3), SFENCE_VMA_ALL, ld(A4, A1)].forEach((w, i) => mem.view.setUint32(hpa.get(CODE)! - BASE + 4 * i, w, true));
    write64(mem, hpa.get(R0)! + 2 * 8, pte(BASE, RWXAD));
    write64(mem, hpa.get(R0)!, pte(L1, 1));
    write64(mem, hpa.get(L1)!, pte(L0, 1));
    write64(mem, hpa.get(L0)! + 8, pte(D, RWAD));
    write64(mem, hpa.get(L0)! + 16, pte(D + 0x1000, RWAD));
    write64(mem, hpa.get(D)!, 111);
    write64(mem, hpa.get(D + 0x1000)!, 222);
    const h = enter(mem, CODE, true);
    const [glo, ghi] = g.hgatp(1);
    h.set(Slot.HGATP, glo, ghi);
    h.set(Slot.VSATP, R0 / 4096, 8 << 28);
    h.hostSret();
    setX(h, A1, 0x1000);
    setX(h, A3, 0x2000);
    assert.equal(h.run(2), StopReason.BUDGET);
    assert.equal(getX(h, A0), 111);
    assert.equal(getX(h, A2), 222);
    write64(mem, hpa.get(L0)! + 8, pte(D + 0x1000, RWAD)); // VA 0x1000 -> the second page
    const walks = h.counters.walks;
    h.run(2);
    assert.equal(getX(h, A4), 222, 'the fence made the new PTE visible');
    // The fence emptied the TLB: the fetch after it walks the VS-stage again, and so does the load.
    assert.equal(h.counters.walks - walks, 2, 'two VS-stage walks: the G-stage translations they need stayed cached');
  });
});
