/**
 * The hart's performance counters (privileged spec 3.1.10-3.1.13, Zicntr and Zihpm): mcycle
 * and minstret, mhpmcounter3..HPM_LAST with their mhpmevent selectors, and mcountinhibit that
 * stops any of them. One instruction retires per cycle, so cycle and instret count the same.
 *
 * The events an mhpmevent can select (other values are WARL-written as 0, which counts nothing)
 * use the SBI PMU encoding of the event, as the SBI spec suggests for hardware general and
 * cache events (`event_idx` zero-extended), and 0x20001 for page walks (SBI raw event data):
 *
 *   0x00001 cycles           0x10019 data TLB read (load) misses    0x20001 page-table walks
 *   0x00002 instructions     0x1001b data TLB write (store) misses  (every walk of either stage)
 *                            0x10021 instruction TLB misses
 *
 * A TLB miss is an access the hart's TLB did not answer (the slow path, MMIO included). The
 * value of a running counter is its event total plus an offset, modulo 2^64 (Linux perf starts
 * counters near 2^63); a stopped one keeps its value frozen. Counter CSRs are off the hot path,
 * so the values are bigints.
 */
import { arr, bigText, fillArray, num, obj, StateError, textBig, type Saved } from '../state/persist';

/** The last programmable counter: mhpmcounter3..10 exist, 11..31 read 0. */
export const HPM_LAST = 10;

/** Events mhpmevent can select. */
export const enum HpmEvent {
  NONE = 0,
  CYCLES = 0x00001,
  INSTRUCTIONS = 0x00002,
  DTLB_READ_MISS = 0x10019,
  DTLB_WRITE_MISS = 0x1001b,
  ITLB_READ_MISS = 0x10021,
  PAGE_WALKS = 0x20001,
}

const SUPPORTED = new Set<number>([HpmEvent.CYCLES, HpmEvent.INSTRUCTIONS, HpmEvent.DTLB_READ_MISS,
  HpmEvent.DTLB_WRITE_MISS, HpmEvent.ITLB_READ_MISS, HpmEvent.PAGE_WALKS]);

/** Whether mhpmevent can select `event` (a value of HpmEvent). */
export function hpmEventSupported(event: number): boolean {
  return SUPPORTED.has(event);
}

/** mcountinhibit bits that exist: CY, IR and the programmable counters (TM is read-only 0). */
const INHIBIT_MASK = 1 | 4 | (((1 << (HPM_LAST + 1)) - 1) & ~7);

/** The counters of one hart. */
export class Counters {
  /** mcountinhibit. */
  inhibit = 0;
  /** Event totals the hart counts on its slow paths (TLB misses) and in its walker. */
  itlbMisses = 0;
  dtlbReadMisses = 0;
  dtlbWriteMisses = 0;
  walks = 0;
  /** Retired instructions so far (the hart's, set by the hart). */
  retired: () => number = () => 0;
  private readonly events = new Int32Array(HPM_LAST + 1);
  private readonly offset: bigint[] = new Array<bigint>(HPM_LAST + 1).fill(0n);
  private readonly frozen: bigint[] = new Array<bigint>(HPM_LAST + 1).fill(0n);

  /** All counters 0 and running (mcountinhibit 0), no events selected. */
  reset(): void {
    this.inhibit = 0;
    this.itlbMisses = this.dtlbReadMisses = this.dtlbWriteMisses = this.walks = 0;
    this.events.fill(0);
    this.frozen.fill(0n);
    for (let i = 0; i <= HPM_LAST; i++) this.offset[i] = -this.source(i);
  }

  /** The events, offsets, frozen values, mcountinhibit and miss totals, for a snapshot. */
  save(): Saved {
    return {
      inhibit: this.inhibit, misses: [this.itlbMisses, this.dtlbReadMisses, this.dtlbWriteMisses, this.walks],
      events: Array.from(this.events), offset: this.offset.map(bigText), frozen: this.frozen.map(bigText),
    };
  }

  /** Puts back `save`'s state (on a hart restored to the same retired count). */
  restore(state: Saved): void {
    const s = obj(state, 'counters');
    this.inhibit = num(s.inhibit, 'mcountinhibit');
    const m = [0, 0, 0, 0];
    fillArray(m, s.misses ?? null, 'misses');
    [this.itlbMisses, this.dtlbReadMisses, this.dtlbWriteMisses, this.walks] = m;
    fillArray(this.events, s.events ?? null, 'events');
    const offset = arr(s.offset, 'offset'), frozen = arr(s.frozen, 'frozen');
    if (offset.length !== this.offset.length || frozen.length !== this.frozen.length) throw new StateError('counters: wrong count');
    offset.forEach((v, i) => { this.offset[i] = textBig(v); });
    frozen.forEach((v, i) => { this.frozen[i] = textBig(v); });
  }

  /** Whether counter `i` (0 cycle, 2 instret, 3..HPM_LAST) exists. */
  exists(i: number): boolean {
    return i === 0 || (i >= 2 && i <= HPM_LAST);
  }

  /** The value of counter `i` (0 when it does not exist). */
  read(i: number): bigint {
    if (!this.exists(i)) return 0n;
    return (this.inhibit >>> i) & 1 ? this.frozen[i] : BigInt.asUintN(64, this.source(i) + this.offset[i]);
  }

  /** Sets counter `i` to `value` (mcycle, minstret, mhpmcounter writes). */
  write(i: number, value: bigint): void {
    if (!this.exists(i)) return;
    if ((this.inhibit >>> i) & 1) this.frozen[i] = BigInt.asUintN(64, value);
    else this.offset[i] = BigInt.asUintN(64, value) - this.source(i);
  }

  /** mhpmevent `i`. */
  event(i: number): number {
    return i >= 3 && i <= HPM_LAST ? this.events[i] : 0;
  }

  /** Selects the event of counter `i` (3..HPM_LAST); an unsupported one becomes 0. The value carries over. */
  setEvent(i: number, event: number): void {
    if (i < 3 || i > HPM_LAST) return;
    const v = this.read(i);
    this.events[i] = hpmEventSupported(event) ? event : HpmEvent.NONE;
    this.write(i, v);
  }

  /** mcountinhibit write: a counter stopping keeps its value, one starting goes on from it. */
  setInhibit(value: number): void {
    const next = value & INHIBIT_MASK;
    for (let i = 0; i <= HPM_LAST; i++) {
      const bit = 1 << i;
      if (((this.inhibit ^ next) & bit) === 0) continue;
      if (next & bit) this.frozen[i] = BigInt.asUintN(64, this.source(i) + this.offset[i]);
      else this.offset[i] = this.frozen[i] - this.source(i);
    }
    this.inhibit = next;
  }

  /** The running total of what counter `i` counts. */
  private source(i: number): bigint {
    switch (i === 0 ? HpmEvent.CYCLES : i === 2 ? HpmEvent.INSTRUCTIONS : this.events[i]) {
      case HpmEvent.CYCLES: case HpmEvent.INSTRUCTIONS: return BigInt(this.retired());
      case HpmEvent.DTLB_READ_MISS: return BigInt(this.dtlbReadMisses);
      case HpmEvent.DTLB_WRITE_MISS: return BigInt(this.dtlbWriteMisses);
      case HpmEvent.ITLB_READ_MISS: return BigInt(this.itlbMisses);
      case HpmEvent.PAGE_WALKS: return BigInt(this.walks);
      default: return 0n;
    }
  }
}
