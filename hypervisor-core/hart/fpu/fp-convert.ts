/**
 * FCVT between formats and between floating point and integers (Unprivileged ISA, "Single-
 * Precision Floating-Point Conversion and Move Instructions" and the D equivalents).
 *
 * Float -> integer rounds with rm, then saturates as the spec's table says: NaN and values
 * above the range give the largest integer, values below it (and -inf) the smallest; such
 * inputs raise NV only (not NX). 32-bit results are sign-extended to 64 bits, unsigned ones
 * too (fcvt.wu.s of 2^32-1 gives all ones). Integer -> float and D -> S round with rm; S -> D
 * is exact. NaN inputs give the canonical NaN of the target format (NV if signaling).
 */
import {
  FP_OUT, Flag, Fmt, Rm, isInfBits, isNaNBits, isSNaNBits, isZeroBits, outCanonicalNaN, outNum, sToNum, signBit, toNum,
} from './fp-format';
import { outInf, outZero, roundPack, unpack } from './softfloat';
import { TWO32 } from '../int64';

/** The integer side of a conversion (the rs2 field of FCVT). */
export const enum IntKind { W = 0, WU = 1, L = 2, LU = 3 }

const TWO63 = 2 ** 63;
const TWO64 = 2 ** 64;
const MIN_NORMAL_S = 2 ** -126;

/** v rounded to an integer with rm (v finite). */
export function roundToInteger(v: number, rm: Rm): number {
  if (!(Math.abs(v) < 4503599627370496)) return v; // |v| >= 2^52: already an integer
  const t = Math.trunc(v);
  if (t === v) return v;
  switch (rm) {
    case Rm.RTZ: return t;
    case Rm.RDN: return Math.floor(v);
    case Rm.RUP: return Math.ceil(v);
    case Rm.RMM: {
      const a = Math.abs(v), f = Math.floor(a);
      const r = a - f >= 0.5 ? f + 1 : f; // a - f is exact
      return v < 0 ? -r : r;
    }
    default: {
      const f = Math.floor(v), d = v - f;
      return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
    }
  }
}

/** FP_OUT = the 64-bit register value of integer r of kind k. */
function outInt(r: number, k: IntKind): void {
  if (k <= IntKind.WU) { const lo = r | 0; FP_OUT[0] = lo; FP_OUT[1] = lo >> 31; return; }
  const hi = Math.floor(r / TWO32);
  FP_OUT[0] = (r - hi * TWO32) | 0;
  FP_OUT[1] = hi | 0;
}

/** FP_OUT = the saturated result for an out-of-range input: the largest or smallest of k. */
function outSaturated(k: IntKind, high: boolean): void {
  switch (k) {
    case IntKind.W: FP_OUT[0] = high ? 0x7fffffff : 0x80000000 | 0; FP_OUT[1] = high ? 0 : -1; break;
    case IntKind.WU: FP_OUT[0] = FP_OUT[1] = high ? -1 : 0; break;
    case IntKind.L: FP_OUT[0] = high ? -1 : 0; FP_OUT[1] = high ? 0x7fffffff : 0x80000000 | 0; break;
    default: FP_OUT[0] = FP_OUT[1] = high ? -1 : 0;
  }
}

/** FCVT.{W,WU,L,LU}.{S,D}: the integer register value in FP_OUT; returns the flags. */
export function fpToInt(fmt: Fmt, lo: number, hi: number, k: IntKind, rm: Rm): number {
  if (isNaNBits(fmt, lo, hi)) { outSaturated(k, true); return Flag.NV; }
  const v = toNum(fmt, lo, hi); // ±inf included
  const r = roundToInteger(v, rm);
  let ok: boolean;
  switch (k) {
    case IntKind.W: ok = r >= -2147483648 && r <= 2147483647; break;
    case IntKind.WU: ok = r >= 0 && r <= 4294967295; break; // -0 is 0
    case IntKind.L: ok = r >= -TWO63 && r < TWO63; break;
    default: ok = r >= 0 && r < TWO64;
  }
  if (!ok) { outSaturated(k, r > 0); return Flag.NV; }
  outInt(r, k);
  return r === v ? 0 : Flag.NX;
}

/** FCVT.{S,D}.{W,WU,L,LU}: the integer (register value lo, hi) to fmt in FP_OUT. */
export function intToFp(fmt: Fmt, lo: number, hi: number, k: IntKind, rm: Rm): number {
  let v: number;
  let exact = true; // v holds the integer exactly
  switch (k) {
    case IntKind.W: v = lo | 0; break;
    case IntKind.WU: v = lo >>> 0; break;
    case IntKind.L: v = hi * TWO32 + (lo >>> 0); exact = hi >= -0x200000 && hi < 0x200000; break;
    default: v = (hi >>> 0) * TWO32 + (lo >>> 0); exact = (hi >>> 0) < 0x200000;
  }
  if (exact) {
    if (fmt === Fmt.D || Math.abs(v) <= 16777216) { outNum(fmt, v); return 0; }
    if (rm === Rm.RNE) { const r = Math.fround(v); outNum(Fmt.S, r); return r === v ? 0 : Flag.NX; }
  }
  let mag = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (k <= IntKind.WU) mag = k === IntKind.W ? BigInt(lo | 0) : BigInt(lo >>> 0);
  else if (k === IntKind.L) mag = BigInt.asIntN(64, mag);
  const sign = mag < 0n ? 1 : 0;
  return roundPack(fmt, sign, sign ? -mag : mag, 0, rm);
}

/** FCVT.S.D: double (lo, hi) to single in FP_OUT[0] (boxed). */
export function doubleToSingle(lo: number, hi: number, rm: Rm): number {
  if (isNaNBits(Fmt.D, lo, hi)) { outCanonicalNaN(Fmt.S); return isSNaNBits(Fmt.D, lo, hi) ? Flag.NV : 0; }
  const sign = signBit(Fmt.D, lo, hi);
  if (isInfBits(Fmt.D, lo, hi)) { outInf(Fmt.S, sign); return 0; }
  if (isZeroBits(Fmt.D, lo, hi)) { outZero(Fmt.S, sign); return 0; }
  if (rm === Rm.RNE) {
    const d = toNum(Fmt.D, lo, hi);
    if (Math.abs(d) >= MIN_NORMAL_S) {
      const r = Math.fround(d);
      outNum(Fmt.S, r);
      if (r === Infinity || r === -Infinity) return Flag.OF | Flag.NX;
      return r === d ? 0 : Flag.NX;
    }
  }
  const u = unpack(Fmt.D, lo, hi);
  return roundPack(Fmt.S, u.sign, u.sig, u.exp, rm);
}

/** FCVT.D.S: single bits to double in FP_OUT (exact). */
export function singleToDouble(bits: number): number {
  if (isNaNBits(Fmt.S, bits, 0)) { outCanonicalNaN(Fmt.D); return isSNaNBits(Fmt.S, bits, 0) ? Flag.NV : 0; }
  outNum(Fmt.D, sToNum(bits));
  return 0;
}
