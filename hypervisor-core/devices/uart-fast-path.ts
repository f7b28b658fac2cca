/**
 * The ns16550a's console path on vCPU threads, as KVM's coalesced MMIO
 * (KVM_REGISTER_COALESCED_MMIO: writes to a region go into a ring the VMM drains later, with
 * no exit to user space each): while the UART is in a state where a THR write only sends its
 * byte and an LSR read has no side effect, a vCPU thread handles those two accesses itself and
 * appends each to a shared ring; the VM's thread, which owns the UART, replays the ring through
 * the device model (in order, before any other access to it) and counts each access as the MMIO
 * exit it is. Linux's console (serial8250_console_write: IER cleared, then LSR polled and THR
 * written per character) is exactly such a state; everything else (interrupt-driven tty output,
 * input, DLAB, loopback, line-status errors) goes to the VM's thread as before.
 *
 * The words, in one Int32Array over a SharedArrayBuffer:
 *
 *   GATE      0: closed; else 0x100 | the LSR value an LSR read returns (published by the VM's thread)
 *   INFLIGHT  producers between their look at GATE and the end of their append
 *   TAIL      entries ever reserved (producers advance it with compareExchange)
 *   HEAD      entries ever consumed (the VM's thread, with the gate closed and no producer inside)
 *   ring      ENTRIES entries of ENTRY words: [kind | value << 8 | vcpu << 16, pc lo, pc hi, stval lo,
 *             stval hi, htinst, instret lo, instret hi, ns]; kind 0 marks an entry not written yet
 *
 * A producer adds itself to INFLIGHT and then reads GATE; the VM's thread closes GATE and then
 * waits for INFLIGHT to reach 0 (sequentially consistent atomics: one of them sees the other),
 * so no access is appended after the VM's thread began to replay, and the device's state cannot
 * change under a producer that found the gate open.
 */

const GATE = 0;
const INFLIGHT = 1;
const TAIL = 2;
const HEAD = 3;
const RING = 4;
/** Words per ring entry. */
const ENTRY = 9;
/** Ring entries: a full ring sends the next access to the VM's thread, which empties it. */
export const UART_FAST_ENTRIES = 2048;
const OPEN = 0x100;
const TWO32 = 4294967296;

/** What a ring entry was. */
export const enum UartFastKind { THR_WRITE = 1, LSR_READ = 2 }

/** UART register offsets the fast path answers (reg-shift 0). */
export const UART_THR = 0;
export const UART_LSR = 5;

/** Longest the VM's thread waits for a producer inside its few instructions (a thread that died there). */
const INFLIGHT_WAIT_MS = 1000;

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

/** One access a vCPU thread handled, as the VM's thread replays it. */
export interface UartFastAccess extends ThreadAccessSite {
  kind: UartFastKind;
  /** The byte written (THR) or read (LSR). */
  value: number;
}

/** The shared words of one UART's fast path; both sides use the same class over the same buffer. */
export class UartFastPath {
  readonly words: Int32Array;
  private readonly scratch = new Int32Array(new SharedArrayBuffer(4));
  /** Reused for each replayed access (no allocation per entry). */
  private readonly access: UartFastAccess = { kind: UartFastKind.THR_WRITE, value: 0, vcpu: 0, pcLo: 0, pcHi: 0, stvalLo: 0, stvalHi: 0, htinst: 0, instret: 0, ns: 0 };

  /** @param buffer the words of an existing fast path (a vCPU thread's side); new, closed ones when absent */
  constructor(buffer?: SharedArrayBuffer) {
    this.words = new Int32Array(buffer ?? new SharedArrayBuffer((RING + UART_FAST_ENTRIES * ENTRY) * 4));
  }

  /** The buffer to hand to a vCPU thread. */
  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  // ---- a vCPU thread's side ----

  /**
   * Appends an access if the gate is open (and the ring has room); returns the LSR value the
   * gate published (the value of an LSR read), or -1: the access goes to the VM's thread.
   * `value` is the byte of a THR write (ignored for an LSR read, whose value is the result).
   */
  tryAccess(kind: UartFastKind, value: number, vcpu: number, pcLo: number, pcHi: number, stvalLo: number, stvalHi: number,
    htinst: number, instret: number, ns: number): number {
    const w = this.words;
    Atomics.add(w, INFLIGHT, 1);
    try {
      const gate = Atomics.load(w, GATE);
      if (gate === 0) return -1;
      let t: number;
      for (;;) {
        t = Atomics.load(w, TAIL);
        if (t - Atomics.load(w, HEAD) >= UART_FAST_ENTRIES) return -1;
        if (Atomics.compareExchange(w, TAIL, t, (t + 1) | 0) === t) break;
      }
      const lsr = gate & 0xff;
      const e = RING + ((t >>> 0) % UART_FAST_ENTRIES) * ENTRY;
      w[e + 1] = pcLo; w[e + 2] = pcHi; w[e + 3] = stvalLo; w[e + 4] = stvalHi; w[e + 5] = htinst;
      w[e + 6] = instret % TWO32; w[e + 7] = Math.floor(instret / TWO32); w[e + 8] = ns;
      // The header last: an entry whose header is 0 was reserved but never written.
      Atomics.store(w, e, kind | ((kind === UartFastKind.LSR_READ ? lsr : value & 0xff) << 8) | (vcpu << 16));
      return lsr;
    } finally {
      Atomics.sub(w, INFLIGHT, 1);
    }
  }

  // ---- the VM's thread's side ----

  /** Accesses appended and not yet replayed. */
  get pending(): number {
    return (Atomics.load(this.words, TAIL) - Atomics.load(this.words, HEAD)) | 0;
  }

  /** Whether vCPU threads may handle accesses now. */
  get isOpen(): boolean {
    return Atomics.load(this.words, GATE) !== 0;
  }

  /**
   * Closes the gate and waits until no producer is inside: from now on every access goes to
   * the VM's thread, and the ring holds every access made before.
   */
  close(): void {
    const w = this.words;
    Atomics.store(w, GATE, 0);
    if (Atomics.load(w, INFLIGHT) === 0) return;
    const started = performance.now();
    // A producer is a few instructions from leaving; only a thread stopped there (ended by
    // the VM's own terminate) keeps it: its half-made entry is skipped below.
    for (let spins = 0; Atomics.load(w, INFLIGHT) !== 0; spins++) {
      if (spins > 1000) {
        if (performance.now() - started > INFLIGHT_WAIT_MS) {
          Atomics.store(w, INFLIGHT, 0);
          return;
        }
        Atomics.wait(this.scratch, 0, 0, 0.05);
      }
    }
  }

  /** Replays every appended access in order to `visit` (call with the gate closed). */
  drain(visit: (a: UartFastAccess) => void): void {
    const w = this.words;
    const tail = Atomics.load(w, TAIL);
    const a = this.access;
    for (let h = Atomics.load(w, HEAD); h !== tail; h = (h + 1) | 0) {
      const e = RING + ((h >>> 0) % UART_FAST_ENTRIES) * ENTRY;
      const head = w[e];
      w[e] = 0;
      if (head === 0) continue;
      a.kind = head & 0xff;
      a.value = (head >>> 8) & 0xff;
      a.vcpu = head >>> 16;
      a.pcLo = w[e + 1]; a.pcHi = w[e + 2]; a.stvalLo = w[e + 3]; a.stvalHi = w[e + 4]; a.htinst = w[e + 5];
      a.instret = (w[e + 6] >>> 0) + w[e + 7] * TWO32;
      a.ns = w[e + 8];
      visit(a);
    }
    Atomics.store(w, HEAD, tail);
  }

  /** Opens the gate with the value an LSR read returns (0..255). */
  open(lsr: number): void {
    Atomics.store(this.words, GATE, OPEN | (lsr & 0xff));
  }
}
