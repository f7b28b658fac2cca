import { strict as assert } from 'node:assert';
import { Uart16550 } from '../../../hypervisor-core/devices/uart16550';
import { CallbackIrqLine } from '../../../hypervisor-core/devices/irq-line';

const RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function make() {
  const out: number[] = [];
  const irq = new CallbackIrqLine(() => {});
  const uart = new Uart16550({ irq, sink: (b) => out.push(b) });
  const r = (off: number) => uart.read(off, 1);
  const w = (off: number, v: number) => uart.write(off, 1, v);
  return { uart, irq, out, r, w };
}

describe('Uart16550', () => {
  it('resets like QEMU serial.c', () => {
    const { r, irq } = make();
    assert.equal(r(IIR), 0x01);
    assert.equal(r(LSR), 0x60);
    assert.equal(r(MSR), 0xb0);
    assert.equal(r(MCR), 0x08);
    assert.equal(r(IER), 0);
    assert.equal(irq.asserted, false);
  });

  it('sends THR writes to the sink and keeps THRE/TEMT set', () => {
    const { w, r, out } = make();
    for (const c of 'hi\n') w(THR, c.charCodeAt(0));
    assert.deepEqual(out, [0x68, 0x69, 0x0a]);
    assert.equal(r(LSR) & 0x60, 0x60);
  });

  it('drives its line exactly where QEMU serial.c calls serial_update_irq (the PLIC latches then)', () => {
    const driven: boolean[] = [];
    const uart = new Uart16550({ irq: { set: (l) => driven.push(l) }, sink: () => {} });
    const w = (off: number, v: number) => uart.write(off, 1, v);
    w(LCR, 0x03);
    w(MCR, 0x0b);
    assert.deepEqual(driven, [], 'LCR and MCR writes do not drive the line');
    w(FCR, 0x07);
    assert.deepEqual(driven, [false], 'FCR: THRI set by the transmit-FIFO clear, IER still 0');
    w(IER, 0x03);
    assert.deepEqual(driven, [false, true], 'THRI enabled while THR is empty');
    w(IER, 0x03);
    assert.deepEqual(driven, [false, true], 'an unchanged IER does not drive it');
    uart.read(LSR, 1);
    assert.deepEqual(driven, [false, true], 'an LSR read without BI/OE does not drive it');
    w(THR, 0x41);
    assert.deepEqual(driven, [false, true, false, true], 'THR write: THRI cleared, then set once the byte left');
    uart.read(IIR, 1);
    assert.deepEqual(driven, [false, true, false, true, false], 'reading IIR acknowledges THRI');
  });

  it('accesses the divisor latch when DLAB is set', () => {
    const { w, r, out } = make();
    w(LCR, 0x83);
    w(0, 0x01);
    w(1, 0x02);
    assert.equal(r(0), 0x01);
    assert.equal(r(1), 0x02);
    assert.deepEqual(out, []);
    w(LCR, 0x03);
    assert.equal(r(IER), 0);
    assert.equal(r(LCR), 0x03);
  });

  it('keeps the scratch register', () => {
    const { w, r } = make();
    w(SCR, 0x5a);
    assert.equal(r(SCR), 0x5a);
  });

  it('raises THR-empty when ETBEI is enabled; reading IIR acknowledges it', () => {
    const { w, r, irq } = make();
    w(IER, 0x02);
    assert.equal(irq.asserted, true);
    assert.equal(r(IIR), 0x02);
    assert.equal(irq.asserted, false);
    assert.equal(r(IIR), 0x01);
    w(THR, 0x41); // transmitted at once: THR empty again
    assert.equal(irq.asserted, true);
    assert.equal(r(IIR), 0x02);
    w(IER, 0x00);
    w(IER, 0x02); // re-enabling with THR empty raises it again
    assert.equal(irq.asserted, true);
    w(IER, 0x00);
    assert.equal(irq.asserted, false);
  });

  it('raises received-data-available and clears it when the data is read', () => {
    const { uart, w, r, irq } = make();
    w(IER, 0x01);
    assert.equal(irq.asserted, false);
    uart.receive([0x41]);
    assert.equal(irq.asserted, true);
    assert.equal(r(IIR), 0x04);
    assert.equal(r(LSR) & 0x01, 0x01);
    assert.equal(r(RBR), 0x41);
    assert.equal(r(LSR) & 0x01, 0);
    assert.equal(irq.asserted, false);
    assert.equal(r(IIR), 0x01);
  });

  it('gives received data priority over THR empty', () => {
    const { uart, w, r } = make();
    w(IER, 0x03);
    uart.receive([1]);
    assert.equal(r(IIR), 0x04);
    r(RBR);
    assert.equal(r(IIR), 0x02);
  });

  it('reports FIFO mode in IIR bits 7:6 and uses the trigger level', () => {
    const { uart, w, r, irq } = make();
    w(FCR, 0x07);
    assert.equal(r(IIR), 0xc1);
    w(FCR, 0xc1); // trigger level 14
    w(IER, 0x01);
    uart.receive([1, 2, 3]);
    assert.equal(r(IIR), 0xcc); // below the trigger level: character timeout
    assert.equal(irq.asserted, true);
    uart.receive(new Uint8Array(20).fill(7));
    assert.equal(r(IIR), 0xc4); // FIFO holds 16 >= 14
    const got: number[] = [];
    while (r(LSR) & 0x01) got.push(r(RBR));
    assert.deepEqual(got.slice(0, 4), [1, 2, 3, 7]);
    assert.equal(got.length, 23);
    assert.equal(irq.asserted, false);
    assert.equal(r(IIR), 0xc1);
  });

  it('never loses host input with the FIFO off (one byte at a time)', () => {
    const { uart, r } = make();
    const text = 'The quick brown fox jumps over the lazy dog';
    uart.receive([...text].map((c) => c.charCodeAt(0)));
    assert.equal(uart.pendingInput, text.length - 1);
    let s = '';
    while (r(LSR) & 0x01) s += String.fromCharCode(r(RBR));
    assert.equal(s, text);
  });

  it('clears the receive FIFO on FCR bit 1', () => {
    const { uart, w, r } = make();
    w(FCR, 0x01);
    uart.receive([1, 2, 3]);
    w(FCR, 0x03);
    assert.equal(r(LSR) & 0x01, 0);
  });

  it('loops back in loopback mode: MSR mirrors MCR and THR comes back on RBR', () => {
    const { w, r, out } = make();
    w(MCR, 0x1a); // LOOP | OUT2 | RTS, as the Linux 8250 probe does
    assert.equal(r(MSR) & 0xf0, 0x90);
    w(THR, 0x55);
    assert.deepEqual(out, []);
    assert.equal(r(LSR) & 0x01, 0x01);
    assert.equal(r(RBR), 0x55);
    w(MCR, 0x08);
    assert.equal(r(MSR), 0xb0);
  });

  it('reports an overrun as a line-status interrupt, cleared by reading LSR', () => {
    const { w, r, irq } = make();
    w(MCR, 0x10);
    w(IER, 0x05);
    w(THR, 1);
    w(THR, 2); // holding register full: overrun
    assert.equal(r(IIR), 0x06);
    assert.equal(irq.asserted, true);
    assert.equal(r(LSR) & 0x02, 0x02);
    assert.equal(r(LSR) & 0x02, 0);
    assert.equal(r(IIR), 0x04); // the first byte is still there
  });

  it('treats wider accesses as accesses to the low byte', () => {
    const { uart, out } = make();
    uart.write(SCR, 4, 0x12345678);
    assert.equal(uart.read(SCR, 4), 0x78);
    uart.write(THR, 2, 0x4142);
    assert.deepEqual(out, [0x42]);
  });
});
