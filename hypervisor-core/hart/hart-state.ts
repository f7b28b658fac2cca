/**
 * The architectural state of one hart that is not the integer register file: privilege,
 * virtualization mode and the CSRs. 64-bit CSRs are int32 pairs in one Int32Array indexed by
 * `Slot * 2` (low word) and `Slot * 2 + 1` (high word); interrupt and delegation CSRs, whose
 * defined bits all sit in the low word, are plain numbers.
 */
import { Priv } from './csr-numbers';
import { FpRegisters } from './fpu/fp-registers';
import { Counters } from './counters';
import { Triggers } from './triggers';

/** Storage slots of the 64-bit CSRs. */
export const enum Slot {
  MSTATUS, MTVEC, MSCRATCH, MEPC, MCAUSE, MTVAL, MTVAL2, MTINST, MENVCFG,
  STVEC, SSCRATCH, SEPC, SCAUSE, STVAL, SATP, SENVCFG, STIMECMP,
  HSTATUS, HTIMEDELTA, HTVAL, HTINST, HGATP, HENVCFG,
  VSSTATUS, VSTVEC, VSSCRATCH, VSEPC, VSCAUSE, VSTVAL, VSATP, VSTIMECMP,
  COUNT,
}

/** Privilege and CSR state of a hart. */
export class HartState {
  /** Current privilege: U, S or M. With `virt`, U and S mean VU and VS. */
  priv: Priv = Priv.M;
  /** The virtualization mode V. */
  virt = false;
  /** 64-bit CSRs, see Slot. */
  readonly c = new Int32Array(Slot.COUNT * 2);
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  /** mip bits written by software (SSIP, STIP when not driven by Sstc, SEIP). */
  mipSoft = 0;
  /** mip bits driven by interrupt lines outside the hart (MSIP, MTIP, MEIP, SEIP). */
  mipLines = 0;
  /**
   * mip bits driven by the hart's IMSIC (AIA): SEIP from the supervisor-level file, SGEIP,
   * and VSEIP from the guest file hstatus.VGEIN selects. Zero without AIA.
   */
  aiaLines = 0;
  mcounteren = 0;
  scounteren = 0;
  hedeleg = 0;
  hideleg = 0;
  hvip = 0;
  hgeie = 0;
  hcounteren = 0;
  /**
   * The hart implements Svadu: menvcfg.ADUE and henvcfg.ADUE are writable and menvcfg.ADUE
   * is 1 at reset (as QEMU resets it). False gives the fault-on-A/D behaviour (Svade) only.
   */
  svadu = true;
  /** Retired instructions and cycles (doubles: exact up to 2^53). */
  instret = 0;
  /** F/D registers and fcsr. */
  readonly fp = new FpRegisters();
  /** PMP registers: stored so firmware-style code can program them; not enforced. */
  readonly pmpcfg = new Int32Array(32);
  readonly pmpaddr = new Int32Array(128);
  /** mcycle, minstret, mhpmcounter3.. with their events, and mcountinhibit. */
  readonly counters = new Counters();
  /** The trigger module (Sdtrig): tselect, tdata1..3, tinfo, tcontrol. */
  readonly triggers = new Triggers();

  constructor(readonly hartId: number) {}

  /** Low word of a 64-bit CSR. */
  lo(slot: Slot): number {
    return this.c[slot * 2];
  }
  /** High word of a 64-bit CSR. */
  hi(slot: Slot): number {
    return this.c[slot * 2 + 1];
  }
  /** Sets a 64-bit CSR from two halves. */
  set(slot: Slot, lo: number, hi: number): void {
    this.c[slot * 2] = lo;
    this.c[slot * 2 + 1] = hi;
  }
  /** A 64-bit CSR as a double (exact below 2^53; for comparisons with time). */
  num(slot: Slot): number {
    return (this.c[slot * 2 + 1] >>> 0) * 4294967296 + (this.c[slot * 2] >>> 0);
  }
}
