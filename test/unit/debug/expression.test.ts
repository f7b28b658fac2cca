/** The condition language: operators, names, memory reads, errors; exit filters; hit conditions. */
import { strict as assert } from 'node:assert';
import { ExprError, compileExpression, truthy } from '../../../hypervisor-core/debug/expression';
import { ExitBreakpoints, exitField } from '../../../hypervisor-core/debug/exit-breakpoints';
import { parseHitCondition } from '../../../hypervisor-core/debug/breakpoints';
import type { ExitRecord } from '../../../hypervisor-core/hypervisor/trace/exit-trace';

const ev = (src: string, names: Record<string, bigint | string> = {}) =>
  compileExpression(src)({ lookup: (n) => names[n], read: (a, size) => (a === 0x1000n ? (size === 1 ? 0x2an : 0x1122334455667788n) : undefined) });

const record = (over: Partial<ExitRecord>): ExitRecord =>
  ({ seq: 1, vcpu: 0, reason: 'sbi', pc: 0x80200000n, scause: 10n, stval: 0n, htval: 0n, htinst: 0n, ns: 100, ...over });

describe('debug expressions', () => {
  it('evaluates C operators with C precedence on 64-bit unsigned values', () => {
    assert.equal(ev('1 + 2 * 3'), 7n);
    assert.equal(ev('(1 + 2) * 3'), 9n);
    assert.equal(ev('0x10 >> 2 | 1'), 5n);
    assert.equal(ev('1 < 2 && 3 >= 3 || 0'), 1n);
    assert.equal(ev('!0 + ~0'), 0n); // 1 + 0xffff...ffff wraps
    assert.equal(ev('-1'), (1n << 64n) - 1n);
    assert.equal(ev('7 % 4 ^ 1'), 2n);
    assert.equal(ev('0b101 == 5'), 1n);
  });

  it('resolves names and strings, and reads memory through casts', () => {
    assert.equal(ev('$a0 + 8', { $a0: 0x100n }), 0x108n);
    assert.equal(ev("device == 'uart0'", { device: 'uart0' }), 1n);
    assert.equal(ev('*(uint64_t*)0x1000'), 0x1122334455667788n);
    assert.equal(ev('*(uint8_t *)(0x800 + 0x800)'), 0x2an);
    assert.equal(ev('(uint32_t)0x123456789'), 0x23456789n);
  });

  it('reports errors in one line', () => {
    assert.throws(() => ev('1 +'), ExprError);
    assert.throws(() => ev('1 ) 2'), /unexpected/);
    assert.throws(() => ev('nope'), /unknown name 'nope'/);
    assert.throws(() => ev('1 / 0'), /division by zero/);
    assert.throws(() => ev('*(uint64_t*)0x2000'), /cannot read 8 bytes at 0x2000/);
    assert.throws(() => ev('a = 1'), /unexpected '='/);
    assert.equal(truthy(''), false);
  });

  it('matches exit filters with the documented conditions', () => {
    const x = new ExitBreakpoints();
    assert.deepEqual(x.set([
      { filter: 'exit-sbi', condition: 'eid == 0x54494D45' },
      { filter: 'exit-mmio', condition: 'gpa >= 0x10000000 && gpa < 0x10000008' },
      { filter: 'exit-guest-page-fault', condition: 'cause == 21' },
      { filter: 'exit-wfi', condition: 'vcpu == 1' },
    ]), [undefined, undefined, undefined, undefined]);
    const sbi = (eid: number) => record({ sbi: { eid, fid: 0, name: 'X.y', args: [] } });
    assert.equal(x.match(sbi(0x54494d45)), 'exit-sbi');
    assert.equal(x.match(sbi(0x4442434e)), undefined);
    const mmio = (gpa: bigint) => record({ reason: 'mmio', gpa, mmio: { device: 'uart0', address: gpa, size: 1, write: true, value: 0x41n } });
    assert.equal(x.match(mmio(0x10000005n)), 'exit-mmio');
    assert.equal(x.match(mmio(0x10000008n)), undefined);
    assert.equal(x.match(record({ reason: 'guest-page-fault', scause: 21n, gpa: 0x80400000n })), 'exit-guest-page-fault');
    assert.equal(x.match(record({ reason: 'guest-page-fault', scause: 23n })), undefined);
    assert.equal(x.match(record({ reason: 'wfi', vcpu: 1 })), 'exit-wfi');
    assert.equal(x.match(record({ reason: 'wfi', vcpu: 0 })), undefined);
    assert.equal(x.match(record({ reason: 'interrupt' })), undefined);
    assert.deepEqual(x.set([{ filter: 'exit-nope' }, { filter: 'exit-sbi', condition: 'eid ==' }]).map((e) => !!e), [true, true]);
  });

  it('exposes SBI and MMIO fields by name', () => {
    const r = record({ sbi: { eid: 0x4442434e, fid: 0, name: 'DBCN.console_write', args: [5n, 0x80201000n], error: 0, value: 5n } });
    assert.equal(exitField(r, 'ext'), 'DBCN');
    assert.equal(exitField(r, 'fn'), 'console_write');
    assert.equal(exitField(r, 'a1'), 0x80201000n);
    assert.equal(exitField(r, 'device'), undefined);
  });

  it('parses hit conditions', () => {
    assert.equal(parseHitCondition('3')(2), false);
    assert.equal(parseHitCondition('3')(3), true);
    assert.equal(parseHitCondition('== 2')(3), false);
    assert.equal(parseHitCondition('% 2')(4), true);
    assert.equal(parseHitCondition('>1')(2), true);
    assert.throws(() => parseHitCondition('often'), /invalid hit condition/);
  });
});
