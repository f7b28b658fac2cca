/**
 * The A extension over shared RAM (hart/shared-atomics.ts): the reservation rules of the
 * RISC-V unprivileged manual, chapter "A" (LR/SC): an SC fails when another hart's store
 * (SC, AMO, or a plain store that changes the value) reached the reserved granule after
 * the LR, succeeds otherwise, and an AMO returns the old value and leaves the new one.
 */
import { strict as assert } from 'node:assert';
import { AmoOp, SharedAtomics } from '../../../hypervisor-core/hart/shared-atomics';

function setup(): { ram: SharedArrayBuffer; i32: Int32Array; a: SharedAtomics; b: SharedAtomics; out: Int32Array } {
  const ram = new SharedArrayBuffer(4096);
  const resv = new Int32Array(new SharedArrayBuffer(8)).fill(-1);
  return { ram, i32: new Int32Array(ram), a: new SharedAtomics(ram, resv, 0), b: new SharedAtomics(ram, resv, 1), out: new Int32Array(2) };
}

describe('SharedAtomics (LR/SC and AMOs across threads)', () => {
  it('an SC with nothing in between stores and succeeds', () => {
    const { i32, a, out } = setup();
    i32[4] = 41;
    a.lr(16, 4, out);
    assert.equal(out[0], 41);
    assert.equal(a.sc(16, 4, 42, 0, true), true);
    assert.equal(i32[4], 42);
  });

  it("another hart's AMO to the granule makes the SC fail, even when it leaves the value as it was", () => {
    const { i32, a, b, out } = setup();
    a.lr(16, 4, out);
    assert.equal(b.amo32(AmoOp.ADD, 20, 0), 0); // same 8-byte granule, other word, adds 0
    assert.equal(a.sc(16, 4, 7, 0, true), false);
    assert.equal(i32[4], 0, 'a failed SC does not store');
  });

  it("another hart's successful SC breaks the reservation", () => {
    const { a, b, out } = setup();
    a.lr(16, 8, out);
    b.lr(16, 8, out);
    assert.equal(b.sc(16, 8, 5, 0, true), true);
    assert.equal(a.sc(16, 8, 6, 0, true), false);
  });

  it("another hart's plain store of a new value makes the SC fail", () => {
    const { i32, a, out } = setup();
    a.lr(16, 4, out);
    i32[4] = 99; // a plain store by another thread
    assert.equal(a.sc(16, 4, 1, 0, true), false);
    assert.equal(i32[4], 99);
  });

  it('a store to another granule leaves the reservation alone', () => {
    const { a, b, out } = setup();
    a.lr(16, 4, out);
    b.amo32(AmoOp.SWAP, 24, 3);
    assert.equal(a.sc(16, 4, 1, 0, true), true);
  });

  it('an SC without its own reservation fails (the hart dropped it: a trap, another LR)', () => {
    const { a, out } = setup();
    a.lr(16, 4, out);
    assert.equal(a.sc(16, 4, 1, 0, false), false);
    assert.equal(a.sc(16, 4, 1, 0, true), false, 'the failed SC cleared the reservation');
  });

  it('AMOs return the old value and store the result, 32- and 64-bit, signed and unsigned min/max', () => {
    const { i32, a, out } = setup();
    i32[0] = -5;
    assert.equal(a.amo32(AmoOp.MAXU, 0, 3), -5);
    assert.equal(i32[0], -5, 'maxu: 0xfffffffb is larger than 3');
    assert.equal(a.amo32(AmoOp.MAX, 0, 3), -5);
    assert.equal(i32[0], 3);
    i32[2] = -1; i32[3] = 0x7fffffff; // 0x7fffffff_ffffffff
    a.amo64(AmoOp.ADD, 8, 1, 0, out);
    assert.deepEqual([out[0], out[1]], [-1, 0x7fffffff]);
    assert.deepEqual([i32[2], i32[3]], [0, -0x80000000], 'wraps to 0x80000000_00000000');
    a.amo64(AmoOp.MIN, 8, 0, 0, out);
    assert.deepEqual([i32[2], i32[3]], [0, -0x80000000], 'signed min keeps the negative value');
    a.amo64(AmoOp.MINU, 8, 0, 0, out);
    assert.deepEqual([i32[2], i32[3]], [0, 0]);
  });
  it('LR.D and SC.D carry all 64 bits, whatever the sign of each half; an SC.D after an LR.W compares the sign-extended word', () => {
    const { i32, a, b, out } = setup();
    i32[2] = 0x12345678; i32[3] = -0x21524111; // 0xdeadbeef_12345678
    a.lr(8, 8, out);
    assert.deepEqual([out[0], out[1]], [0x12345678, -0x21524111]);
    assert.equal(a.sc(8, 8, -1, 0x7fffffff, true), true);
    assert.deepEqual([i32[2], i32[3]], [-1, 0x7fffffff]);
    b.lr(8, 8, out);
    i32[3] = 0; // another hart's plain store to the high half only: the SC must see it
    assert.equal(b.sc(8, 8, 1, 1, true), false);
    i32[2] = -2; i32[3] = -1; // -2 as a doubleword, and as the sign-extended word LR.W reads
    a.lr(8, 4, out);
    assert.deepEqual([out[0], out[1]], [-2, -1]);
    assert.equal(a.sc(8, 8, 5, 6, true), true, 'memory holds the sign-extended value LR.W read');
    assert.deepEqual([i32[2], i32[3]], [5, 6]);
    a.lr(8, 4, out); // 5, read as the doubleword 5: the high word 6 differs
    assert.equal(a.sc(8, 8, 7, 0, true), false);
    a.amo64(AmoOp.SWAP, 8, 0x0badf00d, -0x80000000, out);
    assert.deepEqual([out[0], out[1]], [5, 6], 'the old doubleword');
    assert.deepEqual([i32[2], i32[3]], [0x0badf00d, -0x80000000]);
  });
});
