/** The int32-pair 64-bit arithmetic against BigInt, on edge values and a deterministic random set. */
import { strict as assert } from 'node:assert';
import { R, REM, div64, divu64, mul64, mulh64, mulhsu64, mulhu64 } from '../../../hypervisor-core/hart/int64';

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
});
