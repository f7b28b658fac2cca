/**
 * FADD/FSUB/FMUL/FDIV/FSQRT and the fused multiply-adds (F and D chapters of the
 * Unprivileged ISA), correctly rounded in the five rounding modes with exact fflags.
 *
 * Strategy. Special operands (NaN, ±inf, ±0) are settled on the bits: any NaN input gives
 * the canonical NaN, NV when one is signaling (or for inf - inf, 0 * inf, 0/0, inf/inf,
 * sqrt(<0), and for the fused multiply-add 0 * inf even with a quiet-NaN addend, as RISC-V
 * requires); x/0 raises DZ. Finite operands then take:
 *  - a fast path, round-to-nearest-even only: JS double arithmetic is IEEE binary64 with
 *    RNE. The result's exactness (NX) comes from error-free transformations (exact-double.ts):
 *    TwoSum for sums, TwoProduct for products, a - q*b (Sterbenz-exact) for quotients and
 *    a - s*s for roots. Singles are computed in double and rounded once more with
 *    Math.fround: for + - * / sqrt of singles double rounding is innocuous (53 >= 2*24 + 2,
 *    Figueroa 1995). The fast path is taken only where tininess and overflow are decided
 *    (results well inside the normal range, or provably exact);
 *  - otherwise the exact BigInt path (softfloat.ts), which handles every rounding mode,
 *    subnormal results (tininess after rounding, UF) and overflow.
 * Double FMA in RNE uses Boldo and Melquiond's emulation (TwoProduct, TwoSum, a sum rounded
 * to odd, then RN; "Emulation of FMA and correctly rounded sums: proved algorithms using
 * rounding to odd", IEEE TC 2008), away from underflow and overflow.
 */
import { ERR, isOddDouble, nextToward, twoProduct, twoSum } from './exact-double';
import {
  FP_OUT, Flag, Fmt, Rm, isInfBits, isNaNBits, isSNaNBits, isZeroBits, outCanonicalNaN, outNum, signBit, toNum,
} from './fp-format';
import { Unpacked, addExact, divExact, outInf, outZero, roundPack, sqrtExact, unpack } from './softfloat';

const MIN_NORMAL_S = 2 ** -126;
const LOW = 2 ** -960; // below this, products' error terms may fall under 2^-1074
const HIGH = 2 ** 995; // above this, Veltkamp's split may overflow

/** A finite value (zero included) for the exact path. */
function operand(fmt: Fmt, lo: number, hi: number): Unpacked {
  if (isZeroBits(fmt, lo, hi)) return { sign: signBit(fmt, lo, hi), sig: 0n, exp: 0 };
  return unpack(fmt, lo, hi);
}

/** Flips the sign bit of an operand word pair (sign lives in lo for singles). */
function negTop(fmt: Fmt, lo: number, hi: number, neg: boolean): number {
  return neg ? (fmt === Fmt.S ? lo : hi) ^ (0x80000000 | 0) : fmt === Fmt.S ? lo : hi;
}

/** NaN inputs: the canonical NaN, NV if one is signaling. */
function nanResult(fmt: Fmt, snan: boolean): number {
  outCanonicalNaN(fmt);
  return snan ? Flag.NV : 0;
}

/** Result of a finite single computed as the double `d` (exact or RN of the true value) with `dExact`. */
function finishSingle(d: number, dExact: boolean): number {
  const r = Math.fround(d);
  outNum(Fmt.S, r);
  if (r === Infinity || r === -Infinity) return Flag.OF | Flag.NX;
  return dExact && r === d ? 0 : Flag.NX;
}

/** a + b (or a - b with `negB`). */
export function fpAdd(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, rm: Rm, negB: boolean): number {
  if (fmt === Fmt.S) bLo = negTop(fmt, bLo, bHi, negB); else bHi = negTop(fmt, bLo, bHi, negB);
  const aNaN = isNaNBits(fmt, aLo, aHi), bNaN = isNaNBits(fmt, bLo, bHi);
  if (aNaN || bNaN) return nanResult(fmt, isSNaNBits(fmt, aLo, aHi) || isSNaNBits(fmt, bLo, bHi));
  const aInf = isInfBits(fmt, aLo, aHi), bInf = isInfBits(fmt, bLo, bHi);
  if (aInf || bInf) {
    if (aInf && bInf && signBit(fmt, aLo, aHi) !== signBit(fmt, bLo, bHi)) return nanResult(fmt, true);
    outInf(fmt, aInf ? signBit(fmt, aLo, aHi) : signBit(fmt, bLo, bHi));
    return 0;
  }
  if (rm === Rm.RNE) {
    // A tiny sum of two floats is always exact, so no UF case exists; only overflow remains.
    const a = toNum(fmt, aLo, aHi), b = toNum(fmt, bLo, bHi);
    const d = twoSum(a, b);
    if (fmt === Fmt.S) return finishSingle(d, ERR === 0);
    if (d !== Infinity && d !== -Infinity) { outNum(Fmt.D, d); return ERR === 0 ? 0 : Flag.NX; }
  }
  const x = operand(fmt, aLo, aHi), y = operand(fmt, bLo, bHi);
  return addExact(fmt, x.sign, x.sig, x.exp, y.sign, y.sig, y.exp, rm);
}

/** a * b. */
export function fpMul(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, rm: Rm): number {
  if (isNaNBits(fmt, aLo, aHi) || isNaNBits(fmt, bLo, bHi)) return nanResult(fmt, isSNaNBits(fmt, aLo, aHi) || isSNaNBits(fmt, bLo, bHi));
  const sign = signBit(fmt, aLo, aHi) ^ signBit(fmt, bLo, bHi);
  const aZero = isZeroBits(fmt, aLo, aHi), bZero = isZeroBits(fmt, bLo, bHi);
  if (isInfBits(fmt, aLo, aHi) || isInfBits(fmt, bLo, bHi)) {
    if (aZero || bZero) return nanResult(fmt, true);
    outInf(fmt, sign);
    return 0;
  }
  if (aZero || bZero) { outZero(fmt, sign); return 0; }
  if (rm === Rm.RNE) {
    const a = toNum(fmt, aLo, aHi), b = toNum(fmt, bLo, bHi);
    if (fmt === Fmt.S) {
      const d = a * b; // exact: 48 significant bits, exponent within double range
      if (Math.abs(d) >= MIN_NORMAL_S) return finishSingle(d, true);
    } else {
      const aa = Math.abs(a), ab = Math.abs(b);
      if (aa < HIGH && ab < HIGH) {
        const p = twoProduct(a, b), ap = Math.abs(p);
        if (ap > LOW && ap < HIGH) { outNum(Fmt.D, p); return ERR === 0 ? 0 : Flag.NX; }
      }
    }
  }
  const x = unpack(fmt, aLo, aHi), y = unpack(fmt, bLo, bHi);
  return roundPack(fmt, sign, x.sig * y.sig, x.exp + y.exp, rm);
}

/** True when q = RN(a / b) is the exact quotient (a, b, q in the TwoProduct-safe range). */
function quotientExact(a: number, b: number, q: number): boolean {
  const p = twoProduct(q, b);
  return a - p === ERR; // a - p is exact (Sterbenz): p is within a factor 2 of a
}

/** a / b. */
export function fpDiv(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, rm: Rm): number {
  if (isNaNBits(fmt, aLo, aHi) || isNaNBits(fmt, bLo, bHi)) return nanResult(fmt, isSNaNBits(fmt, aLo, aHi) || isSNaNBits(fmt, bLo, bHi));
  const sign = signBit(fmt, aLo, aHi) ^ signBit(fmt, bLo, bHi);
  const aInf = isInfBits(fmt, aLo, aHi), bInf = isInfBits(fmt, bLo, bHi);
  const aZero = isZeroBits(fmt, aLo, aHi), bZero = isZeroBits(fmt, bLo, bHi);
  if ((aInf && bInf) || (aZero && bZero)) return nanResult(fmt, true);
  if (aInf) { outInf(fmt, sign); return 0; }
  if (bInf || aZero) { outZero(fmt, sign); return 0; }
  if (bZero) { outInf(fmt, sign); return Flag.DZ; }
  if (rm === Rm.RNE) {
    const a = toNum(fmt, aLo, aHi), b = toNum(fmt, bLo, bHi);
    const q = a / b, aq = Math.abs(q);
    if (fmt === Fmt.S) {
      // finishSingle decides overflow from q itself (double rounding is innocuous).
      if (aq >= MIN_NORMAL_S) return finishSingle(q, quotientExact(a, b, q));
    } else {
      const aa = Math.abs(a);
      if (aq > LOW && aq < HIGH && aa > LOW && aa < HIGH && Math.abs(b) < HIGH) {
        outNum(Fmt.D, q);
        return quotientExact(a, b, q) ? 0 : Flag.NX;
      }
    }
  }
  const x = unpack(fmt, aLo, aHi), y = unpack(fmt, bLo, bHi);
  return divExact(fmt, sign, x.sig, x.exp, y.sig, y.exp, rm);
}

/** sqrt(a). */
export function fpSqrt(fmt: Fmt, aLo: number, aHi: number, rm: Rm): number {
  if (isNaNBits(fmt, aLo, aHi)) return nanResult(fmt, isSNaNBits(fmt, aLo, aHi));
  if (isZeroBits(fmt, aLo, aHi)) { outZero(fmt, signBit(fmt, aLo, aHi)); return 0; } // sqrt(-0) = -0
  if (signBit(fmt, aLo, aHi) === 1) return nanResult(fmt, true);
  if (isInfBits(fmt, aLo, aHi)) { outInf(fmt, 0); return 0; }
  if (rm === Rm.RNE) {
    const a = toNum(fmt, aLo, aHi), s = Math.sqrt(a);
    if (fmt === Fmt.S) return finishSingle(s, quotientExact(a, s, s)); // singles: always in range
    if (a > LOW && a < HIGH) { outNum(Fmt.D, s); return quotientExact(a, s, s) ? 0 : Flag.NX; }
  }
  const x = unpack(fmt, aLo, aHi);
  return sqrtExact(fmt, x.sig, x.exp, rm);
}

/** Scratch for the addend of fpFma. */
export const FMA_C = new Int32Array(2);

/**
 * ±(a * b) ± c with one rounding: FMADD (no negation), FMSUB (negC), FNMSUB (negProduct),
 * FNMADD (both). The addend is passed in FMA_C ([lo, hi]).
 */
export function fpFma(fmt: Fmt, aLo: number, aHi: number, bLo: number, bHi: number, rm: Rm, negProduct: boolean, negC: boolean): number {
  const cLo0 = FMA_C[0], cHi0 = FMA_C[1];
  const aNaN = isNaNBits(fmt, aLo, aHi), bNaN = isNaNBits(fmt, bLo, bHi), cNaN = isNaNBits(fmt, cLo0, cHi0);
  const aInf = isInfBits(fmt, aLo, aHi), bInf = isInfBits(fmt, bLo, bHi);
  const aZero = isZeroBits(fmt, aLo, aHi), bZero = isZeroBits(fmt, bLo, bHi);
  // RISC-V: 0 * inf raises NV even when the addend is a quiet NaN.
  const zeroTimesInf = (aInf && bZero) || (aZero && bInf);
  if (aNaN || bNaN || cNaN) {
    return nanResult(fmt, zeroTimesInf || isSNaNBits(fmt, aLo, aHi) || isSNaNBits(fmt, bLo, bHi) || isSNaNBits(fmt, cLo0, cHi0));
  }
  if (zeroTimesInf) return nanResult(fmt, true);
  const cLo = fmt === Fmt.S ? negTop(fmt, cLo0, cHi0, negC) : cLo0;
  const cHi = fmt === Fmt.S ? cHi0 : negTop(fmt, cLo0, cHi0, negC);
  const ps = signBit(fmt, aLo, aHi) ^ signBit(fmt, bLo, bHi) ^ (negProduct ? 1 : 0);
  const cInf = isInfBits(fmt, cLo, cHi), cs = signBit(fmt, cLo, cHi);
  if (aInf || bInf) {
    if (cInf && cs !== ps) return nanResult(fmt, true);
    outInf(fmt, ps);
    return 0;
  }
  if (cInf) { outInf(fmt, cs); return 0; }
  if (rm === Rm.RNE && !aZero && !bZero) {
    const a = toNum(fmt, aLo, aHi), b = toNum(fmt, bLo, bHi), c = toNum(fmt, cLo, cHi);
    const p = ps ? -Math.abs(a * b) : Math.abs(a * b);
    if (fmt === Fmt.S) {
      // p is exact; the sum is exact when TwoSum's error is 0, then one fround rounds it.
      const d = twoSum(p, c);
      if (ERR === 0 && (d === 0 || Math.abs(d) >= MIN_NORMAL_S)) return finishSingle(d, true);
    } else if (fmaFast(a, b, c, ps)) {
      return FMA_FLAGS;
    }
  }
  const x = operand(fmt, aLo, aHi), y = operand(fmt, bLo, bHi), z = operand(fmt, cLo, cHi);
  return addExact(fmt, ps, x.sig * y.sig, x.exp + y.exp, z.sign, z.sig, z.exp, rm);
}

let FMA_FLAGS = 0;

/** Double RNE fma by Boldo-Melquiond; false when out of its safe range (then the exact path). */
function fmaFast(a: number, b: number, c: number, ps: number): boolean {
  const aa = Math.abs(a), ab = Math.abs(b), ac = Math.abs(c);
  if (aa >= HIGH || ab >= HIGH || ac >= HIGH || (ac !== 0 && ac <= LOW)) return false;
  let uh = twoProduct(aa, ab), ul = ERR;
  if (uh <= LOW || uh >= HIGH) return false;
  if (ps) { uh = -uh; ul = -ul; }
  if (c === 0) {
    // ±(a*b) + ±0: the rounded product (never zero here).
    outNum(Fmt.D, uh);
    FMA_FLAGS = ul === 0 ? 0 : Flag.NX;
    return true;
  }
  const th = twoSum(c, uh), tl = ERR;
  // v = RO(tl + ul): round to nearest, then move to the odd neighbour when inexact.
  let v = twoSum(tl, ul);
  const vInexact = ERR !== 0;
  if (vInexact && !isOddDouble(v)) v = nextToward(v, ERR);
  const z = twoSum(th, v);
  const zErr = ERR;
  if (Math.abs(z) <= LOW || Math.abs(z) >= HIGH) return false;
  outNum(Fmt.D, z);
  FMA_FLAGS = vInexact || zErr !== 0 ? Flag.NX : 0;
  return true;
}
