/**
 * The recent-exits trace: a bounded ring of the last VM exits with their details, shown by
 * the debugger when it stops on an exit and by the panel. The VM writes each exit as plain
 * numbers into a slot of the ring that is reused ({@link ExitTrace.claim}): an exit allocates
 * nothing for the trace, and the bigint {@link ExitRecord} is built only when someone reads
 * it. `push` stores a caller's record object as it is. The oldest entry is dropped once the
 * ring is full.
 */
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import { toBigU64 } from '../../hart/int64';
import { ExitReason } from '../exit-reason';

/** One VM exit as traced. Values are the registers as the hypervisor saw them. */
export interface ExitRecord {
  /** Sequence number, set by ExitTrace.push: 0, 1, 2... over the life of the trace. */
  seq: number;
  vcpu: number;
  reason: ExitReason;
  /** Guest pc of the exit (the trapping instruction). */
  pc: bigint;
  scause: bigint;
  stval: bigint;
  /** Guest physical address >> 2 for guest page faults, else 0. */
  htval: bigint;
  /** Transformed instruction for guest page faults, else 0. */
  htinst: bigint;
  /** Faulting guest physical address, for guest page faults and MMIO. */
  gpa?: bigint;
  sbi?: { eid: number; fid: number; name: string; args: bigint[]; error?: number; value?: bigint };
  mmio?: { device: string; address: bigint; size: number; write: boolean; value: bigint };
  /** Host nanoseconds spent handling the exit. */
  ns: number;
  /** Free text: what the hypervisor did ("mapped page", "reflected to guest"...). */
  note?: string;
  /**
   * Instructions the exit's vCPU had retired when it left (the trapping instruction not
   * counted): where reverse execution finds the exit again ("go to this exit").
   */
  instret?: number;
  /**
   * The VM's retired instructions, all vCPUs together, when the exit's vCPU left: the position
   * reverse execution travels to (time-travel.ts), the same as `instret` on one vCPU. Absent
   * while the vCPUs run on host threads (no single count then).
   */
  position?: number;
}

/** The SBI call of an exit, as the VM handled it (shared with the record, never copied). */
export interface SbiCallTrace { eid: number; fid: number; args: bigint[]; error?: number; value?: bigint }

/** The trap registers of an exit as int32 pairs, as the vCPU left them (before handling moves pc). */
export class ExitRegs {
  pcLo = 0; pcHi = 0;
  causeLo = 0; causeHi = 0;
  tvalLo = 0; tvalHi = 0;
  htvalLo = 0; htvalHi = 0;
  htinst = 0;
  /** Instructions the vCPU had retired at the exit (see ExitRecord.instret). */
  instret = 0;

  /** Reads them from `h` (whose trap CSRs describe the exit) and returns this object. */
  capture(h: Hart): this {
    this.pcLo = h.pcLo; this.pcHi = h.pcHi;
    this.causeLo = h.lo(Slot.SCAUSE); this.causeHi = h.hi(Slot.SCAUSE);
    this.tvalLo = h.lo(Slot.STVAL); this.tvalHi = h.hi(Slot.STVAL);
    this.htvalLo = h.lo(Slot.HTVAL); this.htvalHi = h.hi(Slot.HTVAL); this.htinst = h.lo(Slot.HTINST);
    this.instret = h.instret;
    return this;
  }

  /** Copies `o`'s registers into this object. */
  copyRegs(o: ExitRegs): void {
    this.pcLo = o.pcLo; this.pcHi = o.pcHi;
    this.causeLo = o.causeLo; this.causeHi = o.causeHi;
    this.tvalLo = o.tvalLo; this.tvalHi = o.tvalHi;
    this.htvalLo = o.htvalLo; this.htvalHi = o.htvalHi; this.htinst = o.htinst;
    this.instret = o.instret;
  }
}

/**
 * One exit as the VM writes it: registers as int32 pairs, the details as numbers and shared
 * strings. A slot belongs to the ring and is overwritten when the ring wraps; `toRecord`
 * gives the record (with bigints) for readers.
 */
export class ExitSlot extends ExitRegs {
  seq = -1;
  vcpu = 0;
  reason: ExitReason = 'interrupt';
  ns = 0;
  /** The VM's retired instructions at the exit (see ExitRecord.position), or -1. */
  position = -1;
  /** Faulting guest physical address (guest page faults and MMIO), or -1. */
  gpa = -1;
  sbi: SbiCallTrace | null = null;
  sbiName = '';
  /** MMIO: the device's name, or null when the exit was not an emulated access. */
  device: string | null = null;
  mmioAddress = 0;
  mmioSize = 0;
  mmioWrite = false;
  mmioLo = 0; mmioHi = 0;
  note: string | undefined = undefined;

  /** Forgets the optional details (the slot is about to describe another exit). */
  clear(): void {
    this.gpa = -1;
    this.sbi = null;
    this.device = null;
    this.note = undefined;
  }

  /** The record readers get (a new object with bigints). */
  toRecord(): ExitRecord {
    const r: ExitRecord = {
      seq: this.seq, vcpu: this.vcpu, reason: this.reason, pc: toBigU64(this.pcLo, this.pcHi),
      scause: toBigU64(this.causeLo, this.causeHi), stval: toBigU64(this.tvalLo, this.tvalHi),
      htval: toBigU64(this.htvalLo, this.htvalHi), htinst: toBigU64(this.htinst, 0), ns: this.ns,
      instret: this.instret,
    };
    if (this.position >= 0) r.position = this.position;
    if (this.gpa >= 0) r.gpa = BigInt(this.gpa);
    const c = this.sbi;
    if (c !== null) r.sbi = { eid: c.eid, fid: c.fid, args: c.args, error: c.error, value: c.value, name: this.sbiName };
    if (this.device !== null) {
      r.mmio = { device: this.device, address: BigInt(this.mmioAddress), size: this.mmioSize, write: this.mmioWrite,
        value: toBigU64(this.mmioLo, this.mmioHi) };
    }
    if (this.note !== undefined) r.note = this.note;
    return r;
  }
}

/** Default number of exits kept. */
export const DEFAULT_TRACE_CAPACITY = 256;

/** A bounded ring of recent exits. */
export class ExitTrace {
  /** Records pushed, or built from a slot when first read; undefined: read the slot. */
  private readonly ring: (ExitRecord | undefined)[];
  /** The reusable slots the VM writes exits into (created on first use). */
  private readonly slots: (ExitSlot | undefined)[];
  /** Index of the next slot to write. */
  private head = 0;
  private count = 0;
  private nextSeq = 0;

  /** @param capacity exits kept (at least 1) */
  constructor(readonly capacity: number = DEFAULT_TRACE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`trace capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<ExitRecord | undefined>(capacity).fill(undefined);
    this.slots = new Array<ExitSlot | undefined>(capacity).fill(undefined);
  }

  /**
   * Takes the next entry as a slot for the caller to fill at once (before anyone reads the
   * trace), with its `seq` set and its details cleared; drops the oldest when full.
   */
  claim(): ExitSlot {
    const i = this.head;
    const slot = this.slots[i] ?? (this.slots[i] = new ExitSlot());
    slot.clear();
    slot.seq = this.nextSeq++;
    this.ring[i] = undefined;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    if (this.count < this.capacity) this.count++;
    return slot;
  }

  /** The record at ring index i, built from its slot on first read. */
  private at(i: number): ExitRecord {
    let r = this.ring[i];
    if (r === undefined) this.ring[i] = r = this.slots[i]!.toRecord();
    return r;
  }

  /** Stores `r` (not a copy), sets its `seq` and returns it. Drops the oldest when full. */
  push(r: ExitRecord): number {
    r.seq = this.nextSeq++;
    this.ring[this.head] = r;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count++;
    return r.seq;
  }

  /** Up to `n` most recent records (all kept by default), newest first. */
  recent(n: number = this.count): ExitRecord[] {
    const k = Math.max(0, Math.min(n, this.count));
    const out: ExitRecord[] = new Array(k);
    for (let j = 0; j < k; j++) {
      out[j] = this.at((this.head - 1 - j + this.capacity) % this.capacity);
    }
    return out;
  }

  /** The newest record, if any. */
  latest(): ExitRecord | undefined {
    return this.count === 0 ? undefined : this.at((this.head - 1 + this.capacity) % this.capacity);
  }

  /** The record with sequence number `seq` if it is still in the ring. */
  bySeq(seq: number): ExitRecord | undefined {
    const age = this.nextSeq - 1 - seq;
    if (!Number.isInteger(age) || age < 0 || age >= this.count) return undefined;
    return this.at((this.head - 1 - age + this.capacity) % this.capacity);
  }

  /** Forgets every record (sequence numbers keep increasing). */
  clear(): void {
    this.ring.fill(undefined);
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  /** Records currently held. */
  get size(): number {
    return this.count;
  }

  /** Records pushed since the trace was created, including those dropped. */
  get total(): number {
    return this.nextSeq;
  }
}
