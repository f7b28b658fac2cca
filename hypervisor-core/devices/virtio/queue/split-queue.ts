/**
 * The device side of a split virtqueue (virtio 1.2 section 2.7). Three areas in guest RAM,
 * little-endian, written by the driver except the used ring:
 *
 *   Descriptor table (align 16), Queue Size entries of 16 bytes:
 *     +0 le64 addr   +8 le32 len   +12 le16 flags   +14 le16 next
 *     flags: NEXT 1 (chain continues at `next`), WRITE 2 (device-writable),
 *            INDIRECT 4 (addr/len is a table of descriptors; section 2.7.5.3)
 *   Available ring / driver area (align 2):
 *     +0 le16 flags (NO_INTERRUPT 1)   +2 le16 idx   +4 le16 ring[size]
 *     +4+2*size le16 used_event        (only with VIRTIO_F_EVENT_IDX)
 *   Used ring / device area (align 4):
 *     +0 le16 flags (NO_NOTIFY 1)      +2 le16 idx   +4 { le32 id, le32 len }[size]
 *     +4+8*size le16 avail_event       (only with VIRTIO_F_EVENT_IDX)
 *
 * Indices are free-running 16-bit counters; the ring slot is idx mod size (wraparound).
 * Interrupt suppression (section 2.7.7/2.7.10): with EVENT_IDX the device interrupts when
 * the used index passes used_event (vring_need_event); without it, unless NO_INTERRUPT.
 *
 * The guest is not trusted. Every descriptor address must lie in guest RAM, a chain may not
 * revisit a descriptor (loops) nor be longer than the queue size (an indirect table neither),
 * an indirect table must not contain indirect descriptors nor come with NEXT, readable
 * descriptors may not follow writable ones, and the available index may not run ahead of the
 * device by more than the queue size. Any violation throws VirtqueueError; the transport
 * turns it into DEVICE_NEEDS_RESET. Nothing is read or written outside guest RAM.
 */
import type { GuestMemory } from '../guest-memory';
import type { DescriptorChain, Segment } from './chain';
import { num, obj, type Saved } from '../../../state/persist';

/** Descriptor flags. */
export const VIRTQ_DESC_F_NEXT = 1;
/** The buffer is device-writable. */
export const VIRTQ_DESC_F_WRITE = 2;
/** The buffer holds an indirect descriptor table. */
export const VIRTQ_DESC_F_INDIRECT = 4;
/** Available-ring flag: the driver does not want interrupts. */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
/** Largest split queue (section 2.7: "The maximum Queue Size value is 32768"). */
export const MAX_QUEUE_SIZE = 32768;

const DESC_SIZE = 16;
const TWO32 = 4294967296;

/** The guest broke the virtqueue rules; the message says how (one line). */
export class VirtqueueError extends Error {}

/** Where the driver placed a queue, as written to the transport registers. */
export interface QueueLayout {
  /** Queue Size (a power of 2, at most the device's maximum). */
  size: number;
  /** Descriptor table GPA. */
  desc: number;
  /** Available ring (driver area) GPA. */
  driver: number;
  /** Used ring (device area) GPA. */
  device: number;
}

/** Negotiated features that change how the queue works. */
export interface QueueFeatures {
  indirect: boolean;
  eventIdx: boolean;
}

/** Checks a layout against the spec and guest RAM; returns the problem or null. */
export function layoutProblem(mem: GuestMemory, l: QueueLayout, maxSize: number): string | null {
  if (l.size === 0 || l.size > maxSize || (l.size & (l.size - 1)) !== 0) {
    return `queue size ${l.size} is not a power of 2 from 1 to ${maxSize}`;
  }
  const areas: [string, number, number, number][] = [
    ['descriptor table', l.desc, DESC_SIZE * l.size, 16],
    ['available ring', l.driver, 6 + 2 * l.size, 2],
    ['used ring', l.device, 6 + 8 * l.size, 4],
  ];
  for (const [what, addr, len, align] of areas) {
    if (addr % align !== 0) return `${what} at 0x${addr.toString(16)} is not ${align}-byte aligned`;
    if (!mem.contains(addr, len)) return `${what} at 0x${addr.toString(16)} (${len} bytes) is outside guest RAM`;
  }
  return null;
}

/** One enabled split virtqueue, device side. */
export class SplitQueue {
  /** Next available-ring entry the device will take (free-running). */
  lastAvail = 0;
  /** Used index the device last published (free-running). */
  usedIdx = 0;
  /** Used index when the driver was last considered for an interrupt (event index). */
  private signalledUsed = 0;
  /** Used entries pushed since the last interrupt decision. */
  private unsignalled = 0;
  /** Visit stamps for loop detection (direct chain, indirect table). */
  private readonly seen: Uint32Array;
  private readonly seenIndirect: Uint32Array;
  private epoch = 0;
  private readonly u16 = new Uint8Array(2);
  private readonly elem = new Uint8Array(8);

  /** Throws VirtqueueError if the layout is invalid (see layoutProblem). */
  constructor(private readonly mem: GuestMemory, readonly layout: QueueLayout, readonly features: QueueFeatures,
    maxSize: number = MAX_QUEUE_SIZE) {
    const problem = layoutProblem(mem, layout, maxSize);
    if (problem) throw new VirtqueueError(problem);
    this.seen = new Uint32Array(layout.size);
    this.seenIndirect = new Uint32Array(layout.size);
  }

  /** Queue Size. */
  get size(): number {
    return this.layout.size;
  }

  /** Buffers the driver has made available and the device has not taken yet. */
  available(): number {
    const n = (this.readU16(this.layout.driver + 2) - this.lastAvail) & 0xffff;
    if (n > this.size) throw new VirtqueueError(`available index ran ${n} entries ahead of the device (queue size ${this.size})`);
    return n;
  }

  /** The device-side indices for a snapshot (the rings themselves are in guest RAM). */
  save(): Saved {
    return { lastAvail: this.lastAvail, usedIdx: this.usedIdx, signalledUsed: this.signalledUsed, unsignalled: this.unsignalled };
  }

  /** Puts back `save`'s indices. */
  restore(state: Saved): void {
    const s = obj(state, 'virtqueue');
    this.lastAvail = num(s.lastAvail, 'lastAvail') & 0xffff;
    this.usedIdx = num(s.usedIdx, 'usedIdx') & 0xffff;
    this.signalledUsed = num(s.signalledUsed, 'signalledUsed') & 0xffff;
    this.unsignalled = num(s.unsignalled, 'unsignalled');
  }

  /**
   * Walks chain `head` again (a request in flight at a snapshot, taken before it was saved).
   * Throws VirtqueueError as `pop` does.
   */
  chainAt(head: number): DescriptorChain {
    return this.walk(head);
  }

  /** Takes the next available chain (walked and checked), or null if there is none. */
  pop(): DescriptorChain | null {
    if (this.available() === 0) return null;
    const head = this.readU16(this.layout.driver + 4 + 2 * (this.lastAvail % this.size));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    // Ask for a notification as soon as the driver adds anything past what we took.
    if (this.features.eventIdx) this.writeU16(this.layout.device + 4 + 8 * this.size, this.lastAvail);
    return this.walk(head);
  }

  /** Returns chain `head` to the driver with `len` bytes written into its writable buffers. */
  push(head: number, len: number): void {
    const slot = this.usedIdx % this.size;
    const v = new DataView(this.elem.buffer);
    v.setUint32(0, head, true);
    v.setUint32(4, len >>> 0, true);
    this.mem.write(this.layout.device + 4 + 8 * slot, this.elem);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.writeU16(this.layout.device + 2, this.usedIdx);
    this.unsignalled++;
  }

  /**
   * Whether the driver wants an interrupt for the entries pushed since the last call (and
   * starts a new batch). With EVENT_IDX: vring_need_event(used_event, new, old).
   */
  needsInterrupt(): boolean {
    if (this.unsignalled === 0) return false;
    this.unsignalled = 0;
    if (this.features.eventIdx) {
      const event = this.readU16(this.layout.driver + 4 + 2 * this.size);
      const old = this.signalledUsed;
      const now = this.usedIdx;
      this.signalledUsed = now;
      return ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    }
    return (this.readU16(this.layout.driver) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** Walks the chain starting at `head`, checking every rule (see the file comment). */
  private walk(head: number): DescriptorChain {
    const chain: DescriptorChain = { head, readable: [], writable: [], readableBytes: 0, writableBytes: 0 };
    if (head >= this.size) throw new VirtqueueError(`descriptor head ${head} is out of the queue (size ${this.size})`);
    const stamp = this.nextEpoch();
    const d = new DataView(new ArrayBuffer(DESC_SIZE));
    let i = head;
    for (;;) {
      if (this.seen[i] === stamp) throw new VirtqueueError(`descriptor chain from head ${head} loops at descriptor ${i}`);
      this.seen[i] = stamp;
      const raw = this.mem.read(this.layout.desc + DESC_SIZE * i, DESC_SIZE);
      if (!raw) throw new VirtqueueError('descriptor table is outside guest RAM');
      new Uint8Array(d.buffer).set(raw);
      const addr = d.getUint32(0, true) + d.getUint32(4, true) * TWO32;
      const len = d.getUint32(8, true);
      const flags = d.getUint16(12, true);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.features.indirect) throw new VirtqueueError(`descriptor ${i} is indirect but VIRTIO_F_INDIRECT_DESC was not negotiated`);
        if (flags & VIRTQ_DESC_F_NEXT) throw new VirtqueueError(`indirect descriptor ${i} also has NEXT set`);
        this.walkIndirect(chain, addr, len, stamp);
        return chain;
      }
      this.add(chain, addr, len, (flags & VIRTQ_DESC_F_WRITE) !== 0);
      if (!(flags & VIRTQ_DESC_F_NEXT)) return chain;
      i = d.getUint16(14, true);
      if (i >= this.size) throw new VirtqueueError(`descriptor chain from head ${head} points at ${i}, out of the queue (size ${this.size})`);
    }
  }

  /** Walks an indirect table of `len` bytes at `addr` into `chain`. */
  private walkIndirect(chain: DescriptorChain, addr: number, len: number, stamp: number): void {
    if (len === 0 || len % DESC_SIZE !== 0) throw new VirtqueueError(`indirect table length ${len} is not a non-zero multiple of 16`);
    const entries = len / DESC_SIZE;
    if (entries > this.size) throw new VirtqueueError(`indirect table of ${entries} descriptors is longer than the queue size ${this.size}`);
    const table = this.mem.read(addr, len);
    if (!table) throw new VirtqueueError(`indirect table at 0x${addr.toString(16)} (${len} bytes) is outside guest RAM`);
    const d = new DataView(table.buffer, table.byteOffset, table.byteLength);
    let j = 0;
    for (;;) {
      if (this.seenIndirect[j] === stamp) throw new VirtqueueError(`indirect descriptor table loops at entry ${j}`);
      this.seenIndirect[j] = stamp;
      const o = j * DESC_SIZE;
      const flags = d.getUint16(o + 12, true);
      if (flags & VIRTQ_DESC_F_INDIRECT) throw new VirtqueueError(`indirect table entry ${j} is itself indirect`);
      this.add(chain, d.getUint32(o, true) + d.getUint32(o + 4, true) * TWO32, d.getUint32(o + 8, true), (flags & VIRTQ_DESC_F_WRITE) !== 0);
      if (!(flags & VIRTQ_DESC_F_NEXT)) return;
      j = d.getUint16(o + 14, true);
      if (j >= entries) throw new VirtqueueError(`indirect table entry points at ${j}, past its ${entries} entries`);
    }
  }

  private add(chain: DescriptorChain, addr: number, len: number, writable: boolean): void {
    if (!this.mem.contains(addr, len)) {
      throw new VirtqueueError(`descriptor buffer at 0x${addr.toString(16)} (${len} bytes) is outside guest RAM`);
    }
    const seg: Segment = { addr, len };
    if (writable) {
      chain.writable.push(seg);
      chain.writableBytes += len;
    } else {
      if (chain.writable.length > 0) throw new VirtqueueError('a device-readable descriptor follows a device-writable one');
      chain.readable.push(seg);
      chain.readableBytes += len;
    }
  }

  private nextEpoch(): number {
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      // Wrapped after 2^32 chains: clear the stamps so no stale one matches.
      this.seen.fill(0);
      this.seenIndirect.fill(0);
      this.epoch = 1;
    }
    return this.epoch;
  }

  private readU16(gpa: number): number {
    const b = this.mem.read(gpa, 2);
    return b ? b[0] | (b[1] << 8) : 0;
  }

  private writeU16(gpa: number, v: number): void {
    this.u16[0] = v & 0xff;
    this.u16[1] = (v >> 8) & 0xff;
    this.mem.write(gpa, this.u16);
  }
}
