/**
 * The recent-exits trace: a bounded ring of the last VM exits with their details, shown by
 * the debugger when it stops on an exit and by the panel. Pushing stores the caller's
 * record object in a preallocated slot: nothing else is allocated, and the oldest record is
 * dropped once the ring is full.
 */
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
}

/** Default number of exits kept. */
export const DEFAULT_TRACE_CAPACITY = 256;

/** A bounded ring of recent exits. */
export class ExitTrace {
  private readonly ring: (ExitRecord | undefined)[];
  /** Index of the next slot to write. */
  private head = 0;
  private count = 0;
  private nextSeq = 0;

  /** @param capacity exits kept (at least 1) */
  constructor(readonly capacity: number = DEFAULT_TRACE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`trace capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<ExitRecord | undefined>(capacity).fill(undefined);
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
      out[j] = this.ring[(this.head - 1 - j + this.capacity) % this.capacity]!;
    }
    return out;
  }

  /** The newest record, if any. */
  latest(): ExitRecord | undefined {
    return this.count === 0 ? undefined : this.ring[(this.head - 1 + this.capacity) % this.capacity];
  }

  /** The record with sequence number `seq` if it is still in the ring. */
  bySeq(seq: number): ExitRecord | undefined {
    const age = this.nextSeq - 1 - seq;
    if (!Number.isInteger(age) || age < 0 || age >= this.count) return undefined;
    return this.ring[(this.head - 1 - age + this.capacity) % this.capacity];
  }

  /** Forgets every record (sequence numbers keep increasing). */
  clear(): void {
    this.ring.fill(undefined);
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
