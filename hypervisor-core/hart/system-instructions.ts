/**
 * The system instructions the interpreter hands off: CSR access (Zicsr) through the CSR file's
 * checks, and the privilege rules of SRET, WFI, SFENCE.VMA, HFENCE.* and HLV/HSV, which raise
 * an illegal or a virtual instruction exception exactly as the H extension's table says; the
 * state changes of MRET and SRET, and the two-stage translation of HLV/HSV.
 */
import { Access } from '../mmu/walker';
import { Cause, Hstatus, Mstatus, Priv } from './csr-numbers';
import { CSR_VALUE, checkCsrAccess, readCsr, redirectCsr, writeCsr } from './csr-file';
import { Slot } from './hart-state';
import { Op } from './isa/opcodes';
import { TRAP } from './translate';
import type { Hart } from './hart';

/** Executes a CSR instruction; throws TRAP on an access fault. */
export function csrInstruction(h: Hart, op: Op, insn: number): void {
  const num = insn >>> 20;
  const rd = (insn >> 6) & 62;
  const rs1 = (insn >> 14) & 62;
  const imm = op >= Op.CSRRWI;
  const kind = imm ? op - Op.CSRRWI : op - Op.CSRRW; // 0 = write, 1 = set, 2 = clear
  const srcLo = imm ? (insn >> 15) & 31 : h.x[rs1];
  const srcHi = imm ? 0 : h.x[rs1 + 1];
  const writes = kind === 0 || (imm ? ((insn >> 15) & 31) !== 0 : rs1 !== 0);
  const reads = kind !== 0 || rd !== 0;
  const fault = checkCsrAccess(h, num, writes);
  if (fault !== 0) h.raise(fault, insn, 0);
  const n = redirectCsr(h, num);
  let oldLo = 0, oldHi = 0;
  if (reads) {
    readCsr(h, n);
    oldLo = CSR_VALUE[0];
    oldHi = CSR_VALUE[1];
  }
  if (writes) {
    let lo = srcLo, hi = srcHi;
    if (kind === 1) { lo = oldLo | srcLo; hi = oldHi | srcHi; }
    else if (kind === 2) { lo = oldLo & ~srcLo; hi = oldHi & ~srcHi; }
    writeCsr(h, n, lo, hi);
  }
  h.x[rd] = oldLo;
  h.x[rd + 1] = oldHi;
}

/** Checks the rules for SRET/WFI/SFENCE/HFENCE/HLV and raises when not allowed. */
export function privilegedCheck(h: Hart, op: Op, insn: number): void {
  const priv = h.priv, virt = h.virt;
  const ms = h.lo(Slot.MSTATUS), hs = h.lo(Slot.HSTATUS);
  let fault = 0;
  switch (op) {
    case Op.SRET:
      if (priv === Priv.U) fault = virt ? Cause.VIRTUAL_INSTRUCTION : Cause.ILLEGAL_INSTRUCTION;
      else if (priv === Priv.S && !virt && (ms & Mstatus.TSR)) fault = Cause.ILLEGAL_INSTRUCTION;
      else if (priv === Priv.S && virt && (hs & Hstatus.VTSR)) fault = Cause.VIRTUAL_INSTRUCTION;
      break;
    case Op.WFI:
      if (priv !== Priv.M && (ms & Mstatus.TW)) fault = Cause.ILLEGAL_INSTRUCTION;
      else if (priv === Priv.U) fault = virt ? Cause.VIRTUAL_INSTRUCTION : Cause.ILLEGAL_INSTRUCTION;
      else if (virt && (hs & Hstatus.VTW)) fault = Cause.VIRTUAL_INSTRUCTION;
      break;
    case Op.SFENCE_VMA:
      if (priv === Priv.U) fault = virt ? Cause.VIRTUAL_INSTRUCTION : Cause.ILLEGAL_INSTRUCTION;
      else if (priv === Priv.S && !virt && (ms & Mstatus.TVM)) fault = Cause.ILLEGAL_INSTRUCTION;
      else if (priv === Priv.S && virt && (hs & Hstatus.VTVM)) fault = Cause.VIRTUAL_INSTRUCTION;
      break;
    case Op.HFENCE_VVMA: case Op.HFENCE_GVMA:
      if (virt) fault = Cause.VIRTUAL_INSTRUCTION;
      else if (priv === Priv.U) fault = Cause.ILLEGAL_INSTRUCTION;
      else if (op === Op.HFENCE_GVMA && priv === Priv.S && (ms & Mstatus.TVM)) fault = Cause.ILLEGAL_INSTRUCTION;
      break;
    default: // HLV, HLVX, HSV
      if (virt) fault = Cause.VIRTUAL_INSTRUCTION;
      else if (priv === Priv.U && (hs & Hstatus.HU) === 0) fault = Cause.ILLEGAL_INSTRUCTION;
  }
  if (fault !== 0) h.raise(fault, insn, 0);
}

/** The state changes of SRET from HS-mode or VS-mode (pc excluded). */
export function doSret(h: Hart): void {
  if (h.virt) {
    let s = h.lo(Slot.VSSTATUS);
    const spp = (s & Mstatus.SPP) ? Priv.S : Priv.U;
    s = (s & ~(Mstatus.SIE | Mstatus.SPP)) | ((s & Mstatus.SPIE) ? Mstatus.SIE : 0) | Mstatus.SPIE;
    h.c[Slot.VSSTATUS * 2] = s;
    h.priv = spp;
    return;
  }
  let s = h.lo(Slot.MSTATUS);
  const spp = (s & Mstatus.SPP) ? Priv.S : Priv.U;
  s = (s & ~(Mstatus.SIE | Mstatus.SPP | Mstatus.MPRV)) | ((s & Mstatus.SPIE) ? Mstatus.SIE : 0) | Mstatus.SPIE;
  h.c[Slot.MSTATUS * 2] = s;
  let hs = h.lo(Slot.HSTATUS);
  h.virt = (hs & Hstatus.SPV) !== 0;
  hs &= ~Hstatus.SPV;
  h.c[Slot.HSTATUS * 2] = hs;
  h.priv = spp;
}

/** The state changes of MRET (pc excluded). */
export function doMret(h: Hart): void {
  let s = h.lo(Slot.MSTATUS);
  let shi = h.hi(Slot.MSTATUS);
  const mpp = (s & Mstatus.MPP_MASK) >> Mstatus.MPP_SHIFT;
  s = (s & ~(Mstatus.MIE | Mstatus.MPP_MASK)) | ((s & Mstatus.MPIE) ? Mstatus.MIE : 0) | Mstatus.MPIE;
  if (mpp !== Priv.M) s &= ~Mstatus.MPRV;
  h.virt = mpp !== Priv.M && (shi & Mstatus.HI_MPV) !== 0;
  shi &= ~Mstatus.HI_MPV;
  h.set(Slot.MSTATUS, s, shi);
  h.priv = mpp;
  h.triggers.mret();
}

/** Hypervisor load/store: translate as V=1 with hstatus.SPVP. */
export function hypervisorAccess(h: Hart, lo: number, hi: number, size: number, access: Access, hlvx: boolean, insn: number): number {
  const spvp = (h.lo(Slot.HSTATUS) & Hstatus.SPVP) ? Priv.S : Priv.U;
  if ((lo & 0xfff) + size > 4096) h.raise(access === Access.WRITE ? Cause.MISALIGNED_STORE : Cause.MISALIGNED_LOAD, lo, hi);
  let pa: number;
  if (hlvx) {
    // HLVX needs execute permission but faults as a load.
    try {
      pa = h.translator.translate(lo, hi, Access.FETCH, insn, false, true, spvp);
    } catch (e) {
      if (e !== TRAP) throw e;
      const c = h.trap.cause;
      h.trap.cause = c === Cause.FETCH_PAGE_FAULT ? Cause.LOAD_PAGE_FAULT
        : c === Cause.FETCH_GUEST_PAGE_FAULT ? Cause.LOAD_GUEST_PAGE_FAULT : c === Cause.FETCH_ACCESS ? Cause.LOAD_ACCESS : c;
      if (h.trap.cause === Cause.LOAD_GUEST_PAGE_FAULT && h.trap.tinst === 0) h.trap.tinst = insn & ~(0x1f << 15);
      throw e;
    }
  } else {
    pa = h.translator.translate(lo, hi, access, insn, false, true, spvp);
  }
  h.trap.gva = true;
  if (!h.mem.contains(pa, size)) h.translator.accessFault(access === Access.WRITE ? Access.WRITE : Access.READ, lo, hi);
  return (pa - h.mem.base) | 0; // an int32 (data-access.ts fetchPage)
}
