/**
 * CSR access: the privilege checks (illegal versus virtual instruction, privileged spec 2.1
 * and H extension 9.6.x), the redirection of S CSRs to VS CSRs when V=1, and each CSR's
 * WARL behaviour. Values move through `CSR_VALUE` (an int32 pair).
 */
import { Cause, Csr, EnvcfgHi, Hstatus, Irq, Mstatus, Priv } from './csr-numbers';
import { Slot } from './hart-state';
import type { Hart } from './hart';
import { fpEnabled, markFpDirty, sdBit } from './fpu/fp-status';
import { TINFO, Tcontrol } from './triggers';
import { aiaAccessFault, isAiaCsr, readAiaCsr, writeAiaCsr } from './aia/aia-csrs';

/** Value register for reads and writes: [lo, hi]. */
export const CSR_VALUE = new Int32Array(2);

/** Result of an access: 0 = done, else the exception cause to raise. */
export type CsrFault = 0 | Cause.ILLEGAL_INSTRUCTION | Cause.VIRTUAL_INSTRUCTION;

const SSTATUS_MASK = Mstatus.SIE | Mstatus.SPIE | Mstatus.UBE | Mstatus.SPP | Mstatus.VS_MASK |
  Mstatus.FS_MASK | Mstatus.XS_MASK | Mstatus.SUM | Mstatus.MXR;
const SSTATUS_WRITABLE = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.FS_MASK | Mstatus.SUM | Mstatus.MXR;
const MSTATUS_WRITABLE = SSTATUS_WRITABLE | Mstatus.MIE | Mstatus.MPIE | Mstatus.MPP_MASK |
  Mstatus.MPRV | Mstatus.TVM | Mstatus.TW | Mstatus.TSR;
/** mstatus high word: UXL = SXL = 2 (64-bit). */
const MSTATUS_HI_FIXED = 2 | (2 << 2);
const HSTATUS_WRITABLE = Hstatus.GVA | Hstatus.SPV | Hstatus.SPVP | Hstatus.HU | Hstatus.VTVM | Hstatus.VTW | Hstatus.VTSR;

/** Interrupt bit groups. */
const S_IRQS = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);
const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);
const H_IRQS = VS_IRQS | (1 << Irq.SGEI);
const MIE_WRITABLE = 0x1eee;
/** mideleg bits that are read-only one with the H extension (VSSI, VSTI, VSEI, SGEI). */
export const MIDELEG_FIXED = H_IRQS;
const MEDELEG_WRITABLE = 0xf0b7ff; // all but ecall-from-M (11) and reserved 14
const HEDELEG_WRITABLE = 0xb1ff; // not ecall from HS/VS/M, not guest page faults / virtual instruction

/** misa: RV64 (MXL = 2) with A, C, D, F, H, I, M, S, U. */
export const MISA_LO = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);
export const MISA_HI = 0x80000000 | 0;

/** The S CSR a VS CSR number stands for when V = 1, and vice versa. */
const VS_REDIRECT: Record<number, number> = {
  [Csr.SSTATUS]: Csr.VSSTATUS, [Csr.SIE]: Csr.VSIE, [Csr.STVEC]: Csr.VSTVEC, [Csr.SSCRATCH]: Csr.VSSCRATCH,
  [Csr.SEPC]: Csr.VSEPC, [Csr.SCAUSE]: Csr.VSCAUSE, [Csr.STVAL]: Csr.VSTVAL, [Csr.SIP]: Csr.VSIP,
  [Csr.SATP]: Csr.VSATP, [Csr.STIMECMP]: Csr.VSTIMECMP,
  [Csr.SISELECT]: Csr.VSISELECT, [Csr.SIREG]: Csr.VSIREG, [Csr.STOPEI]: Csr.VSTOPEI, [Csr.STOPI]: Csr.VSTOPI,
};

/** Whether a CSR number exists on this hart (the debugger lists these). */
export function implemented(n: number): boolean {
  if (n >= Csr.PMPCFG0 && n <= 0x3ef) return true;
  if ((n >= 0xb03 && n <= 0xb1f) || (n >= 0x323 && n <= 0x33f) || (n >= 0xc03 && n <= 0xc1f)) return true;
  switch (n) {
    case Csr.FFLAGS: case Csr.FRM: case Csr.FCSR:
    case Csr.CYCLE: case Csr.TIME: case Csr.INSTRET:
    case Csr.SSTATUS: case Csr.SIE: case Csr.STVEC: case Csr.SCOUNTEREN: case Csr.SENVCFG:
    case Csr.SSCRATCH: case Csr.SEPC: case Csr.SCAUSE: case Csr.STVAL: case Csr.SIP:
    case Csr.STIMECMP: case Csr.SATP:
    case Csr.HSTATUS: case Csr.HEDELEG: case Csr.HIDELEG: case Csr.HIE: case Csr.HTIMEDELTA:
    case Csr.HCOUNTEREN: case Csr.HGEIE: case Csr.HENVCFG: case Csr.HTVAL: case Csr.HIP:
    case Csr.HVIP: case Csr.HTINST: case Csr.HGATP: case Csr.HGEIP:
    case Csr.VSSTATUS: case Csr.VSIE: case Csr.VSTVEC: case Csr.VSSCRATCH: case Csr.VSEPC:
    case Csr.VSCAUSE: case Csr.VSTVAL: case Csr.VSIP: case Csr.VSTIMECMP: case Csr.VSATP:
    case Csr.MVENDORID: case Csr.MARCHID: case Csr.MIMPID: case Csr.MHARTID: case Csr.MCONFIGPTR:
    case Csr.MSTATUS: case Csr.MISA: case Csr.MEDELEG: case Csr.MIDELEG: case Csr.MIE:
    case Csr.MTVEC: case Csr.MCOUNTEREN: case Csr.MENVCFG: case Csr.MCOUNTINHIBIT:
    case Csr.MSCRATCH: case Csr.MEPC: case Csr.MCAUSE: case Csr.MTVAL: case Csr.MIP:
    case Csr.MTINST: case Csr.MTVAL2: case Csr.MCYCLE: case Csr.MINSTRET:
    case Csr.TSELECT: case Csr.TDATA1: case Csr.TDATA2: case Csr.TDATA3: case Csr.TINFO: case Csr.TCONTROL:
    case Csr.MCONTEXT: case Csr.HCONTEXT: case Csr.SCONTEXT:
      return true;
  }
  return false;
}

/**
 * Privilege check for an access to CSR `n` (before VS redirection). Returns the cause to
 * raise, or 0. `write` is true for any access that writes.
 */
export function checkCsrAccess(h: Hart, n: number, write: boolean): CsrFault {
  const fault = genericAccessFault(h, n, write);
  return fault !== 0 || h.aia === null ? fault : aiaAccessFault(h, n, write);
}

/** The privilege rules every CSR follows (the AIA CSRs' own come after, in aia-csrs.ts). */
function genericAccessFault(h: Hart, n: number, write: boolean): CsrFault {
  if (!implemented(n) && (h.aia === null || !isAiaCsr(n))) return Cause.ILLEGAL_INSTRUCTION;
  if (write && (n >>> 10) === 3) return Cause.ILLEGAL_INSTRUCTION;
  const level = (n >>> 8) & 3;
  const priv = h.priv, virt = h.virt;
  if (level === 3) return priv === Priv.M ? 0 : Cause.ILLEGAL_INSTRUCTION;
  if (level === 2) {
    // Hypervisor and VS CSRs: HS-mode and M-mode only.
    if (priv === Priv.M || (priv === Priv.S && !virt)) {
      if (n === Csr.HGATP && priv === Priv.S && (h.lo(Slot.MSTATUS) & Mstatus.TVM)) return Cause.ILLEGAL_INSTRUCTION;
      return 0;
    }
    return virt ? Cause.VIRTUAL_INSTRUCTION : Cause.ILLEGAL_INSTRUCTION;
  }
  if (level === 1) {
    if (priv === Priv.U) return virt ? Cause.VIRTUAL_INSTRUCTION : Cause.ILLEGAL_INSTRUCTION;
    if (n === Csr.SATP && priv === Priv.S) {
      if (virt) { if (h.lo(Slot.HSTATUS) & Hstatus.VTVM) return Cause.VIRTUAL_INSTRUCTION; }
      else if (h.lo(Slot.MSTATUS) & Mstatus.TVM) return Cause.ILLEGAL_INSTRUCTION;
    }
    if (n === Csr.STIMECMP && priv !== Priv.M) {
      // Sstc: gated by menvcfg.STCE / mcounteren.TM, then henvcfg.STCE / hcounteren.TM for VS.
      if (h.hi(Slot.MENVCFG) >= 0 || (h.mcounteren & 2) === 0) return Cause.ILLEGAL_INSTRUCTION;
      if (virt && (h.hi(Slot.HENVCFG) >= 0 || (h.hcounteren & 2) === 0)) return Cause.VIRTUAL_INSTRUCTION;
    }
    return 0;
  }
  // fcsr and its fields: like FP instructions, illegal while FS (or vsstatus.FS with V=1) is Off.
  if (n <= Csr.FCSR) return fpEnabled(h) ? 0 : Cause.ILLEGAL_INSTRUCTION;
  // Unprivileged counters: cycle, time, instret, hpmcounterN.
  if (n >= Csr.CYCLE && n <= 0xc1f && priv !== Priv.M) {
    const bit = 1 << (n - Csr.CYCLE);
    if ((h.mcounteren & bit) === 0) return Cause.ILLEGAL_INSTRUCTION;
    if (virt && (h.hcounteren & bit) === 0) return Cause.VIRTUAL_INSTRUCTION;
    if (priv === Priv.U && (h.scounteren & bit) === 0) return virt ? Cause.VIRTUAL_INSTRUCTION : Cause.ILLEGAL_INSTRUCTION;
  }
  return 0;
}

/** Effective CSR number after the V=1 redirection of S CSRs to VS CSRs. */
export function redirectCsr(h: Hart, n: number): number {
  return h.virt ? (VS_REDIRECT[n] ?? n) : n;
}

function put(lo: number, hi: number): 0 {
  CSR_VALUE[0] = lo;
  CSR_VALUE[1] = hi;
  return 0;
}

function put64(h: Hart, slot: Slot): 0 {
  return put(h.lo(slot), h.hi(slot));
}

/** A 64-bit counter value (counter CSRs only: off the hot path). */
function putBig(v: bigint): 0 {
  return put(Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
}

/** (lo, hi) as an unsigned 64-bit bigint. */
function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function putNum(n: number): 0 {
  return put(n | 0, Math.floor(n / 4294967296) | 0);
}

/** Reads CSR `n` (already checked and redirected) into CSR_VALUE. */
export function readCsr(h: Hart, n: number): void {
  if (h.aia !== null && isAiaCsr(n)) { const [lo, hi] = readAiaCsr(h, h.aia, n); put(lo, hi); return; }
  // hpmcounter3..31, mhpmcounter3..31, mhpmevent3..31.
  if ((n >= Csr.HPMCOUNTER3 && n <= 0xc1f) || (n >= Csr.MHPMCOUNTER3 && n <= 0xb1f)) { putBig(h.counters.read(n & 0x1f)); return; }
  if (n >= Csr.MHPMEVENT3 && n <= 0x33f) { put(h.counters.event(n - 0x320), 0); return; }
  if (n >= Csr.PMPCFG0 && n <= 0x3af) { put(h.pmpcfg[(n - Csr.PMPCFG0) * 2], h.pmpcfg[(n - Csr.PMPCFG0) * 2 + 1]); return; }
  if (n >= Csr.PMPADDR0 && n <= 0x3ef) { put(h.pmpaddr[(n - Csr.PMPADDR0) * 2], h.pmpaddr[(n - Csr.PMPADDR0) * 2 + 1]); return; }
  switch (n) {
    case Csr.MSTATUS: {
      const lo = h.lo(Slot.MSTATUS);
      put(lo, (h.hi(Slot.MSTATUS) & (Mstatus.HI_MPV | Mstatus.HI_GVA)) | MSTATUS_HI_FIXED | sdBit(lo));
      return;
    }
    case Csr.SSTATUS: put(h.lo(Slot.MSTATUS) & SSTATUS_MASK, 2 | sdBit(h.lo(Slot.MSTATUS))); return;
    case Csr.VSSTATUS: put(h.lo(Slot.VSSTATUS) & SSTATUS_MASK, 2 | sdBit(h.lo(Slot.VSSTATUS))); return;
    case Csr.FFLAGS: put(h.fp.fflags, 0); return;
    case Csr.FRM: put(h.fp.frm, 0); return;
    case Csr.FCSR: put(h.fp.fcsr, 0); return;
    case Csr.HSTATUS: put(h.lo(Slot.HSTATUS), 2); return;
    case Csr.MISA: put(MISA_LO, MISA_HI); return;
    case Csr.MEDELEG: put(h.medeleg, 0); return;
    case Csr.MIDELEG: put(h.mideleg | MIDELEG_FIXED, 0); return;
    case Csr.HEDELEG: put(h.hedeleg, 0); return;
    case Csr.HIDELEG: put(h.hideleg, 0); return;
    case Csr.MIE: put(h.mie, 0); return;
    case Csr.SIE: put(h.mie & S_IRQS & h.mideleg, 0); return;
    case Csr.HIE: put(h.mie & H_IRQS, 0); return;
    case Csr.VSIE: put((h.mie & h.hideleg & VS_IRQS) >>> 1, 0); return;
    case Csr.MIP: put(h.pendingInterrupts(), 0); return;
    case Csr.SIP: put(h.pendingInterrupts() & S_IRQS & h.mideleg, 0); return;
    case Csr.HIP: put(h.pendingInterrupts() & H_IRQS, 0); return;
    case Csr.VSIP: put((h.pendingInterrupts() & h.hideleg & VS_IRQS) >>> 1, 0); return;
    case Csr.HVIP: put(h.hvip, 0); return;
    case Csr.HGEIE: put(h.hgeie, 0); return;
    case Csr.HGEIP: put(h.aia?.hgeip ?? 0, 0); return;
    case Csr.MTVEC: put64(h, Slot.MTVEC); return;
    case Csr.STVEC: put64(h, Slot.STVEC); return;
    case Csr.VSTVEC: put64(h, Slot.VSTVEC); return;
    case Csr.MSCRATCH: put64(h, Slot.MSCRATCH); return;
    case Csr.SSCRATCH: put64(h, Slot.SSCRATCH); return;
    case Csr.VSSCRATCH: put64(h, Slot.VSSCRATCH); return;
    case Csr.MEPC: put64(h, Slot.MEPC); return;
    case Csr.SEPC: put64(h, Slot.SEPC); return;
    case Csr.VSEPC: put64(h, Slot.VSEPC); return;
    case Csr.MCAUSE: put64(h, Slot.MCAUSE); return;
    case Csr.SCAUSE: put64(h, Slot.SCAUSE); return;
    case Csr.VSCAUSE: put64(h, Slot.VSCAUSE); return;
    case Csr.MTVAL: put64(h, Slot.MTVAL); return;
    case Csr.STVAL: put64(h, Slot.STVAL); return;
    case Csr.VSTVAL: put64(h, Slot.VSTVAL); return;
    case Csr.MTVAL2: put64(h, Slot.MTVAL2); return;
    case Csr.MTINST: put64(h, Slot.MTINST); return;
    case Csr.HTVAL: put64(h, Slot.HTVAL); return;
    case Csr.HTINST: put64(h, Slot.HTINST); return;
    case Csr.SATP: put64(h, Slot.SATP); return;
    case Csr.VSATP: put64(h, Slot.VSATP); return;
    case Csr.HGATP: put64(h, Slot.HGATP); return;
    case Csr.MENVCFG: put64(h, Slot.MENVCFG); return;
    case Csr.SENVCFG: put64(h, Slot.SENVCFG); return;
    case Csr.HENVCFG: put64(h, Slot.HENVCFG); return;
    case Csr.STIMECMP: put64(h, Slot.STIMECMP); return;
    case Csr.VSTIMECMP: put64(h, Slot.VSTIMECMP); return;
    case Csr.HTIMEDELTA: put64(h, Slot.HTIMEDELTA); return;
    case Csr.MCOUNTEREN: put(h.mcounteren, 0); return;
    case Csr.SCOUNTEREN: put(h.scounteren, 0); return;
    case Csr.HCOUNTEREN: put(h.hcounteren, 0); return;
    case Csr.MCOUNTINHIBIT: put(h.counters.inhibit, 0); return;
    case Csr.MHARTID: put(h.hartId, 0); return;
    case Csr.CYCLE: case Csr.MCYCLE: putBig(h.counters.read(0)); return;
    case Csr.INSTRET: case Csr.MINSTRET: putBig(h.counters.read(2)); return;
    case Csr.TIME: {
      const t = h.readTime();
      if (!h.virt) { putNum(t); return; }
      // The guest's time is time + htimedelta (mod 2^64).
      const dlo = h.lo(Slot.HTIMEDELTA), dhi = h.hi(Slot.HTIMEDELTA);
      const tlo = t | 0, thi = Math.floor(t / 4294967296) | 0;
      const lo = (tlo + dlo) | 0;
      put(lo, (thi + dhi + ((lo >>> 0) < (tlo >>> 0) ? 1 : 0)) | 0);
      return;
    }
    case Csr.TSELECT: put(h.triggers.tselect, 0); return;
    case Csr.TDATA1: { const [lo, hi] = h.triggers.data1(h.triggers.tselect); put(lo, hi); return; }
    case Csr.TDATA2: { const [lo, hi] = h.triggers.data2(h.triggers.tselect); put(lo, hi); return; }
    case Csr.TINFO: put(TINFO, 0); return;
    case Csr.TCONTROL: put(h.triggers.tcontrol, 0); return;
  }
  put(0, 0); // ids, tdata3 and the context registers (no textra), mconfigptr
}

/** Writes CSR_VALUE to CSR `n` (already checked and redirected), applying WARL rules. */
export function writeCsr(h: Hart, n: number, lo: number, hi: number): void {
  if (h.aia !== null && isAiaCsr(n)) { writeAiaCsr(h.aia, n, lo, hi); return; }
  if (n >= Csr.MHPMCOUNTER3 && n <= 0xb1f) { h.counters.write(n & 0x1f, big(lo, hi)); return; }
  if (n >= Csr.MHPMEVENT3 && n <= 0x33f) { h.counters.setEvent(n - 0x320, hi === 0 ? lo : -1); return; }
  if (n >= Csr.PMPCFG0 && n <= 0x3af) { if ((n & 1) === 0) { h.pmpcfg[(n - Csr.PMPCFG0) * 2] = lo; h.pmpcfg[(n - Csr.PMPCFG0) * 2 + 1] = hi; } return; }
  if (n >= Csr.PMPADDR0 && n <= 0x3ef) { h.pmpaddr[(n - Csr.PMPADDR0) * 2] = lo; h.pmpaddr[(n - Csr.PMPADDR0) * 2 + 1] = hi & 0x3fffff; return; }
  switch (n) {
    case Csr.MSTATUS: {
      const old = h.lo(Slot.MSTATUS);
      let v = (old & ~MSTATUS_WRITABLE) | (lo & MSTATUS_WRITABLE);
      if (((v & Mstatus.MPP_MASK) >> Mstatus.MPP_SHIFT) === 2) v = (v & ~Mstatus.MPP_MASK) | (old & Mstatus.MPP_MASK);
      h.set(Slot.MSTATUS, v, hi & (Mstatus.HI_MPV | Mstatus.HI_GVA));
      h.onStatusWrite(old, v);
      return;
    }
    case Csr.SSTATUS: {
      const old = h.lo(Slot.MSTATUS);
      const v = (old & ~SSTATUS_WRITABLE) | (lo & SSTATUS_WRITABLE);
      h.c[Slot.MSTATUS * 2] = v;
      h.onStatusWrite(old, v);
      return;
    }
    case Csr.VSSTATUS: {
      const old = h.lo(Slot.VSSTATUS);
      const v = (old & ~SSTATUS_WRITABLE) | (lo & SSTATUS_WRITABLE);
      h.c[Slot.VSSTATUS * 2] = v;
      h.onStatusWrite(old, v);
      return;
    }
    case Csr.HSTATUS:
      // VGEIN exists with guest interrupt files (WLRL: values above GEILEN select none).
      h.c[Slot.HSTATUS * 2] = lo & (HSTATUS_WRITABLE | (h.aia !== null ? Hstatus.VGEIN_MASK : 0));
      h.aia?.updateLines();
      return;
    case Csr.FFLAGS: h.fp.fflags = lo & 0x1f; markFpDirty(h); return;
    case Csr.FRM: h.fp.frm = lo & 7; markFpDirty(h); return;
    case Csr.FCSR: h.fp.fcsr = lo & 0xff; markFpDirty(h); return;
    case Csr.MEDELEG: h.medeleg = lo & MEDELEG_WRITABLE; return;
    case Csr.MIDELEG: h.mideleg = (lo & S_IRQS) | MIDELEG_FIXED; return;
    case Csr.HEDELEG: h.hedeleg = lo & HEDELEG_WRITABLE; return;
    case Csr.HIDELEG: h.hideleg = lo & VS_IRQS; return;
    case Csr.MIE: h.mie = lo & MIE_WRITABLE; return;
    case Csr.SIE: { const m = S_IRQS & h.mideleg; h.mie = (h.mie & ~m) | (lo & m); return; }
    case Csr.HIE: {
      const m = VS_IRQS | (h.aia !== null ? 1 << Irq.SGEI : 0); // SGEIE exists when GEILEN > 0
      h.mie = (h.mie & ~m) | (lo & m);
      return;
    }
    case Csr.VSIE: { const m = h.hideleg & VS_IRQS; h.mie = (h.mie & ~m) | ((lo << 1) & m); return; }
    case Csr.MIP: {
      // SSIP, SEIP and (without Sstc) STIP are software-writable; VSSIP aliases hvip.VSSIP.
      const soft = (1 << Irq.SSI) | (1 << Irq.SEI) | (h.hi(Slot.MENVCFG) < 0 ? 0 : 1 << Irq.STI);
      h.mipSoft = (h.mipSoft & ~soft) | (lo & soft);
      h.hvip = (h.hvip & ~(1 << Irq.VSSI)) | (lo & (1 << Irq.VSSI));
      return;
    }
    case Csr.SIP: { const m = (1 << Irq.SSI) & h.mideleg; h.mipSoft = (h.mipSoft & ~m) | (lo & m); return; }
    case Csr.HIP: h.hvip = (h.hvip & ~(1 << Irq.VSSI)) | (lo & (1 << Irq.VSSI)); return;
    case Csr.VSIP: {
      if (h.hideleg & (1 << Irq.VSSI)) h.hvip = (h.hvip & ~(1 << Irq.VSSI)) | ((lo << 1) & (1 << Irq.VSSI));
      return;
    }
    case Csr.HVIP: h.hvip = lo & VS_IRQS; return;
    case Csr.HGEIE:
      h.hgeie = lo & (h.aia?.hgeieMask ?? 0);
      h.aia?.updateLines();
      return;
    case Csr.MTVEC: h.set(Slot.MTVEC, lo & ~2, hi); return;
    case Csr.STVEC: h.set(Slot.STVEC, lo & ~2, hi); return;
    case Csr.VSTVEC: h.set(Slot.VSTVEC, lo & ~2, hi); return;
    case Csr.MSCRATCH: h.set(Slot.MSCRATCH, lo, hi); return;
    case Csr.SSCRATCH: h.set(Slot.SSCRATCH, lo, hi); return;
    case Csr.VSSCRATCH: h.set(Slot.VSSCRATCH, lo, hi); return;
    case Csr.MEPC: h.set(Slot.MEPC, lo & ~1, hi); return;
    case Csr.SEPC: h.set(Slot.SEPC, lo & ~1, hi); return;
    case Csr.VSEPC: h.set(Slot.VSEPC, lo & ~1, hi); return;
    case Csr.MCAUSE: h.set(Slot.MCAUSE, lo, hi); return;
    case Csr.SCAUSE: h.set(Slot.SCAUSE, lo, hi); return;
    case Csr.VSCAUSE: h.set(Slot.VSCAUSE, lo, hi); return;
    case Csr.MTVAL: h.set(Slot.MTVAL, lo, hi); return;
    case Csr.STVAL: h.set(Slot.STVAL, lo, hi); return;
    case Csr.VSTVAL: h.set(Slot.VSTVAL, lo, hi); return;
    case Csr.MTVAL2: h.set(Slot.MTVAL2, lo, hi); return;
    case Csr.MTINST: h.set(Slot.MTINST, lo, hi); return;
    case Csr.HTVAL: h.set(Slot.HTVAL, lo, hi); return;
    case Csr.HTINST: h.set(Slot.HTINST, lo, hi); return;
    case Csr.SATP: case Csr.VSATP: {
      // WARL: a write of an unsupported MODE leaves the register unchanged (Linux probes).
      const mode = hi >>> 28;
      if (mode !== 0 && mode !== 8 && mode !== 9) return;
      h.set(n === Csr.SATP ? Slot.SATP : Slot.VSATP, lo, hi & 0xf0ffffff);
      h.onTranslationChange(n === Csr.SATP);
      return;
    }
    case Csr.HGATP: {
      const mode = hi >>> 28;
      if (mode !== 0 && mode !== 8 && mode !== 9) return;
      h.set(Slot.HGATP, lo & ~3, hi & 0xf3ff0fff); // VMIDLEN = 14, root 16 KiB aligned
      h.onTranslationChange();
      return;
    }
    case Csr.MENVCFG: h.set(Slot.MENVCFG, lo & 1, hi & (EnvcfgHi.STCE | (h.svadu ? EnvcfgHi.ADUE : 0))); return;
    case Csr.SENVCFG: h.set(Slot.SENVCFG, lo & 1, 0); return;
    // henvcfg.STCE and ADUE are read-only zero while the menvcfg bit is 0.
    case Csr.HENVCFG: h.set(Slot.HENVCFG, lo & 1, hi & h.hi(Slot.MENVCFG) & (EnvcfgHi.STCE | EnvcfgHi.ADUE)); return;
    case Csr.STIMECMP: h.set(Slot.STIMECMP, lo, hi); return;
    case Csr.VSTIMECMP: h.set(Slot.VSTIMECMP, lo, hi); return;
    case Csr.HTIMEDELTA: h.set(Slot.HTIMEDELTA, lo, hi); return;
    case Csr.MCOUNTEREN: h.mcounteren = lo; return;
    case Csr.SCOUNTEREN: h.scounteren = lo; return;
    case Csr.HCOUNTEREN: h.hcounteren = lo; return;
    case Csr.MCOUNTINHIBIT: h.counters.setInhibit(lo); return;
    case Csr.MCYCLE: h.counters.write(0, big(lo, hi)); return;
    case Csr.MINSTRET: h.counters.write(2, big(lo, hi)); return;
    case Csr.TSELECT: h.triggers.select(lo, hi); return;
    case Csr.TDATA1: h.triggers.writeData1(h.triggers.tselect, lo, hi); return;
    case Csr.TDATA2: h.triggers.writeData2(h.triggers.tselect, lo, hi); return;
    case Csr.TCONTROL: h.triggers.tcontrol = lo & (Tcontrol.MTE | Tcontrol.MPTE); return;
  }
  // Writes to tdata3, tinfo and the context registers are ignored.
}
