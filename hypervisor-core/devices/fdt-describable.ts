/**
 * Devices describe themselves in the device tree (kvmtool `riscv/fdt.c` walks the registered
 * devices and each one adds its own node). The board builds the skeleton (root, cpus,
 * memory, chosen, /soc) and calls {@link FdtDescribable.describe} inside `/soc`.
 */
import type { FdtBuilder } from '../machine/fdt-builder';

/** What a device needs to know about the board to write its node. */
export interface FdtContext {
  /** Phandle of each hart's `riscv,cpu-intc` node, indexed by hart id. */
  cpuIntcPhandles: number[];
  /**
   * Phandle of the board's wired interrupt controller, the devices' interrupt-parent: the
   * PLIC, or with AIA the APLIC (already allocated: the controller uses it as its own phandle).
   */
  plicPhandle: number;
  /** With AIA: phandle of the IMSIC node (the APLIC's msi-parent). */
  imsicPhandle?: number;
  /** Cells of a device's `interrupts`: 1 under the PLIC, 2 (source, trigger type) under the APLIC. */
  interruptCells?: 1 | 2;
  /** Base address the device is mapped at. */
  base: number;
  /** Size of the device's MMIO window. */
  size: number;
}

/** A device that can add its own node (named `<name>@<base>`) under `/soc`. */
export interface FdtDescribable {
  /** Adds one complete node (begin ... end) to `fdt`. */
  describe(fdt: FdtBuilder, ctx: FdtContext): void;
}

/** IRQ_TYPE_LEVEL_HIGH, the trigger type QEMU gives every wired device under the APLIC. */
const IRQ_TYPE_LEVEL_HIGH = 4;

/** The cells of a device's `interrupts` property for source `irq` under the board's controller. */
export function interruptCells(ctx: FdtContext, irq: number): number[] {
  return ctx.interruptCells === 2 ? [irq, IRQ_TYPE_LEVEL_HIGH] : [irq];
}

/** Formats a unit address the way dtc expects in node names (lowercase hex, no 0x). */
export function unitAddress(base: number): string {
  return base.toString(16);
}
