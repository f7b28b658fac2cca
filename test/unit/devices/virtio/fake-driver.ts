/**
 * A fake virtio driver for tests: drives a VirtioMmioTransport through its registers the way
 * Linux's virtio_mmio does, and builds split-queue chains in a flat fake guest RAM.
 */
import { FlatGuestMemory, type GuestMemory } from '../../../../hypervisor-core/devices/virtio/guest-memory';
import { VirtioMmioReg as R, VirtioMmioTransport, VirtioStatus as S } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import type { VirtioDevice } from '../../../../hypervisor-core/devices/virtio/virtio-device';

/** Fake RAM base and size. */
export const RAM_BASE = 0x80000000;
export const RAM_SIZE = 1 << 20;

/** An IrqLine that remembers its level and counts rising edges. */
export class TestIrq {
  level = false;
  raised = 0;
  set(level: boolean): void {
    if (level && !this.level) this.raised++;
    this.level = level;
  }
}

/** Guest memory that counts every device access reaching outside RAM (there must be none). */
export class CheckedMemory implements GuestMemory {
  violations = 0;
  constructor(private readonly inner: FlatGuestMemory) {}
  contains(gpa: number, length?: number): boolean {
    return this.inner.contains(gpa, length);
  }
  read(gpa: number, length: number): Uint8Array | null {
    if (!this.inner.contains(gpa, length)) this.violations++;
    return this.inner.read(gpa, length);
  }
  write(gpa: number, data: Uint8Array): boolean {
    if (!this.inner.contains(gpa, data.length)) this.violations++;
    return this.inner.write(gpa, data);
  }
}

/** One buffer of a chain the fake driver builds. */
export interface Buf {
  addr: number;
  len: number;
  write?: boolean;
}

/** Driver-side state of one queue. */
export interface DriverQueue {
  size: number;
  desc: number;
  avail: number;
  used: number;
  /** Next free descriptor (no free list: descriptors are used round-robin). */
  nextDesc: number;
  availIdx: number;
  lastUsed: number;
}

/** Where a driver finds a device that is already on a bus (a whole VM), instead of its own. */
export interface DriverPort {
  /** Guest RAM. */
  mem: GuestMemory;
  /** 32-bit register read / write at an offset of the device window. */
  read(off: number): number;
  write(off: number, v: number): void;
  /** Guest RAM the driver may use for rings and buffers (1 MiB from here). */
  scratch: number;
}

/** The fake driver. */
export class FakeDriver {
  readonly mem: GuestMemory;
  readonly irq = new TestIrq();
  /** The transport (only when the driver made its own, without a port). */
  readonly transport!: VirtioMmioTransport;
  /** What the device sees: `mem`, with out-of-RAM accesses counted. */
  readonly checked!: CheckedMemory;
  readonly queues: DriverQueue[] = [];
  private readonly scratch: number;
  /** Bump allocator for buffers (above the rings). */
  private heap: number;

  constructor(readonly device: VirtioDevice | null, private readonly port?: DriverPort) {
    if (port) {
      this.mem = port.mem;
      this.scratch = port.scratch;
    } else {
      const flat = new FlatGuestMemory(RAM_BASE, RAM_SIZE);
      this.mem = flat;
      this.scratch = RAM_BASE;
      this.checked = new CheckedMemory(flat);
      this.transport = new VirtioMmioTransport({ name: 'test0', device: device!, memory: this.checked, irq: this.irq, irqNumber: 1 });
    }
    this.heap = this.scratch + 0x40000;
  }

  r(off: number): number {
    return this.port ? this.port.read(off) : this.transport.read(off, 4);
  }

  w(off: number, v: number): void {
    if (this.port) this.port.write(off, v);
    else this.transport.write(off, 4, v);
  }

  /** Offered features as [lo, hi]. */
  deviceFeatures(): [number, number] {
    this.w(R.DEVICE_FEATURES_SEL, 0);
    const lo = this.r(R.DEVICE_FEATURES);
    this.w(R.DEVICE_FEATURES_SEL, 1);
    return [lo, this.r(R.DEVICE_FEATURES)];
  }

  /** Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns whether FEATURES_OK stuck. */
  negotiate(features: [number, number] = this.deviceFeatures()): boolean {
    this.w(R.STATUS, 0);
    this.w(R.STATUS, S.ACKNOWLEDGE);
    this.w(R.STATUS, S.ACKNOWLEDGE | S.DRIVER);
    this.w(R.DRIVER_FEATURES_SEL, 0);
    this.w(R.DRIVER_FEATURES, features[0]);
    this.w(R.DRIVER_FEATURES_SEL, 1);
    this.w(R.DRIVER_FEATURES, features[1]);
    this.w(R.STATUS, S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
    return (this.r(R.STATUS) & S.FEATURES_OK) !== 0;
  }

  /** Sets up queue `i` with `size` entries at fresh places in RAM (or the ones given). */
  setupQueue(i: number, size: number, at?: Partial<Pick<DriverQueue, 'desc' | 'avail' | 'used'>>): DriverQueue {
    const base = this.scratch + 0x10000 * i + 0x1000;
    const q: DriverQueue = {
      size, desc: at?.desc ?? base, avail: at?.avail ?? base + 16 * size, used: at?.used ?? base + 0x8000,
      nextDesc: 0, availIdx: 0, lastUsed: 0,
    };
    this.w(R.QUEUE_SEL, i);
    this.w(R.QUEUE_NUM, size);
    const split = (v: number) => [v % 2 ** 32, Math.floor(v / 2 ** 32)];
    [[R.QUEUE_DESC_LOW, q.desc], [R.QUEUE_DRIVER_LOW, q.avail], [R.QUEUE_DEVICE_LOW, q.used]].forEach(([reg, v]) => {
      const [lo, hi] = split(v);
      this.w(reg, lo);
      this.w(reg + 4, hi);
    });
    this.w(R.QUEUE_READY, 1);
    this.queues[i] = q;
    return q;
  }

  /** Sets DRIVER_OK. */
  driverOk(): void {
    this.w(R.STATUS, this.r(R.STATUS) | S.DRIVER_OK);
  }

  /** Full bring-up with `queues` queues of `size`. */
  start(queues: number, size = 8, features?: [number, number]): void {
    if (!this.negotiate(features)) throw new Error('FEATURES_OK refused');
    for (let i = 0; i < queues; i++) this.setupQueue(i, size);
    this.driverOk();
  }

  /** Allocates `len` bytes of buffer space (16-byte aligned), optionally filled. */
  alloc(len: number, fill?: Uint8Array): number {
    const a = this.heap;
    this.heap += (len + 15) & ~15;
    if (fill) this.mem.write(a, fill);
    return a;
  }

  /** Writes a descriptor. */
  writeDesc(tableAddr: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const d = new DataView(new ArrayBuffer(16));
    d.setUint32(0, addr % 2 ** 32, true);
    d.setUint32(4, Math.floor(addr / 2 ** 32), true);
    d.setUint32(8, len, true);
    d.setUint16(12, flags, true);
    d.setUint16(14, next, true);
    this.mem.write(tableAddr + 16 * i, new Uint8Array(d.buffer));
  }

  /** Builds a chain of `bufs` (direct, or in one indirect table) and makes it available. */
  addChain(qi: number, bufs: Buf[], opts: { indirect?: boolean; notify?: boolean } = {}): number {
    const q = this.queues[qi];
    const head = q.nextDesc;
    if (opts.indirect) {
      const table = this.alloc(16 * bufs.length);
      bufs.forEach((b, k) => this.writeDesc(table, k, b.addr, b.len, (b.write ? 2 : 0) | (k + 1 < bufs.length ? 1 : 0), k + 1));
      this.writeDesc(q.desc, head, table, 16 * bufs.length, 4, 0);
      q.nextDesc = (q.nextDesc + 1) % q.size;
    } else {
      bufs.forEach((b, k) => {
        const i = (head + k) % q.size;
        this.writeDesc(q.desc, i, b.addr, b.len, (b.write ? 2 : 0) | (k + 1 < bufs.length ? 1 : 0), (i + 1) % q.size);
      });
      q.nextDesc = (q.nextDesc + bufs.length) % q.size;
    }
    this.publish(qi, head);
    if (opts.notify !== false) this.w(R.QUEUE_NOTIFY, qi);
    return head;
  }

  /** Puts `head` in the available ring and bumps avail.idx. */
  publish(qi: number, head: number): void {
    const q = this.queues[qi];
    this.u16(q.avail + 4 + 2 * (q.availIdx % q.size), head);
    q.availIdx = (q.availIdx + 1) & 0xffff;
    this.u16(q.avail + 2, q.availIdx);
  }

  /** Used entries not yet seen by the driver. */
  takeUsed(qi: number): { id: number; len: number }[] {
    const q = this.queues[qi];
    const idx = this.getU16(q.used + 2);
    const out: { id: number; len: number }[] = [];
    while (q.lastUsed !== idx) {
      const e = this.mem.read(q.used + 4 + 8 * (q.lastUsed % q.size), 8)!;
      const v = new DataView(e.buffer);
      out.push({ id: v.getUint32(0, true), len: v.getUint32(4, true) });
      q.lastUsed = (q.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** Reads and acknowledges InterruptStatus. */
  ack(): number {
    const s = this.r(R.INTERRUPT_STATUS);
    this.w(R.INTERRUPT_ACK, s);
    return s;
  }

  u16(addr: number, v: number): void {
    this.mem.write(addr, Uint8Array.of(v & 0xff, v >> 8));
  }

  getU16(addr: number): number {
    const b = this.mem.read(addr, 2)!;
    return b[0] | (b[1] << 8);
  }

  bytes(addr: number, len: number): Uint8Array {
    return this.mem.read(addr, len)!;
  }
}
