#!/bin/sh
# qemu-system-riscv64 with the virtio sample's devices (modern virtio-mmio only):
# a raw disk from $QEMU_VIRTIO_DISK and an entropy device. Used as QEMU= for ../run-qemu.sh.
exec qemu-system-riscv64 -global virtio-mmio.force-legacy=false \
	-drive "file=${QEMU_VIRTIO_DISK:?set QEMU_VIRTIO_DISK},if=none,format=raw,id=d0" \
	-device virtio-blk-device,drive=d0 -device virtio-rng-device "$@"
