/**
 * Error-free transformations in double arithmetic (Knuth's TwoSum, Dekker/Veltkamp's
 * TwoProduct) and neighbours of a double: the tools that let the FPU's fast paths prove a
 * rounded-to-nearest double result exact or not (for NX) without big integers.
 *
 * Preconditions (checked by the callers): TwoSum is exact for finite operands whose sum does
 * not overflow; TwoProduct is exact when |a|, |b| < 2^995 (the split does not overflow) and
 * the product's last bit is not below 2^-1074 (|a * b| > 2^-960 is enough).
 */

/** Error of the last twoSum / twoProduct: a + b = s + ERR exactly. */
export let ERR = 0;

/** Returns RN(a + b) and sets ERR to the exact error. */
export function twoSum(a: number, b: number): number {
  const s = a + b;
  const bb = s - a;
  ERR = (a - (s - bb)) + (b - bb);
  return s;
}

const SPLIT = 134217729; // 2^27 + 1

/** Returns RN(a * b) and sets ERR to the exact error a * b - RN(a * b). */
export function twoProduct(a: number, b: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  ERR = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** The double next to a finite nonzero `v` in the direction of the sign of `dir` (±1). */
export function nextToward(v: number, dir: number): number {
  F64[0] = v;
  // Moving away from zero increments the magnitude bits; toward zero decrements them.
  const away = (v > 0) === (dir > 0);
  let lo = U32[0], hi = U32[1];
  if (away) { lo = (lo + 1) >>> 0; if (lo === 0) hi = (hi + 1) >>> 0; }
  else { if (lo === 0) hi = (hi - 1) >>> 0; lo = (lo - 1) >>> 0; }
  U32[0] = lo; U32[1] = hi;
  return F64[0];
}

/** True when the last significand bit of a finite double is 1. */
export function isOddDouble(v: number): boolean {
  F64[0] = v;
  return (U32[0] & 1) === 1;
}
