/**
 * Address translation for the hart: chooses the stages from the privilege mode, V, MPRV and
 * the hypervisor load/store instructions, walks them with the one `Walker`, and turns
 * failures into the right exception: page fault (VS-stage or single stage), guest page fault
 * (G-stage, with htval = GPA >> 2 and htinst), or access fault.
 */
import { Access, POW2, PagingMode, PteAddressTranslator, SV39, SV39X4, SV48, SV48X4, Walker, WalkFault } from '../mmu/walker';
import { Cause, EnvcfgHi, Mstatus, Priv } from './csr-numbers';
import { HartState, Slot } from './hart-state';
import { PendingTrap } from './trap';
import { TWO32 } from './int64';

/** Entries of the G-stage cache (power of two). */
const G_CACHE_SIZE = 4096;
/** G-stage cache fills remembered for a cheap flush. */
const G_FILLS_TRACKED = 64;
/** PTE flags of a G-stage leaf that allows every access: V R W X U A D. */
const G_FULL = 0xdf;

/** Thrown (as this one object) when an instruction traps; the details are in `PendingTrap`. */
export const TRAP = { trap: true } as const;

/** What {@link Translator.tryTranslate} returns for an access that faults (never an address). */
export const FAULTED = -1;

/** Page-fault causes by access type. */
const PAGE_FAULT = [Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT, Cause.FETCH_PAGE_FAULT];
const GUEST_PAGE_FAULT = [Cause.LOAD_GUEST_PAGE_FAULT, Cause.STORE_GUEST_PAGE_FAULT, Cause.FETCH_GUEST_PAGE_FAULT];
const ACCESS_FAULT = [Cause.LOAD_ACCESS, Cause.STORE_ACCESS, Cause.FETCH_ACCESS];

/** satp-style MODE field (bits 63:60) to a paging mode. */
function vsMode(hi: number): PagingMode | null {
  const mode = hi >>> 28;
  return mode === 8 ? SV39 : mode === 9 ? SV48 : null;
}

/** The PPN field (bits 43:0) of satp/vsatp/hgatp as a physical address. */
function rootOf(lo: number, hi: number): number {
  return ((hi & 0xfff) * TWO32 + (lo >>> 0)) * 4096;
}

/**
 * The htinst/mtinst value for a guest page fault on an explicit load or store (spec 9.6.3,
 * "Transformed Instruction"): the instruction with its address-offset fields cleared, and
 * bit 1 cleared when the original was compressed.
 */
export function transformedInstruction(insn: number, compressed: boolean): number {
  const opcode = insn & 0x7f;
  let t: number;
  if (opcode === 0x03 || opcode === 0x07) t = insn & 0x000fffff & ~(0x1f << 15); // loads: clear imm and rs1
  else if (opcode === 0x23 || opcode === 0x27) t = insn & 0x01fff07f & ~(0x1f << 15); // stores
  else if (opcode === 0x2f || opcode === 0x73) t = insn & ~(0x1f << 15); // AMO, LR/SC, HLV/HSV
  else return 0;
  return compressed ? t & ~2 : t;
}

/** Translates addresses for one hart. */
export class Translator implements PteAddressTranslator {
  private readonly walker: Walker;
  /**
   * Size of the first-stage (satp or vsatp) leaf of the last successful translation: a TLB
   * entry filled from it stands for part of a page that large, which a later SFENCE.VMA of
   * any address inside it must remove.
   */
  leafSize = 4096;
  /** Translations of a non-M access so far: TLB refills, and accesses that fault (the statistics' walk count). */
  translations = 0;
  private gMode: PagingMode | null = null;
  private gRoot = 0;
  private mxr = false;
  /** menvcfg.ADUE: A/D updating for satp and hgatp walks. */
  private adue = false;

  constructor(private readonly h: HartState, private readonly t: PendingTrap, walker: Walker) {
    this.walker = walker;
  }

  // ---- MMIO pages: guest-virtual page -> device GPA page, one per access type ----
  // A guest's device register access (V = 1) always ends in a guest page fault, since host
  // software never maps device GPAs in the G-stage (`isMmioGpa` says which those are). The
  // last such page per access type is remembered with the context its VS-stage walk was
  // made in (privilege, SUM, MXR), so the next access to it skips both walks and the thrown
  // trap. It goes with the TLB (every flush, SFENCE.VMA of any page).
  /** Host software: this GPA is never mapped in the G-stage (a device or nothing). */
  isMmioGpa: ((gpa: number) => boolean) | null = null;
  private readonly mmioTagLo = new Int32Array(2).fill(1);
  private readonly mmioTagHi = new Int32Array(2);
  private readonly mmioCtx = new Int32Array(2);
  private readonly mmioGpa = new Float64Array(2);

  /** The context a VS-stage walk depends on besides the address: privilege, vsstatus.SUM, MXR. */
  private vsContext(priv: Priv): number {
    const vs = this.h.lo(Slot.VSSTATUS), ms = this.h.lo(Slot.MSTATUS);
    return priv * 4 + ((vs & Mstatus.SUM) !== 0 ? 2 : 0) + (((vs | ms) & Mstatus.MXR) !== 0 ? 1 : 0);
  }

  /**
   * For a V = 1 load (READ) or store (WRITE) of `size` bytes within a page the MMIO cache
   * knows: fills the pending trap exactly as `translate` would (the guest page fault) and
   * returns true, without a walk or a throw. Otherwise false.
   */
  mmioFault(lo: number, hi: number, size: number, access: Access, insn: number, compressed: boolean): boolean {
    const a = access === Access.WRITE ? 1 : 0;
    if (this.mmioTagLo[a] !== (lo & -4096) || this.mmioTagHi[a] !== hi || (lo & 0xfff) + size > 4096) return false;
    const h = this.h;
    if (!h.virt || this.mmioCtx[a] !== this.vsContext(h.priv)) return false;
    const gpa = this.mmioGpa[a] + (lo & 0xfff);
    const t = this.t;
    t.cause = GUEST_PAGE_FAULT[access];
    t.interrupt = false;
    t.tvalLo = lo;
    t.tvalHi = hi;
    t.tval2 = Math.floor(gpa / 4);
    t.tinst = transformedInstruction(insn, compressed);
    t.gva = true;
    return true;
  }

  /** Forgets the MMIO pages (with every TLB flush). */
  flushMmio(): void {
    this.mmioTagLo[0] = this.mmioTagLo[1] = 1;
  }

  /** G-stage translation of a VS-stage PTE address (an implicit read, or its A/D update). */
  translatePteAddress(gpa: number, write: boolean): number {
    if (this.gMode === null) return gpa;
    // A GPA wider than the G-stage input (41 bits for Sv39x4, 50 for Sv48x4) is a guest page
    // fault (privileged spec, "Guest Physical Address Translation"), not its low bits.
    if (gpa >= POW2[this.gMode.vaBits]) return WalkFault.PAGE;
    const cached = this.gCached(gpa);
    if (cached >= 0) return cached;
    this.h.counters.walks++;
    const r = this.walker.walk(this.gMode, this.gRoot, gpa, write ? Access.WRITE : Access.READ, true, false,
      this.mxr, null, this.adue);
    if (r >= 0) this.gFill(gpa, r);
    return r < 0 ? (r === WalkFault.ACCESS ? WalkFault.ACCESS : WalkFault.PAGE) : r;
  }

  // ---- G-stage cache: GPA page -> HPA page, for leaves that allow every access ----
  // A two-stage TLB miss would otherwise walk the G-stage for each VS-stage PTE and for the
  // final GPA. Only full-permission leaves (V R W X U A D) are cached, so a hit needs no
  // permission check; the cache goes with the TLB (hgatp writes, HFENCE.GVMA, full flushes).
  private readonly gTag = new Int32Array(G_CACHE_SIZE).fill(-1);
  private readonly gPage = new Float64Array(G_CACHE_SIZE);
  private readonly gFilled = new Int32Array(G_FILLS_TRACKED);
  private gFills = 0;

  /** The HPA for `gpa` from the G-stage cache, or -1. */
  private gCached(gpa: number): number {
    const page = Math.floor(gpa / 4096);
    const i = page & (G_CACHE_SIZE - 1);
    return this.gTag[i] === page ? this.gPage[i] + (gpa % 4096) : -1;
  }

  /** Caches the translation the walker just made, when its leaf allows every access. */
  private gFill(gpa: number, hpa: number): void {
    if ((this.walker.leafFlags & G_FULL) !== G_FULL) return;
    const page = Math.floor(gpa / 4096);
    const i = page & (G_CACHE_SIZE - 1);
    this.gTag[i] = page;
    this.gPage[i] = hpa - (hpa % 4096);
    if (this.gFills < G_FILLS_TRACKED) this.gFilled[this.gFills] = i;
    this.gFills++;
  }

  /** Empties the G-stage cache (just the entries filled, while they are few: see tlb.ts). */
  flushGStageCache(): void {
    this.flushMmio();
    const n = this.gFills;
    if (n > G_FILLS_TRACKED) this.gTag.fill(-1);
    else for (let k = 0; k < n; k++) this.gTag[this.gFilled[k]] = -1;
    this.gFills = 0;
  }

  /**
   * While true, a fault fills the pending trap and makes `translate` return {@link FAULTED}
   * instead of throwing TRAP (see {@link tryTranslate}).
   */
  private quiet = false;

  /**
   * As {@link translate} for an access by the current mode, but a fault returns
   * {@link FAULTED} with the trap pending instead of throwing: the interpreter's load, store
   * and fetch misses take it at their loop's top. A throw cost the host about 20,000
   * instructions: the Linux sample's 3,806 page faults to its prompt took 76 M fewer of them
   * returned (cachegrind, translation off: 34,485 M to 34,409 M).
   */
  tryTranslate(lo: number, hi: number, access: Access, insn: number, compressed: boolean): number {
    this.quiet = true;
    try {
      return this.translate(lo, hi, access, insn, compressed, false, Priv.U);
    } finally {
      this.quiet = false;
    }
  }

  /**
   * Translates (lo, hi) for an access and returns the host physical address. On failure it
   * fills the pending trap and throws TRAP. `insn`/`compressed` give htinst.
   * @param forceVirt the access is an HLV/HSV (translate as VS/VU with hstatus.SPVP)
   */
  translate(lo: number, hi: number, access: Access, insn: number, compressed: boolean,
    forceVirt: boolean, forcePriv: Priv): number {
    const h = this.h;
    const mstatus = h.lo(Slot.MSTATUS);
    let priv = h.priv;
    let virt = h.virt;
    if (forceVirt) {
      priv = forcePriv;
      virt = true;
    } else if (priv === Priv.M && access !== Access.FETCH && (mstatus & Mstatus.MPRV) !== 0) {
      priv = (mstatus >> Mstatus.MPP_SHIFT) & 3;
      virt = priv !== Priv.M && (h.hi(Slot.MSTATUS) & Mstatus.HI_MPV) !== 0;
    }
    this.leafSize = 4096;
    if (priv === Priv.M) return (hi >>> 0) * TWO32 + (lo >>> 0);

    this.mxr = (mstatus & Mstatus.MXR) !== 0;
    this.adue = (h.hi(Slot.MENVCFG) & EnvcfgHi.ADUE) !== 0;
    this.translations++;
    if (!virt) {
      const mode = vsMode(h.hi(Slot.SATP));
      if (mode === null) return (hi >>> 0) * TWO32 + (lo >>> 0);
      const va = this.canonical(lo, hi, mode.vaBits);
      if (va < 0) return this.fault(PAGE_FAULT[access], lo, hi, 0, 0, false);
      this.h.counters.walks++;
      const r = this.walker.walk(mode, rootOf(h.lo(Slot.SATP), h.hi(Slot.SATP)), va, access,
        priv === Priv.U, (mstatus & Mstatus.SUM) !== 0, this.mxr, null, this.adue);
      if (r >= 0) {
        this.leafSize = this.walker.pageSize;
        return r;
      }
      return this.fault(r === WalkFault.ACCESS ? ACCESS_FAULT[access] : PAGE_FAULT[access], lo, hi, 0, 0, forceVirt);
    }

    // Two-stage: VS-stage (vsatp) then G-stage (hgatp).
    const hgHi = h.hi(Slot.HGATP);
    const gm = hgHi >>> 28;
    this.gMode = gm === 8 ? SV39X4 : gm === 9 ? SV48X4 : null;
    this.gRoot = rootOf(h.lo(Slot.HGATP) & ~0x3, hgHi);
    const vsMxr = (h.lo(Slot.VSSTATUS) & Mstatus.MXR) !== 0 || this.mxr;
    const vsm = vsMode(h.hi(Slot.VSATP));
    let gpa: number;
    if (vsm === null) {
      gpa = (hi >>> 0) * TWO32 + (lo >>> 0);
    } else {
      const va = this.canonical(lo, hi, vsm.vaBits);
      if (va < 0) return this.fault(PAGE_FAULT[access], lo, hi, 0, 0, true);
      this.h.counters.walks++;
      const r = this.walker.walk(vsm, rootOf(h.lo(Slot.VSATP), h.hi(Slot.VSATP)), va, access,
        priv === Priv.U, (h.lo(Slot.VSSTATUS) & Mstatus.SUM) !== 0, vsMxr, this,
        this.adue && (h.hi(Slot.HENVCFG) & EnvcfgHi.ADUE) !== 0);
      if (r === WalkFault.GUEST_IMPLICIT) {
        if (this.walker.faultAccess) return this.fault(ACCESS_FAULT[access], lo, hi, 0, 0, true);
        // A guest page fault on the implicit PTE access, reported for the original access type:
        // htinst is the "64-bit read" (0x3000) or, for the A/D update, "64-bit write" (0x3020)
        // pseudoinstruction.
        return this.fault(GUEST_PAGE_FAULT[access], lo, hi, this.walker.faultGpa / 4,
          this.walker.faultWrite ? 0x3020 : 0x3000, true);
      }
      if (r < 0) return this.fault(r === WalkFault.ACCESS ? ACCESS_FAULT[access] : PAGE_FAULT[access], lo, hi, 0, 0, true);
      gpa = r;
      this.leafSize = this.walker.pageSize;
    }
    if (this.gMode === null) return gpa;
    if (gpa >= POW2[this.gMode.vaBits]) {
      return this.fault(GUEST_PAGE_FAULT[access], lo, hi, gpa / 4, access === Access.FETCH ? 0 : transformedInstruction(insn, compressed), true);
    }
    const cached = this.gCached(gpa);
    if (cached >= 0) return cached;
    this.h.counters.walks++;
    const r = this.walker.walk(this.gMode, this.gRoot, gpa, access, true, false, this.mxr, null, this.adue);
    if (r >= 0) {
      this.gFill(gpa, r);
      return r;
    }
    if (r === WalkFault.ACCESS) return this.fault(ACCESS_FAULT[access], lo, hi, 0, 0, true);
    if (!forceVirt && access !== Access.FETCH && this.isMmioGpa !== null && this.isMmioGpa(gpa)) {
      const a = access === Access.WRITE ? 1 : 0;
      this.mmioTagLo[a] = lo & -4096;
      this.mmioTagHi[a] = hi;
      this.mmioCtx[a] = this.vsContext(priv);
      this.mmioGpa[a] = gpa - (gpa % 4096);
    }
    return this.fault(GUEST_PAGE_FAULT[access], lo, hi, Math.floor(gpa / 4),
      access === Access.FETCH ? 0 : transformedInstruction(insn, compressed), true);
  }

  /** Raises an access fault for a physical address outside RAM and devices. */
  accessFault(access: Access, lo: number, hi: number): never {
    this.fault(ACCESS_FAULT[access], lo, hi, 0, 0, this.h.virt);
    throw TRAP;
  }

  /** Checks that bits above vaBits are a sign extension; returns the low vaBits as a number, or -1. */
  private canonical(lo: number, hi: number, vaBits: number): number {
    const top = hi >> (vaBits - 33); // bits 63..vaBits-1 all equal
    if (top !== 0 && top !== -1) return -1;
    const hiBits = hi & ((1 << (vaBits - 32)) - 1);
    return hiBits * TWO32 + (lo >>> 0);
  }

  /** Fills the pending trap; throws TRAP, or returns FAULTED inside {@link tryTranslate}. */
  private fault(cause: number, lo: number, hi: number, tval2: number, tinst: number, gva: boolean): number {
    const t = this.t;
    t.cause = cause;
    t.interrupt = false;
    t.tvalLo = lo;
    t.tvalHi = hi;
    t.tval2 = Math.floor(tval2);
    t.tinst = tinst;
    t.gva = gva;
    if (this.quiet) return FAULTED;
    throw TRAP;
  }
}
