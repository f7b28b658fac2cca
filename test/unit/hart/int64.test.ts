/** The int32-pair 64-bit arithmetic against BigInt, on edge values and a deterministic random set. */
import { strict as assert } from 'node:assert';
import { R, REM, div64, divu64, mul64, mulDiv, mulh64, mulhsu64, mulhu64 } from '../../../hypervisor-core/hart/int64';
import { Op } from '../../../hypervisor-core/hart/isa/opcodes';

const U64 = (1n << 64n) - 1n;
const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
const hi = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));
const pair = () => (BigInt(R[1] >>> 0) << 32n) | BigInt(R[0] >>> 0);
const remPair = () => (BigInt(REM[1] >>> 0) << 32n) | BigInt(REM[0] >>> 0);
const s64 = (v: bigint) => BigInt.asIntN(64, v);

function values(): bigint[] {
  const edges = [0n, 1n, 2n, 3n, 7n, 0xffffffffn, 0x100000000n, 0x7fffffffn, 0x80000000n, 1n << 52n, (1n << 53n) + 1n,
    1n << 63n, (1n << 63n) - 1n, U64, U64 - 1n, 0xdeadbeefcafebaben, 0x123456789n];
  let seed = 0x2545f491n;
  for (let i = 0; i < 60; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & U64;
    edges.push(i % 3 === 0 ? seed >> BigInt(i % 60) : seed);
  }
  return edges;
}

describe('hart 64-bit arithmetic on int32 pairs (no BigInt on the hot path)', () => {
  const vs = values();
  it('mul, mulh, mulhu, mulhsu match 128-bit products', () => {
    for (const a of vs) for (const b of vs) {
      mul64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), (a * b) & U64, `mul ${a} ${b}`);
      mulhu64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), (a * b) >> 64n, `mulhu ${a} ${b}`);
      mulh64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), BigInt.asUintN(64, (s64(a) * s64(b)) >> 64n), `mulh ${a} ${b}`);
      mulhsu64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), BigInt.asUintN(64, (s64(a) * b) >> 64n), `mulhsu ${a} ${b}`);
    }
  });
  it('divu/remu and div/rem match (divisor not zero, no overflow case)', () => {
    for (const a of vs) for (const b of vs) {
      if (b === 0n) continue;
      divu64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), a / b, `divu ${a} ${b}`);
      assert.equal(remPair(), a % b, `remu ${a} ${b}`);
      if (s64(a) === -(1n << 63n) && s64(b) === -1n) continue;
      div64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), BigInt.asUintN(64, s64(a) / s64(b)), `div ${a} ${b}`);
      assert.equal(remPair(), BigInt.asUintN(64, s64(a) % s64(b)), `rem ${a} ${b}`);
    }
  });
  it('divu/remu of any 64-bit dividend by a divisor below 2^32 (digit-wise long division) match BigInt', () => {
    const divisors = [1n, 2n, 3n, 10n, 0xffffn, 0x10000n, 0x10001n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn];
    let seed = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & U64;
      divisors.push((seed >> 32n) >> BigInt(i % 32) || 1n);
    }
    for (const a of [...vs, U64, 1n << 63n, 0xffffffff00000000n, 0x00000000ffffffffn]) for (const b of divisors) {
      divu64(lo(a), hi(a), lo(b), hi(b));
      assert.equal(pair(), a / b, `divu ${a} ${b}`);
      assert.equal(remPair(), a % b, `remu ${a} ${b}`);
    }
  });
  it('mulDiv gives the M extension its results, with the special cases of the spec (table "division by zero and overflow")', () => {
    const run = (op: Op, a: bigint, b: bigint) => { mulDiv(op, lo(a), hi(a), lo(b), hi(b)); return pair(); };
    const sx32 = (v: bigint) => BigInt.asUintN(64, BigInt.asIntN(32, v));
    const MIN = 1n << 63n, W_MIN = 0x80000000n;
    // Division by zero: quotient all ones, remainder the dividend (unprivileged spec, M chapter).
    assert.equal(run(Op.DIVU, 7n, 0n), U64);
    assert.equal(run(Op.REMU, 7n, 0n), 7n);
    assert.equal(run(Op.DIV, 7n, 0n), U64);
    assert.equal(run(Op.REM, BigInt.asUintN(64, -7n), 0n), BigInt.asUintN(64, -7n));
    assert.equal(run(Op.DIVUW, 7n, 0x100000000n), U64, 'the W forms use the low 32 bits of the divisor');
    assert.equal(run(Op.REMUW, 0x80000007n, 0n), sx32(0x80000007n));
    assert.equal(run(Op.DIVW, 7n, 0n), U64);
    assert.equal(run(Op.REMW, 0xfffffff9n, 0n), U64 - 6n);
    // Overflow: quotient the dividend, remainder 0.
    assert.equal(run(Op.DIV, MIN, U64), MIN);
    assert.equal(run(Op.REM, MIN, U64), 0n);
    assert.equal(run(Op.DIVW, W_MIN, U64), sx32(W_MIN));
    assert.equal(run(Op.REMW, W_MIN, U64), 0n);
    // Ordinary cases against BigInt.
    for (const a of vs) for (const b of vs) {
      if (b === 0n || (s64(a) === -(1n << 63n) && s64(b) === -1n)) continue;
      assert.equal(run(Op.DIV, a, b), BigInt.asUintN(64, s64(a) / s64(b)));
      assert.equal(run(Op.REMU, a, b), a % b);
      assert.equal(run(Op.MULHU, a, b), (a * b) >> 64n);
      assert.equal(run(Op.MULH, a, b), BigInt.asUintN(64, (s64(a) * s64(b)) >> 64n));
      assert.equal(run(Op.MULHSU, a, b), BigInt.asUintN(64, (s64(a) * b) >> 64n));
      const a32 = a & 0xffffffffn, b32 = b & 0xffffffffn;
      if (b32 !== 0n) {
        assert.equal(run(Op.DIVUW, a, b), sx32(a32 / b32));
        assert.equal(run(Op.REMUW, a, b), sx32(a32 % b32));
        const sa = BigInt.asIntN(32, a32), sb = BigInt.asIntN(32, b32);
        if (!(sa === -(1n << 31n) && sb === -1n)) {
          assert.equal(run(Op.DIVW, a, b), sx32(sa / sb));
          assert.equal(run(Op.REMW, a, b), sx32(sa % sb));
        }
      }
    }
  });
});
