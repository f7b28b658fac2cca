/**
 * An empty virtio-mmio slot, as QEMU's virt board has them (hw/virtio/virtio-mmio.c,
 * virtio_mmio_read without a backend): MagicValue, Version and VendorID read as usual,
 * DeviceID reads 0 ("no device", virtio 1.2 section 4.2.3.1.1), everything else reads 0 and
 * writes are ignored. Guests that scan the slots, as drivers for QEMU virt do, find nothing
 * instead of taking an access fault.
 *
 *   0x000 MagicValue 0x74726976   0x004 Version 2   0x008 DeviceID 0   0x00c VendorID
 */
import type { MmioDevice } from '../../../bus/device';
import { VIRTIO_MMIO_MAGIC, VIRTIO_VENDOR_ID, VirtioMmioReg } from './mmio';

/** A virtio-mmio window with no device behind it. */
export class EmptyVirtioSlot implements MmioDevice {
  /** @param name name in statistics ("virtio-empty3") */
  constructor(readonly name: string) {}

  /** @inheritdoc */
  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4) return 0;
    switch (offset) {
      case VirtioMmioReg.MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
      case VirtioMmioReg.VERSION: return 2;
      case VirtioMmioReg.VENDOR_ID: return VIRTIO_VENDOR_ID;
      default: return 0;
    }
  }

  /** @inheritdoc */
  write(): void {}
}
