/**
 * AMOs, LR and SC translate through the data TLB the loads and stores use: a loop of them on
 * one page walks the page table once, not once per instruction. The rules kept (RISC-V
 * privileged manual, "Sv39" and "Svadu"): an AMO or SC needs write permission (a fault is a
 * store/AMO page fault, cause 15, even right after a load filled the read TLB), and its
 * first write to a page sets the PTE's D bit.
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const CODE = BASE;
const TRAP = BASE + 0x1000;
const ROOT = BASE + 0x2000;
const L1 = BASE + 0x3000;
const L0 = BASE + 0x4000;
/** The data page, mapped by its own 4 KiB PTE (flags per test). */
const DATA = BASE + 0x8000;
const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_A = 0x40, PTE_D = 0x80;

// rd t0 (x5), rs1 t1 (x6, the data address), rs2 t2 (x7)
const AMOADD_W = 0x007322af; // amoadd.w t0, t2, (t1)
const LR_W = 0x100322af; // lr.w t0, (t1)
const SC_W = 0x187322af; // sc.w t0, t2, (t1)
const LW = 0x00032283; // lw t0, 0(t1)
const J_BACK = (n: number): number => jal(-4 * n);

/** jal x0, offset */
function jal(offset: number): number {
  const o = offset & 0x1fffff;
  return (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3ff) << 21) | (((o >> 11) & 1) << 20) | (((o >> 12) & 0xff) << 12) | 0x6f;
}

/** A hart in S-mode under Sv39: code and tables identity-mapped by a gigapage... but the data page by its own leaf. */
function setup(dataFlags: number, code: number[]): { h: Hart; mem: PhysMemory; pte: () => number } {
  const mem = new PhysMemory(BASE, 0x10000);
  const v = mem.view;
  const put = (addr: number, val: number): void => v.setInt32(addr - BASE, val, true);
  const ptr = (addr: number): number => ((addr / 4096) << 10) | PTE_V;
  // VA 0x80000000..: root[2] -> L1; L1[0] -> L0; L0[i] maps page i identity (code, trap, tables RWX), L0[8] the data page.
  put(ROOT + 2 * 8, ptr(L1));
  put(L1, ptr(L0));
  for (let i = 0; i < 8; i++) put(L0 + i * 8, ((BASE / 4096 + i) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
  put(L0 + 8 * 8, ((DATA / 4096) << 10) | PTE_V | dataFlags);
  code.forEach((w, k) => put(CODE + 4 * k, w | 0));
  const h = new Hart(0, mem);
  h.svadu = true;
  h.reset(CODE);
  h.set(Slot.MTVEC, TRAP | 0, 0);
  h.set(Slot.SATP, (ROOT / 4096) | 0, 8 << 28);
  h.priv = Priv.S;
  h.x[12] = DATA | 0; h.x[13] = 0; // t1
  h.x[14] = 1; h.x[15] = 0; // t2
  return { h, mem, pte: () => v.getInt32(L0 + 8 * 8 - BASE, true) };
}

describe('AMOs, LR and SC through the data TLB', () => {
  it('a loop of amoadd.w and LR/SC on one page walks the page table once per page, not per instruction', () => {
    const { h, mem } = setup(PTE_R | PTE_W | PTE_A | PTE_D, [AMOADD_W, LR_W, SC_W, J_BACK(3)]);
    h.run(4 * 300);
    assert.equal(h.priv, Priv.S, `no trap (mcause ${h.lo(Slot.MCAUSE)} mtval ${(h.lo(Slot.MTVAL) >>> 0).toString(16)} mepc ${(h.lo(Slot.MEPC) >>> 0).toString(16)})`);
    // 300 amoadd.w of 1, and 300 LR/SC pairs that each add 1 (t2 = 1 stored over the value).
    assert.equal(mem.view.getInt32(DATA - BASE, true), 1, 'the last SC stored t2 = 1');
    // One walk for the code page, one for the data page's write entry, one for its read entry.
    assert.ok(h.counters.walks <= 3, `${h.counters.walks} walks for 900 atomic instructions`);
  });

  it('an AMO after a load from a read-only page faults as a store/AMO (cause 15), not through the read TLB', () => {
    const { h, mem } = setup(PTE_R | PTE_A, [LW, AMOADD_W]);
    mem.view.setInt32(DATA - BASE, 7, true);
    h.run(2);
    assert.equal(h.priv, Priv.M, 'trapped to M-mode');
    assert.equal(h.lo(Slot.MCAUSE), 15);
    assert.equal(h.lo(Slot.MEPC) >>> 0, CODE + 4);
    assert.equal(mem.view.getInt32(DATA - BASE, true), 7, 'the AMO did not write');
  });

  it("an AMO after a load sets the page's D bit (Svadu), as a store would", () => {
    const { h, pte } = setup(PTE_R | PTE_W | PTE_A, [LW, AMOADD_W, LW]);
    h.run(1);
    assert.equal(pte() & PTE_D, 0, 'a load leaves D clear');
    h.run(2);
    assert.equal(h.priv, Priv.S, `no trap (mcause ${h.lo(Slot.MCAUSE)} mtval ${(h.lo(Slot.MTVAL) >>> 0).toString(16)} mepc ${(h.lo(Slot.MEPC) >>> 0).toString(16)})`);
    assert.equal(pte() & PTE_D, PTE_D);
    assert.equal(h.x[10], 1, 'the second load reads what the AMO stored');
  });
});
