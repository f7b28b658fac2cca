import { strict as assert } from 'node:assert';
import { Aclint } from '../../../hypervisor-core/devices/aclint';
import { CallbackIrqLine } from '../../../hypervisor-core/devices/irq-line';

function make(harts = 2) {
  let now = 0;
  const msip = Array.from({ length: harts }, () => new CallbackIrqLine(() => {}));
  const mtip = Array.from({ length: harts }, () => new CallbackIrqLine(() => {}));
  const clint = new Aclint({ time: () => now, msip, mtip });
  return {
    clint, msip, mtip,
    setTime: (t: number) => { now = t; clint.update(); },
    r: (off: number) => clint.read(off, 4),
    w: (off: number, v: number) => clint.write(off, 4, v),
  };
}

describe('Aclint (CLINT)', () => {
  it('drives MSIP from bit 0 of the per-hart register', () => {
    const { msip, r, w } = make();
    w(4, 0xffffffff);
    assert.equal(r(4), 1);
    assert.equal(msip[1].asserted, true);
    assert.equal(msip[0].asserted, false);
    w(4, 0);
    assert.equal(msip[1].asserted, false);
  });

  it('reads mtime as two 32-bit halves', () => {
    const { r, setTime } = make();
    setTime(0x123456789a);
    assert.equal(r(0xbff8), 0x3456789a);
    assert.equal(r(0xbffc), 0x12);
  });

  it('resets mtimecmp to all ones: no timer interrupt, no deadline', () => {
    const { clint, mtip, r, setTime } = make();
    assert.equal(r(0x4000), 0xffffffff);
    assert.equal(r(0x4004), 0xffffffff);
    setTime(1e12);
    assert.equal(mtip[0].asserted, false);
    assert.equal(clint.nextDeadline(0), Infinity);
  });

  it('raises MTIP while mtime >= mtimecmp', () => {
    const { clint, mtip, w, setTime } = make();
    setTime(100);
    w(0x4008 + 4, 0); // hart 1, high half first (as a 32-bit guest would)
    w(0x4008, 150);
    assert.equal(clint.nextDeadline(1), 150);
    assert.equal(mtip[1].asserted, false);
    setTime(149);
    assert.equal(mtip[1].asserted, false);
    setTime(150);
    assert.equal(mtip[1].asserted, true);
    assert.equal(mtip[0].asserted, false);
    w(0x4008, 1000); // moving the compare value lowers MTIP at once
    assert.equal(mtip[1].asserted, false);
    w(0x4008, 10);
    assert.equal(mtip[1].asserted, true);
  });

  it('compares 64-bit values across the 32-bit boundary', () => {
    const { clint, mtip, w, setTime } = make(1);
    w(0x4004, 1);
    w(0x4000, 0);
    assert.equal(clint.nextDeadline(0), 0x100000000);
    setTime(0xffffffff);
    assert.equal(mtip[0].asserted, false);
    setTime(0x100000000);
    assert.equal(mtip[0].asserted, true);
  });

  it('lets the guest set mtime', () => {
    const { clint, r, w, setTime } = make(1);
    setTime(1000);
    w(0xbff8, 5);
    assert.equal(clint.now(), 5);
    setTime(1010);
    assert.equal(r(0xbff8), 15);
  });
});
