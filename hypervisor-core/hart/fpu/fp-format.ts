/**
 * Binary32/binary64 parameters, rounding modes, exception flags and the bit-pattern <->
 * JS number moves of the FPU (RISC-V Unprivileged ISA, "F" and "D" chapters; IEEE 754-2008).
 *
 * Operand convention of every FPU helper: a value is an int32 pair (lo, hi) of its bit
 * pattern; a single uses lo only (the NaN-box is checked by the register file, not here).
 * Results go to `FP_OUT` ([lo, hi]); helpers return the exception flags they raise.
 *
 * NaNs never travel as JS numbers: converting an sNaN through a number may quiet it or change
 * its payload, so every helper tests for NaN on the bits first.
 */

/** The two formats. */
export const enum Fmt { S = 0, D = 1 }

/** Rounding modes (the rm field and frm). 7 in an instruction means "use frm". */
export const enum Rm { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7 }

/** fflags bits. */
export const enum Flag { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 }

/** Format parameters for the exact (BigInt) path. */
export interface FormatInfo {
  /** precision in bits, hidden bit included */
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  readonly bias: number;
}

/** binary32 and binary64. */
export const FORMATS: readonly FormatInfo[] = [
  { p: 24, emin: -126, emax: 127, bias: 127 },
  { p: 53, emin: -1022, emax: 1023, bias: 1023 },
];

/** The canonical NaN bit patterns (sign 0, quiet bit set, payload 0). */
export const CANONICAL_NAN_S = 0x7fc00000;
export const CANONICAL_NAN_D_HI = 0x7ff80000;

/** Result of the last FPU helper: [lo, hi]. */
export const FP_OUT = new Int32Array(2);

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
const F64 = new Float64Array(1);
const I64 = new Int32Array(F64.buffer); // little-endian: [0] = low word

/** A non-NaN single bit pattern as a number (exact). */
export function sToNum(bits: number): number {
  I32[0] = bits;
  return F32[0];
}
/** A non-NaN double bit pattern as a number. */
export function dToNum(lo: number, hi: number): number {
  I64[0] = lo;
  I64[1] = hi;
  return F64[0];
}
/** A number already representable as a single (or rounded to nearest-even) to its bits. */
export function numToS(v: number): number {
  F32[0] = v;
  return I32[0];
}
/** A non-NaN number to double bits in FP_OUT. */
export function numToD(v: number): void {
  F64[0] = v;
  FP_OUT[0] = I64[0];
  FP_OUT[1] = I64[1];
}
/** Sets FP_OUT to a value of format fmt given as a number (non-NaN). */
export function outNum(fmt: Fmt, v: number): void {
  if (fmt === Fmt.S) { FP_OUT[0] = numToS(v); FP_OUT[1] = -1; } else numToD(v);
}
/** Sets FP_OUT to the canonical NaN of fmt. */
export function outCanonicalNaN(fmt: Fmt): void {
  if (fmt === Fmt.S) { FP_OUT[0] = CANONICAL_NAN_S; FP_OUT[1] = -1; } else { FP_OUT[0] = 0; FP_OUT[1] = CANONICAL_NAN_D_HI; }
}

/** The high word of a value holding the sign and exponent (lo for singles). */
function top(fmt: Fmt, lo: number, hi: number): number {
  return fmt === Fmt.S ? lo : hi;
}
/** True for any NaN. */
export function isNaNBits(fmt: Fmt, lo: number, hi: number): boolean {
  if (fmt === Fmt.S) return (lo & 0x7fffffff) > 0x7f800000;
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
}
/** True for a signaling NaN (quiet bit clear). */
export function isSNaNBits(fmt: Fmt, lo: number, hi: number): boolean {
  if (!isNaNBits(fmt, lo, hi)) return false;
  return fmt === Fmt.S ? (lo & 0x00400000) === 0 : (hi & 0x00080000) === 0;
}
/** True for ±infinity. */
export function isInfBits(fmt: Fmt, lo: number, hi: number): boolean {
  return fmt === Fmt.S ? (lo & 0x7fffffff) === 0x7f800000 : (hi & 0x7fffffff) === 0x7ff00000 && lo === 0;
}
/** True for ±0. */
export function isZeroBits(fmt: Fmt, lo: number, hi: number): boolean {
  return fmt === Fmt.S ? (lo & 0x7fffffff) === 0 : (hi & 0x7fffffff) === 0 && lo === 0;
}
/** The sign bit, 0 or 1. */
export function signBit(fmt: Fmt, lo: number, hi: number): number {
  return top(fmt, lo, hi) >>> 31;
}
/** Value bits to a number for non-NaN inputs. */
export function toNum(fmt: Fmt, lo: number, hi: number): number {
  return fmt === Fmt.S ? sToNum(lo) : dToNum(lo, hi);
}
