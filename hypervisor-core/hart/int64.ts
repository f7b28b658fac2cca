/**
 * 64-bit integer arithmetic on pairs of int32 halves, for the interpreter (no BigInt on the
 * hot path). Results are written to `R`: R[0] = low word, R[1] = high word.
 */
import { Op } from './isa/opcodes';

/** Result register of the helpers below. */
export const R = new Int32Array(2);

/** 2^32: the weight of a 64-bit value's high word. */
export const TWO32 = 4294967296;

/** Unsigned 32x32 -> 64 multiply into R. */
function umul32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  // middle terms with carry into the high word
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[0] = (p00 & 0xffff) | (mid << 16);
  R[1] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Low 64 bits of a * b (mul). */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  umul32(alo, blo);
  const hi = (R[1] + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
  R[1] = hi;
}

/** High 64 bits of the unsigned 128-bit product a * b (mulhu). */
export function mulhu64(alo: number, ahi: number, blo: number, bhi: number): void {
  // a = ah*2^32 + al, b = bh*2^32 + bl. Sum the four 64-bit partial products by 32-bit columns.
  umul32(alo, blo); const ll1 = R[1] >>> 0;
  umul32(alo, bhi); const lh0 = R[0] >>> 0, lh1 = R[1] >>> 0;
  umul32(ahi, blo); const hl0 = R[0] >>> 0, hl1 = R[1] >>> 0;
  umul32(ahi, bhi); const hh0 = R[0] >>> 0, hh1 = R[1] >>> 0;
  const col1 = ll1 + lh0 + hl0; // < 3 * 2^32
  const carry1 = Math.floor(col1 / TWO32);
  const col2 = lh1 + hl1 + hh0 + carry1;
  const carry2 = Math.floor(col2 / TWO32);
  R[0] = col2 | 0;
  R[1] = (hh1 + carry2) | 0;
}

/** High 64 bits of the signed x signed product (mulh). */
export function mulh64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulhu64(alo, ahi, blo, bhi);
  let lo = R[0], hi = R[1];
  if (ahi < 0) { const t = (lo - blo) | 0; hi = (hi - bhi - ((lo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0; lo = t; }
  if (bhi < 0) { const t = (lo - alo) | 0; hi = (hi - ahi - ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0; lo = t; }
  R[0] = lo; R[1] = hi;
}

/** High 64 bits of the signed a x unsigned b product (mulhsu). */
export function mulhsu64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulhu64(alo, ahi, blo, bhi);
  if (ahi < 0) {
    const lo = R[0];
    R[0] = (lo - blo) | 0;
    R[1] = (R[1] - bhi - ((lo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0;
  }
}

/** Unsigned division: quotient in R, remainder in REM. b must not be zero. */
export const REM = new Int32Array(2);

/** Unsigned 64-bit division and remainder (divu/remu); b != 0. */
export function divu64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (ahi === 0 && bhi === 0) {
    const a = alo >>> 0, b = blo >>> 0;
    const q = Math.floor(a / b);
    R[0] = q | 0; R[1] = 0; REM[0] = (a - q * b) | 0; REM[1] = 0;
    return;
  }
  const a = (ahi >>> 0) * TWO32 + (alo >>> 0);
  const b = (bhi >>> 0) * TWO32 + (blo >>> 0);
  if ((ahi >>> 0) < 0x100000 && (bhi >>> 0) < 0x100000) {
    // Both below 2^52: q * b stays below 2^53, so the correction below is exact.
    let q = Math.floor(a / b);
    let r = a - q * b;
    if (r < 0) { q--; r += b; } else if (r >= b) { q++; r -= b; }
    R[0] = q | 0; R[1] = Math.floor(q / TWO32) | 0;
    REM[0] = r | 0; REM[1] = Math.floor(r / TWO32) | 0;
    return;
  }
  if (bhi === 0) {
    // A divisor below 2^32: long division in 16-bit digits, every step exact in doubles
    // (each partial dividend is below 2^48).
    const d = blo >>> 0, h = ahi >>> 0;
    const qh = Math.floor(h / d);
    let r = h - qh * d;
    const t1 = r * 65536 + (alo >>> 16), q1 = Math.floor(t1 / d);
    r = t1 - q1 * d;
    const t0 = r * 65536 + (alo & 0xffff), q0 = Math.floor(t0 / d);
    r = t0 - q0 * d;
    R[0] = (q1 * 65536 + q0) | 0; R[1] = qh | 0; REM[0] = r | 0; REM[1] = 0;
    return;
  }
  // Restoring shift-subtract division over 64 bits.
  let qlo = 0, qhi = 0, rlo = 0, rhi = 0;
  for (let i = 63; i >= 0; i--) {
    rhi = (rhi << 1) | (rlo >>> 31);
    rlo = rlo << 1;
    const bit = i >= 32 ? (ahi >>> (i - 32)) & 1 : (alo >>> i) & 1;
    rlo |= bit;
    if ((rhi >>> 0) > (bhi >>> 0) || (rhi === bhi && (rlo >>> 0) >= (blo >>> 0))) {
      const nlo = (rlo - blo) | 0;
      rhi = (rhi - bhi - ((rlo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0;
      rlo = nlo;
      if (i >= 32) qhi |= 1 << (i - 32); else qlo |= 1 << i;
    }
  }
  R[0] = qlo; R[1] = qhi; REM[0] = rlo; REM[1] = rhi;
}

/** Signed 64-bit division and remainder (div/rem); b != 0 and not (INT64_MIN / -1). */
export function div64(alo: number, ahi: number, blo: number, bhi: number): void {
  const an = ahi < 0, bn = bhi < 0;
  if (an) { alo = -alo | 0; ahi = (~ahi + (alo === 0 ? 1 : 0)) | 0; }
  if (bn) { blo = -blo | 0; bhi = (~bhi + (blo === 0 ? 1 : 0)) | 0; }
  divu64(alo, ahi, blo, bhi);
  if (an !== bn) { const lo = R[0]; R[0] = -lo | 0; R[1] = (~R[1] + (lo === 0 ? 1 : 0)) | 0; }
  if (an) { const lo = REM[0]; REM[0] = -lo | 0; REM[1] = (~REM[1] + (lo === 0 ? 1 : 0)) | 0; }
}

/**
 * The M extension's instructions other than MUL and MULW, with the RISC-V results for a
 * zero divisor (quotient all ones, remainder the dividend) and for overflow (INT_MIN / -1:
 * quotient INT_MIN, remainder 0): result in R. One function apart from the interpreter's
 * loop, which meets these rarely.
 */
export function mulDiv(op: Op, alo: number, ahi: number, blo: number, bhi: number): void {
  switch (op) {
    case Op.MULH: mulh64(alo, ahi, blo, bhi); return;
    case Op.MULHSU: mulhsu64(alo, ahi, blo, bhi); return;
    case Op.MULHU: mulhu64(alo, ahi, blo, bhi); return;
    case Op.DIV: case Op.REM:
      if (blo === 0 && bhi === 0) {
        if (op === Op.DIV) { R[0] = -1; R[1] = -1; } else { R[0] = alo; R[1] = ahi; }
      } else if (blo === -1 && bhi === -1 && alo === 0 && ahi === (0x80000000 | 0)) {
        if (op === Op.DIV) { R[0] = alo; R[1] = ahi; } else { R[0] = 0; R[1] = 0; }
      } else {
        div64(alo, ahi, blo, bhi);
        if (op === Op.REM) { R[0] = REM[0]; R[1] = REM[1]; }
      }
      return;
    case Op.DIVU: case Op.REMU:
      if (blo === 0 && bhi === 0) {
        if (op === Op.DIVU) { R[0] = -1; R[1] = -1; } else { R[0] = alo; R[1] = ahi; }
      } else {
        divu64(alo, ahi, blo, bhi);
        if (op === Op.REMU) { R[0] = REM[0]; R[1] = REM[1]; }
      }
      return;
    case Op.DIVW: case Op.REMW: {
      const a = alo, b = blo;
      let v: number;
      if (b === 0) v = op === Op.DIVW ? -1 : a;
      else if (b === -1 && a === (0x80000000 | 0)) v = op === Op.DIVW ? a : 0;
      else v = op === Op.DIVW ? (a / b) | 0 : a % b | 0;
      R[0] = v; R[1] = v >> 31;
      return;
    }
    default: { // DIVUW, REMUW
      const a = alo >>> 0, b = blo >>> 0;
      let v: number;
      if (b === 0) v = op === Op.DIVUW ? -1 : a | 0;
      else v = op === Op.DIVUW ? Math.floor(a / b) | 0 : (a % b) | 0;
      R[0] = v; R[1] = v >> 31;
    }
  }
}

/** Converts an int32 pair to a bigint (unsigned). For the debugger and tests, never the hot path. */
export function toBigU64(lo: number, hi: number): bigint {
  // One bigint instead of four for the common small value (SBI arguments, ids, sizes).
  if (hi === 0) return BigInt(lo >>> 0);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Splits a bigint into an int32 pair written to R. */
export function fromBig64(v: bigint): void {
  R[0] = Number(BigInt.asIntN(32, v));
  R[1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Splits a bigint into an int32 pair [lo, hi] (its low 64 bits). Off the hot path. */
export function toPair(v: bigint): [number, number] {
  return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
}

/** rd = (lo, hi) << s for s in 0..63. */
export function shiftLeft(x: Int32Array, rd: number, lo: number, hi: number, s: number): void {
  if (s === 0) { x[rd] = lo; x[rd + 1] = hi; }
  else if (s < 32) { x[rd + 1] = (hi << s) | (lo >>> (32 - s)); x[rd] = lo << s; }
  else { x[rd + 1] = lo << (s - 32); x[rd] = 0; }
}

/** rd = (lo, hi) >> s (arithmetic or logical) for s in 0..63. */
export function shiftRight(x: Int32Array, rd: number, lo: number, hi: number, s: number, arith: boolean): void {
  if (s === 0) { x[rd] = lo; x[rd + 1] = hi; }
  else if (s < 32) { x[rd] = (lo >>> s) | (hi << (32 - s)); x[rd + 1] = arith ? hi >> s : (hi >>> s) | 0; }
  else { x[rd] = arith ? hi >> (s - 32) : (hi >>> (s - 32)) | 0; x[rd + 1] = arith ? hi >> 31 : 0; }
}
