/**
 * The executor of the F and D register instructions (everything but FLW/FSW/FLD/FSD, which
 * go through the hart's memory paths). Called once per FP instruction from the hart's main
 * switch, after the FS check; the integer interpreter pays nothing for it.
 *
 * Rounding mode: the instruction's rm field, or frm when rm = 7 (DYN); 5 and 6, or DYN with
 * frm >= 5, make the instruction illegal (spike and QEMU check rm on every instruction that
 * has the field, the exact conversions FCVT.D.S / FCVT.D.W[U] included).
 * Flags accrue into fflags; FS becomes Dirty when an f register or fflags changes.
 */
import { Op } from '../isa/opcodes';
import type { HartState } from '../hart-state';
import { fpAdd, fpDiv, fpFma, fpMul, fpSqrt, FMA_C } from './fp-arith';
import { Cmp, Sgnj, fpClass, fpCompare, fpMinMax, fpSgnj } from './fp-compare';
import { IntKind, doubleToSingle, fpToInt, intToFp, singleToDouble } from './fp-convert';
import { FP_OUT, Fmt, Rm } from './fp-format';
import { markFpDirty } from './fp-status';

/** Destination of an instruction's result. */
const enum Dest { F, X, NONE }

/**
 * Executes one F/D register instruction `op` (decoded from `insn`). `x` is the integer
 * register file (int32 pairs). Returns false when the instruction is illegal (invalid
 * rounding mode): the caller raises illegal instruction, nothing has changed.
 */
export function executeFp(h: HartState, x: Int32Array, op: Op, insn: number): boolean {
  const fp = h.fp, w = fp.w;
  const rd = (insn >>> 7) & 31, r1 = (insn >>> 15) & 31, r2 = (insn >>> 20) & 31;
  const fmt = op >= Op.FLD ? Fmt.D : Fmt.S;
  let rm: Rm = (insn >>> 12) & 7;
  if (rm === Rm.DYN) rm = fp.frm;
  // Operands: singles unboxed (hi unused), doubles as word pairs.
  const aLo = fmt === Fmt.S ? fp.s(r1) : w[2 * r1], aHi = w[2 * r1 + 1];
  const bLo = fmt === Fmt.S ? fp.s(r2) : w[2 * r2], bHi = w[2 * r2 + 1];
  let flags = 0;
  let dest = Dest.F;
  let dfmt = fmt; // format of an f result
  switch (op) {
    case Op.FADD_S: case Op.FADD_D: case Op.FSUB_S: case Op.FSUB_D:
      if (rm > Rm.RMM) return false;
      flags = fpAdd(fmt, aLo, aHi, bLo, bHi, rm, op === Op.FSUB_S || op === Op.FSUB_D);
      break;
    case Op.FMUL_S: case Op.FMUL_D:
      if (rm > Rm.RMM) return false;
      flags = fpMul(fmt, aLo, aHi, bLo, bHi, rm);
      break;
    case Op.FDIV_S: case Op.FDIV_D:
      if (rm > Rm.RMM) return false;
      flags = fpDiv(fmt, aLo, aHi, bLo, bHi, rm);
      break;
    case Op.FSQRT_S: case Op.FSQRT_D:
      if (rm > Rm.RMM) return false;
      flags = fpSqrt(fmt, aLo, aHi, rm);
      break;
    case Op.FMADD_S: case Op.FMSUB_S: case Op.FNMSUB_S: case Op.FNMADD_S:
    case Op.FMADD_D: case Op.FMSUB_D: case Op.FNMSUB_D: case Op.FNMADD_D: {
      if (rm > Rm.RMM) return false;
      const r3 = (insn >>> 27) & 31;
      FMA_C[0] = fmt === Fmt.S ? fp.s(r3) : w[2 * r3];
      FMA_C[1] = w[2 * r3 + 1];
      const k = fmt === Fmt.S ? op - Op.FMADD_S : op - Op.FMADD_D; // 0 madd, 1 msub, 2 nmsub, 3 nmadd
      flags = fpFma(fmt, aLo, aHi, bLo, bHi, rm, k >= 2, k === 1 || k === 3);
      break;
    }
    case Op.FSGNJ_S: case Op.FSGNJN_S: case Op.FSGNJX_S: case Op.FSGNJ_D: case Op.FSGNJN_D: case Op.FSGNJX_D:
      fpSgnj(fmt, aLo, aHi, bLo, bHi, ((insn >>> 12) & 7) as Sgnj);
      break;
    case Op.FMIN_S: case Op.FMAX_S: case Op.FMIN_D: case Op.FMAX_D:
      flags = fpMinMax(fmt, aLo, aHi, bLo, bHi, op === Op.FMAX_S || op === Op.FMAX_D);
      break;
    case Op.FEQ_S: case Op.FLT_S: case Op.FLE_S: case Op.FEQ_D: case Op.FLT_D: case Op.FLE_D:
      flags = fpCompare(fmt, aLo, aHi, bLo, bHi, ((insn >>> 12) & 7) as Cmp);
      FP_OUT[1] = 0;
      dest = Dest.X;
      break;
    case Op.FCLASS_S: case Op.FCLASS_D:
      FP_OUT[0] = fpClass(fmt, aLo, aHi);
      FP_OUT[1] = 0;
      dest = Dest.X;
      break;
    case Op.FMV_X_W: {
      const v = w[2 * r1]; // raw low word, no NaN-box check
      FP_OUT[0] = v; FP_OUT[1] = v >> 31;
      dest = Dest.X;
      break;
    }
    case Op.FMV_X_D: FP_OUT[0] = w[2 * r1]; FP_OUT[1] = w[2 * r1 + 1]; dest = Dest.X; break;
    case Op.FMV_W_X: FP_OUT[0] = x[2 * r1]; FP_OUT[1] = -1; break;
    case Op.FMV_D_X: FP_OUT[0] = x[2 * r1]; FP_OUT[1] = x[2 * r1 + 1]; break;
    case Op.FCVT_W_S: case Op.FCVT_WU_S: case Op.FCVT_L_S: case Op.FCVT_LU_S:
    case Op.FCVT_W_D: case Op.FCVT_WU_D: case Op.FCVT_L_D: case Op.FCVT_LU_D:
      if (rm > Rm.RMM) return false;
      flags = fpToInt(fmt, aLo, aHi, r2 as IntKind, rm);
      dest = Dest.X;
      break;
    case Op.FCVT_S_W: case Op.FCVT_S_WU: case Op.FCVT_S_L: case Op.FCVT_S_LU:
    case Op.FCVT_D_W: case Op.FCVT_D_WU: case Op.FCVT_D_L: case Op.FCVT_D_LU:
      if (rm > Rm.RMM) return false;
      flags = intToFp(fmt, x[2 * r1], x[2 * r1 + 1], r2 as IntKind, rm);
      break;
    case Op.FCVT_S_D:
      if (rm > Rm.RMM) return false;
      flags = doubleToSingle(w[2 * r1], w[2 * r1 + 1], rm);
      dfmt = Fmt.S;
      break;
    case Op.FCVT_D_S:
      if (rm > Rm.RMM) return false;
      flags = singleToDouble(fp.s(r1));
      dfmt = Fmt.D;
      break;
    default:
      return false;
  }
  if (dest === Dest.F) {
    if (dfmt === Fmt.S) fp.setS(rd, FP_OUT[0]); else fp.setD(rd, FP_OUT[0], FP_OUT[1]);
  } else if (dest === Dest.X) {
    x[2 * rd] = FP_OUT[0];
    x[2 * rd + 1] = FP_OUT[1];
  }
  if (flags !== 0) fp.fflags |= flags;
  if (dest === Dest.F || flags !== 0) markFpDirty(h);
  return true;
}
