/**
 * The vCPU timeline recorder behind `hyperscope run --trace`: each vCPU's guest runs, exits
 * (with their details), blocked periods (WFI until woken) and injected interrupts, as
 * `perf kvm stat record` keeps kvm_entry/kvm_exit events. trace-events.ts writes it as Chrome
 * trace-event JSON.
 *
 * Bounded and cheap on the exit path: `capacity` events in preallocated typed arrays, nothing
 * allocated per event. When full, it either keeps the first `capacity` events and counts the
 * rest as dropped (default: the start of a run is kept whole, so a report from it is exact up
 * to the point it stops), or, as a ring, keeps the last `capacity` (a flight recorder: what
 * happened just before a hang or a crash).
 */
import { EXIT_REASONS } from '../exit-reason';

/** What one recorded event is. */
export const enum TimelineKind {
  /** The vCPU ran guest code: a = instructions retired. */
  GUEST = 0,
  /** A VM exit handled: reason, pc, and per reason a/b/c (see Timeline.exit). */
  EXIT = 1,
  /** The vCPU was blocked (WFI, suspend) until woken. */
  BLOCKED = 2,
  /** An interrupt injected into the guest (hvip): a = irq number, b = 1 set / 0 cleared. */
  IRQ = 3,
}

/** Default event capacity of --trace: about 25 MB of JSON. */
export const DEFAULT_TRACE_EVENTS = 200_000;
/** Largest --trace-size accepted (about 1.2 GB of JSON, 100 MB of recorder memory). */
export const MAX_TRACE_EVENTS = 10_000_000;

const REASON_INDEX = new Map<string, number>(EXIT_REASONS.map((r, i) => [r, i]));
/** Device names interned for MMIO exits; a board has a handful, so the cap is never met in practice. */
const MAX_NAMES = 256;

/** One recorded event, as read back by `events()`. */
export interface TimelineEvent {
  kind: TimelineKind;
  vcpu: number;
  /** Host milliseconds (performance.now) at the start. */
  startMs: number;
  /** Host nanoseconds it lasted (0 for an interrupt). */
  ns: number;
  /** Exit reason name (EXIT events). */
  reason?: string;
  pcLo: number;
  pcHi: number;
  a: number;
  b: number;
  c: number;
}

/** A bounded recorder of vCPU timelines. */
export class Timeline {
  private readonly kind: Uint8Array;
  private readonly vcpu: Uint8Array;
  private readonly reason: Uint8Array;
  private readonly start: Float64Array;
  private readonly ns: Float64Array;
  private readonly pcLo: Int32Array;
  private readonly pcHi: Int32Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly c: Float64Array;
  private head = 0;
  private size = 0;
  /** Events not kept (past the capacity). */
  dropped = 0;
  /** Host ms when each vCPU blocked, or -1 while it is not blocked. */
  private readonly blockedSince: Float64Array;
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();

  /**
   * @param vcpus vCPUs of the VM (at most 255)
   * @param capacity events kept
   * @param ring keep the newest events when full instead of the first ones
   */
  constructor(readonly vcpus: number, readonly capacity = DEFAULT_TRACE_EVENTS, readonly ring = false) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= MAX_TRACE_EVENTS)) {
      throw new RangeError(`trace capacity must be 1..${MAX_TRACE_EVENTS} events, not ${capacity}`);
    }
    this.kind = new Uint8Array(capacity);
    this.vcpu = new Uint8Array(capacity);
    this.reason = new Uint8Array(capacity);
    this.start = new Float64Array(capacity);
    this.ns = new Float64Array(capacity);
    this.pcLo = new Int32Array(capacity);
    this.pcHi = new Int32Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
    this.c = new Float64Array(capacity);
    this.blockedSince = new Float64Array(vcpus).fill(-1);
  }

  /** Events kept. */
  get length(): number {
    return this.size;
  }

  /** The slot for a new event, or -1 when it is dropped. */
  private slot(): number {
    if (this.size < this.capacity) return (this.head + this.size++) % this.capacity;
    this.dropped++;
    if (!this.ring) return -1;
    const i = this.head;
    this.head = (this.head + 1) % this.capacity;
    return i;
  }

  private put(kind: TimelineKind, vcpu: number, startMs: number, ns: number, reason: number,
    pcLo: number, pcHi: number, a: number, b: number, c: number): void {
    const i = this.slot();
    if (i < 0) return;
    this.kind[i] = kind;
    this.vcpu[i] = vcpu;
    this.reason[i] = reason;
    this.start[i] = startMs;
    this.ns[i] = ns;
    this.pcLo[i] = pcLo;
    this.pcHi[i] = pcHi;
    this.a[i] = a;
    this.b[i] = b;
    this.c[i] = c;
  }

  /**
   * The vCPU runs guest code from `startMs` for `ns` and retired `instructions`; a blocked
   * period it was in ends here.
   */
  guest(vcpu: number, startMs: number, ns: number, instructions: number): void {
    const since = this.blockedSince[vcpu];
    if (since >= 0) {
      this.blockedSince[vcpu] = -1;
      this.put(TimelineKind.BLOCKED, vcpu, since, Math.max(0, (startMs - since) * 1e6), 0, 0, 0, 0, 0, 0);
    }
    this.put(TimelineKind.GUEST, vcpu, startMs, ns, 0, 0, 0, instructions, 0, 0);
  }

  /**
   * One handled exit at guest pc (pcLo, pcHi). Details by reason: sbi a = eid, b = fid;
   * mmio a = gpa, b = device name index (see `deviceIndex`) + 1000 * size + 10000 if a write,
   * c = virtio queue notified or -1; guest-page-fault a = gpa; fault-redirect a = cause.
   */
  exit(vcpu: number, reason: string, startMs: number, ns: number, pcLo: number, pcHi: number, a: number, b: number, c: number): void {
    this.put(TimelineKind.EXIT, vcpu, startMs, ns, REASON_INDEX.get(reason) ?? 0, pcLo, pcHi, a, b, c);
  }

  /** The vCPU blocked at `atMs` (WFI without a pending interrupt, a retentive suspend). */
  blocked(vcpu: number, atMs: number): void {
    if (this.blockedSince[vcpu] < 0) this.blockedSince[vcpu] = atMs;
  }

  /** An interrupt set (`level` true) or cleared in the vCPU's hvip at `atMs`. */
  irq(vcpu: number, irq: number, level: boolean, atMs: number): void {
    this.put(TimelineKind.IRQ, vcpu, atMs, 0, 0, 0, 0, irq, level ? 1 : 0, 0);
  }

  /** Ends the blocked periods still open at `atMs` (the run is over). */
  finish(atMs: number): void {
    for (let v = 0; v < this.vcpus; v++) {
      const since = this.blockedSince[v];
      if (since < 0) continue;
      this.blockedSince[v] = -1;
      this.put(TimelineKind.BLOCKED, v, since, Math.max(0, (atMs - since) * 1e6), 0, 0, 0, 0, 0, 0);
    }
  }

  /** A small index for a device name (interned; names past MAX_NAMES share the last index). */
  deviceIndex(name: string): number {
    let i = this.nameIndex.get(name);
    if (i === undefined) {
      if (this.names.length >= MAX_NAMES) return MAX_NAMES - 1;
      i = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, i);
    }
    return i;
  }

  /** The device name of an index from `deviceIndex`. */
  deviceName(i: number): string {
    return this.names[i] ?? 'other';
  }

  /** The kept events, oldest first (fresh objects: for writing the file, not the hot path). */
  *events(): IterableIterator<TimelineEvent> {
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.capacity;
      yield {
        kind: this.kind[i], vcpu: this.vcpu[i], startMs: this.start[i], ns: this.ns[i],
        reason: this.kind[i] === TimelineKind.EXIT ? EXIT_REASONS[this.reason[i]] : undefined,
        pcLo: this.pcLo[i], pcHi: this.pcHi[i], a: this.a[i], b: this.b[i], c: this.c[i],
      };
    }
  }
}
