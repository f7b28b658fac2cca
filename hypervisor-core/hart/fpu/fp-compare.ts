/**
 * Sign injection, FMIN/FMAX, FEQ/FLT/FLE and FCLASS (Unprivileged ISA, F chapter,
 * "Floating-Point Compare Instructions", "Floating-Point Classify Instruction", and
 * FMIN/FMAX as in the 2.2 spec: IEEE 754-2019 minimumNumber/maximumNumber).
 *
 * All work on the bits, so NaN payloads are never touched by JS number conversions.
 * - FSGNJ*: the magnitude of rs1 with a sign from rs2 (copied, negated or xored).
 * - FMIN/FMAX: -0 < +0; one NaN operand gives the other operand; two NaNs give the canonical
 *   NaN; a signaling NaN input raises NV.
 * - FEQ is a quiet comparison (NV only for signaling NaNs); FLT and FLE are signaling (NV for
 *   any NaN). Any NaN operand gives 0.
 */
import {
  FP_OUT, Flag, Fmt, isInfBits, isNaNBits, isSNaNBits, isZeroBits, outCanonicalNaN, signBit, toNum,
} from './fp-format';

/** Sign-injection kinds: funct3 of FSGNJ, FSGNJN, FSGNJX. */
export const enum Sgnj { J = 0, JN = 1, JX = 2 }

/** FSGNJ*.fmt of (a, b) into FP_OUT. */
export function fpSgnj(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, kind: Sgnj): void {
  const at = fmt === Fmt.S ? aLo : aHi, bt = fmt === Fmt.S ? bLo : bHi;
  const sign = kind === Sgnj.J ? bt & (0x80000000 | 0) : kind === Sgnj.JN ? ~bt & (0x80000000 | 0) : (at ^ bt) & (0x80000000 | 0);
  const t = (at & 0x7fffffff) | sign;
  if (fmt === Fmt.S) { FP_OUT[0] = t; FP_OUT[1] = -1; } else { FP_OUT[0] = aLo; FP_OUT[1] = t; }
}

/** FMIN (max = false) or FMAX into FP_OUT; returns the flags. */
export function fpMinMax(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, max: boolean): number {
  const flags = isSNaNBits(fmt, aLo, aHi) || isSNaNBits(fmt, bLo, bHi) ? Flag.NV : 0;
  const aNaN = isNaNBits(fmt, aLo, aHi), bNaN = isNaNBits(fmt, bLo, bHi);
  let pickA: boolean;
  if (aNaN && bNaN) { outCanonicalNaN(fmt); return flags; }
  if (aNaN) pickA = false;
  else if (bNaN) pickA = true;
  else {
    const a = toNum(fmt, aLo, aHi), b = toNum(fmt, bLo, bHi);
    if (a === b) pickA = (signBit(fmt, aLo, aHi) === 1) !== max; // equal: only ±0 differ
    else pickA = (a < b) !== max;
  }
  if (pickA) { FP_OUT[0] = aLo; FP_OUT[1] = fmt === Fmt.S ? -1 : aHi; }
  else { FP_OUT[0] = bLo; FP_OUT[1] = fmt === Fmt.S ? -1 : bHi; }
  return flags;
}

/** Comparison kinds: funct3 of FLE, FLT, FEQ. */
export const enum Cmp { LE = 0, LT = 1, EQ = 2 }

/** FEQ/FLT/FLE: FP_OUT[0] = 0 or 1; returns the flags. */
export function fpCompare(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, kind: Cmp): number {
  if (isNaNBits(fmt, aLo, aHi) || isNaNBits(fmt, bLo, bHi)) {
    FP_OUT[0] = 0;
    if (kind !== Cmp.EQ) return Flag.NV;
    return isSNaNBits(fmt, aLo, aHi) || isSNaNBits(fmt, bLo, bHi) ? Flag.NV : 0;
  }
  const a = toNum(fmt, aLo, aHi), b = toNum(fmt, bLo, bHi);
  FP_OUT[0] = (kind === Cmp.EQ ? a === b : kind === Cmp.LT ? a < b : a <= b) ? 1 : 0;
  return 0;
}

/**
 * FCLASS: one bit set: 0 -inf, 1 negative normal, 2 negative subnormal, 3 -0, 4 +0,
 * 5 positive subnormal, 6 positive normal, 7 +inf, 8 signaling NaN, 9 quiet NaN.
 */
export function fpClass(fmt: Fmt, lo: number, hi: number): number {
  if (isNaNBits(fmt, lo, hi)) return isSNaNBits(fmt, lo, hi) ? 1 << 8 : 1 << 9;
  const neg = signBit(fmt, lo, hi) === 1;
  if (isInfBits(fmt, lo, hi)) return neg ? 1 << 0 : 1 << 7;
  if (isZeroBits(fmt, lo, hi)) return neg ? 1 << 3 : 1 << 4;
  const expZero = fmt === Fmt.S ? (lo & 0x7f800000) === 0 : (hi & 0x7ff00000) === 0;
  if (expZero) return neg ? 1 << 2 : 1 << 5;
  return neg ? 1 << 1 : 1 << 6;
}
