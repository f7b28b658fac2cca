/**
 * The QEMU `virt` board memory map (hw/riscv/virt.c `virt_memmap[]`, QEMU 7.2) and boot
 * constants, so a guest built for `qemu-system-riscv64 -M virt` runs unchanged.
 *
 *   0x00100000  0x1000     test (sifive,test0: poweroff/reboot)      not emulated
 *   0x00101000  0x1000     rtc (goldfish)                            not emulated, irq 11
 *   0x02000000  0x10000    CLINT (MSWI + MTIMER)
 *   0x0c000000  0x600000   PLIC                                      (with --aia: none)
 *   0x0d000000  0x8000     APLIC, supervisor-level domain            with --aia
 *   0x10000000  0x100      UART0 ns16550a                            irq 10
 *   0x10001000  0x1000 x8  virtio-mmio slots                         irqs 1..8
 *   0x28000000  0x1000 x N IMSIC supervisor-level files, one per hart  with --aia
 *   0x80000000  RAM
 */

/** Start of guest RAM. */
export const DRAM_BASE = 0x80000000;
/** Where raw images and Images (text_offset 0x200000) start: DRAM + 2 MiB. */
export const KERNEL_LOAD_ADDR = 0x80200000;

/** sifive,test device (poweroff / reboot register). */
export const TEST_BASE = 0x100000;
/** Size of the test device window. */
export const TEST_SIZE = 0x1000;
/** Goldfish RTC. */
export const RTC_BASE = 0x101000;
/** Size of the RTC window. */
export const RTC_SIZE = 0x1000;
/** PLIC source of the RTC. */
export const RTC_IRQ = 11;

/** CLINT base. */
export const CLINT_BASE = 0x02000000;
/** CLINT size. */
export const CLINT_SIZE = 0x10000;

/** PLIC base. */
export const PLIC_BASE = 0x0c000000;
/** PLIC size (QEMU: VIRT_PLIC_SIZE(VIRT_CPUS_MAX * 2)). */
export const PLIC_SIZE = 0x600000;

/** The supervisor-level APLIC domain with AIA (QEMU: VIRT_APLIC_S). */
export const APLIC_S_BASE = 0x0d000000;
/** Size of an APLIC domain's window (QEMU: 0x4000 + 32 bytes per hart rounded up to 0x4000; 0x8000 up to 512 harts). */
export const APLIC_SIZE = 0x8000;
/** The supervisor-level IMSIC interrupt files with AIA (QEMU: VIRT_IMSIC_S); hart h's at + 0x1000 * h. */
export const IMSIC_S_BASE = 0x28000000;

/** First UART. */
export const UART0_BASE = 0x10000000;
/** UART window size. */
export const UART0_SIZE = 0x100;
/** PLIC source of UART0. */
export const UART0_IRQ = 10;

/** First virtio-mmio slot. */
export const VIRTIO_BASE = 0x10001000;
/** Distance between virtio-mmio slots (each slot is this big). */
export const VIRTIO_STRIDE = 0x1000;
/** Number of virtio-mmio slots. */
export const VIRTIO_COUNT = 8;
/** PLIC source of virtio slot 0; slot i uses VIRTIO_IRQ_BASE + i (1..8). */
export const VIRTIO_IRQ_BASE = 1;

/** Base address of virtio-mmio slot `i` (0..7). */
export function virtioSlotBase(i: number): number {
  return VIRTIO_BASE + i * VIRTIO_STRIDE;
}

/** Frequency of mtime / the `time` CSR: 10 MHz. */
export const TIMEBASE_HZ = 10_000_000;

/** Path of the console in the device tree's /chosen stdout-path. */
export const STDOUT_PATH = '/soc/serial@10000000';
