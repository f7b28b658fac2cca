/**
 * The FPU inside the hart: FS gating (illegal instruction with xtval = the instruction bits,
 * compressed ones included), FS/SD tracking in mstatus and, with V = 1, in vsstatus too,
 * fcsr through the CSR instructions, misa.F/D, NaN-boxing through loads, and an invalid
 * rounding mode.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../../hypervisor-core/hart/hart';
import { Slot } from '../../../../hypervisor-core/hart/hart-state';
import { Cause, Csr, Mstatus, Priv } from '../../../../hypervisor-core/hart/csr-numbers';
import { CSR_VALUE, checkCsrAccess, readCsr } from '../../../../hypervisor-core/hart/csr-file';
import { PhysMemory } from '../../../../hypervisor-core/memory/phys-memory';
import { doMret } from '../../../../hypervisor-core/hart/system-instructions';

const BASE = 0x80000000;
const FS_INITIAL = 1 << 13, FS_CLEAN = 2 << 13, FS_DIRTY = 3 << 13;

/** A hart in M-mode with a trap vector at BASE + 0x800 (an infinite loop) and `code` at BASE. */
function mHart(code: number[], mstatus = FS_INITIAL): Hart {
  const mem = new PhysMemory(BASE, 64 * 1024);
  code.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  mem.view.setUint32(0x800, 0x0000006f, true); // j .
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  h.set(Slot.MTVEC, (BASE + 0x800) | 0, 0);
  h.set(Slot.MSTATUS, mstatus, 0);
  return h;
}

const FADD_D = 0x023170d3; // fadd.d f1, f2, f3 (rm = dyn)
const FMV_D_X = 0xf20580d3; // fmv.d.x f1, a1
const FMV_X_D = 0xe2008553; // fmv.x.d a0, f1

describe('hart: F/D state and gating', () => {
  it('misa has F and D', () => {
    const h = mHart([]);
    readCsr(h, Csr.MISA);
    assert.equal(CSR_VALUE[0] & ((1 << 3) | (1 << 5)), (1 << 3) | (1 << 5));
  });

  it('FS = Off: FP instructions and fcsr raise illegal instruction with mtval = the bits', () => {
    const h = mHart([FADD_D], 0);
    h.run(1);
    assert.equal(h.lo(Slot.MCAUSE), Cause.ILLEGAL_INSTRUCTION);
    assert.equal(h.lo(Slot.MTVAL), FADD_D);
    assert.equal(checkCsrAccess(h, Csr.FCSR, false), Cause.ILLEGAL_INSTRUCTION);
    assert.equal(checkCsrAccess(h, Csr.FFLAGS, true), Cause.ILLEGAL_INSTRUCTION);
    // a compressed one reports its 16 bits: c.fldsp f8, 0(sp)
    const c = mHart([0x00002402], 0);
    c.run(1);
    assert.equal(c.lo(Slot.MCAUSE), Cause.ILLEGAL_INSTRUCTION);
    assert.equal(c.lo(Slot.MTVAL), 0x2402);
  });

  it('an FP result sets FS Dirty and SD reads as 1 in mstatus and sstatus', () => {
    const h = mHart([FMV_D_X, FMV_X_D]);
    h.x[11 * 2] = 0x89abcdef | 0; h.x[11 * 2 + 1] = 0x01234567;
    assert.equal(h.run(2), StopReason.BUDGET);
    assert.equal(h.lo(Slot.MSTATUS) & FS_DIRTY, FS_DIRTY);
    assert.deepEqual([h.x[20], h.x[21]], [0x89abcdef | 0, 0x01234567]);
    readCsr(h, Csr.MSTATUS);
    assert.ok(CSR_VALUE[1] < 0, 'mstatus.SD');
    readCsr(h, Csr.SSTATUS);
    assert.ok(CSR_VALUE[1] < 0, 'sstatus.SD');
    assert.equal(CSR_VALUE[0] & FS_DIRTY, FS_DIRTY);
  });

  it('a store or a move to x leaves FS Clean', () => {
    const h = mHart([0x00113027 /* fsd f1, 0(sp) */, FMV_X_D], FS_CLEAN);
    h.x[2 * 2] = (BASE + 0x1000) | 0;
    h.run(2);
    assert.equal(h.lo(Slot.MCAUSE), 0);
    assert.equal(h.lo(Slot.MSTATUS) & FS_DIRTY, FS_CLEAN);
  });

  it('flw NaN-boxes; an improperly boxed single reads as the canonical NaN', () => {
    // flw f1, 0(sp) ; fadd.s f2, f3, f3 (f3 = raw 0x3f800000 without box) ; fmv.x.d a0, f2
    const h = mHart([0x00012087, 0x0031f153, 0xe2010553]);
    h.x[2 * 2] = (BASE + 0x1000) | 0;
    h.mem.view.setUint32(0x1000, 0x40490fdb, true);
    h.fp.setD(3, 0x3f800000, 0);
    h.run(3);
    assert.deepEqual([h.fp.w[2] >>> 0, h.fp.w[3]], [0x40490fdb, -1]);
    assert.deepEqual([h.x[20], h.x[21]], [0x7fc00000, -1]);
    assert.equal(h.fp.fflags, 0);
  });

  it('rm = 5 and DYN with an invalid frm are illegal instructions; nothing changes', () => {
    const h = mHart([0x0231d0d3 /* fadd.d f1, f3, f3 with rm 5 */]);
    h.run(1);
    assert.equal(h.lo(Slot.MCAUSE), Cause.ILLEGAL_INSTRUCTION);
    assert.equal(h.lo(Slot.MSTATUS) & FS_DIRTY, FS_INITIAL);
    const d = mHart([FADD_D]);
    d.fp.frm = 7;
    d.run(1);
    assert.equal(d.lo(Slot.MCAUSE), Cause.ILLEGAL_INSTRUCTION);
  });

  it('fcsr, frm and fflags through csrrw/csrrs; writes set FS Dirty', () => {
    // csrrw a0, fcsr, a1 ; csrrs a2, frm, x0 ; csrrwi a3, fflags, 1
    const h = mHart([0x00359573, 0x00202673, 0x0010d6f3], FS_CLEAN);
    h.x[11 * 2] = 0x1ff; // bits above 7 are dropped
    h.fp.fcsr = 0x21;
    h.run(3);
    assert.equal(h.x[10 * 2], 0x21);
    assert.equal(h.x[12 * 2], 7);
    assert.equal(h.x[13 * 2], 0x1f);
    assert.equal(h.fp.fcsr, 0xe1);
    assert.equal(h.lo(Slot.MSTATUS) & FS_DIRTY, FS_DIRTY);
  });

  it('V = 1: vsstatus.FS Off makes FP illegal even with mstatus.FS on; results set both Dirty', () => {
    const h = mHart([FMV_D_X, FMV_D_X]);
    // run the code in VS-mode with bare translation (hgatp = vsatp = 0): mret with MPV = 1
    h.set(Slot.MSTATUS, FS_INITIAL | (Priv.S << Mstatus.MPP_SHIFT), Mstatus.HI_MPV);
    h.set(Slot.MEPC, BASE | 0, 0);
    h.set(Slot.VSSTATUS, 0, 0);
    doMret(h);
    h.pcLo = BASE | 0; h.pcHi = 0;
    assert.equal(h.virt, true);
    h.run(1);
    assert.equal(h.lo(Slot.MCAUSE), Cause.ILLEGAL_INSTRUCTION);
    // now with vsstatus.FS = Clean: both become Dirty
    const g = mHart([FMV_D_X]);
    g.set(Slot.MSTATUS, FS_CLEAN | (Priv.S << Mstatus.MPP_SHIFT), Mstatus.HI_MPV);
    g.set(Slot.VSSTATUS, FS_CLEAN, 0);
    doMret(g);
    g.pcLo = BASE | 0; g.pcHi = 0;
    g.run(1);
    assert.equal(g.lo(Slot.MCAUSE), 0);
    assert.equal(g.lo(Slot.MSTATUS) & FS_DIRTY, FS_DIRTY);
    assert.equal(g.lo(Slot.VSSTATUS) & FS_DIRTY, FS_DIRTY);
    readCsr(g, Csr.VSSTATUS);
    assert.ok(CSR_VALUE[1] < 0, 'vsstatus.SD');
    // and with mstatus.FS Off, vsstatus.FS on: illegal too
    const k = mHart([FMV_D_X]);
    k.set(Slot.MSTATUS, Priv.S << Mstatus.MPP_SHIFT, Mstatus.HI_MPV);
    k.set(Slot.VSSTATUS, FS_INITIAL, 0);
    doMret(k);
    k.pcLo = BASE | 0; k.pcHi = 0;
    k.run(1);
    assert.equal(k.lo(Slot.MCAUSE), Cause.ILLEGAL_INSTRUCTION);
  });
});
