/**
 * The exact path of the FPU: IEEE 754 arithmetic on finite, nonzero operands with BigInt
 * significands, rounded once in any of the five rounding modes with exact flags.
 *
 * A finite value is `(-1)^sign * sig * 2^exp` with an integer `sig`. Sums, products and
 * fused multiply-adds are formed exactly; quotients and square roots are computed to at least
 * p + 3 bits with a sticky bit appended below the last one (no rounding boundary can fall
 * between the truncated and the true value, so rounding the sticky form rounds the true
 * value). `roundPack` then rounds to the format:
 *  - tininess is detected after rounding (RISC-V, like IEEE 754's second option): the value
 *    is tiny when, rounded to p bits with an unbounded exponent, it is below 2^emin;
 *  - UF is raised when the result is tiny and inexact, OF + NX on overflow (the result is
 *    ±inf or ±max-finite as the rounding mode says), NX when inexact.
 *
 * Used for everything the double-arithmetic fast paths (fp-arith.ts) cannot prove exact:
 * directed rounding modes, subnormal or overflowing results, fused multiply-add. BigInt is
 * fine here: this is the FP slow path, never the integer interpreter.
 */
import { FP_OUT, FORMATS, Flag, Fmt, Rm } from './fp-format';

/** A finite nonzero value taken apart. */
export interface Unpacked {
  sign: number;
  sig: bigint;
  exp: number;
}

/** Takes apart a finite nonzero value of fmt (bits as (lo, hi)). */
export function unpack(fmt: Fmt, lo: number, hi: number): Unpacked {
  if (fmt === Fmt.S) {
    const e = (lo >>> 23) & 0xff, frac = lo & 0x7fffff;
    return e === 0 ? { sign: lo >>> 31, sig: BigInt(frac), exp: -149 } : { sign: lo >>> 31, sig: BigInt(frac | 0x800000), exp: e - 150 };
  }
  const e = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) * 4294967296 + (lo >>> 0);
  return e === 0 ? { sign: hi >>> 31, sig: BigInt(frac), exp: -1074 }
    : { sign: hi >>> 31, sig: BigInt(frac + 4503599627370496), exp: e - 1075 };
}

/** Number of bits of a positive BigInt. */
export function bitLen(x: bigint): number {
  const s = x.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0], 16)));
}

/** floor(sqrt(n)) for n >= 0. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Start above the root (the double estimate is within 2^-50 relative), then Newton down.
  let x = BigInt(Math.ceil(Math.sqrt(Number(n)) * (1 + 2 ** -40))) + 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

let roundInexact = false;
/** sig rounded right by `shift` bits (shift <= 0: exact left shift); sets roundInexact. */
function roundSig(sig: bigint, shift: number, sign: number, rm: Rm): bigint {
  if (shift <= 0) { roundInexact = false; return sig << BigInt(-shift); }
  const s = BigInt(shift);
  let m = sig >> s;
  const rem = sig - (m << s);
  roundInexact = rem !== 0n;
  if (!roundInexact) return m;
  const half = 1n << (s - 1n);
  let up: boolean;
  switch (rm) {
    case Rm.RNE: up = rem > half || (rem === half && (m & 1n) === 1n); break;
    case Rm.RMM: up = rem >= half; break;
    case Rm.RTZ: up = false; break;
    case Rm.RDN: up = sign === 1; break;
    default: up = sign === 0; // RUP
  }
  if (up) m++;
  return m;
}

/** FP_OUT = ±0 of fmt. */
export function outZero(fmt: Fmt, sign: number): void {
  if (fmt === Fmt.S) { FP_OUT[0] = sign << 31; FP_OUT[1] = -1; } else { FP_OUT[0] = 0; FP_OUT[1] = sign << 31; }
}

/** FP_OUT = ±inf of fmt. */
export function outInf(fmt: Fmt, sign: number): void {
  if (fmt === Fmt.S) { FP_OUT[0] = (sign << 31) | 0x7f800000; FP_OUT[1] = -1; } else { FP_OUT[0] = 0; FP_OUT[1] = (sign << 31) | 0x7ff00000; }
}

function outMaxFinite(fmt: Fmt, sign: number): void {
  if (fmt === Fmt.S) { FP_OUT[0] = (sign << 31) | 0x7f7fffff; FP_OUT[1] = -1; } else { FP_OUT[0] = -1; FP_OUT[1] = (sign << 31) | 0x7fefffff; }
}

/**
 * Rounds `(-1)^sign * sig * 2^exp` (sig >= 0) to fmt with rm; the result goes to FP_OUT
 * (singles NaN-boxed in FP_OUT[1]). Returns the flags.
 */
export function roundPack(fmt: Fmt, sign: number, sig: bigint, exp: number, rm: Rm): number {
  const f = FORMATS[fmt];
  if (sig === 0n) { outZero(fmt, sign); return 0; }
  const n = bitLen(sig);
  const e = exp + n - 1; // sig * 2^exp is in [2^e, 2^(e+1))
  let tiny = e < f.emin;
  if (e === f.emin - 1) {
    // Rounded to p bits with an unbounded exponent, it may reach 2^emin: then not tiny.
    const m = roundSig(sig, n - f.p, sign, rm);
    if (bitLen(m) > f.p) tiny = false;
  }
  let q = Math.max(e, f.emin) - f.p + 1; // exponent of the result's last bit
  let m = roundSig(sig, q - exp, sign, rm);
  const inexact = roundInexact;
  let flags = inexact ? Flag.NX : 0;
  if (tiny && inexact) flags |= Flag.UF;
  if (m === 0n) { outZero(fmt, sign); return flags; }
  if (bitLen(m) > f.p) { m >>= 1n; q++; }
  const hidden = 1n << BigInt(f.p - 1);
  let biased: number;
  let frac: bigint;
  if (m >= hidden) {
    const ue = q + f.p - 1;
    if (ue > f.emax) {
      const toInf = rm === Rm.RNE || rm === Rm.RMM || (rm === Rm.RUP && sign === 0) || (rm === Rm.RDN && sign === 1);
      if (toInf) outInf(fmt, sign); else outMaxFinite(fmt, sign);
      return Flag.OF | Flag.NX;
    }
    biased = ue + f.bias;
    frac = m - hidden;
  } else {
    biased = 0;
    frac = m;
  }
  if (fmt === Fmt.S) {
    FP_OUT[0] = (sign << 31) | (biased << 23) | Number(frac);
    FP_OUT[1] = -1;
  } else {
    FP_OUT[0] = Number(BigInt.asIntN(32, frac));
    FP_OUT[1] = (sign << 31) | (biased << 20) | Number(frac >> 32n);
  }
  return flags;
}

/**
 * Exact sum of two finite values (either sig may be 0n for a zero of that sign), rounded.
 * An exact zero sum of nonzero terms is +0, or -0 in RDN (IEEE 754 6.3).
 */
export function addExact(fmt: Fmt, sa: number, ma: bigint, ea: number, sb: number, mb: bigint, eb: number, rm: Rm): number {
  if (mb === 0n) {
    if (ma === 0n) { outZero(fmt, sa === sb ? sa : rm === Rm.RDN ? 1 : 0); return 0; }
    return roundPack(fmt, sa, ma, ea, rm);
  }
  if (ma === 0n) return roundPack(fmt, sb, mb, eb, rm);
  if (eb + bitLen(mb) > ea + bitLen(ma)) {
    const s = sa; sa = sb; sb = s;
    const m = ma; ma = mb; mb = m;
    const e = ea; ea = eb; eb = e;
  }
  // a has the larger magnitude bound. Give it p + 3 bits; if b is below a quarter of a's last
  // bit, only b's sign matters: the sum lies strictly between a and the next rounding boundary
  // either way, so b is replaced by a sticky 2^(ea-3) (keeps the big-int shifts short).
  const need = FORMATS[fmt].p + 3 - bitLen(ma);
  if (need > 0) { ma <<= BigInt(need); ea -= need; }
  if (eb + bitLen(mb) <= ea - 2) { mb = 1n; eb = ea - 3; }
  const e = Math.min(ea, eb);
  const va = ma << BigInt(ea - e), vb = mb << BigInt(eb - e);
  let v = (sa ? -va : va) + (sb ? -vb : vb);
  if (v === 0n) { outZero(fmt, rm === Rm.RDN ? 1 : 0); return 0; }
  let sign = 0;
  if (v < 0n) { sign = 1; v = -v; }
  return roundPack(fmt, sign, v, e, rm);
}

/** Quotient of finite nonzero values, rounded. */
export function divExact(fmt: Fmt, sign: number, ma: bigint, ea: number, mb: bigint, eb: number, rm: Rm): number {
  const k = Math.max(0, FORMATS[fmt].p + 3 + bitLen(mb) - bitLen(ma));
  const num = ma << BigInt(k);
  const q = num / mb;
  const sticky = num - q * mb !== 0n ? 1n : 0n;
  return roundPack(fmt, sign, (q << 1n) | sticky, ea - eb - k - 1, rm);
}

/** Square root of a finite positive value, rounded. */
export function sqrtExact(fmt: Fmt, m: bigint, e: number, rm: Rm): number {
  if ((e & 1) !== 0) { m <<= 1n; e -= 1; }
  const k = Math.max(0, Math.ceil((2 * (FORMATS[fmt].p + 3) - bitLen(m)) / 2));
  m <<= BigInt(2 * k);
  e -= 2 * k;
  const s = isqrt(m);
  const sticky = m - s * s !== 0n ? 1n : 0n;
  return roundPack(fmt, 0, (s << 1n) | sticky, e / 2 - 1, rm);
}
