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
 * Requests are executed synchronously in ring order (request.ts), a bounded number per notify
 * (the rest at the next service point), so writes reach the file in order and FLUSH returns
 * once the file is durable.
 */
import { ConfigSpace, FeatureWords, VirtioDevice, VirtioDeviceId, VirtioHost, serviceQueue } from '../virtio-device';
import { SECTOR_SIZE, type BlockBackend } from './backend';
import { executeBlockRequest } from './request';

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

  /** @inheritdoc */
  processQueue(index: number): boolean {
    return serviceQueue(this.host, index, (chain, memory) => {
      this.requests++;
      return executeBlockRequest(memory, chain, this.disk).written;
    });
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
  }
}
