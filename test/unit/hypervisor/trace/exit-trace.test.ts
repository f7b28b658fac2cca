import { strict as assert } from 'node:assert';
import { DEFAULT_TRACE_CAPACITY, ExitRecord, ExitTrace } from '../../../../hypervisor-core/hypervisor/trace/exit-trace';

function rec(vcpu: number, pc: bigint): ExitRecord {
  return { seq: -1, vcpu, reason: 'sbi', pc, scause: 10n, stval: 0n, htval: 0n, htinst: 0n, ns: 100 };
}

describe('ExitTrace', () => {
  it('keeps 256 records by default', () => {
    const t = new ExitTrace();
    assert.equal(t.capacity, DEFAULT_TRACE_CAPACITY);
    assert.equal(DEFAULT_TRACE_CAPACITY, 256);
    for (let i = 0; i < 300; i++) t.push(rec(0, BigInt(i)));
    assert.equal(t.size, 256);
    assert.equal(t.recent().at(-1)!.pc, 44n);
  });

  it('numbers records and returns them newest first', () => {
    const t = new ExitTrace(4);
    assert.deepEqual(t.recent(), []);
    assert.equal(t.latest(), undefined);
    assert.equal(t.push(rec(0, 0x100n)), 0);
    assert.equal(t.push(rec(1, 0x104n)), 1);
    assert.deepEqual(t.recent().map((r) => [r.seq, r.vcpu, r.pc]), [
      [1, 1, 0x104n],
      [0, 0, 0x100n],
    ]);
    assert.equal(t.size, 2);
    assert.equal(t.latest()!.seq, 1);
  });

  it('wraps around, dropping the oldest', () => {
    const t = new ExitTrace(3);
    for (let i = 0; i < 7; i++) t.push(rec(0, BigInt(i)));
    assert.equal(t.size, 3);
    assert.equal(t.total, 7);
    assert.deepEqual(t.recent().map((r) => r.seq), [6, 5, 4]);
    assert.deepEqual(t.recent(2).map((r) => r.seq), [6, 5]);
    assert.deepEqual(t.recent(10).map((r) => r.seq), [6, 5, 4]);
    assert.deepEqual(t.recent(0), []);
    assert.deepEqual(t.recent(-3), []);
  });

  it('stores the pushed object itself (no copy)', () => {
    const t = new ExitTrace(2);
    const r = rec(0, 1n);
    t.push(r);
    assert.equal(t.recent()[0], r);
    assert.equal(r.seq, 0);
  });

  it('finds a record by sequence number while it is in the ring', () => {
    const t = new ExitTrace(3);
    for (let i = 0; i < 5; i++) t.push(rec(0, BigInt(i * 4)));
    assert.equal(t.bySeq(4)!.pc, 16n);
    assert.equal(t.bySeq(2)!.pc, 8n);
    assert.equal(t.bySeq(1), undefined);
    assert.equal(t.bySeq(5), undefined);
    assert.equal(t.bySeq(2.5), undefined);
  });

  it('clear empties the ring; sequence numbers keep counting', () => {
    const t = new ExitTrace(3);
    for (let i = 0; i < 4; i++) t.push(rec(0, 0n));
    t.clear();
    assert.equal(t.size, 0);
    assert.deepEqual(t.recent(), []);
    assert.equal(t.push(rec(0, 0n)), 4);
    assert.deepEqual(t.recent().map((r) => r.seq), [4]);
  });

  it('a claimed slot is reused when the ring wraps, and its record is built only when read', () => {
    const t = new ExitTrace(2);
    const a = t.claim(), b = t.claim();
    assert.notEqual(a, b);
    assert.equal(t.claim(), a, 'the third exit reuses the first slot: no allocation per exit');
    assert.deepEqual([a.seq, b.seq], [2, 1]);
    a.vcpu = 1; a.reason = 'mmio'; a.pcLo = 0x80200040; a.pcHi = 0; a.causeLo = 21; a.ns = 800; a.instret = 1234;
    a.gpa = 0x10000005; a.device = 'uart0'; a.mmioAddress = 0x10000005; a.mmioSize = 1; a.mmioWrite = false; a.mmioLo = 0x60;
    b.reason = 'sbi'; b.pcLo = -2; b.pcHi = -1; b.sbi = { eid: 0x10, fid: 0, args: [0n], error: 0, value: 0x2000000n }; b.sbiName = 'BASE.get_spec_version';
    const [r2, r1] = t.recent();
    assert.deepEqual(r2, { seq: 2, vcpu: 1, reason: 'mmio', pc: 0x80200040n, scause: 21n, stval: 0n, htval: 0n, htinst: 0n, ns: 800, instret: 1234,
      gpa: 0x10000005n, mmio: { device: 'uart0', address: 0x10000005n, size: 1, write: false, value: 0x60n } });
    assert.equal(r1.pc, 0xfffffffffffffffen, 'int32 pairs read back as unsigned 64-bit values');
    assert.deepEqual(r1.sbi, { eid: 0x10, fid: 0, args: [0n], error: 0, value: 0x2000000n, name: 'BASE.get_spec_version' });
    assert.equal(t.latest(), r2, 'a record read once is the same object when read again');
    assert.equal(t.bySeq(1), r1);
    const c = t.claim();
    assert.equal(c, b);
    assert.equal(c.sbi, null, 'a reused slot forgets the details of the exit it held');
    assert.equal(t.bySeq(3)!.sbi, undefined);
  });

  it('rejects a capacity below 1', () => {
    assert.throws(() => new ExitTrace(0), /positive integer/);
  });
});
