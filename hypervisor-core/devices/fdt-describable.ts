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
  /** Phandle of the PLIC (already allocated: the PLIC uses it as its own phandle). */
  plicPhandle: number;
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

/** Formats a unit address the way dtc expects in node names (lowercase hex, no 0x). */
export function unitAddress(base: number): string {
  return base.toString(16);
}
