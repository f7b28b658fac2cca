/**
 * What a virtio device implements, apart from the transport (Firecracker
 * `devices/virtio/device.rs` `VirtioDevice`; TinyEMU `virtio.c`). The transport
 * (transport/mmio.ts) owns the registers, feature negotiation, the status state machine and
 * the queues; a device only says what it is (id, queues, feature bits, config space) and
 * consumes the buffers the driver makes available.
 *
 * Feature bits (virtio 1.2 section 6, "Reserved Feature Bits"): the transport itself offers
 * VIRTIO_F_INDIRECT_DESC (28), VIRTIO_F_EVENT_IDX (29) and VIRTIO_F_VERSION_1 (32, mandatory:
 * no legacy interface); devices offer their own bits 0..23.
 */
import type { GuestMemory } from './guest-memory';
import type { SplitQueue } from './queue/split-queue';
import type { DescriptorChain } from './queue/chain';
import type { Saved } from '../../state/persist';

/** Device ids (virtio 1.2 section 5, "Device Types"). */
export const VirtioDeviceId = { NET: 1, BLOCK: 2, CONSOLE: 3, ENTROPY: 4 } as const;

/** Transport-level feature bit numbers (virtio 1.2 section 6). */
export const VirtioFeature = {
  INDIRECT_DESC: 28,
  EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  RING_RESET: 40,
} as const;

/** A 64-bit feature set as two 32-bit words: [bits 0..31, bits 32..63]. */
export type FeatureWords = readonly [number, number];

/** Whether feature `bit` is set in `words`. */
export function hasFeature(words: FeatureWords, bit: number): boolean {
  return ((words[bit >> 5] >>> (bit & 31)) & 1) === 1;
}

/** What the transport gives an activated device. */
export interface VirtioHost {
  /** Guest RAM (every address the device is given was checked against it). */
  readonly memory: GuestMemory;
  /** Feature bits the driver accepted. */
  readonly features: FeatureWords;
  /** The queue at `index`, or null if the driver did not enable it. */
  queue(index: number): SplitQueue | null;
  /** Signals used buffers on queue `index`: interrupts the driver unless it asked not to be. */
  signalUsed(index: number): void;
  /** Asks the transport to run `processQueue(index)` now (device-side events, e.g. input). */
  kick(index: number): void;
  /** Signals a configuration change (config-change interrupt, generation bump). */
  configChanged(): void;
}

/**
 * Most chains a device completes in one service call. Real devices work asynchronously; here
 * a notify runs inside the guest's MMIO exit, so the work it may do there is bounded and the
 * rest continues at the next service point (VirtioMmioTransport.service, between slices). A
 * guest whose requests feed the available ring themselves (a read landing on the ring) thus
 * cannot hold the host in one notify.
 */
export const SERVICE_CHAINS = 64;
/** Most bytes a device moves in one service call (at least one chain always completes). */
export const SERVICE_BYTES = 4 * 1024 * 1024;

/**
 * Completes available chains of queue `index` with `complete` (which returns the bytes it
 * wrote into the chain), at most SERVICE_CHAINS chains or SERVICE_BYTES bytes, then signals
 * the driver once, even if a chain made it throw. Returns true when chains remain (call
 * again at the next service point).
 */
export function serviceQueue(host: VirtioHost | null | undefined, index: number,
  complete: (chain: DescriptorChain, memory: GuestMemory) => number): boolean {
  const q = host?.queue(index);
  if (!host || !q) return false;
  let bytes = 0;
  try {
    for (let n = 0; n < SERVICE_CHAINS && bytes < SERVICE_BYTES; n++) {
      const chain = q.pop();
      if (!chain) return false;
      const written = complete(chain, host.memory);
      q.push(chain.head, written);
      bytes += chain.readableBytes + written;
    }
    return q.available() > 0;
  } finally {
    host.signalUsed(index);
  }
}

/** A virtio device type, driven by a transport. */
export interface VirtioDevice {
  /** Short kind used in names ("virtio-blk" -> "virtio-blk0" in statistics). */
  readonly kind: string;
  /** Virtio device id (VirtioDeviceId). */
  readonly deviceId: number;
  /** Maximum size of each queue; the length is the number of queues. */
  readonly queueMaxSizes: readonly number[];
  /** Device-specific feature bits offered (the transport adds its own). */
  readonly features: FeatureWords;
  /** Reads `size` bytes of the device configuration space at `offset` (little-endian). */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  /** Writes the device configuration space (most devices ignore it). */
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
  /** The driver set DRIVER_OK: queues are ready, `host` stays valid until `reset`. */
  activate(host: VirtioHost): void;
  /**
   * Consumes available buffers of queue `index`, a bounded amount (see SERVICE_CHAINS).
   * Returns true when work is left that can continue right away: the transport calls again at
   * its next service point. A device waiting for the host (a full console sink) returns false
   * and kicks the queue when it can go on. May throw (e.g. VirtqueueError) on a malformed
   * request: the transport catches it and marks the device NEEDS_RESET.
   */
  processQueue(index: number): boolean;
  /** The driver reset the device (status 0): forget the host and any in-flight state. */
  reset(): void;
  /**
   * The device's own state for a snapshot (a request in flight, counters); omitted by a device
   * whose whole state is its queues and configuration, which the transport saves.
   */
  save?(): Saved;
  /**
   * Puts back what `save` returned. The transport calls it after restoring its registers and
   * queues and, when the driver had set DRIVER_OK, after `activate`.
   */
  restore?(state: Saved): void;
}

/**
 * A device configuration space backed by bytes (little-endian fields); reads past the end
 * return 0, as QEMU does.
 */
export class ConfigSpace {
  /** The bytes of the configuration structure. */
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Reads a little-endian value of `size` bytes at `offset` (0 out of range). */
  read(offset: number, size: 1 | 2 | 4): number {
    if (offset < 0 || offset + size > this.bytes.length) return 0;
    if (size === 1) return this.view.getUint8(offset);
    if (size === 2) return this.view.getUint16(offset, true);
    return this.view.getUint32(offset, true);
  }

  /** Sets a 32-bit field. */
  setU32(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0, true);
  }

  /** Sets a 16-bit field. */
  setU16(offset: number, v: number): void {
    this.view.setUint16(offset, v, true);
  }

  /** Sets a 64-bit field from a number (exact up to 2^53). */
  setU64(offset: number, v: number): void {
    this.view.setUint32(offset, v % 4294967296, true);
    this.view.setUint32(offset + 4, Math.floor(v / 4294967296), true);
  }
}
