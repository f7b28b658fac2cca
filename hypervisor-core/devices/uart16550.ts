/**
 * ns16550a UART, behaving like QEMU's `hw/char/serial.c` (what Linux's 8250 driver and
 * simple bare-metal drivers expect). reg-shift 0, reg-io-width 1: one register per byte;
 * wider accesses touch the low byte only.
 *
 *   off  DLAB=0 read     DLAB=0 write    DLAB=1
 *   0    RBR rx data     THR tx data     DLL divisor low
 *   1    IER             IER             DLM divisor high
 *          bit0 ERBFI rx data avail, bit1 ETBEI THR empty, bit2 ELSI line status,
 *          bit3 EDSSI modem status
 *   2    IIR             FCR
 *          IIR: bit0 1 = no interrupt; bits 3:1 id: 011 line status, 010 rx data,
 *               110 char timeout, 001 THR empty, 000 modem status; bits 7:6 = 11 if FIFOs on
 *          FCR: bit0 FIFO enable, bit1 clear rx, bit2 clear tx, bits 7:6 rx trigger 1/4/8/14
 *   3    LCR (bit7 DLAB, bits 1:0 word length...)
 *   4    MCR (bit0 DTR, bit1 RTS, bit2 OUT1, bit3 OUT2, bit4 LOOP)
 *   5    LSR (bit0 DR, bit1 OE, bit4 BI, bit5 THRE, bit6 TEMT); read-only
 *   6    MSR (bit4 CTS, bit5 DSR, bit6 RI, bit7 DCD; bits 3:0 deltas, cleared on read)
 *   7    SCR scratch
 *
 * Interrupt priority (highest first, as serial_update_irq): line status, character timeout,
 * received data, THR empty, modem status. The line is driven (IrqLine.set) at exactly the
 * register accesses where serial.c calls serial_update_irq, because QEMU's PLIC latches a
 * pending interrupt only then: a THR write drives it low then high (THRI cleared, the byte
 * sent, THRI set), an IER write only if IER changed, an FCR write always (clearing the
 * transmit FIFO sets THRI), LCR and MCR writes never. Transmission is instantaneous: a THR write goes
 * to the sink at once and THRE/TEMT stay set. Input from the host waits in the VM's bounded
 * ConsoleInput and is moved into the 16-byte receive FIFO (1-byte holding register with FIFOs
 * off) as space frees, so nothing typed is lost while the guest reads (QEMU's
 * serial_can_receive flow control); the writer is held back when the queue is full.
 * With FIFOs on and fewer bytes than the trigger level, the character-timeout interrupt is
 * reported at once, as if the four character times had already elapsed.
 */
import type { MmioDevice } from '../bus/device';
import type { IrqLine } from './irq-line';
import { ConsoleInput, type ConsoleInputReader } from './console-input';
import type { FdtBuilder } from '../machine/fdt-builder';
import { interruptCells, unitAddress, type FdtContext, type FdtDescribable } from './fdt-describable';
import { fillArray, num, obj, type Saved } from '../state/persist';
import { UART_RX_SIZE, UartFastPath, UartReg, type UartFastAccess } from './uart-fast-path';

const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const IER_MSI = 0x08;

const IIR_NO_INT = 0x01;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_CTI = 0x0c;
const IIR_ID_MASK = 0x0e;
const IIR_FIFO_ON = 0xc0;

const FCR_FE = 0x01;
const FCR_RFR = 0x02;
const FCR_XFR = 0x04;

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_INT_ANY = 0x1e;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
const MSR_DELTAS = 0x0f;

const FIFO_SIZE = UART_RX_SIZE;
const TRIGGER_LEVELS = [1, 4, 8, 14];

/** Size of the UART's MMIO window on QEMU virt. */
export const UART_MMIO_SIZE = 0x100;
/** Input clock QEMU virt advertises (`clock-frequency = <0x384000>`, 3.6864 MHz). */
export const UART_CLOCK_HZ = 0x384000;

/** Construction options of {@link Uart16550}. */
export interface Uart16550Options {
  /** Interrupt output (to a PLIC source). */
  irq: IrqLine;
  /** Receives every transmitted byte (not called in loopback mode). */
  sink: (byte: number) => void;
  /** PLIC source number, used only for the device tree (default 10, as on QEMU virt). */
  irqNumber?: number;
  /** Name in statistics (default "uart0"). */
  name?: string;
  /** The VM's input queue (default: a queue of its own, fed by `receive`). */
  input?: ConsoleInput;
}

/** An emulated ns16550a. */
export class Uart16550 implements MmioDevice, FdtDescribable {
  /** @inheritdoc */
  readonly name: string;
  private readonly irq: IrqLine;
  private readonly sink: (byte: number) => void;
  private readonly irqNumber: number;

  /** The registers and the receive FIFO (UartReg): local, or shared with vCPU threads (`attachFastPath`). */
  private r: Int32Array = Uart16550.initialRegisters();
  private readonly inputQueue: ConsoleInput;
  private readonly inputReader: ConsoleInputReader;

  private static initialRegisters(): Int32Array {
    const r = new Int32Array(UartReg.WORDS);
    r[UartReg.IIR] = IIR_NO_INT;
    r[UartReg.MCR] = MCR_OUT2;
    r[UartReg.LSR] = LSR_TEMT | LSR_THRE;
    r[UartReg.MSR] = MSR_DCD | MSR_DSR | MSR_CTS;
    r[UartReg.DIVISOR] = 0x0c;
    return r;
  }

  private get ier(): number { return this.r[UartReg.IER]; }
  private set ier(v: number) { this.r[UartReg.IER] = v; }
  private get iir(): number { return this.r[UartReg.IIR]; }
  private set iir(v: number) { this.r[UartReg.IIR] = v; }
  private get fcr(): number { return this.r[UartReg.FCR]; }
  private set fcr(v: number) { this.r[UartReg.FCR] = v; }
  private get lcr(): number { return this.r[UartReg.LCR]; }
  private set lcr(v: number) { this.r[UartReg.LCR] = v; }
  private get mcr(): number { return this.r[UartReg.MCR]; }
  private set mcr(v: number) { this.r[UartReg.MCR] = v; }
  private get lsr(): number { return this.r[UartReg.LSR]; }
  private set lsr(v: number) { this.r[UartReg.LSR] = v; }
  private get msr(): number { return this.r[UartReg.MSR]; }
  private set msr(v: number) { this.r[UartReg.MSR] = v; }
  private get scr(): number { return this.r[UartReg.SCR]; }
  private set scr(v: number) { this.r[UartReg.SCR] = v; }
  private get divisor(): number { return this.r[UartReg.DIVISOR]; }
  private set divisor(v: number) { this.r[UartReg.DIVISOR] = v; }
  private get thrIpending(): boolean { return this.r[UartReg.THRI_PENDING] !== 0; }
  private set thrIpending(v: boolean) { this.r[UartReg.THRI_PENDING] = v ? 1 : 0; }

  /** Bytes in the receive FIFO. */
  private get rxCount(): number { return this.r[UartReg.RX_COUNT]; }

  private rxPush(byte: number): void {
    const r = this.r;
    r[UartReg.RX + ((r[UartReg.RX_HEAD] + r[UartReg.RX_COUNT]) % UART_RX_SIZE)] = byte;
    r[UartReg.RX_COUNT]++;
  }

  private rxShift(): number {
    const r = this.r;
    const v = r[UartReg.RX + r[UartReg.RX_HEAD]];
    r[UartReg.RX_HEAD] = (r[UartReg.RX_HEAD] + 1) % UART_RX_SIZE;
    r[UartReg.RX_COUNT]--;
    return v;
  }

  private rxClear(): void {
    this.r[UartReg.RX_COUNT] = 0;
    this.r[UartReg.RX_HEAD] = 0;
  }

  private rxBytes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.rxCount; i++) out.push(this.r[UartReg.RX + ((this.r[UartReg.RX_HEAD] + i) % UART_RX_SIZE)]);
    return out;
  }

  constructor(opts: Uart16550Options) {
    this.irq = opts.irq;
    this.sink = opts.sink;
    this.irqNumber = opts.irqNumber ?? 10;
    this.name = opts.name ?? 'uart0';
    this.inputQueue = opts.input ?? new ConsoleInput();
    this.inputReader = this.inputQueue.reader(() => this.locked(() => {
      this.refill();
      this.updateIrq();
    }));
  }

  /** The shared registers vCPU threads answer accesses through (uart-fast-path.ts), and who counts them as exits. */
  private fast: UartFastPath | null = null;
  private onFastAccess: ((a: UartFastAccess) => void) | null = null;
  /** On a vCPU thread's view: the byte the access being answered sent to the console, or -1. */
  private sent = -1;
  /** On a vCPU thread's view without the interrupt controller: only accesses that leave the line low. */
  private quietOnly = false;

  /**
   * A vCPU thread's view of the UART whose registers `buffer` holds (`attachFastPath` on the
   * VM's thread): it answers accesses with `threadAccess`, driving `irq` (the thread's view
   * of the PLIC's source) as the VM's UART would. Without `irq` it answers only the accesses
   * that leave the interrupt line low (a THR write or an LSR read with no interrupt enabled
   * or pending).
   */
  static onThread(buffer: SharedArrayBuffer, irq: IrqLine | null): Uart16550 {
    const fast = new UartFastPath(buffer);
    const u = new Uart16550({ irq: irq ?? { set: () => undefined }, sink: (b) => { u.sent = b; } });
    u.fast = fast;
    u.r = fast.regs;
    u.quietOnly = irq === null;
    return u;
  }

  /**
   * Moves the registers into `fast`'s shared words and lets vCPU threads answer accesses
   * there (`onThread`); `onAccess` sees each such access when it is replayed here, in order.
   */
  attachFastPath(fast: UartFastPath, onAccess: (a: UartFastAccess) => void): void {
    this.detachFastPath();
    fast.lock.locked(() => {
      fast.regs.set(this.r);
      this.r = fast.regs;
      this.fast = fast;
      this.onFastAccess = onAccess;
      fast.open();
    });
  }

  /** Replays what the vCPU threads did and answers every access here again, with the registers local. */
  detachFastPath(): void {
    const f = this.fast;
    if (!f) return;
    f.lock.locked(() => {
      f.close();
      f.drain(this.replay);
      this.r = Int32Array.from(f.regs);
    });
    this.fast = null;
    this.onFastAccess = null;
  }

  /** Replays the vCPU threads' accesses so far (their bytes reach the sink). */
  flushFastPath(): void {
    if (!this.fast || this.fast.pending === 0) return;
    this.lock();
    this.unlock();
  }

  /** Takes the shared registers' lock (none when local) and replays the vCPU threads' accesses before this thread's. */
  private lock(): void {
    const f = this.fast;
    if (!f) return;
    f.lock.lock();
    if (f.pending !== 0 && this.onFastAccess) f.drain(this.replay);
  }

  private unlock(): void {
    this.fast?.lock.unlock();
  }

  /** Runs `f` holding the shared registers' lock (`lock`, `unlock`) and returns what it returns. */
  private locked<T>(f: () => T): T {
    this.lock();
    try {
      return f();
    } finally {
      this.unlock();
    }
  }

  private readonly replay = (a: UartFastAccess): void => {
    if (a.sent) this.sink(a.value);
    this.onFastAccess?.(a);
  };

  /**
   * Answers an access on a vCPU thread's view (`onThread`) and appends it to the ring the
   * VM's thread replays; returns the value read (0 for a write), or -1: the access goes to
   * the VM's thread (the gate is closed, the ring full, or the access needs the host's side:
   * a receive buffer read, an FCR or MCR write, which move typed input into the FIFO).
   */
  threadAccess(offset: number, write: boolean, value: number, vcpu: number, pcLo: number, pcHi: number,
    stvalLo: number, stvalHi: number, htinst: number, instret: number, ns: number): number {
    const f = this.fast!;
    f.lock.lock();
    try {
      if (!f.isOpen || f.full) return -1;
      const dlab = (this.lcr & LCR_DLAB) !== 0;
      if (write ? offset === 2 || offset === 4 : offset === 0 && !dlab) return -1;
      if (this.quietOnly && !(this.quiet() && !dlab && (write ? offset === 0 : offset === 5))) return -1;
      this.sent = -1;
      let v = 0;
      if (write) this.writeRegister(offset, value);
      else v = this.readRegister(offset);
      const sent = this.sent >= 0;
      f.append(offset, write, write ? value : v, sent, vcpu, pcLo, pcHi, stvalLo, stvalHi, htinst, instret, ns);
      return v;
    } finally {
      f.lock.unlock();
    }
  }

  /** A THR write only sends its byte and an LSR read clears nothing: the line stays low. */
  private quiet(): boolean {
    return (this.mcr & MCR_LOOP) === 0 && (this.ier & IER_THRI) === 0 &&
      (this.iir & IIR_NO_INT) !== 0 && (this.lsr & (LSR_BI | LSR_OE)) === 0;
  }

  /**
   * Queues bytes typed on the host; they reach the guest as FIFO space allows. Returns how
   * many the input queue took (see ConsoleInput.push).
   */
  receive(bytes: Uint8Array | number[]): number {
    return this.inputQueue.push(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }

  /** Bytes waiting on the host side, not yet in the receive FIFO. */
  get pendingInput(): number {
    return this.inputReader.available;
  }

  /** Current level of the interrupt output. */
  get interruptPending(): boolean {
    return (this.iir & IIR_NO_INT) === 0;
  }

  /** @inheritdoc */
  read(offset: number, _size: 1 | 2 | 4): number {
    if (!this.fast) return this.readRegister(offset);
    return this.locked(() => this.readRegister(offset));
  }

  /** @inheritdoc */
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (!this.fast) return this.writeRegister(offset, value);
    this.locked(() => this.writeRegister(offset, value));
  }

  private readRegister(offset: number): number {
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) return this.divisor & 0xff;
        return this.readRbr();
      case 1:
        if (this.lcr & LCR_DLAB) return (this.divisor >>> 8) & 0xff;
        return this.ier;
      case 2: {
        const v = this.iir;
        // Reading IIR while it reports THR empty acknowledges that interrupt.
        if ((v & IIR_ID_MASK) === IIR_THRI && (v & IIR_NO_INT) === 0) {
          this.thrIpending = false;
          this.updateIrq();
        }
        return v;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr;
        if (v & (LSR_BI | LSR_OE)) {
          this.lsr &= ~(LSR_BI | LSR_OE);
          this.updateIrq();
        }
        return v;
      }
      case 6:
        return this.readMsr();
      case 7:
        return this.scr;
      default:
        return 0;
    }
  }

  private writeRegister(offset: number, value: number): void {
    const v = value & 0xff;
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) this.divisor = (this.divisor & 0xff00) | v;
        else this.transmit(v);
        break;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff) | (v << 8);
        } else {
          const changed = (this.ier ^ v) & 0x0f;
          this.ier = v & 0x0f;
          // Enabling ETBEI while THR is empty raises the interrupt again (serial.c, as
          // Bochs and Windows expect).
          if (changed & IER_THRI) this.thrIpending = (this.ier & IER_THRI) !== 0 && (this.lsr & LSR_THRE) !== 0;
          if (changed) this.updateIrq();
        }
        break;
      case 2:
        this.writeFcr(v);
        break;
      case 3:
        this.lcr = v;
        break;
      case 4:
        this.writeMcr(v & 0x1f);
        break;
      case 7:
        this.scr = v;
        break;
      default:
        break; // LSR and MSR are read-only
    }
  }

  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    fdt
      .beginNode(`serial@${unitAddress(ctx.base)}`)
      .propU32Array('interrupts', interruptCells(ctx, this.irqNumber))
      .propU32('interrupt-parent', ctx.plicPhandle)
      .propU32('clock-frequency', UART_CLOCK_HZ)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propString('compatible', 'ns16550a')
      .endNode();
  }

  /** The registers and the receive FIFO, for a snapshot (the input queue saves itself). */
  save(): Saved {
    return this.locked(() => ({
      ier: this.ier, iir: this.iir, fcr: this.fcr, lcr: this.lcr, mcr: this.mcr, lsr: this.lsr, msr: this.msr,
      scr: this.scr, divisor: this.divisor, thrIpending: this.thrIpending, rxFifo: this.rxBytes(),
    }));
  }

  /** Puts back `save`'s registers and FIFO and drives the interrupt line to match. */
  restore(state: Saved): void {
    this.locked(() => {
      const s = obj(state, this.name);
      this.ier = num(s.ier, 'ier');
      this.fcr = num(s.fcr, 'fcr');
      this.lcr = num(s.lcr, 'lcr');
      this.mcr = num(s.mcr, 'mcr');
      this.lsr = num(s.lsr, 'lsr');
      this.msr = num(s.msr, 'msr');
      this.scr = num(s.scr, 'scr');
      this.divisor = num(s.divisor, 'divisor');
      this.thrIpending = s.thrIpending === true;
      const saved = Array.isArray(s.rxFifo) ? s.rxFifo : [];
      const fifo: number[] = new Array(Math.min(saved.length, UART_RX_SIZE)).fill(0);
      fillArray(fifo, saved, 'rxFifo');
      this.rxClear();
      for (const b of fifo) this.rxPush(b);
      this.r[UartReg.LINE] = -1; // driven whatever it was
      this.updateIrq();
      this.iir = num(s.iir, 'iir');
    });
  }

  private readRbr(): number {
    const v = this.rxCount > 0 ? this.rxShift() : 0;
    this.refill();
    if (this.rxCount === 0) this.lsr &= ~(LSR_DR | LSR_BI);
    this.updateIrq();
    return v;
  }

  private readMsr(): number {
    if (this.mcr & MCR_LOOP) {
      // Loopback: the modem outputs feed the modem inputs (DTR->DSR, RTS->CTS, OUT1->RI,
      // OUT2->DCD); the Linux 8250 probe checks for 0x90 after writing MCR = LOOP | 0x0a.
      const m = this.mcr;
      return (
        (m & MCR_DTR ? MSR_DSR : 0) |
        (m & MCR_RTS ? MSR_CTS : 0) |
        (m & MCR_OUT1 ? MSR_RI : 0) |
        (m & MCR_OUT2 ? MSR_DCD : 0)
      );
    }
    const v = this.msr;
    if (v & MSR_DELTAS) {
      this.msr &= ~MSR_DELTAS;
      this.updateIrq();
    }
    return v;
  }

  private transmit(byte: number): void {
    this.thrIpending = false;
    this.lsr &= ~(LSR_THRE | LSR_TEMT);
    this.updateIrq();
    if (this.mcr & MCR_LOOP) {
      // The byte loops back into the receiver; it overruns if the FIFO is full.
      if (this.rxCount < this.rxCapacity()) {
        this.rxPush(byte);
        this.lsr |= LSR_DR;
      } else {
        this.lsr |= LSR_OE;
      }
    } else {
      this.sink(byte);
    }
    // Instant transmission: THR and the shift register are empty again at once.
    this.lsr |= LSR_THRE | LSR_TEMT;
    this.thrIpending = true;
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    const fifoWasOn = (this.fcr & FCR_FE) !== 0;
    const fifoOn = (v & FCR_FE) !== 0;
    // Toggling FIFO enable resets both FIFOs (as on a real 16550A).
    const toggled = fifoWasOn !== fifoOn;
    if (toggled || (v & FCR_RFR) !== 0) {
      this.rxClear();
      this.lsr &= ~(LSR_DR | LSR_BI);
    }
    // Clearing the (always empty) transmit FIFO reports THR empty again (serial.c).
    if (toggled || (v & FCR_XFR) !== 0) {
      this.lsr |= LSR_THRE;
      this.thrIpending = true;
    }
    this.fcr = v & 0xc9; // the clear bits are self-clearing
    this.refill();
    this.updateIrq();
  }

  private writeMcr(v: number): void {
    const wasLoop = (this.mcr & MCR_LOOP) !== 0;
    this.mcr = v;
    // Leaving loopback lets host input in again (serial.c: qemu_chr_fe_accept_input).
    if (wasLoop && (v & MCR_LOOP) === 0) {
      this.refill();
      this.updateIrq();
    }
  }

  private rxCapacity(): number {
    return this.fcr & FCR_FE ? FIFO_SIZE : 1;
  }

  /** Moves host input into the receive FIFO while there is room (not in loopback). */
  private refill(): void {
    if (this.mcr & MCR_LOOP) return;
    const cap = this.rxCapacity();
    while (this.rxCount < cap && this.inputReader.available > 0) this.rxPush(this.inputReader.read());
    if (this.rxCount > 0) this.lsr |= LSR_DR;
  }

  /** Recomputes IIR and the interrupt output (serial_update_irq). */
  private updateIrq(): void {
    const fifoOn = (this.fcr & FCR_FE) !== 0;
    const dataReady = (this.lsr & LSR_DR) !== 0;
    const belowTrigger = fifoOn && this.rxCount < TRIGGER_LEVELS[this.fcr >>> 6];
    let id = IIR_NO_INT;
    if (this.ier & IER_RLSI && this.lsr & LSR_INT_ANY) id = IIR_RLSI;
    else if (this.ier & IER_RDI && dataReady && belowTrigger) id = IIR_CTI;
    else if (this.ier & IER_RDI && dataReady) id = IIR_RDI;
    else if (this.ier & IER_THRI && this.thrIpending) id = IIR_THRI;
    else if (this.ier & IER_MSI && this.msr & MSR_DELTAS) id = IIR_MSI;
    this.iir = id | (fifoOn ? IIR_FIFO_ON : 0);
    const high = id !== IIR_NO_INT;
    // Shared with vCPU threads: driving a low line low again changes nothing at the PLIC (its
    // pending bit follows the last drive, and only a claim clears it otherwise) and costs the
    // PLIC's lock, twice per byte of a console write. Every drive high goes through (each
    // latches the source pending again), and on one thread every drive, as serial.c's.
    if (!high && this.fast !== null && this.r[UartReg.LINE] === 0) return;
    this.r[UartReg.LINE] = high ? 1 : 0;
    this.irq.set(high);
  }
}
