/**
 * The F/D register file: 32 registers of 64 bits and fcsr (fflags, frm).
 *
 * Storage is a Float64Array (handy for a debugger) with an Int32Array view over the same
 * buffer: every FPU path reads and writes the int32 words, never the doubles, so NaN payloads
 * and NaN-boxed singles are kept bit for bit. On the little-endian hosts Node runs on,
 * `w[2 * i]` is the low word of register i and `w[2 * i + 1]` the high word.
 *
 * NaN-boxing (Unprivileged ISA, "NaN Boxing of Narrower Values"): a single lives in the low
 * 32 bits with the upper 32 bits all ones; an operand whose upper bits are not all ones reads
 * as the canonical NaN.
 */
import { fillArray, num, obj, type Saved } from '../../state/persist';
import { CANONICAL_NAN_S } from './fp-format';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the FPU register file needs a little-endian host');

/** fcsr layout: fflags in bits 4:0, frm in bits 7:5. */
export const FCSR_FRM_SHIFT = 5;

/** Floating-point registers f0..f31 and fcsr. */
export class FpRegisters {
  /** The registers as doubles (for display only: read bits through `w`). */
  readonly f = new Float64Array(32);
  /** The registers as int32 words: [2 * i] low, [2 * i + 1] high. */
  readonly w = new Int32Array(this.f.buffer);
  /** Accrued exception flags NV DZ OF UF NX (bits 4..0). */
  fflags = 0;
  /** Dynamic rounding mode (3 bits; 5..7 are invalid for instructions that use it). */
  frm = 0;

  /** f0..f31 as int32 words and fcsr, for a snapshot. */
  save(): Saved {
    return { w: Array.from(this.w), fcsr: this.fcsr };
  }

  /** Puts back `save`'s registers. */
  restore(state: Saved): void {
    const s = obj(state, 'fp');
    fillArray(this.w, s.w ?? null, 'f registers');
    this.fcsr = num(s.fcsr, 'fcsr');
  }

  /** Zeroes the registers and fcsr. */
  reset(): void {
    this.w.fill(0);
    this.fflags = 0;
    this.frm = 0;
  }

  /** Register i as a single operand: its low word if properly NaN-boxed, else the canonical NaN. */
  s(i: number): number {
    return this.w[2 * i + 1] === -1 ? this.w[2 * i] : CANONICAL_NAN_S;
  }

  /** Writes a single (NaN-boxed) to register i. */
  setS(i: number, bits: number): void {
    this.w[2 * i] = bits;
    this.w[2 * i + 1] = -1;
  }

  /** Writes a double (or any 64-bit pattern) to register i. */
  setD(i: number, lo: number, hi: number): void {
    this.w[2 * i] = lo;
    this.w[2 * i + 1] = hi;
  }

  /** fcsr = frm << 5 | fflags. */
  get fcsr(): number {
    return (this.frm << FCSR_FRM_SHIFT) | this.fflags;
  }
  set fcsr(v: number) {
    this.fflags = v & 0x1f;
    this.frm = (v >>> FCSR_FRM_SHIFT) & 7;
  }
}
