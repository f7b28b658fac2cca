/**
 * The UART's registers shared with vCPU threads (devices/uart-fast-path.ts): a guest sees the
 * same registers, bytes and interrupt line whether its accesses are answered by the device on
 * the VM's thread or by a vCPU thread's view of it (Uart16550.onThread) through the ring. The
 * reference is the device alone, whose behaviour follows QEMU's hw/char/serial.c (see
 * uart16550.test.ts).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Uart16550 } from '../../../hypervisor-core/devices/uart16550';
import { UART_FAST_ENTRIES, UartFastPath, type UartFastAccess } from '../../../hypervisor-core/devices/uart-fast-path';

const THR = 0, RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

/**
 * A UART with its line transitions and output recorded; with `fast`, every access is first
 * offered to a vCPU thread's view (with the line, or `quietOnly`: without it).
 */
function make(fast: boolean, quietOnly = false) {
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
  const thread = path ? Uart16550.onThread(path.buffer, quietOnly ? null : irq) : null;
  let onThread = 0;
  /** Offers the access to the thread's view; -1: it goes to the device. */
  const offer = (off: number, write: boolean, v: number): number => {
    if (!thread) return -1;
    const got = thread.threadAccess(off, write, v, 1, 0x1000 + off, 0, 0, 0, 0, 7, 100);
    if (got >= 0) onThread++;
    return got;
  };
  const r = (off: number): number => {
    accesses++;
    const v = offer(off, false, 0);
    return v >= 0 ? v : uart.read(off, 1);
  };
  const w = (off: number, v: number): void => {
    accesses++;
    if (offer(off, true, v) < 0) uart.write(off, 1, v);
  };
  return { uart, out, line, r, w, path, thread, offer, replayed, onThread: () => onThread };
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
  w(LCR, 0x83); w(0, 1); w(1, 0); seen.push(r(0), r(1)); w(LCR, 0x03); // the divisor
  w(THR, 0x41); // DLAB off again: a byte
  w(FCR, 0x07); w(MCR, 0x0b);
  puts('console ');
  w(IER, 0x05); // the tty: receive and line-status interrupts
  puts('with rx on ');
  u.uart.receive([0x31, 0x32]); // input while IER has RDI: an interrupt pends
  puts('x');
  seen.push(r(IIR), r(0), r(0), r(IIR));
  w(IER, 0x00); // serial8250_console_write clears IER
  u.uart.receive([0x33]); // input with RDI off: LSR.DR set, no interrupt
  puts('dr ');
  seen.push(r(0));
  w(IER, 0x07); // THRI on: the tty's interrupt handler acknowledges THRE (IIR) and writes the next byte
  for (const c of 'tty') {
    seen.push(r(IIR), r(LSR), r(MSR));
    w(THR, c.charCodeAt(0));
  }
  seen.push(r(IIR), r(IER));
  w(IER, 0x00);
  w(SCR, 0x5a); seen.push(r(SCR), r(LCR), r(MCR));
  w(MCR, 0x1b); // loopback: the bytes are received, the fifo overruns
  for (let i = 0; i < 20; i++) w(THR, 0x40 + i);
  seen.push(r(LSR), r(LSR)); // OE read once, then clear
  seen.push(r(MSR)); // the modem inputs loop back
  w(MCR, 0x0b);
  w(FCR, 0x07);
  puts('end\n');
  return seen;
}

describe('UART registers shared with vCPU threads', () => {
  for (const quietOnly of [false, true]) {
    it(`gives the guest the same register values, bytes and interrupt line as the device alone${quietOnly ? ' (thread without the interrupt line)' : ''}`, () => {
      const plain = make(false), fast = make(true, quietOnly);
      const a = session(plain), b = session(fast);
      fast.uart.flushFastPath();
      assert.deepEqual(b, a, 'every value the guest read');
      assert.equal(Buffer.from(fast.out).toString('latin1'), Buffer.from(plain.out).toString('latin1'));
      assert.deepEqual(fast.line, plain.line, 'the line driven at the same guest accesses, in the same order');
      assert.deepEqual(fast.uart.save(), plain.uart.save(), 'the same device state');
      assert.ok(fast.onThread() > 20, `accesses answered on the thread: ${fast.onThread()}`);
      assert.equal(fast.replayed.length, fast.onThread(), 'each one replayed once, to be counted as an exit');
    });
  }

  it('leaves what needs the host side to the device: receive buffer reads, FCR and MCR writes', () => {
    const u = make(true);
    assert.equal(u.offer(RBR, false, 0), -1);
    assert.equal(u.offer(FCR, true, 0x07), -1);
    assert.equal(u.offer(MCR, true, 0x0b), -1);
    for (const off of [IER, IIR, LCR, MCR, LSR, MSR, SCR]) assert.ok(u.offer(off, false, 0) >= 0, `read of ${off}`);
    for (const off of [THR, IER, LCR, SCR]) assert.ok(u.offer(off, true, off === LCR ? 3 : 0) >= 0, `write of ${off}`);
  });

  it('raises and clears the THR-empty interrupt on the thread as the 16550 does', () => {
    const u = make(true);
    u.w(FCR, 0x01); // FIFOs on (IIR bits 7:6 set)
    u.line.length = 0;
    const n = u.onThread();
    u.w(IER, 0x02); // ETBEI with THR empty: raised at once
    assert.deepEqual(u.line, ['2:true']);
    assert.equal(u.r(IIR), 0xc2, 'THR empty reported');
    assert.deepEqual(u.line, ['2:true', '3:false'], 'reading IIR acknowledges it');
    assert.equal(u.r(IIR), 0xc1, 'no interrupt');
    u.w(THR, 0x61); // cleared while the byte goes, raised again once it has gone
    assert.deepEqual(u.line, ['2:true', '3:false', '5:true']);
    u.w(IER, 0x00);
    assert.deepEqual(u.line, ['2:true', '3:false', '5:true', '6:false']);
    assert.equal(u.onThread() - n, 5, 'all of them on the thread');
    u.uart.flushFastPath();
    assert.deepEqual(u.out, [0x61]);
  });

  it('without the interrupt line a thread answers only THR writes and LSR reads that leave the line low', () => {
    const cases: [string, (u: ReturnType<typeof make>) => void][] = [
      ['IER.ETBEI', (u) => u.w(IER, 0x02)],
      ['DLAB', (u) => u.w(LCR, 0x80)],
      ['loopback', (u) => u.w(MCR, 0x18)],
      ['receive interrupt pending', (u) => { u.w(IER, 0x01); u.uart.receive([0x41]); }],
    ];
    for (const [what, setUp] of cases) {
      const u = make(true, true);
      assert.ok(u.offer(LSR, false, 0) >= 0, 'answered after reset');
      assert.equal(u.offer(IER, false, 0), -1, 'other registers go to the device');
      setUp(u);
      assert.equal(u.offer(LSR, false, 0), -1, what);
      assert.equal(u.offer(THR, true, 0x41), -1, what);
    }
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

  it('replays each access with its register, value, vCPU, pc and instruction count', () => {
    const u = make(true);
    u.r(LSR);
    u.w(THR, 0x5a);
    u.w(IER, 0x02);
    u.uart.flushFastPath();
    assert.deepEqual(u.replayed.map((a) => [a.offset, a.write, a.value, a.sent, a.vcpu, a.pcLo, a.instret, a.ns]), [
      [LSR, false, 0x60, false, 1, 0x1005, 7, 100],
      [THR, true, 0x5a, true, 1, 0x1000, 7, 100],
      [IER, true, 0x02, false, 1, 0x1001, 7, 100],
    ]);
  });

  it('detached, every access is the device\'s again, with the registers the threads left', () => {
    const u = make(true);
    u.w(THR, 0x41);
    u.w(SCR, 0x77);
    u.uart.detachFastPath();
    assert.deepEqual(u.out, [0x41], 'what the ring held reached the sink');
    assert.equal(u.path!.isOpen, false);
    assert.equal(u.offer(THR, true, 0x42), -1);
    assert.equal(u.uart.read(SCR, 1), 0x77);
  });

  it('bytes written on two vCPU threads and the VM\'s thread reach the console once each, each thread\'s in its order', async () => {
    const rounds = 3000;
    const out: number[] = [];
    const uart = new Uart16550({ irq: { set: () => undefined }, sink: (b) => out.push(b) });
    const path = new UartFastPath();
    let counted = 0;
    uart.attachFastPath(path, () => { counted++; });
    const module = join(__dirname, '../../../hypervisor-core/devices/uart16550.js');
    // Thread t writes the bytes t*64 + (i % 64) in order, through its view; when the ring is full it waits for the main thread to empty it.
    const done = new Int32Array(new SharedArrayBuffer(4));
    const code = `const { workerData, parentPort } = require('node:worker_threads');
      const { Uart16550 } = require(${JSON.stringify(module)});
      const u = Uart16550.onThread(workerData.buffer, { set: () => undefined });
      const done = new Int32Array(workerData.done);
      let full = 0;
      for (let i = 0; i < ${rounds}; i++) {
        const b = workerData.t * 64 + (i % 64);
        while (u.threadAccess(5, false, 0, workerData.t, 0, 0, 0, 0, 0, i, 0) < 0) full++;
        while (u.threadAccess(0, true, b, workerData.t, 0, 0, 0, 0, 0, i, 0) < 0) full++;
      }
      Atomics.add(done, 0, 1);
      parentPort.postMessage(full);`;
    const workers = [1, 2].map((t) => new Worker(code, { eval: true, workerData: { buffer: path.buffer, t, done: done.buffer } }));
    const finished = workers.map((w) => new Promise<number>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); }));
    for (let i = 0; i < rounds; i++) {
      uart.write(THR, 1, i % 64);
      uart.flushFastPath();
    }
    while (Atomics.load(done, 0) < 2) uart.flushFastPath();
    await Promise.all(finished);
    await Promise.all(workers.map((w) => w.terminate()));
    uart.flushFastPath();
    assert.equal(out.length, 3 * rounds);
    for (const t of [0, 1, 2]) {
      const mine = out.filter((b) => b >> 6 === t);
      assert.deepEqual(mine, Array.from({ length: rounds }, (_, i) => t * 64 + (i % 64)), `thread ${t}'s bytes in order`);
    }
    assert.equal(counted, 4 * rounds, 'every thread access counted once (an LSR read and a THR write each)');
  });
});
