/**
 * Trap entry and interrupt selection (privileged spec 3.1.6.1, 3.1.8, 3.1.9, and the H
 * extension's 9.2.x "Trap Cause Codes", 9.5 "Traps"): where a trap goes (M, HS or VS) through
 * medeleg/mideleg and hedeleg/hideleg, what is written to *cause, *epc, *tval, htval, htinst,
 * mtval2, mtinst and the status registers, and which pending interrupt is taken first.
 */
import { Irq, Mstatus, Hstatus, Priv } from './csr-numbers';
import { HartState, Slot } from './hart-state';

/** Where a trap was taken. */
export const enum TrapTarget { M = 0, HS = 1, VS = 2 }

/** The details of a trap being raised, filled before `enterTrap`. */
export class PendingTrap {
  cause = 0;
  interrupt = false;
  tvalLo = 0;
  tvalHi = 0;
  /** htval / mtval2: guest physical address >> 2, as a number. */
  tval2 = 0;
  /** htinst / mtinst. */
  tinst = 0;
  /** The tval is a guest virtual address (sets hstatus.GVA / mstatus.GVA). */
  gva = false;
}

/** Interrupts in decreasing priority (spec 3.1.9 and 9.2.x). */
const PRIORITY = [Irq.MEI, Irq.MSI, Irq.MTI, Irq.SEI, Irq.SSI, Irq.STI, Irq.SGEI, Irq.VSEI, Irq.VSSI, Irq.VSTI];
/** Interrupts that belong to VS-level (their bits are in hideleg). */
const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);

/**
 * The interrupt to take now, or -1. `pending` is the effective mip. Implements the enable
 * rules: an interrupt for a more privileged mode is always enabled; for the current mode only
 * with its xIE bit; for a less privileged mode never.
 */
export function selectInterrupt(h: HartState, pending: number): number {
  const enabled = pending & h.mie;
  if (enabled === 0) return -1;
  const mstatus = h.lo(Slot.MSTATUS);
  // Interrupts for M-mode: not delegated.
  const mLevel = enabled & ~h.mideleg;
  const mEnabled = h.priv < Priv.M || (mstatus & Mstatus.MIE) !== 0;
  // For HS-mode: delegated by mideleg, not by hideleg.
  const hsLevel = enabled & h.mideleg & ~h.hideleg;
  const hsEnabled = h.virt || h.priv < Priv.S || (h.priv === Priv.S && (mstatus & Mstatus.SIE) !== 0);
  // For VS-mode: delegated by both.
  const vsLevel = enabled & h.mideleg & h.hideleg & VS_IRQS;
  const vsEnabled = h.virt && (h.priv === Priv.U || (h.lo(Slot.VSSTATUS) & Mstatus.SIE) !== 0);
  let take = 0;
  if (mEnabled) take |= mLevel;
  if (hsEnabled) take |= hsLevel;
  if (take === 0 && vsEnabled) take = vsLevel;
  if (take === 0) return -1;
  for (const irq of PRIORITY) if (take & (1 << irq)) return irq;
  return -1;
}

/**
 * Decides the target of a trap from the current mode and the delegation registers.
 */
export function trapTarget(h: HartState, t: PendingTrap): TrapTarget {
  if (h.priv === Priv.M) return TrapTarget.M;
  const bit = 1 << t.cause;
  const mdeleg = t.interrupt ? h.mideleg : h.medeleg;
  if ((t.cause >= 32 ? 0 : mdeleg & bit) === 0) return TrapTarget.M;
  // With V=0 a trap never goes to VS (selectInterrupt only offers VS-level interrupts that
  // hideleg does not delegate); with V=1, hedeleg/hideleg decide.
  if (!h.virt) return TrapTarget.HS;
  const hdeleg = t.interrupt ? h.hideleg : h.hedeleg;
  return (hdeleg & bit) !== 0 ? TrapTarget.VS : TrapTarget.HS;
}

/**
 * Takes a trap at pc (pcLo, pcHi): writes the cause, epc, tval and status registers of the
 * target mode, switches mode, and returns the target. The caller sets pc to the trap vector
 * (see `trapVector`) unless the target is handled by host software.
 */
export function enterTrap(h: HartState, t: PendingTrap, pcLo: number, pcHi: number): TrapTarget {
  const target = trapTarget(h, t);
  const causeHi = t.interrupt ? 0x80000000 | 0 : 0;
  const c = h.c;
  if (target === TrapTarget.M) {
    h.set(Slot.MCAUSE, t.cause, causeHi);
    h.set(Slot.MEPC, pcLo, pcHi);
    h.set(Slot.MTVAL, t.tvalLo, t.tvalHi);
    h.set(Slot.MTVAL2, t.tval2 | 0, Math.floor(t.tval2 / 4294967296) | 0);
    h.set(Slot.MTINST, t.tinst, 0);
    let lo = c[Slot.MSTATUS * 2], hi = c[Slot.MSTATUS * 2 + 1];
    lo = (lo & ~(Mstatus.MPIE | Mstatus.MPP_MASK | Mstatus.MIE)) |
      ((lo & Mstatus.MIE) ? Mstatus.MPIE : 0) | (h.priv << Mstatus.MPP_SHIFT);
    hi = (hi & ~(Mstatus.HI_MPV | Mstatus.HI_GVA)) | (h.virt ? Mstatus.HI_MPV : 0) | (t.gva ? Mstatus.HI_GVA : 0);
    h.set(Slot.MSTATUS, lo, hi);
    h.priv = Priv.M;
    h.virt = false;
    h.triggers.trapToM();
  } else if (target === TrapTarget.HS) {
    h.set(Slot.SCAUSE, t.cause, causeHi);
    h.set(Slot.SEPC, pcLo, pcHi);
    h.set(Slot.STVAL, t.tvalLo, t.tvalHi);
    h.set(Slot.HTVAL, t.tval2 | 0, Math.floor(t.tval2 / 4294967296) | 0);
    h.set(Slot.HTINST, t.tinst, 0);
    let hs = c[Slot.HSTATUS * 2];
    hs &= ~(Hstatus.SPV | Hstatus.GVA);
    if (h.virt) {
      hs |= Hstatus.SPV;
      hs = (hs & ~Hstatus.SPVP) | (h.priv === Priv.S ? Hstatus.SPVP : 0);
    }
    if (t.gva) hs |= Hstatus.GVA;
    c[Slot.HSTATUS * 2] = hs;
    let lo = c[Slot.MSTATUS * 2];
    lo = (lo & ~(Mstatus.SPIE | Mstatus.SPP | Mstatus.SIE)) |
      ((lo & Mstatus.SIE) ? Mstatus.SPIE : 0) | (h.priv === Priv.S ? Mstatus.SPP : 0);
    c[Slot.MSTATUS * 2] = lo;
    h.priv = Priv.S;
    h.virt = false;
  } else {
    // VS-level interrupt codes are reported to the guest as the S-level ones (cause - 1).
    const cause = t.interrupt && ((1 << t.cause) & VS_IRQS) !== 0 ? t.cause - 1 : t.cause;
    h.set(Slot.VSCAUSE, cause, causeHi);
    h.set(Slot.VSEPC, pcLo, pcHi);
    h.set(Slot.VSTVAL, t.tvalLo, t.tvalHi);
    let lo = c[Slot.VSSTATUS * 2];
    lo = (lo & ~(Mstatus.SPIE | Mstatus.SPP | Mstatus.SIE)) |
      ((lo & Mstatus.SIE) ? Mstatus.SPIE : 0) | (h.priv === Priv.S ? Mstatus.SPP : 0);
    c[Slot.VSSTATUS * 2] = lo;
    h.priv = Priv.S;
  }
  return target;
}

/** The pc a trap to `target` starts at: tvec base, + 4 * cause for vectored interrupts. */
export function trapVector(h: HartState, target: TrapTarget, t: PendingTrap, out: Int32Array): void {
  const slot = target === TrapTarget.M ? Slot.MTVEC : target === TrapTarget.HS ? Slot.STVEC : Slot.VSTVEC;
  const lo = h.lo(slot), hi = h.hi(slot);
  let base = lo & ~3;
  if ((lo & 3) === 1 && t.interrupt) {
    const cause = target === TrapTarget.VS && ((1 << t.cause) & VS_IRQS) !== 0 ? t.cause - 1 : t.cause;
    const sum = (base >>> 0) + 4 * cause;
    out[0] = sum | 0;
    out[1] = (hi + (sum > 0xffffffff ? 1 : 0)) | 0;
    return;
  }
  out[0] = base;
  out[1] = hi;
}
