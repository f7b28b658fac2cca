/**
 * The UART's fast path for vCPU threads (devices/uart-fast-path.ts): a guest sees the same
 * registers, bytes and interrupt line whether its THR writes and LSR reads are answered by the
 * device or by a vCPU thread through the ring. The reference is the device alone (whose
 * behaviour follows QEMU's hw/char/serial.c, see uart16550.test.ts).
 */
import { strict as assert } from 'node:assert';
import { Uart16550 } from '../../../hypervisor-core/devices/uart16550';
import { UART_FAST_ENTRIES, UartFastKind, UartFastPath, type UartFastAccess } from '../../../hypervisor-core/devices/uart-fast-path';

const THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5;

/** A UART with its line transitions and output recorded; with `fast`, THR writes and LSR reads go through the ring when it takes them. */
function make(fast: boolean) {
  const out: number[] = [];
  /**
   * What the PLIC sees of the line, with the guest access it came at: every drive high (each
   * one latches the source pending again, plic.ts setLevel) and every fall; driving a low line
   * low changes nothing there.
   */
  const line: string[] = [];
  let accesses = 0;
  let level = false;
  const irq = { set: (l: boolean): void => { if (l || level) line.push(`${accesses}:${l}`); level = l; } };
  const uart = new Uart16550({ irq, sink: (b) => out.push(b) });
  const path = fast ? new UartFastPath() : null;
  const replayed: UartFastAccess[] = [];
  if (path) uart.attachFastPath(path, (a) => replayed.push({ ...a }));
  let onThread = 0;
  /** A guest access; `thread`: as a vCPU thread makes it (fast path first). */
  const r = (off: number): number => {
    accesses++;
    if (path && off === LSR) {
      const v = path.tryAccess(UartFastKind.LSR_READ, 0, 1, 0x1000 + off, 0, 0, 0, 0, 7, 100);
      if (v >= 0) {
        onThread++;
        return v;
      }
    }
    return uart.read(off, 1);
  };
  const w = (off: number, v: number): void => {
    accesses++;
    if (path && off === THR && path.tryAccess(UartFastKind.THR_WRITE, v, 1, 0x2000, 0, 0, 0, 0, 7, 100) >= 0) {
      onThread++;
      return;
    }
    uart.write(off, 1, v);
  };
  return { uart, out, line, r, w, path, replayed, thread: () => onThread };
}

/** A guest's session: Linux's console write (IER cleared, LSR polled, THR written), its tty (THRE interrupts), input, loopback. */
function session(u: ReturnType<typeof make>): number[] {
  const seen: number[] = [];
  const { r, w } = u;
  const puts = (s: string): void => {
    for (const c of s) {
      seen.push(r(LSR));
      w(THR, c.charCodeAt(0));
    }
  };
  puts('early ');
  w(LCR, 0x83); w(0, 1); w(1, 0); w(LCR, 0x03); // the divisor
  w(THR, 0x41); // DLAB off again: a byte
  w(FCR, 0x07); w(MCR, 0x0b);
  puts('console ');
  w(IER, 0x05); // the tty: receive and line-status interrupts
  puts('with rx on ');
  u.uart.receive([0x31, 0x32]); // input while IER has RDI: an interrupt pends, the gate closes
  puts('x');
  seen.push(r(IIR), r(0), r(0), r(IIR));
  w(IER, 0x00); // serial8250_console_write clears IER
  u.uart.receive([0x33]); // input with RDI off: LSR.DR set, no interrupt
  puts('dr ');
  seen.push(r(0));
  w(IER, 0x07); // THRI on: the tty's interrupt handler acknowledges THRE (IIR) and writes the next byte
  for (const c of 'tty') {
    seen.push(r(IIR), r(LSR));
    w(THR, c.charCodeAt(0));
  }
  seen.push(r(IIR));
  w(IER, 0x00);
  w(MCR, 0x1b); // loopback: the bytes are received, the fifo overruns
  for (let i = 0; i < 20; i++) w(THR, 0x40 + i);
  seen.push(r(LSR), r(LSR)); // OE read once, then clear
  w(MCR, 0x0b);
  w(FCR, 0x07);
  puts('end\n');
  return seen;
}

describe('UART fast path (vCPU threads answer THR writes and LSR reads)', () => {
  it('gives the guest the same register values, bytes and interrupt line as the device alone', () => {
    const plain = make(false), fast = make(true);
    const a = session(plain), b = session(fast);
    fast.uart.flushFastPath();
    assert.deepEqual(b, a, 'every value the guest read');
    assert.equal(Buffer.from(fast.out).toString('latin1'), Buffer.from(plain.out).toString('latin1'));
    assert.deepEqual(fast.line, plain.line, 'the line driven at the same guest accesses, in the same order');
    assert.deepEqual(fast.uart.save(), plain.uart.save(), 'the same device state');
    assert.ok(fast.thread() > 20, `accesses answered on the thread: ${fast.thread()}`);
    assert.equal(fast.replayed.length, fast.thread(), 'each one replayed once, to be counted as an exit');
  });

  it('is closed while THR writes raise THRE interrupts, DLAB is set, loopback is on, an interrupt pends or LSR holds an error', () => {
    const cases: [string, (u: ReturnType<typeof make>) => void][] = [
      ['IER.ETBEI', (u) => u.w(IER, 0x02)],
      ['DLAB', (u) => u.w(LCR, 0x80)],
      ['loopback', (u) => u.w(MCR, 0x18)],
      ['receive interrupt pending', (u) => { u.w(IER, 0x01); u.uart.receive([0x41]); }],
    ];
    for (const [what, setUp] of cases) {
      const u = make(true);
      assert.equal(u.path!.isOpen, true, 'open after reset');
      setUp(u);
      assert.equal(u.path!.isOpen, false, what);
    }
    const u = make(true);
    u.w(MCR, 0x18);
    u.w(THR, 1); u.w(THR, 2); // overrun of the 1-byte holding register
    u.w(MCR, 0x08);
    assert.equal(u.path!.isOpen, false, 'LSR.OE is set: reading LSR clears it');
    assert.equal(u.r(LSR) & 0x02, 0x02);
    assert.equal(u.path!.isOpen, true, 'open again once the error was read');
  });

  it('a full ring sends the next access to the device, which replays the ring first, in order', () => {
    const u = make(true);
    for (let i = 0; i < UART_FAST_ENTRIES; i++) u.w(THR, 0x30 + (i % 10));
    assert.equal(u.path!.pending, UART_FAST_ENTRIES);
    assert.equal(u.out.length, 0, 'nothing replayed yet');
    u.w(THR, 0x21);
    assert.equal(u.out.length, UART_FAST_ENTRIES + 1);
    assert.equal(u.out[UART_FAST_ENTRIES], 0x21, 'the access the ring could not take comes after it');
    assert.equal(u.out[UART_FAST_ENTRIES - 1], 0x30 + ((UART_FAST_ENTRIES - 1) % 10));
    assert.equal(u.path!.pending, 0);
  });

  it('replays each access with the vCPU, pc, value and instruction count the thread gave', () => {
    const u = make(true);
    u.r(LSR);
    u.w(THR, 0x5a);
    u.uart.flushFastPath();
    assert.deepEqual(u.replayed.map((a) => [a.kind, a.value, a.vcpu, a.pcLo, a.instret, a.ns]),
      [[UartFastKind.LSR_READ, 0x60, 1, 0x1005, 7, 100], [UartFastKind.THR_WRITE, 0x5a, 1, 0x2000, 7, 100]]);
  });

  it('detached, every access is the device\'s again', () => {
    const u = make(true);
    u.w(THR, 0x41);
    u.uart.detachFastPath();
    assert.deepEqual(u.out, [0x41], 'what the ring held reached the sink');
    assert.equal(u.path!.isOpen, false);
    assert.equal(u.path!.tryAccess(UartFastKind.THR_WRITE, 0x42, 0, 0, 0, 0, 0, 0, 0, 0), -1);
  });
});
