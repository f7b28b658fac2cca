import { strict as assert } from 'node:assert';
import { Plic } from '../../../hypervisor-core/devices/plic';
import { CallbackIrqLine } from '../../../hypervisor-core/devices/irq-line';

const prio = (src: number) => 4 * src;
const enable = (ctx: number, word = 0) => 0x2000 + 0x80 * ctx + 4 * word;
const threshold = (ctx: number) => 0x200000 + 0x1000 * ctx;
const claim = (ctx: number) => 0x200004 + 0x1000 * ctx;

function make(harts = 2) {
  const outs = Array.from({ length: harts * 2 }, () => new CallbackIrqLine(() => {}));
  const plic = new Plic({ contexts: outs });
  const r = (off: number) => plic.read(off, 4);
  const w = (off: number, v: number) => plic.write(off, 4, v);
  return { plic, outs, r, w };
}

describe('Plic', () => {
  it('has 95 sources, priorities masked to 3 bits, source 0 fixed at 0', () => {
    const { plic, r, w } = make();
    assert.equal(plic.numSources, 95);
    w(prio(10), 0xff);
    assert.equal(r(prio(10)), 7);
    w(prio(0), 5);
    assert.equal(r(prio(0)), 0);
    assert.throws(() => plic.source(0), /out of range/);
    assert.throws(() => plic.source(96), /out of range/);
    plic.source(95);
  });

  it('masks enable bits to existing sources', () => {
    const { r, w } = make();
    w(enable(1, 0), 0xffffffff);
    assert.equal(r(enable(1, 0)), 0xfffffffe);
    w(enable(1, 2), 0xffffffff);
    assert.equal(r(enable(1, 2)), 0xffffffff); // sources 64..95
    w(enable(1, 3), 0xffffffff);
    assert.equal(r(enable(1, 3)), 0);
  });

  it('shows pending bits for high lines and signals only enabled contexts', () => {
    const { plic, outs, r, w } = make();
    w(prio(10), 1);
    plic.source(10).set(true);
    assert.equal(r(0x1000), 1 << 10);
    assert.equal(outs[1].asserted, false); // not enabled yet
    w(enable(1), 1 << 10);
    assert.equal(outs[1].asserted, true);
    assert.equal(outs[0].asserted, false);
    assert.equal(outs[3].asserted, false);
  });

  it('claims the highest priority, ties to the lowest id, and clears pending', () => {
    const { plic, outs, r, w } = make();
    w(enable(1), (1 << 3) | (1 << 5) | (1 << 7));
    w(prio(3), 2);
    w(prio(5), 6);
    w(prio(7), 6);
    for (const s of [3, 5, 7]) plic.source(s).set(true);
    assert.equal(r(claim(1)), 5);
    assert.equal(plic.isPending(5), false);
    assert.equal(r(claim(1)), 7);
    assert.equal(r(claim(1)), 3);
    assert.equal(r(claim(1)), 0);
    assert.equal(outs[1].asserted, false);
  });

  it('honours the threshold (priority must be strictly above it)', () => {
    const { plic, outs, r, w } = make();
    w(enable(1), 1 << 10);
    w(prio(10), 3);
    w(threshold(1), 3);
    assert.equal(r(threshold(1)), 3);
    plic.source(10).set(true);
    assert.equal(outs[1].asserted, false);
    assert.equal(r(claim(1)), 0);
    w(threshold(1), 2);
    assert.equal(outs[1].asserted, true);
    assert.equal(r(claim(1)), 10);
  });

  it('never signals a priority-0 source', () => {
    const { plic, outs, r, w } = make();
    w(enable(1), 1 << 4);
    plic.source(4).set(true);
    assert.equal(outs[1].asserted, false);
    assert.equal(r(claim(1)), 0);
  });

  it('latches pending only when the line is driven, as QEMU 7.2 sifive_plic: completion does not re-arm', () => {
    // sifive_plic_irq_request sets pending to the level at each qemu_set_irq, claimed or
    // not; a completion only clears the claimed bit. A line left high without being driven
    // again (xv6 never reads the 16550's IIR) interrupts once, not in an endless storm.
    const { plic, outs, r, w } = make();
    w(enable(1), 1 << 10);
    w(prio(10), 1);
    plic.source(10).set(true);
    assert.equal(r(claim(1)), 10);
    assert.equal(outs[1].asserted, false); // in service
    w(claim(1), 10);
    assert.equal(outs[1].asserted, false, 'line still high, but not driven again');
    assert.equal(r(claim(1)), 0);
    plic.source(10).set(true); // the device drives it again (a register access, a new event)
    assert.equal(outs[1].asserted, true);
    assert.equal(r(claim(1)), 10);
  });

  it('keeps a source driven high while in service pending, and signals it after completion', () => {
    const { plic, outs, r, w } = make();
    w(enable(1), 1 << 10);
    w(prio(10), 1);
    plic.source(10).set(true);
    assert.equal(r(claim(1)), 10);
    plic.source(10).set(true); // a new event during the handler
    assert.equal(plic.isPending(10), true);
    assert.equal(outs[1].asserted, false, 'not while in service');
    w(claim(1), 10);
    assert.equal(outs[1].asserted, true);
    plic.source(10).set(false); // withdrawn before the claim
    assert.equal(r(claim(1)), 0);
  });

  it('withdraws a request whose line drops before the claim', () => {
    const { plic, outs, r, w } = make();
    w(enable(1), 1 << 10);
    w(prio(10), 1);
    plic.source(10).set(true);
    plic.source(10).set(false);
    assert.equal(outs[1].asserted, false);
    assert.equal(r(claim(1)), 0);
  });

  it('ignores completion of a source not enabled for the context', () => {
    const { plic, r, w } = make();
    w(enable(1), 1 << 10);
    w(prio(10), 1);
    plic.source(10).set(true);
    assert.equal(r(claim(1)), 10);
    w(claim(3), 10); // hart 1 S-mode: not enabled there
    plic.source(10).set(true);
    assert.equal(r(claim(1)), 0); // still in service
    w(claim(1), 10);
    assert.equal(r(claim(1)), 10);
  });

  it('routes one source to several contexts; only one claim wins', () => {
    const { plic, outs, r, w } = make();
    w(enable(1), 1 << 1);
    w(enable(3), 1 << 1);
    w(prio(1), 1);
    plic.source(1).set(true);
    assert.equal(outs[1].asserted && outs[3].asserted, true);
    assert.equal(r(claim(3)), 1);
    assert.equal(outs[1].asserted, false);
    assert.equal(r(claim(1)), 0);
  });

  it('handles sources in the upper enable words', () => {
    const { plic, r, w } = make(1);
    w(enable(0, 2), 1 << 31);
    w(prio(95), 7);
    plic.source(95).set(true);
    assert.equal(r(0x1008), 0x80000000);
    assert.equal(r(claim(0)), 95);
  });
});
