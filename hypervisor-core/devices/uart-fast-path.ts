/**
 * The ns16550a's registers in shared memory, so that vCPU threads answer the guest's UART
 * accesses themselves, as they answer the PLIC's (plic.ts `share()`): Linux's console
 * (serial8250_console_write: LSR polled, THR written, per character) and its interrupt-driven
 * tty output after `Run /init` (IER written to start and stop transmission, IIR, LSR and MSR
 * read in the interrupt handler, THR written up to the FIFO's size) made some 740 exits to the
 * VM's thread in a 2-vCPU boot, each a round trip of ~150 us on a loaded 2-core host, against
 * a few microseconds here. What needs the host's side of the device, which the VM's thread
 * owns (receive buffer reads, FIFO control and modem control writes: they move typed input
 * into the FIFO), still goes to the VM's thread.
 *
 * Every access, on any thread, runs under one lock in the buffer and in the order it gives
 * them, as QEMU's MTTCG takes the big lock around each access to serial.c. A vCPU thread
 * appends each access it answered to a ring, with the byte it sent if it was a THR write; the
 * VM's thread replays the ring (under the lock, before any access of its own) to the console
 * in order and counts each access as the MMIO exit it is, as KVM's coalesced MMIO
 * (KVM_REGISTER_COALESCED_MMIO) lets the VMM drain a ring of writes later.
 *
 * The words, in one Int32Array over a SharedArrayBuffer:
 *
 *   LOCK      shared-lock.ts
 *   GATE      0: closed, every access goes to the VM's thread; 1: vCPU threads may answer
 *   TAIL      entries ever appended (under the lock)
 *   HEAD      entries ever replayed (under the lock)
 *   REGS      the registers, UartReg.WORDS words (uart16550.ts)
 *   ring      ENTRIES entries of ENTRY words: [header, pc lo, pc hi, stval lo, stval hi, htinst,
 *             instret lo, instret hi, ns]; header: bits 2:0 register offset, bit 3 write, bit 4 the
 *             byte was sent to the console, bit 5 set, bits 15:8 the byte written or read,
 *             bits 31:16 the vCPU
 */
import { SharedLock } from './shared-lock';

const LOCK = 0;
const GATE = 1;
const TAIL = 2;
const HEAD = 3;
const REGS = 4;

/** Register words of the UART (uart16550.ts), at the same index whether local or shared. */
export const enum UartReg {
  IER, IIR, FCR, LCR, MCR, LSR, MSR, SCR, DIVISOR,
  /** THR-empty interrupt pending (0/1). */
  THRI_PENDING,
  /** The level the interrupt line was last driven to: 0 low, 1 high, -1 not known (after a restore). */
  LINE,
  /** Bytes in the receive FIFO, and the index of its oldest. */
  RX_COUNT, RX_HEAD,
  /** The receive FIFO: 16 words from here (UART_RX_SIZE), a ring. */
  RX,
  WORDS = RX + 16,
}
/** Room in the receive FIFO's ring: the words after RX. */
export const UART_RX_SIZE = UartReg.WORDS - UartReg.RX;

const RING = REGS + UartReg.WORDS;
/** Words per ring entry. */
const ENTRY = 9;
/** Ring entries: a full ring sends the next access to the VM's thread, which empties it. */
export const UART_FAST_ENTRIES = 2048;
const TWO32 = 4294967296;
const WRITE = 0x08;
const SENT = 0x10;
const SET = 0x20;

/** Where and when a vCPU thread answered a device access itself, as its exit record needs it. */
export interface ThreadAccessSite {
  vcpu: number;
  pcLo: number; pcHi: number;
  stvalLo: number; stvalHi: number;
  htinst: number;
  /** The vCPU's retired instructions at the access. */
  instret: number;
  /** Host nanoseconds its handling took on the vCPU thread. */
  ns: number;
}

/** One access a vCPU thread answered, as the VM's thread replays it. */
export interface UartFastAccess extends ThreadAccessSite {
  /** Register offset, 0..7. */
  offset: number;
  write: boolean;
  /** The byte written, or the value read. */
  value: number;
  /** Whether the access sent `value` to the console (a THR write outside loopback). */
  sent: boolean;
}

/** The shared words of one UART; the VM's thread and each vCPU thread use this class over the same buffer. */
export class UartFastPath {
  readonly words: Int32Array;
  /** The registers (UartReg), a view into the shared words. */
  readonly regs: Int32Array;
  /** The lock every access takes. */
  readonly lock: SharedLock;
  /** Reused for each replayed access (no allocation per entry). */
  private readonly access: UartFastAccess = { offset: 0, write: false, value: 0, sent: false, vcpu: 0, pcLo: 0, pcHi: 0, stvalLo: 0, stvalHi: 0, htinst: 0, instret: 0, ns: 0 };

  /** @param buffer the words of an existing UART's (a vCPU thread's side); new, closed ones when absent */
  constructor(buffer?: SharedArrayBuffer) {
    this.words = new Int32Array(buffer ?? new SharedArrayBuffer((RING + UART_FAST_ENTRIES * ENTRY) * 4));
    this.regs = this.words.subarray(REGS, REGS + UartReg.WORDS);
    this.lock = new SharedLock(this.words, LOCK, true);
  }

  /** The buffer to hand to a vCPU thread. */
  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** Whether vCPU threads may answer accesses now. */
  get isOpen(): boolean {
    return Atomics.load(this.words, GATE) !== 0;
  }

  /** Lets vCPU threads answer accesses (under the lock). */
  open(): void {
    Atomics.store(this.words, GATE, 1);
  }

  /** Sends every access to the VM's thread from now on (under the lock). */
  close(): void {
    Atomics.store(this.words, GATE, 0);
  }

  // ---- a vCPU thread's side, under the lock ----

  /** Whether the ring has no room for another access. */
  get full(): boolean {
    return this.pending >= UART_FAST_ENTRIES;
  }

  /**
   * Appends an access a vCPU thread answered (under the lock, with room: see `full`): `value` is
   * the byte written or read, `sent` whether the console is to get it.
   */
  append(offset: number, write: boolean, value: number, sent: boolean, vcpu: number, pcLo: number, pcHi: number,
    stvalLo: number, stvalHi: number, htinst: number, instret: number, ns: number): void {
    const w = this.words;
    const t = w[TAIL];
    const e = RING + ((t >>> 0) % UART_FAST_ENTRIES) * ENTRY;
    w[e] = (offset & 7) | (write ? WRITE : 0) | (sent ? SENT : 0) | SET | ((value & 0xff) << 8) | (vcpu << 16);
    w[e + 1] = pcLo; w[e + 2] = pcHi; w[e + 3] = stvalLo; w[e + 4] = stvalHi; w[e + 5] = htinst;
    w[e + 6] = instret % TWO32; w[e + 7] = Math.floor(instret / TWO32); w[e + 8] = ns;
    w[TAIL] = (t + 1) | 0;
  }

  // ---- the VM's thread's side ----

  /** Accesses appended and not yet replayed (a racy look without the lock). */
  get pending(): number {
    return (Atomics.load(this.words, TAIL) - Atomics.load(this.words, HEAD)) | 0;
  }

  /** Replays every appended access in order to `visit` (under the lock). */
  drain(visit: (a: UartFastAccess) => void): void {
    const w = this.words;
    const tail = w[TAIL];
    const a = this.access;
    for (let h = w[HEAD]; h !== tail; h = (h + 1) | 0) {
      const e = RING + ((h >>> 0) % UART_FAST_ENTRIES) * ENTRY;
      const head = w[e];
      a.offset = head & 7;
      a.write = (head & WRITE) !== 0;
      a.sent = (head & SENT) !== 0;
      a.value = (head >>> 8) & 0xff;
      a.vcpu = head >>> 16;
      a.pcLo = w[e + 1]; a.pcHi = w[e + 2]; a.stvalLo = w[e + 3]; a.stvalHi = w[e + 4]; a.htinst = w[e + 5];
      a.instret = (w[e + 6] >>> 0) + w[e + 7] * TWO32;
      a.ns = w[e + 8];
      // Past this entry before the visit: a visit that reaches the UART again drains nothing twice.
      w[HEAD] = (h + 1) | 0;
      visit(a);
    }
  }
}
