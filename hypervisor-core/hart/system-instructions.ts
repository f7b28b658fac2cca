/**
 * The system instructions the interpreter hands off: CSR access (Zicsr) through the CSR file's
 * checks, and the privilege rules of SRET, WFI, SFENCE.VMA, HFENCE.* and HLV/HSV, which raise
 * an illegal or a virtual instruction exception exactly as the H extension's table says.
 */
import { Cause, Hstatus, Mstatus, Priv } from './csr-numbers';
import { CSR_VALUE, checkCsrAccess, readCsr, redirectCsr, writeCsr } from './csr-file';
import { Slot } from './hart-state';
import { Op } from './isa/opcodes';
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
