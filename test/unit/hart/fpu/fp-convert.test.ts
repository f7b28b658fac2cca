/**
 * FCVT: the saturation table of the spec (NaN, ±inf, out of range, NV only), rounding of
 * float -> integer in the five modes, 32-bit results sign-extended, integer -> float and
 * double -> single against reference vectors and by hand; sign injection, fmin/fmax, compares
 * and fclass on the bits.
 */
import { strict as assert } from 'node:assert';
import { IntKind, doubleToSingle, fpToInt, intToFp, singleToDouble } from '../../../../hypervisor-core/hart/fpu/fp-convert';
import { Cmp, Sgnj, fpClass, fpCompare, fpMinMax, fpSgnj } from '../../../../hypervisor-core/hart/fpu/fp-compare';
import { FP_OUT, Flag, Fmt, Rm } from '../../../../hypervisor-core/hart/fpu/fp-format';
import { CONVERT_VECTORS } from './host-vectors';

function w(h: string): [number, number] {
  const b = BigInt('0x' + h);
  return [Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0];
}
function out64(): string {
  return (FP_OUT[1] >>> 0).toString(16).padStart(8, '0') + (FP_OUT[0] >>> 0).toString(16).padStart(8, '0');
}
/** fcvt.<kind>.d of a double given as hex. */
function toInt(k: IntKind, rm: Rm, h: string, fmt = Fmt.D): [string, number] {
  const [lo, hi] = fmt === Fmt.S ? [Number('0x' + h) | 0, -1] : w(h);
  const f = fpToInt(fmt, lo, hi, k, rm);
  return [out64(), f];
}

describe('FPU conversions: float -> integer', () => {
  it('rounds in the five modes (2.5, -2.5, 0.5, -0.5)', () => {
    const cases: [string, string[]][] = [
      ['4004000000000000', ['2', '2', '2', '3', '3']],
      ['c004000000000000', ['-2', '-2', '-3', '-2', '-3']],
      ['3fe0000000000000', ['0', '0', '0', '1', '1']],
      ['bfe0000000000000', ['0', '0', '-1', '0', '-1']],
    ];
    for (const [h, exp] of cases) {
      for (let rm = 0; rm <= 4; rm++) {
        const [r, f] = toInt(IntKind.L, rm, h);
        assert.equal(BigInt.asIntN(64, BigInt('0x' + r)).toString(), exp[rm], `${h} rm ${rm}`);
        assert.equal(f, Flag.NX);
      }
    }
  });
  it('saturates as the spec table says, raising NV only', () => {
    const NAN = '7ff8000000000000', PINF = '7ff0000000000000', NINF = 'fff0000000000000';
    const t: [IntKind, string, string][] = [
      [IntKind.W, NAN, '000000007fffffff'], [IntKind.W, PINF, '000000007fffffff'], [IntKind.W, NINF, 'ffffffff80000000'],
      [IntKind.W, '41e0000000000000', '000000007fffffff'], [IntKind.W, 'c1e0000000200000', 'ffffffff80000000'],
      [IntKind.WU, NAN, 'ffffffffffffffff'], [IntKind.WU, PINF, 'ffffffffffffffff'], [IntKind.WU, NINF, '0000000000000000'],
      [IntKind.WU, 'bff0000000000000', '0000000000000000'], [IntKind.WU, '41f0000000000000', 'ffffffffffffffff'],
      [IntKind.L, NAN, '7fffffffffffffff'], [IntKind.L, PINF, '7fffffffffffffff'], [IntKind.L, NINF, '8000000000000000'],
      [IntKind.L, '43e0000000000000', '7fffffffffffffff'], [IntKind.L, 'c3e0000000000001', '8000000000000000'],
      [IntKind.LU, NAN, 'ffffffffffffffff'], [IntKind.LU, PINF, 'ffffffffffffffff'], [IntKind.LU, NINF, '0000000000000000'],
      [IntKind.LU, '43f0000000000000', 'ffffffffffffffff'], [IntKind.LU, 'bff0000000000000', '0000000000000000'],
    ];
    for (const [k, h, exp] of t) assert.deepEqual(toInt(k, Rm.RNE, h), [exp, Flag.NV], `${k} ${h}`);
    // signaling NaN: same result
    assert.deepEqual(toInt(IntKind.W, Rm.RNE, '7ff0000000000001'), ['000000007fffffff', Flag.NV]);
    assert.deepEqual(toInt(IntKind.W, Rm.RNE, 'ff800001', Fmt.S), ['000000007fffffff', Flag.NV]);
  });
  it('the edges of each range are valid; rounding decides before the range check', () => {
    assert.deepEqual(toInt(IntKind.W, Rm.RNE, 'c1e0000000000000'), ['ffffffff80000000', 0]); // -2^31
    assert.deepEqual(toInt(IntKind.W, Rm.RTZ, 'c1e0000000100000'), ['ffffffff80000000', Flag.NX]); // -2^31 - 0.5
    assert.deepEqual(toInt(IntKind.W, Rm.RNE, 'c1e0000000200000'), ['ffffffff80000000', Flag.NV]); // -2^31 - 1
    assert.deepEqual(toInt(IntKind.W, Rm.RTZ, '41dfffffffffffff'), ['000000007fffffff', Flag.NX]);
    assert.deepEqual(toInt(IntKind.W, Rm.RUP, '41dfffffffe00001'), ['000000007fffffff', Flag.NV]); // rounds to 2^31
    // unsigned 32-bit results are sign-extended into the 64-bit register
    assert.deepEqual(toInt(IntKind.WU, Rm.RNE, '41efffffffe00000'), ['ffffffffffffffff', 0]); // 2^32 - 1
    assert.deepEqual(toInt(IntKind.WU, Rm.RNE, '41e0000000000000'), ['ffffffff80000000', 0]); // 2^31
    // a negative value rounding to 0 is valid (NX), one rounding to -1 is not (NV)
    assert.deepEqual(toInt(IntKind.WU, Rm.RTZ, 'bfe8000000000000'), ['0000000000000000', Flag.NX]);
    assert.deepEqual(toInt(IntKind.WU, Rm.RNE, 'bfe8000000000000'), ['0000000000000000', Flag.NV]);
    assert.deepEqual(toInt(IntKind.LU, Rm.RUP, 'bfe0000000000000'), ['0000000000000000', Flag.NX]);
    assert.deepEqual(toInt(IntKind.L, Rm.RNE, 'c3e0000000000000'), ['8000000000000000', 0]); // -2^63
    assert.deepEqual(toInt(IntKind.L, Rm.RNE, '43dfffffffffffff'), ['7ffffffffffffc00', 0]);
    assert.deepEqual(toInt(IntKind.LU, Rm.RNE, '43efffffffffffff'), ['fffffffffffff800', 0]);
    assert.deepEqual(toInt(IntKind.L, Rm.RNE, '8000000000000000'), ['0000000000000000', 0]); // -0
    assert.deepEqual(toInt(IntKind.W, Rm.RDN, '8000000000000001'), ['ffffffffffffffff', Flag.NX]); // -min subnormal
  });
});

describe('FPU conversions: integer -> float, double <-> single', () => {
  it('reference vectors (x86-64 host, RNE/RTZ/RDN/RUP)', () => {
    const lines = CONVERT_VECTORS.trim().split('\n');
    for (const line of lines) {
      const [op, rm, a, r, flags] = line.split(' ');
      const [lo, hi] = w(a);
      let f: number;
      switch (+op) {
        case 0: f = doubleToSingle(lo, hi, +rm); break;
        case 1: f = intToFp(Fmt.S, lo, hi, IntKind.L, +rm); break;
        case 2: f = intToFp(Fmt.D, lo, hi, IntKind.L, +rm); break;
        case 3: f = intToFp(Fmt.S, lo, hi, IntKind.LU, +rm); break;
        case 4: f = intToFp(Fmt.D, lo, hi, IntKind.LU, +rm); break;
        default: f = intToFp(Fmt.S, lo, hi, IntKind.W, +rm);
      }
      const single = +op === 0 || +op === 1 || +op === 3 || +op === 5;
      const got = single ? (FP_OUT[0] >>> 0).toString(16).padStart(8, '0') : out64();
      const want = single ? r.slice(8) : r;
      const isNaN = single && (parseInt(want, 16) & 0x7fffffff) > 0x7f800000;
      assert.equal(got, isNaN ? '7fc00000' : want, line);
      assert.equal(f, +flags, `${line}: flags`);
    }
  });
  it('RMM and the 32-bit forms', () => {
    intToFp(Fmt.S, 16777217, 0, IntKind.W, Rm.RMM);
    assert.equal(FP_OUT[0], 0x4b800001); // 2^24 + 1 is a tie: away from zero -> 2^24 + 2
    assert.equal(intToFp(Fmt.S, 16777217, 0, IntKind.W, Rm.RNE), Flag.NX);
    assert.equal(FP_OUT[0], 0x4b800000);
    assert.equal(intToFp(Fmt.D, -1, -1, IntKind.WU, Rm.RNE), 0);
    assert.equal(out64(), '41efffffffe00000'); // only the low word counts: 2^32 - 1
    assert.equal(intToFp(Fmt.D, -1, 0x7fffffff, IntKind.W, Rm.RNE), 0);
    assert.equal(out64(), 'bff0000000000000');
    assert.equal(intToFp(Fmt.D, 0, 0, IntKind.L, Rm.RDN), 0);
    assert.equal(out64(), '0000000000000000'); // integer zero is +0 in every mode
  });
  it('fcvt.s.d: overflow, tininess, NaNs; fcvt.d.s: exact, canonical NaN', () => {
    assert.equal(doubleToSingle(...w('47efffffffffffff'), Rm.RNE), Flag.OF | Flag.NX);
    assert.equal(FP_OUT[0], 0x7f800000);
    // RTZ rounds (2 - 2^-52) * 2^127 to max-finite even with an unbounded exponent: no overflow
    assert.equal(doubleToSingle(...w('47efffffffffffff'), Rm.RTZ), Flag.NX);
    assert.equal(FP_OUT[0], 0x7f7fffff);
    assert.equal(doubleToSingle(...w('47efffffefffffff'), Rm.RNE), Flag.NX); // just below the overflow threshold
    assert.equal(FP_OUT[0], 0x7f7fffff);
    assert.equal(doubleToSingle(...w('380fffffffffffff'), Rm.RNE), Flag.NX); // rounds to 2^-126, not tiny
    assert.equal(FP_OUT[0], 0x00800000);
    assert.equal(doubleToSingle(...w('3690000000000000'), Rm.RNE), Flag.UF | Flag.NX); // 2^-150: a tie, to 0
    assert.equal(FP_OUT[0], 0);
    assert.equal(doubleToSingle(...w('36a0000000000000'), Rm.RNE), 0); // 2^-149 is exact
    assert.equal(doubleToSingle(...w('7ff4000000000000'), Rm.RNE), Flag.NV);
    assert.equal(FP_OUT[0], 0x7fc00000);
    assert.equal(singleToDouble(0x7f800001), Flag.NV);
    assert.equal(out64(), '7ff8000000000000');
    assert.equal(singleToDouble(0x00000001), 0);
    assert.equal(out64(), '36a0000000000000'); // 2^-149 exactly
  });
});

describe('FPU sign injection, fmin/fmax, compares, fclass', () => {
  it('sign injection works on bits and keeps NaN payloads', () => {
    fpSgnj(Fmt.D, 1, 0x7ff00000, 0, 0x80000000 | 0, Sgnj.J);
    assert.equal(out64(), 'fff0000000000001');
    fpSgnj(Fmt.D, 1, 0xfff00000 | 0, 0, 0x80000000 | 0, Sgnj.JX);
    assert.equal(out64(), '7ff0000000000001');
    fpSgnj(Fmt.S, 0x3f800000, -1, 0x3f800000, -1, Sgnj.JN);
    assert.deepEqual([FP_OUT[0] >>> 0, FP_OUT[1]], [0xbf800000, -1]);
  });
  it('fmin/fmax: -0 < +0, one NaN gives the other operand, sNaN sets NV, two NaNs give the canonical NaN', () => {
    assert.equal(fpMinMax(Fmt.D, 0, 0, 0, 0x80000000 | 0, false), 0);
    assert.equal(out64(), '8000000000000000');
    assert.equal(fpMinMax(Fmt.D, 0, 0x80000000 | 0, 0, 0, true), 0);
    assert.equal(out64(), '0000000000000000');
    assert.equal(fpMinMax(Fmt.D, 0, 0x7ff80000, 0, 0x3ff00000, false), 0);
    assert.equal(out64(), '3ff0000000000000');
    assert.equal(fpMinMax(Fmt.D, 1, 0x7ff00000, 0, 0x3ff00000, true), Flag.NV);
    assert.equal(out64(), '3ff0000000000000');
    assert.equal(fpMinMax(Fmt.S, 0x7fc00001, -1, 0xffc00000 | 0, -1, false), 0);
    assert.equal(FP_OUT[0], 0x7fc00000);
  });
  it('feq is quiet, flt/fle signal on any NaN', () => {
    assert.equal(fpCompare(Fmt.D, 0, 0x7ff80000, 0, 0x7ff80000, Cmp.EQ), 0);
    assert.equal(FP_OUT[0], 0);
    assert.equal(fpCompare(Fmt.D, 1, 0x7ff00000, 0, 0, Cmp.EQ), Flag.NV);
    assert.equal(fpCompare(Fmt.D, 0, 0x7ff80000, 0, 0, Cmp.LT), Flag.NV);
    assert.equal(fpCompare(Fmt.S, 0, -1, 0x80000000 | 0, -1, Cmp.EQ), 0);
    assert.equal(FP_OUT[0], 1); // -0 == +0
    assert.equal(fpCompare(Fmt.S, 0x80000000 | 0, -1, 0, -1, Cmp.LT), 0);
    assert.equal(FP_OUT[0], 0);
  });
  it('fclass sets exactly one of the ten bits', () => {
    const d: [string, number][] = [['fff0000000000000', 0], ['bff0000000000000', 1], ['800fffffffffffff', 2],
      ['8000000000000000', 3], ['0000000000000000', 4], ['0000000000000001', 5], ['0010000000000000', 6],
      ['7ff0000000000000', 7], ['7ff0000000000001', 8], ['7ff8000000000000', 9]];
    for (const [h, bit] of d) assert.equal(fpClass(Fmt.D, ...w(h)), 1 << bit, h);
    const s: [number, number][] = [[0xff800000, 0], [0xbf800000, 1], [0x80000001, 2], [0x80000000, 3], [0, 4],
      [1, 5], [0x00800000, 6], [0x7f800000, 7], [0x7fbfffff, 8], [0x7fc00000, 9]];
    for (const [b, bit] of s) assert.equal(fpClass(Fmt.S, b | 0, -1), 1 << bit, b.toString(16));
  });
});
