/**
 * A disk whose image is opened later: the destination of a migration builds the board (and
 * receives the guest's memory) while the source still holds the image, and takes the image
 * over only when the source has flushed and released it.
 */
import type { BlockBackend } from '../../devices/virtio/block/backend';

/** Stands in for a disk until `attach`; any I/O before it is a bug of the migration's order. */
export class LateBackend implements BlockBackend {
  private inner: BlockBackend | null = null;

  constructor(readonly size: number, readonly readOnly: boolean, readonly id: string) {}

  /** Puts the opened image behind this disk (same size and mode as promised). */
  attach(disk: BlockBackend): void {
    if (disk.size !== this.size || disk.readOnly !== this.readOnly) throw new Error(`disk image ${disk.id} is not the one the migration described`);
    this.inner = disk;
  }

  private disk(): BlockBackend {
    if (!this.inner) throw new Error('a migrated disk was used before its image was handed over');
    return this.inner;
  }

  /** @inheritdoc */
  read(buf: Uint8Array, offset: number): void {
    this.disk().read(buf, offset);
  }

  /** @inheritdoc */
  write(buf: Uint8Array, offset: number): void {
    this.disk().write(buf, offset);
  }

  /** @inheritdoc */
  flush(): void {
    this.disk().flush();
  }

  /** @inheritdoc */
  close(): void {
    this.inner?.close();
  }
}
