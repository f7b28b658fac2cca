/**
 * virtio block device (virtio 1.2 section 5.2), device id 2, one request queue.
 *
 *   Configuration space (struct virtio_blk_config), little-endian:
 *     +0   le64 capacity      in 512-byte sectors
 *     +8   le32 size_max      (VIRTIO_BLK_F_SIZE_MAX, not offered)
 *     +12  le32 seg_max       (VIRTIO_BLK_F_SEG_MAX): queue size - 2, as QEMU
 *     +16  geometry           (not offered)
 *     +20  le32 blk_size      (not offered: 512)
 *   Features offered: SEG_MAX (2), RO (5) for read-only disks, FLUSH (9).
 *
 * Requests are executed one at a time in ring order (request.ts), a bounded amount of work per
 * notify (the rest, even of one large request, at the next service point), so writes reach
 * the file in order and FLUSH returns once the file is durable.
 */
import { ConfigSpace, FeatureWords, SERVICE_BYTES, SERVICE_CHAINS, VirtioDevice, VirtioDeviceId, VirtioHost } from '../virtio-device';
import { SECTOR_SIZE, type BlockBackend } from './backend';
import { BlockJob } from './request';
import { num, obj, StateError, type Saved } from '../../../state/persist';

/** Block feature bits. */
export const VirtioBlkFeature = { SIZE_MAX: 1, SEG_MAX: 2, GEOMETRY: 4, RO: 5, BLK_SIZE: 6, FLUSH: 9 } as const;

/** Queue size offered. */
export const BLOCK_QUEUE_SIZE = 256;

/** A virtio-blk device over a BlockBackend. */
export class VirtioBlock implements VirtioDevice {
  /** @inheritdoc */
  readonly kind = 'virtio-blk';
  /** @inheritdoc */
  readonly deviceId = VirtioDeviceId.BLOCK;
  /** @inheritdoc */
  readonly queueMaxSizes = [BLOCK_QUEUE_SIZE];
  /** @inheritdoc */
  readonly features: FeatureWords;
  /** Requests completed. */
  requests = 0;
  private readonly config = new ConfigSpace(24);
  private host: VirtioHost | null = null;
  /** The request in flight (its data moves over several calls when large). */
  private job: BlockJob | null = null;

  constructor(readonly disk: BlockBackend) {
    const F = VirtioBlkFeature;
    this.features = [(1 << F.SEG_MAX) | (1 << F.FLUSH) | (disk.readOnly ? 1 << F.RO : 0), 0];
    this.config.setU64(0, disk.size / SECTOR_SIZE);
    this.config.setU32(12, BLOCK_QUEUE_SIZE - 2);
  }

  /** @inheritdoc */
  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** @inheritdoc */
  writeConfig(): void {
    // Writable only with VIRTIO_BLK_F_CONFIG_WCE, which is not offered.
  }

  /** @inheritdoc */
  activate(host: VirtioHost): void {
    this.host = host;
  }

  /**
   * Works through requests in ring order, one at a time: at most SERVICE_CHAINS requests and
   * SERVICE_BYTES of data per call; a larger request continues at the next call.
   */
  processQueue(index: number): boolean {
    const host = this.host;
    const q = host?.queue(index);
    if (!host || !q) return false;
    let budget = SERVICE_BYTES;
    try {
      for (let n = 0; n < SERVICE_CHAINS && budget > 0;) {
        if (!this.job) {
          const chain = q.pop();
          if (!chain) return false;
          this.requests++;
          this.job = new BlockJob(host.memory, chain, this.disk);
        }
        budget -= this.job.run(budget);
        if (this.job.done) {
          q.push(this.job.head, this.job.finish());
          this.job = null;
          n++;
        }
      }
      return this.job !== null || q.available() > 0;
    } finally {
      host.signalUsed(index);
    }
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
    this.job = null;
  }

  /** The request in flight (its chain head and progress) and the request count. */
  save(): Saved {
    return { requests: this.requests, job: this.job?.save() ?? null };
  }

  /** Puts back `save`'s state: a request in flight goes on from where it was. */
  restore(state: Saved): void {
    const s = obj(state, 'virtio-blk');
    this.requests = num(s.requests, 'requests');
    this.job = null;
    if (s.job === null || s.job === undefined) return;
    const q = this.host?.queue(0);
    if (!this.host || !q) throw new StateError('virtio-blk: a request in flight on a queue that is not live');
    this.job = BlockJob.restore(this.host.memory, q, this.disk, s.job);
  }
}
