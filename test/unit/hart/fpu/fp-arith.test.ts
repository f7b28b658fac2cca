/**
 * FPU arithmetic against reference vectors (x86-64 host, every directed mode) and against
 * hand-written spec cases: RMM ties, tininess after rounding, signed zeros, canonical NaNs,
 * the RISC-V NV rule for 0 * inf + qNaN; and the double fast paths against the exact path.
 */
import { strict as assert } from 'node:assert';
import { FMA_C, fpAdd, fpDiv, fpFma, fpMul, fpSqrt } from '../../../../hypervisor-core/hart/fpu/fp-arith';
import { FP_OUT, Flag, Fmt, Rm, isNaNBits, isZeroBits, isInfBits } from '../../../../hypervisor-core/hart/fpu/fp-format';
import { addExact, divExact, roundPack, sqrtExact, unpack } from '../../../../hypervisor-core/hart/fpu/softfloat';
import { ARITH_VECTORS } from './host-vectors';

/** Operand words of a hex bit pattern. */
function words(fmt: Fmt, h: string): [number, number] {
  const b = BigInt(h.startsWith('0x') ? h : '0x' + h);
  return fmt === Fmt.S ? [Number(b) | 0, -1] : [Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0];
}
/** FP_OUT as a hex bit pattern of fmt. */
function result(fmt: Fmt): string {
  const lo = (FP_OUT[0] >>> 0).toString(16).padStart(8, '0');
  return fmt === Fmt.S ? lo : (FP_OUT[1] >>> 0).toString(16).padStart(8, '0') + lo;
}

type Op = 'add' | 'sub' | 'mul' | 'div' | 'sqrt' | 'madd' | 'msub' | 'nmsub' | 'nmadd';
/** Runs one operation on hex operands; returns [result hex, flags]. */
function run(fmt: Fmt, op: Op, rm: Rm, a: string, b = '0', c = '0'): [string, number] {
  const x = words(fmt, a), y = words(fmt, b), z = words(fmt, c);
  let f: number;
  switch (op) {
    case 'add': f = fpAdd(fmt, x[0], x[1], y[0], y[1], rm, false); break;
    case 'sub': f = fpAdd(fmt, x[0], x[1], y[0], y[1], rm, true); break;
    case 'mul': f = fpMul(fmt, x[0], x[1], y[0], y[1], rm); break;
    case 'div': f = fpDiv(fmt, x[0], x[1], y[0], y[1], rm); break;
    case 'sqrt': f = fpSqrt(fmt, x[0], x[1], rm); break;
    default: {
      FMA_C[0] = z[0]; FMA_C[1] = z[1];
      f = fpFma(fmt, x[0], x[1], y[0], y[1], rm, op === 'nmsub' || op === 'nmadd', op === 'msub' || op === 'nmadd');
    }
  }
  if (fmt === Fmt.S) assert.equal(FP_OUT[1], -1, 'single results are NaN-boxed');
  return [result(fmt), f];
}

const OPS: Op[] = ['add', 'sub', 'mul', 'div', 'sqrt', 'madd', 'msub', 'nmsub'];

describe('FPU arithmetic: reference vectors (x86-64 host, RNE/RTZ/RDN/RUP)', () => {
  const lines = ARITH_VECTORS.trim().split('\n');
  it(`${lines.length} vectors: results bit-exact, flags exact`, () => {
    let checked = 0;
    for (const line of lines) {
      const [f, op, rm, a, b, c, r, flags] = line.split(' ');
      const fmt = f === 's' ? Fmt.S : Fmt.D;
      let o = OPS[+op];
      let cc = c, aa = a;
      if (+op === 7) { o = 'nmsub'; } // fma(-a, b, c) = -(a*b) + c
      if (+op === 6) o = 'msub';
      if (+op === 5) o = 'madd';
      const [got, gotFlags] = run(fmt, o, +rm as Rm, aa, b, cc);
      const rw = words(fmt, r);
      let expFlags = +flags;
      if (isNaNBits(fmt, rw[0], rw[1])) {
        assert.equal(got, fmt === Fmt.S ? '7fc00000' : '7ff8000000000000', `${line}: canonical NaN`);
        // x86 raises no NV for 0 * inf + qNaN; RISC-V does.
        const x = words(fmt, a), y = words(fmt, b);
        const zi = (isZeroBits(fmt, x[0], x[1]) && isInfBits(fmt, y[0], y[1])) || (isInfBits(fmt, x[0], x[1]) && isZeroBits(fmt, y[0], y[1]));
        if (+op >= 5 && zi) expFlags |= Flag.NV;
      } else {
        assert.equal(got, r, line);
      }
      assert.equal(gotFlags, expFlags, `${line}: flags`);
      checked++;
    }
    assert.equal(checked, lines.length);
  });
});

describe('FPU arithmetic: spec cases', () => {
  const D = Fmt.D, S = Fmt.S;
  it('1 + 2^-53 (a tie) in each rounding mode: RNE/RTZ/RDN stay, RUP/RMM go up; NX', () => {
    const exp = ['3ff0000000000000', '3ff0000000000000', '3ff0000000000000', '3ff0000000000001', '3ff0000000000001'];
    for (let rm = 0; rm <= 4; rm++) assert.deepEqual(run(D, 'add', rm, '3ff0000000000000', '3ca0000000000000'), [exp[rm], Flag.NX]);
    // negative: RDN and RMM go away from zero
    const neg = ['bff0000000000000', 'bff0000000000000', 'bff0000000000001', 'bff0000000000000', 'bff0000000000001'];
    for (let rm = 0; rm <= 4; rm++) assert.deepEqual(run(D, 'add', rm, 'bff0000000000000', 'bca0000000000000'), [neg[rm], Flag.NX]);
  });
  it('RMM: ties away from zero, otherwise nearest (singles, products, quotients, conversions elsewhere)', () => {
    assert.deepEqual(run(S, 'add', Rm.RMM, '3f800000', '33800000'), ['3f800001', Flag.NX]); // 1 + 2^-24: a tie
    assert.deepEqual(run(S, 'add', Rm.RNE, '3f800000', '33800000'), ['3f800000', Flag.NX]);
    assert.deepEqual(run(S, 'add', Rm.RMM, '3f800001', '33800000'), ['3f800002', Flag.NX]); // odd: both go up
    assert.deepEqual(run(S, 'add', Rm.RNE, '3f800001', '33800000'), ['3f800002', Flag.NX]);
    assert.deepEqual(run(S, 'add', Rm.RMM, '3f800000', '33000000'), ['3f800000', Flag.NX]); // below the tie
    assert.deepEqual(run(S, 'sub', Rm.RMM, 'bf800000', '33800000'), ['bf800001', Flag.NX]);
    assert.deepEqual(run(D, 'mul', Rm.RMM, '0000000000000001', '3fe0000000000000'), ['0000000000000001', Flag.NX | Flag.UF]);
    assert.deepEqual(run(D, 'mul', Rm.RNE, '0000000000000001', '3fe0000000000000'), ['0000000000000000', Flag.NX | Flag.UF]);
    assert.deepEqual(run(D, 'madd', Rm.RMM, '3ff0000000000000', '3ff0000000000000', '3ca0000000000000'), ['3ff0000000000001', Flag.NX]);
  });
  it('overflow: ±inf or ±max-finite by rounding mode, OF and NX', () => {
    const pos = ['7ff0000000000000', '7fefffffffffffff', '7fefffffffffffff', '7ff0000000000000', '7ff0000000000000'];
    const neg = ['fff0000000000000', 'ffefffffffffffff', 'fff0000000000000', 'ffefffffffffffff', 'fff0000000000000'];
    for (let rm = 0; rm <= 4; rm++) {
      assert.deepEqual(run(D, 'mul', rm, '7fefffffffffffff', '4000000000000000'), [pos[rm], Flag.OF | Flag.NX]);
      assert.deepEqual(run(D, 'mul', rm, 'ffefffffffffffff', '4000000000000000'), [neg[rm], Flag.OF | Flag.NX]);
    }
    assert.deepEqual(run(S, 'add', Rm.RTZ, '7f7fffff', '7f7fffff'), ['7f7fffff', Flag.OF | Flag.NX]);
  });
  it('underflow: tininess after rounding; UF only when tiny and inexact', () => {
    // (1 - 2^-24) * 2^-126 = 2^-126 - 2^-150: 24 bits unbounded stay below 2^-126: tiny
    assert.deepEqual(run(S, 'mul', Rm.RNE, '3f7fffff', '00800000'), ['00800000', Flag.UF | Flag.NX]);
    // (1 - 2^-23) * (2^-126 + 2^-149) = 2^-126 - 2^-172: rounds to 2^-126 unbounded: not tiny
    assert.deepEqual(run(S, 'mul', Rm.RNE, '3f7ffffe', '00800001'), ['00800000', Flag.NX]);
    assert.deepEqual(run(S, 'mul', Rm.RTZ, '3f7ffffe', '00800001'), ['007fffff', Flag.UF | Flag.NX]);
    // an exact subnormal result is not an underflow
    assert.deepEqual(run(D, 'mul', Rm.RNE, '3fe0000000000000', '0010000000000000'), ['0008000000000000', 0]);
    assert.deepEqual(run(D, 'div', Rm.RDN, '0010000000000000', '4008000000000000'), ['0005555555555555', Flag.UF | Flag.NX]);
    // sums of floats are exact when tiny
    assert.deepEqual(run(D, 'sub', Rm.RNE, '0010000000000001', '0010000000000000'), ['0000000000000001', 0]);
  });
  it('signed zeros: x - x is +0 but -0 in RDN; sqrt(-0) = -0; products keep the sign', () => {
    for (let rm = 0; rm <= 4; rm++) {
      assert.deepEqual(run(D, 'sub', rm, '4000000000000000', '4000000000000000'), [rm === Rm.RDN ? '8000000000000000' : '0000000000000000', 0]);
      assert.deepEqual(run(S, 'add', rm, '00000000', '80000000'), [rm === Rm.RDN ? '80000000' : '00000000', 0]);
      assert.deepEqual(run(S, 'add', rm, '80000000', '80000000'), ['80000000', 0]);
    }
    assert.deepEqual(run(D, 'sqrt', Rm.RNE, '8000000000000000'), ['8000000000000000', 0]);
    assert.deepEqual(run(D, 'mul', Rm.RNE, '8000000000000000', '3ff0000000000000'), ['8000000000000000', 0]);
    assert.deepEqual(run(D, 'madd', Rm.RDN, '3ff0000000000000', '4000000000000000', 'c000000000000000'), ['8000000000000000', 0]);
    assert.deepEqual(run(D, 'nmadd', Rm.RNE, '3ff0000000000000', '0000000000000000', '0000000000000000'), ['8000000000000000', 0]);
  });
  it('NaNs: canonical results, NV for signaling inputs and invalid operations, DZ for x/0', () => {
    assert.deepEqual(run(D, 'add', Rm.RNE, '7ff4000000000000', '3ff0000000000000'), ['7ff8000000000000', Flag.NV]);
    assert.deepEqual(run(D, 'add', Rm.RNE, 'fffc000000001234', '3ff0000000000000'), ['7ff8000000000000', 0]);
    assert.deepEqual(run(S, 'mul', Rm.RNE, 'ff800001', '3f800000'), ['7fc00000', Flag.NV]);
    assert.deepEqual(run(D, 'add', Rm.RNE, '7ff0000000000000', 'fff0000000000000'), ['7ff8000000000000', Flag.NV]);
    assert.deepEqual(run(S, 'mul', Rm.RNE, '7f800000', '80000000'), ['7fc00000', Flag.NV]);
    assert.deepEqual(run(D, 'div', Rm.RNE, '0000000000000000', '8000000000000000'), ['7ff8000000000000', Flag.NV]);
    assert.deepEqual(run(S, 'div', Rm.RNE, '7f800000', 'ff800000'), ['7fc00000', Flag.NV]);
    assert.deepEqual(run(D, 'div', Rm.RNE, 'bff0000000000000', '0000000000000000'), ['fff0000000000000', Flag.DZ]);
    assert.deepEqual(run(D, 'sqrt', Rm.RNE, 'bff0000000000000'), ['7ff8000000000000', Flag.NV]);
    assert.deepEqual(run(S, 'sqrt', Rm.RNE, '7f800000'), ['7f800000', 0]);
    // fused multiply-add: 0 * inf is invalid even with a quiet NaN addend (RISC-V rule)
    assert.deepEqual(run(D, 'madd', Rm.RNE, '0000000000000000', '7ff0000000000000', '7ff8000000000000'), ['7ff8000000000000', Flag.NV]);
    assert.deepEqual(run(S, 'madd', Rm.RNE, '3f800000', '3f800000', '7fc00000'), ['7fc00000', 0]);
    assert.deepEqual(run(D, 'madd', Rm.RNE, '7ff0000000000000', '3ff0000000000000', 'fff0000000000000'), ['7ff8000000000000', Flag.NV]);
    assert.deepEqual(run(D, 'msub', Rm.RNE, '7ff0000000000000', '3ff0000000000000', '7ff0000000000000'), ['7ff8000000000000', Flag.NV]);
  });
  it('fused multiply-add rounds once: fma(1 + 2^-25, 1 + 2^-25, -1) = 2^-24 + 2^-50 exactly', () => {
    assert.deepEqual(run(D, 'madd', Rm.RNE, '3ff0000008000000', '3ff0000008000000', 'bff0000000000000'), ['3e70000004000000', 0]);
    // the product overflows but the sum does not
    assert.deepEqual(run(D, 'madd', Rm.RNE, '7fe0000000000000', '4000000000000000', 'ffe0000000000000'), ['7fe0000000000000', 0]);
    // the four sign variants
    assert.deepEqual(run(D, 'madd', Rm.RNE, '3ff8000000000000', '4000000000000000', '3ff0000000000000'), ['4010000000000000', 0]);
    assert.deepEqual(run(D, 'msub', Rm.RNE, '3ff8000000000000', '4000000000000000', '3ff0000000000000'), ['4000000000000000', 0]);
    assert.deepEqual(run(D, 'nmsub', Rm.RNE, '3ff8000000000000', '4000000000000000', '3ff0000000000000'), ['c000000000000000', 0]);
    assert.deepEqual(run(D, 'nmadd', Rm.RNE, '3ff8000000000000', '4000000000000000', '3ff0000000000000'), ['c010000000000000', 0]);
  });
});

/** Deterministic xorshift for the fast-path cross-check. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

describe('FPU arithmetic: the RNE fast paths agree with the exact path', () => {
  it('random doubles (wide exponent spread, cancellation) for + * / sqrt and fma', () => {
    const r = rng(12345);
    const rnd = (): [number, number] => {
      const e = r() % 8 === 0 ? 1 + (r() % 2046) : 1023 - 40 + (r() % 80);
      return [r() | 0, ((r() & 0x80000000) | (e << 20) | (r() & 0xfffff)) | 0];
    };
    for (let i = 0; i < 3000; i++) {
      const a = rnd(), b = r() % 4 === 0 ? [a[0] ^ (r() & 7), a[1] ^ 0x80000000] as [number, number] : rnd();
      const c = r() % 3 === 0 ? [0, 0] as [number, number] : rnd();
      const x = unpack(Fmt.D, a[0], a[1]), y = unpack(Fmt.D, b[0], b[1]);
      const check = (fast: number, exact: () => number, what: string): void => {
        const got = [FP_OUT[0], FP_OUT[1], fast];
        const want = exact();
        assert.deepEqual(got, [FP_OUT[0], FP_OUT[1], want], `${what} ${a} ${b} ${c}`);
      };
      check(fpAdd(Fmt.D, a[0], a[1], b[0], b[1], Rm.RNE, false), () => addExact(Fmt.D, x.sign, x.sig, x.exp, y.sign, y.sig, y.exp, Rm.RNE), 'add');
      check(fpMul(Fmt.D, a[0], a[1], b[0], b[1], Rm.RNE), () => roundPack(Fmt.D, x.sign ^ y.sign, x.sig * y.sig, x.exp + y.exp, Rm.RNE), 'mul');
      check(fpDiv(Fmt.D, a[0], a[1], b[0], b[1], Rm.RNE), () => divExact(Fmt.D, x.sign ^ y.sign, x.sig, x.exp, y.sig, y.exp, Rm.RNE), 'div');
      if (!x.sign) check(fpSqrt(Fmt.D, a[0], a[1], Rm.RNE), () => sqrtExact(Fmt.D, x.sig, x.exp, Rm.RNE), 'sqrt');
      FMA_C[0] = c[0]; FMA_C[1] = c[1];
      const z = c[1] === 0 && c[0] === 0 ? { sign: 0, sig: 0n, exp: 0 } : unpack(Fmt.D, c[0], c[1]);
      check(fpFma(Fmt.D, a[0], a[1], b[0], b[1], Rm.RNE, false, false),
        () => addExact(Fmt.D, x.sign ^ y.sign, x.sig * y.sig, x.exp + y.exp, z.sign, z.sig, z.exp, Rm.RNE), 'fma');
    }
  });
});
