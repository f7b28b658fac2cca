/**
 * The instructions outside the interpreter's hot switch: A, the privileged ones, H, F and D.
 * They run in functions of their own so that V8, meeting a class for the first time,
 * deoptimises (and later recompiles) these small functions, not the whole run loop, and so
 * that the loop it compiles stays small. Faults throw TRAP as in the loop; the result says
 * how the loop goes on.
 */
import { Access } from '../mmu/walker';
import { Cause, Priv } from './csr-numbers';
import { Slot } from './hart-state';
import { Op } from './isa/opcodes';
import { executeFp } from './fpu/execute-fp';
import { fpEnabled, markFpDirty } from './fpu/fp-status';
import { doMret, doSret, hypervisorAccess, privilegedCheck } from './system-instructions';
import { atomicInstruction } from './atomic-instructions';
import { loadData, storeData, writeRam } from './data-access';
import type { Hart } from './hart';

/** How the run loop goes on after an instruction of `coldInstruction`. */
export const enum Cold {
  /** To the next instruction (the pc advances, as after any simple instruction). */
  NEXT,
  /** To the next instruction through the loop's top: interrupts and translation may have changed. */
  RECHECK,
  /** To the pc the instruction set (h.pcLo/pcHi), through the loop's top. */
  JUMP,
  /** WFI with nothing pending: the run stops after it. */
  WFI,
  /** As NEXT, and the run ends there (pause-loop exiting: {@link Hart.yieldOnSpin}). */
  YIELD,
}

/**
 * Executes an instruction the hot switch does not hold. `bits` is the instruction as fetched
 * (xtval of an illegal instruction), (pcLo, pcHi) its address.
 */
export function coldInstruction(h: Hart, op: Op, insn: number, bits: number, compressed: boolean, pcLo: number, pcHi: number): Cold {
  if (op >= Op.LR_W && op <= Op.AMOMAXU_D) return atomicInstruction(h, op, insn) ? Cold.YIELD : Cold.NEXT;
  const x = h.x, dv = h.dv;
  const rd = (insn >> 6) & 62, rs1 = (insn >> 14) & 62, rs2 = (insn >> 19) & 62;
  switch (op) {
    case Op.EBREAK: return h.raise(Cause.BREAKPOINT, pcLo, pcHi);
    case Op.MRET:
      // MRET is not allowed in HS-mode either, so it is illegal (not virtual) in VS/VU.
      if (h.priv !== Priv.M) h.raise(Cause.ILLEGAL_INSTRUCTION, insn, 0);
      doMret(h);
      h.pcLo = h.lo(Slot.MEPC); h.pcHi = h.hi(Slot.MEPC);
      return Cold.JUMP;
    case Op.SRET: {
      privilegedCheck(h, op, insn);
      const virt = h.virt;
      doSret(h);
      const slot = virt ? Slot.VSEPC : Slot.SEPC;
      h.pcLo = h.lo(slot); h.pcHi = h.hi(slot);
      return Cold.JUMP;
    }
    case Op.WFI:
      privilegedCheck(h, op, insn);
      return h.interruptPendingForWfi() ? Cold.RECHECK : Cold.WFI;
    case Op.SFENCE_VMA: case Op.HFENCE_VVMA: case Op.HFENCE_GVMA:
      privilegedCheck(h, op, insn);
      // With a virtual address (rs1 != x0), only that page goes; HFENCE.GVMA names a
      // guest physical address, which this GVA-indexed TLB cannot look up: flush all.
      if (rs1 !== 0 && op !== Op.HFENCE_GVMA) h.flushTlbPage(x[rs1], x[rs1 + 1]);
      // In VS-mode (V = 1) SFENCE.VMA orders VS-stage translations only, like HFENCE.VVMA:
      // the G-stage cache stays (a Linux guest's fences walked the G-stage 33,092 times to its
      // prompt when they emptied it, 6,661 since: 34 M host instructions fewer, cachegrind).
      else h.flushAllTlbs(op === Op.HFENCE_GVMA || (op === Op.SFENCE_VMA && !h.virt));
      return Cold.RECHECK;
    case Op.HLV_B: case Op.HLV_BU: case Op.HLV_H: case Op.HLV_HU: case Op.HLVX_HU:
    case Op.HLV_W: case Op.HLV_WU: case Op.HLVX_WU: case Op.HLV_D: {
      privilegedCheck(h, op, insn);
      const size = op <= Op.HLV_BU ? 1 : op <= Op.HLVX_HU ? 2 : op <= Op.HLVX_WU ? 4 : 8;
      const off = hypervisorAccess(h, x[rs1], x[rs1 + 1], size, Access.READ, op === Op.HLVX_HU || op === Op.HLVX_WU, insn);
      let vlo: number, vhi = 0;
      switch (op) {
        case Op.HLV_B: vlo = dv.getInt8(off); vhi = vlo >> 31; break;
        case Op.HLV_BU: vlo = dv.getUint8(off); break;
        case Op.HLV_H: vlo = dv.getInt16(off, true); vhi = vlo >> 31; break;
        case Op.HLV_HU: case Op.HLVX_HU: vlo = dv.getUint16(off, true); break;
        case Op.HLV_W: vlo = dv.getInt32(off, true); vhi = vlo >> 31; break;
        case Op.HLV_WU: case Op.HLVX_WU: vlo = dv.getInt32(off, true); break;
        default: vlo = dv.getInt32(off, true); vhi = dv.getInt32(off + 4, true);
      }
      x[rd] = vlo; x[rd + 1] = vhi;
      return Cold.NEXT;
    }
    case Op.HSV_B: case Op.HSV_H: case Op.HSV_W: case Op.HSV_D: {
      privilegedCheck(h, op, insn);
      const size = op === Op.HSV_B ? 1 : op === Op.HSV_H ? 2 : op === Op.HSV_W ? 4 : 8;
      const off = hypervisorAccess(h, x[rs1], x[rs1 + 1], size, Access.WRITE, false, insn);
      writeRam(h, off, size, x[rs2], x[rs2 + 1]);
      return Cold.NEXT;
    }
    default:
      // F and D (the Ops FLW..FMV_D_X, last in the enum): one call into the FPU.
      if (op >= Op.FLW) return fpInstruction(h, op, insn, compressed, bits) ? Cold.RECHECK : Cold.NEXT; // MMIO: recheck interrupts
      return h.raise(Cause.ILLEGAL_INSTRUCTION, bits, 0);
  }
}

/**
 * One F or D instruction: the FS check (illegal instruction when FS is Off, or vsstatus.FS
 * is Off with V = 1), loads and stores through the data paths (TLB, slow path, MMIO; a
 * guest page fault gets the transformed instruction in htinst like integer accesses), the
 * rest in fpu/execute-fp.ts. `bits` is the instruction as fetched (xtval). Returns true
 * when MMIO was accessed.
 */
export function fpInstruction(h: Hart, op: Op, insn: number, compressed: boolean, bits: number): boolean {
  if (!fpEnabled(h)) h.raise(Cause.ILLEGAL_INSTRUCTION, bits, 0);
  const x = h.x;
  if (op === Op.FLW || op === Op.FLD || op === Op.FSW || op === Op.FSD) {
    const store = op === Op.FSW || op === Op.FSD;
    const imm = store ? ((insn >> 20) & ~31) | ((insn >> 7) & 31) : insn >> 20;
    const rs1 = (insn >> 14) & 62, blo = x[rs1];
    const lo = (blo + imm) | 0;
    const hi = (x[rs1 + 1] + (imm >> 31) + ((lo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0;
    const size = op === Op.FLW || op === Op.FSW ? 4 : 8;
    if (store) {
      const w = h.fp.w, r = (insn >>> 20) & 31;
      return storeData(h, lo, hi, size, w[2 * r], w[2 * r + 1], insn, compressed);
    }
    const mmio = loadData(h, lo, hi, size, insn, compressed);
    const rd = (insn >>> 7) & 31;
    if (size === 4) h.fp.setS(rd, h.val[0]); else h.fp.setD(rd, h.val[0], h.val[1]);
    markFpDirty(h);
    return mmio;
  }
  if (!executeFp(h, x, op, insn)) h.raise(Cause.ILLEGAL_INSTRUCTION, bits, 0);
  return false;
}
