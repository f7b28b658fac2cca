import { strict as assert } from 'node:assert';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

const RAM = 0x8000_0000n;

describe('SBI legacy extensions', () => {
  it('set_timer (0x00) programs the calling hart, returns 0 in a0 only', () => {
    const { callOn, host } = setup();
    assert.deepEqual(callOn(1, 0x00, 99, 1000n), { error: 0, value: 0n, legacy: true });
    assert.deepEqual(host.timers, [[1, 1000n]]);
  });

  it('console_putchar (0x01) writes the low byte', () => {
    const { call, host } = setup();
    assert.deepEqual(call(0x01, 0, 0x10an), { error: 0, value: 0n, legacy: true });
    assert.deepEqual(host.out, [0x0a]);
  });

  it('console_getchar (0x02) returns the byte, or -1 when none is waiting', () => {
    const { call, host } = setup();
    host.input = [0xff];
    assert.deepEqual(call(0x02, 0), { error: 0xff, value: 0n, legacy: true });
    assert.deepEqual(call(0x02, 0), { error: -1, value: 0n, legacy: true });
  });

  it('clear_ipi (0x03) returns 1 if an IPI was pending, 0 otherwise, or 0 without host support', () => {
    const { call, host } = setup();
    assert.equal(call(0x03, 0).error, 0);
    let pending = true;
    host.clearIpi = () => {
      const was = pending;
      pending = false;
      return was;
    };
    assert.deepEqual(call(0x03, 0), { error: 1, value: 0n, legacy: true });
    assert.equal(call(0x03, 0).error, 0);
  });

  it('send_ipi (0x04) reads the hart mask from guest memory (little-endian unsigned longs)', () => {
    const { call, host } = setup(4);
    host.ram.set([0b1010, 0, 0, 0, 0, 0, 0, 0], 0x200);
    assert.deepEqual(call(0x04, 0, RAM + 0x200n), { error: 0, value: 0n, legacy: true });
    assert.deepEqual(host.ipis, [1, 3]);
  });

  it('send_ipi with a null pointer signals every hart (as KVM does)', () => {
    const { call, host } = setup(3);
    assert.equal(call(0x04, 0, 0n).error, 0);
    assert.deepEqual(host.ipis, [0, 1, 2]);
  });

  it('mask bits beyond the last hart are ignored; masks span several words for > 64 harts', () => {
    const { call, host } = setup(70);
    const mask = new Uint8Array(16);
    mask[0] = 0xff; // harts 0..7
    mask[8] = 0b101; // harts 64 and 66
    mask[15] = 0x80; // hart 127: does not exist
    host.ram.set(mask, 0x300);
    assert.equal(call(0x04, 0, RAM + 0x300n).error, 0);
    assert.deepEqual(host.ipis, [0, 1, 2, 3, 4, 5, 6, 7, 64, 66]);
  });

  it('a mask pointer outside guest RAM gives a negative error and signals nothing', () => {
    const { call, host } = setup();
    const r = call(0x04, 0, 0x10n);
    assert.equal(r.legacy, true);
    assert.ok(r.error < 0);
    assert.deepEqual(host.ipis, []);
  });

  it('with readGuestVirt the pointer is virtual and a fault is redirected to the guest', () => {
    const { callOn, host } = setup(2);
    const seen: Array<[number, bigint, number]> = [];
    host.readGuestVirt = (hart, gva, len) => {
      seen.push([hart, gva, len]);
      if (gva === 0xffff_ffc0_0000_0000n) return Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0);
      return { scause: 13n, stval: gva };
    };
    assert.equal(callOn(1, 0x04, 0, 0xffff_ffc0_0000_0000n).error, 0);
    assert.deepEqual(host.ipis, [1]);
    const r = callOn(1, 0x05, 0, 0x1234n);
    assert.deepEqual(r.redirect, { scause: 13n, stval: 0x1234n });
    assert.deepEqual(host.fences, []);
    assert.deepEqual(seen, [[1, 0xffff_ffc0_0000_0000n, 8], [1, 0x1234n, 8]]);
  });

  it('remote fences (0x05..0x07) fence the masked harts with their ranges', () => {
    const { call, host } = setup(2);
    host.ram.set([0b10], 0x400);
    assert.equal(call(0x05, 0, RAM + 0x400n).error, 0);
    assert.equal(call(0x06, 0, RAM + 0x400n, 0x1000n, 0x2000n).error, 0);
    assert.equal(call(0x07, 0, 0n, 0n, 0n, 5n).error, 0);
    assert.deepEqual(host.fences, [
      [1, { kind: 'fence.i' }],
      [1, { kind: 'sfence.vma', start: 0x1000n, size: 0x2000n }],
      [0, { kind: 'sfence.vma', start: 0n, size: 0n, asid: 5n }],
      [1, { kind: 'sfence.vma', start: 0n, size: 0n, asid: 5n }],
    ]);
  });

  it('shutdown (0x08) shuts the system down with no reason and does not resume', () => {
    const { call, host } = setup();
    assert.deepEqual(call(0x08, 0), { error: 0, value: 0n, legacy: true, resume: false });
    assert.deepEqual(host.resets, [[0, 0]]);
  });

  it('reserved legacy ids 0x09..0x0f -> NOT_SUPPORTED', () => {
    const { call } = setup();
    for (let eid = 0x09; eid <= 0x0f; eid++) assert.equal(call(eid, 0).error, SbiError.NOT_SUPPORTED);
  });
});
