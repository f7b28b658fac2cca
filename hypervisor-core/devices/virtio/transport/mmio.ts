/**
 * virtio-mmio transport, version 2 (modern) only: virtio 1.2 section 4.2.2, "MMIO Device
 * Register Layout". Registers are 32-bit, little-endian, accessed 32 bits wide and aligned
 * (other widths read 0 and are ignored); the device configuration space from 0x100 takes
 * any width.
 *
 *   off    name                    R/W  notes
 *   0x000  MagicValue              R    0x74726976 ("virt")
 *   0x004  Version                 R    2 (legacy version 1 is not offered)
 *   0x008  DeviceID                R    1 network, 2 block, 3 console, 4 entropy
 *   0x00c  VendorID                R
 *   0x010  DeviceFeatures          R    32 bits selected by DeviceFeaturesSel
 *   0x014  DeviceFeaturesSel       W
 *   0x020  DriverFeatures          W    32 bits selected by DriverFeaturesSel
 *   0x024  DriverFeaturesSel       W
 *   0x030  QueueSel                W
 *   0x034  QueueNumMax             R    0 if the queue does not exist
 *   0x038  QueueNum                W
 *   0x044  QueueReady              RW
 *   0x050  QueueNotify             W    queue index: the driver made buffers available
 *   0x060  InterruptStatus         R    bit 0 used buffer, bit 1 configuration change
 *   0x064  InterruptACK            W
 *   0x070  Status                  RW   0 resets; see below
 *   0x080  QueueDescLow/High       W    0x084
 *   0x090  QueueDriverLow/High     W    0x094 (available ring)
 *   0x0a0  QueueDeviceLow/High     W    0x0a4 (used ring)
 *   0x0ac  SHMSel                  W    no shared memory: SHMLen reads all ones (-1)
 *   0x0b0  SHMLenLow/High          R    0x0b4
 *   0x0b8  SHMBaseLow/High         R    0x0bc
 *   0x0c0  QueueReset              RW   0 (VIRTIO_F_RING_RESET not offered)
 *   0x0fc  ConfigGeneration        R
 *   0x100+ Config                  RW   device-specific
 *
 * Status (section 2.1): ACKNOWLEDGE 1, DRIVER 2, DRIVER_OK 4, FEATURES_OK 8,
 * DEVICE_NEEDS_RESET 0x40, FAILED 0x80. FEATURES_OK always sticks, as on QEMU's modern
 * virtio-mmio (virtio_mmio_write STATUS -> virtio_set_features, which keeps only offered bits
 * and whose result is ignored; virtio_set_status validates only drivers that accepted
 * VIRTIO_F_VERSION_1): drivers written for QEMU, such as xv6's, write only the low feature
 * word and expect FEATURES_OK to stay. Bits the device did not offer are dropped. DRIVER_OK
 * needs FEATURES_OK and activates the device. When the guest breaks the rules (a malformed chain, a bad queue
 * layout) the device stops, sets DEVICE_NEEDS_RESET, sends a configuration-change interrupt
 * if DRIVER_OK was set (section 2.1.2) and keeps the message in `lastError`; only a reset
 * (Status = 0) brings it back.
 *
 * Device work per notify is bounded (virtio-device.ts SERVICE_CHAINS): what is left waits in
 * `hasPendingWork` and continues at each `service()` call, which the VM's run loop makes
 * between slices, as a real device works on while the vCPU runs.
 */
import type { MmioDevice } from '../../../bus/device';
import type { FdtBuilder } from '../../../machine/fdt-builder';
import { interruptCells, unitAddress, type FdtContext, type FdtDescribable } from '../../fdt-describable';
import type { IrqLine } from '../../irq-line';
import type { GuestMemory } from '../guest-memory';
import { SplitQueue, VirtqueueError } from '../queue/split-queue';
import { FeatureWords, VirtioDevice, VirtioFeature, VirtioHost } from '../virtio-device';
import { arr, num, obj, StateError, type Saved } from '../../../state/persist';

/** Register offsets. */
export const VirtioMmioReg = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  SHM_SEL: 0x0ac,
  SHM_LEN_LOW: 0x0b0,
  SHM_LEN_HIGH: 0x0b4,
  SHM_BASE_LOW: 0x0b8,
  SHM_BASE_HIGH: 0x0bc,
  QUEUE_RESET: 0x0c0,
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

/** Device status bits (virtio 1.2 section 2.1). */
export const VirtioStatus = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** InterruptStatus bits. */
export const VIRTIO_MMIO_INT_VRING = 1;
/** Configuration change (also raised on DEVICE_NEEDS_RESET). */
export const VIRTIO_MMIO_INT_CONFIG = 2;

/** "virt" in little-endian. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;
/**
 * Vendor id reported: QEMU's VIRT_VENDOR, "QEMU" little-endian (hw/virtio/virtio-mmio.c);
 * drivers written for QEMU virt, such as xv6's, refuse any other.
 */
export const VIRTIO_VENDOR_ID = 0x554d4551;
/** Size of one virtio-mmio window. */
export const VIRTIO_MMIO_SIZE = 0x1000;

const TWO32 = 4294967296;

/** Features the transport implements for every device. */
const TRANSPORT_FEATURES: FeatureWords = [
  (1 << VirtioFeature.INDIRECT_DESC) | (1 << VirtioFeature.EVENT_IDX),
  1 << (VirtioFeature.VERSION_1 - 32),
];

/** Per-queue registers as the driver wrote them. */
interface QueueRegs {
  num: number;
  ready: boolean;
  desc: [number, number];
  driver: [number, number];
  device: [number, number];
}

/** Construction options of {@link VirtioMmioTransport}. */
export interface VirtioMmioOptions {
  /** Name in statistics and traces, e.g. "virtio-blk0". */
  name: string;
  /** The device behind the transport. */
  device: VirtioDevice;
  /** Guest RAM. */
  memory: GuestMemory;
  /** The PLIC source the transport drives. */
  irq: IrqLine;
  /** PLIC source number, for the device tree. */
  irqNumber: number;
}

/** One virtio-mmio window wrapping one device (Firecracker `transport/mmio.rs`). */
export class VirtioMmioTransport implements MmioDevice, FdtDescribable {
  /** Name in statistics and traces. */
  readonly name: string;
  /** The device behind the transport. */
  readonly device: VirtioDevice;
  /** PLIC source number. */
  readonly irqNumber: number;
  /** The last guest error that set DEVICE_NEEDS_RESET (kept across resets), or null. */
  lastError: string | null = null;
  /** Malformed requests seen so far. */
  errorCount = 0;

  private readonly memory: GuestMemory;
  private readonly irq: IrqLine;
  private readonly offered: FeatureWords;
  private status = 0;
  private needsReset = false;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures: [number, number] = [0, 0];
  private queueSel = 0;
  private queueRegs: QueueRegs[] = [];
  private queues: (SplitQueue | null)[] = [];
  private interruptStatus = 0;
  private configGeneration = 0;
  private unreportedError: string | null = null;
  private processing = false;
  private readonly pendingKicks = new Set<number>();
  /** Queues whose device has work left that can continue right away. */
  private readonly unfinished = new Set<number>();

  constructor(opts: VirtioMmioOptions) {
    this.name = opts.name;
    this.device = opts.device;
    this.memory = opts.memory;
    this.irq = opts.irq;
    this.irqNumber = opts.irqNumber;
    this.offered = [(opts.device.features[0] | TRANSPORT_FEATURES[0]) >>> 0, (opts.device.features[1] | TRANSPORT_FEATURES[1]) >>> 0];
    this.resetState();
  }

  /** The Status register as the driver reads it. */
  get deviceStatus(): number {
    return this.status | (this.needsReset ? VirtioStatus.DEVICE_NEEDS_RESET : 0);
  }

  /** Features offered to the driver. */
  get offeredFeatures(): FeatureWords {
    return this.offered;
  }

  /** Features the driver accepted (meaningful once FEATURES_OK is set). */
  get negotiatedFeatures(): FeatureWords {
    return [this.driverFeatures[0], this.driverFeatures[1]];
  }

  /** Returns the error recorded since the last call, once (for the exit trace note). */
  takeError(): string | null {
    const e = this.unreportedError;
    this.unreportedError = null;
    return e;
  }

  /** @inheritdoc */
  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= VirtioMmioReg.CONFIG) return this.device.readConfig(offset - VirtioMmioReg.CONFIG, size) >>> 0;
    if (size !== 4 || offset % 4 !== 0) return 0;
    const R = VirtioMmioReg;
    const q = this.queueRegs[this.queueSel];
    switch (offset) {
      case R.MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
      case R.VERSION: return 2;
      case R.DEVICE_ID: return this.device.deviceId;
      case R.VENDOR_ID: return VIRTIO_VENDOR_ID;
      case R.DEVICE_FEATURES: return this.deviceFeaturesSel < 2 ? this.offered[this.deviceFeaturesSel] : 0;
      case R.QUEUE_NUM_MAX: return q ? this.device.queueMaxSizes[this.queueSel] : 0;
      case R.QUEUE_READY: return q?.ready ? 1 : 0;
      case R.INTERRUPT_STATUS: return this.interruptStatus;
      case R.STATUS: return this.deviceStatus;
      case R.SHM_LEN_LOW: case R.SHM_LEN_HIGH: return 0xffffffff;
      case R.SHM_BASE_LOW: case R.SHM_BASE_HIGH: return 0xffffffff;
      case R.CONFIG_GENERATION: return this.configGeneration;
      default: return 0;
    }
  }

  /** @inheritdoc */
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset >= VirtioMmioReg.CONFIG) {
      this.device.writeConfig(offset - VirtioMmioReg.CONFIG, size, value);
      return;
    }
    if (size !== 4 || offset % 4 !== 0) return;
    const v = value >>> 0;
    const R = VirtioMmioReg;
    const q = this.queueRegs[this.queueSel];
    // Queue registers are frozen while the queue is enabled (section 4.2.2.2).
    const qw = q && !q.ready ? q : undefined;
    switch (offset) {
      case R.DEVICE_FEATURES_SEL: this.deviceFeaturesSel = v; break;
      case R.DRIVER_FEATURES_SEL: this.driverFeaturesSel = v; break;
      case R.DRIVER_FEATURES:
        if (this.driverFeaturesSel < 2 && !(this.status & VirtioStatus.FEATURES_OK)) this.driverFeatures[this.driverFeaturesSel] = v;
        break;
      case R.QUEUE_SEL: this.queueSel = v; break;
      case R.QUEUE_NUM: if (qw) qw.num = v; break;
      case R.QUEUE_DESC_LOW: if (qw) qw.desc[0] = v; break;
      case R.QUEUE_DESC_HIGH: if (qw) qw.desc[1] = v; break;
      case R.QUEUE_DRIVER_LOW: if (qw) qw.driver[0] = v; break;
      case R.QUEUE_DRIVER_HIGH: if (qw) qw.driver[1] = v; break;
      case R.QUEUE_DEVICE_LOW: if (qw) qw.device[0] = v; break;
      case R.QUEUE_DEVICE_HIGH: if (qw) qw.device[1] = v; break;
      case R.QUEUE_READY: if (q) this.setQueueReady(this.queueSel, v === 1); break;
      case R.QUEUE_NOTIFY: this.notify(v & 0xffff); break;
      case R.INTERRUPT_ACK:
        this.interruptStatus &= ~v;
        this.updateIrq();
        break;
      case R.STATUS: this.writeStatus(v & 0xff); break;
      default: break; // read-only or unknown: ignored
    }
  }

  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    fdt
      .beginNode(`virtio_mmio@${unitAddress(ctx.base)}`)
      .propU32Array('interrupts', interruptCells(ctx, this.irqNumber))
      .propU32('interrupt-parent', ctx.plicPhandle)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propString('compatible', 'virtio,mmio')
      .endNode();
  }

  /** Runs a device-side kick now (e.g. console input arrived), if the device is live. */
  kick(index: number): void {
    this.notify(index);
  }

  /** Whether the device has work left from earlier notifies (call `service`). */
  get hasPendingWork(): boolean {
    return this.unfinished.size > 0;
  }

  /**
   * Continues the device's unfinished work: one bounded round per queue that has some.
   * Returns the number of rounds run (0 when there was nothing to do).
   */
  service(): number {
    if (this.unfinished.size === 0) return 0;
    const queues = [...this.unfinished];
    this.unfinished.clear();
    for (const i of queues) this.notify(i);
    return queues.length;
  }

  /**
   * The transport's registers, each queue's indices and the device's own state, for a
   * snapshot. Work left over (`service`) is saved too, so a restored VM continues it at the
   * same service point.
   */
  save(): Saved {
    return {
      status: this.status, needsReset: this.needsReset, deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel, driverFeatures: [...this.driverFeatures], queueSel: this.queueSel,
      queueRegs: this.queueRegs.map((r) => ({ num: r.num, ready: r.ready, desc: [...r.desc], driver: [...r.driver], device: [...r.device] })),
      queues: this.queues.map((q) => q?.save() ?? null),
      interruptStatus: this.interruptStatus, configGeneration: this.configGeneration,
      unfinished: [...this.unfinished], errorCount: this.errorCount, lastError: this.lastError,
      device: this.device.save?.() ?? null,
    };
  }

  /**
   * Puts back `save`'s state on a transport over the same device: the queues are rebuilt from
   * their registers, the device re-activated when the driver had set DRIVER_OK, then given
   * its own state.
   */
  restore(state: Saved): void {
    const s = obj(state, this.name);
    const regs = arr(s.queueRegs, 'queueRegs');
    const queues = arr(s.queues, 'queues');
    if (regs.length !== this.queueRegs.length || queues.length !== regs.length) {
      throw new StateError(`${this.name}: the snapshot has ${regs.length} queues, the device ${this.queueRegs.length}`);
    }
    this.device.reset();
    this.resetState();
    const pair = (v: Saved | undefined): [number, number] => {
      const a = arr(v, 'address');
      return [num(a[0], 'address') >>> 0, num(a[1], 'address') >>> 0];
    };
    this.driverFeatures = pair(s.driverFeatures);
    this.queueRegs = regs.map((r) => {
      const q = obj(r, 'queue');
      return { num: num(q.num, 'num'), ready: false, desc: pair(q.desc), driver: pair(q.driver), device: pair(q.device) };
    });
    regs.forEach((r, i) => {
      if (obj(r, 'queue').ready !== true) return;
      this.setQueueReady(i, true);
      const saved = queues[i];
      if (saved !== null) this.queues[i]?.restore(saved);
    });
    this.status = num(s.status, 'status');
    this.needsReset = s.needsReset === true;
    this.deviceFeaturesSel = num(s.deviceFeaturesSel, 'deviceFeaturesSel');
    this.driverFeaturesSel = num(s.driverFeaturesSel, 'driverFeaturesSel');
    this.queueSel = num(s.queueSel, 'queueSel');
    this.configGeneration = num(s.configGeneration, 'configGeneration');
    this.errorCount = num(s.errorCount, 'errorCount');
    this.lastError = typeof s.lastError === 'string' ? s.lastError : null;
    if (this.status & VirtioStatus.DRIVER_OK && !this.needsReset) this.activate();
    if (s.device !== null && s.device !== undefined) this.device.restore?.(s.device);
    for (const i of arr(s.unfinished, 'unfinished')) this.unfinished.add(num(i, 'queue'));
    this.interruptStatus = num(s.interruptStatus, 'interruptStatus');
    this.updateIrq();
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.device.reset();
      this.resetState();
      return;
    }
    const S = VirtioStatus;
    const adding = v & ~this.status;
    let next = v & ~S.DEVICE_NEEDS_RESET; // a device bit: the driver cannot set it
    if (adding & S.FEATURES_OK) this.keepOfferedFeatures();
    if (adding & S.DRIVER_OK && !(next & S.FEATURES_OK)) next &= ~S.DRIVER_OK;
    this.status = next;
    if (next & adding & S.DRIVER_OK && !this.needsReset) this.activate();
  }

  /**
   * Drops accepted bits that were not offered (QEMU's virtio_set_features_nocheck). A driver
   * without VIRTIO_F_VERSION_1 is served as a modern one: on a little-endian guest the split
   * ring and the configuration layouts are the same.
   */
  private keepOfferedFeatures(): void {
    this.driverFeatures = [(this.driverFeatures[0] & this.offered[0]) >>> 0, (this.driverFeatures[1] & this.offered[1]) >>> 0];
  }

  private setQueueReady(index: number, ready: boolean): void {
    const r = this.queueRegs[index];
    if (!ready) {
      r.ready = false;
      this.queues[index] = null;
      this.unfinished.delete(index);
      return;
    }
    if (r.ready) return;
    r.ready = true;
    try {
      this.queues[index] = new SplitQueue(this.memory, {
        size: r.num,
        desc: r.desc[0] + r.desc[1] * TWO32,
        driver: r.driver[0] + r.driver[1] * TWO32,
        device: r.device[0] + r.device[1] * TWO32,
      }, {
        indirect: ((this.driverFeatures[0] >>> VirtioFeature.INDIRECT_DESC) & 1) === 1,
        eventIdx: ((this.driverFeatures[0] >>> VirtioFeature.EVENT_IDX) & 1) === 1,
      }, this.device.queueMaxSizes[index]);
    } catch (e) {
      this.queues[index] = null;
      this.fail(`queue ${index}: ${(e as Error).message}`);
    }
  }

  private activate(): void {
    const host: VirtioHost = {
      memory: this.memory,
      features: this.negotiatedFeatures,
      queue: (i) => this.queues[i] ?? null,
      signalUsed: (i) => this.signalUsed(i),
      kick: (i) => this.notify(i),
      configChanged: () => {
        this.configGeneration = (this.configGeneration + 1) >>> 0;
        this.raise(VIRTIO_MMIO_INT_CONFIG);
      },
    };
    this.guarded(() => this.device.activate(host));
  }

  /** QueueNotify (or a device kick): let the device consume buffers of queue `index`. */
  private notify(index: number): void {
    if (!(this.status & VirtioStatus.DRIVER_OK) || this.needsReset) return;
    if (!this.queues[index]) return;
    // A device may kick a queue from inside processQueue: run it after, never re-entered.
    this.pendingKicks.add(index);
    if (this.processing) return;
    this.processing = true;
    try {
      for (const i of this.pendingKicks) {
        this.pendingKicks.delete(i);
        if (this.needsReset) break;
        if (this.queues[i] && this.guarded(() => this.device.processQueue(i))) this.unfinished.add(i);
      }
    } finally {
      this.pendingKicks.clear();
      this.processing = false;
    }
  }

  private signalUsed(index: number): void {
    const q = this.queues[index];
    if (q && q.needsInterrupt()) this.raise(VIRTIO_MMIO_INT_VRING);
  }

  /** Runs device code; any error becomes DEVICE_NEEDS_RESET, never an exception to the VM. */
  private guarded(fn: () => boolean | void): boolean {
    try {
      return fn() === true;
    } catch (e) {
      const message = e instanceof VirtqueueError ? e.message : `device error: ${(e as Error)?.message ?? String(e)}`;
      this.fail(message);
      return false;
    }
  }

  /** Enters DEVICE_NEEDS_RESET with `message` (section 2.1.2). */
  private fail(message: string): void {
    const text = `${this.name}: ${message}`;
    this.lastError = text;
    this.unreportedError = text;
    this.errorCount++;
    if (this.needsReset) return;
    this.needsReset = true;
    this.unfinished.clear();
    if (this.status & VirtioStatus.DRIVER_OK) this.raise(VIRTIO_MMIO_INT_CONFIG);
  }

  private raise(bits: number): void {
    this.interruptStatus |= bits;
    this.updateIrq();
  }

  private updateIrq(): void {
    this.irq.set(this.interruptStatus !== 0);
  }

  private resetState(): void {
    this.status = 0;
    this.needsReset = false;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures = [0, 0];
    this.queueSel = 0;
    this.queueRegs = this.device.queueMaxSizes.map((max) => ({ num: max, ready: false, desc: [0, 0], driver: [0, 0], device: [0, 0] }));
    this.queues = this.device.queueMaxSizes.map(() => null);
    this.unfinished.clear();
    this.interruptStatus = 0;
    this.updateIrq();
  }
}
