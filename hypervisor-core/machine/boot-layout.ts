/**
 * Where the board puts the device tree and the initrd in guest RAM, computed exactly as
 * QEMU 7.2 does in hw/riscv/boot.c (`riscv_load_fdt`, later `riscv_compute_fdt_addr`, and
 * `riscv_load_initrd`), so guests find them where they would under QEMU.
 */

const MiB = 1024 * 1024;

/**
 * Address of the FDT: as high as possible so the kernel and initrd do not overwrite it, but
 * below 3 GiB for 32-bit guests when RAM starts below 3 GiB; 2 MiB aligned.
 * With 128 MiB at 0x80000000 and a small FDT this is 0x87e00000.
 * @throws Error if the FDT does not fit.
 */
export function fdtAddress(ramBase: number, ramSize: number, fdtSize: number): number {
  const ramEnd = ramBase + ramSize;
  const top = ramBase < 3072 * MiB ? Math.min(ramEnd, 3072 * MiB) : ramEnd;
  const addr = Math.floor((top - fdtSize) / (2 * MiB)) * 2 * MiB;
  if (fdtSize <= 0 || addr < ramBase) throw new Error(`device tree of ${fdtSize} bytes does not fit in RAM`);
  return addr;
}

/** A range of guest physical addresses, end exclusive. */
export interface PhysRange {
  /** First byte. */
  start: number;
  /** One past the last byte. */
  end: number;
}

/**
 * Where the initrd goes: `kernelEntry + min(ramSize / 2, 128 MiB)`, i.e. halfway into RAM on
 * boards with less than 256 MiB and 128 MiB above the kernel otherwise, far enough that
 * the kernel does not clobber it while it unpacks. Note that QEMU measures from the kernel's
 * entry (its load address), not from its end.
 * @throws Error if the initrd does not fit in RAM there.
 */
export function initrdAddress(ramBase: number, ramSize: number, kernelEntry: number, initrdSize: number): PhysRange {
  const start = kernelEntry + Math.min(Math.floor(ramSize / 2), 128 * MiB);
  const end = start + initrdSize;
  if (start < ramBase || end > ramBase + ramSize) {
    throw new Error(`initrd of ${initrdSize} bytes does not fit in RAM at 0x${start.toString(16)}`);
  }
  return { start, end };
}

/**
 * Why the initrd cannot go where QEMU's rule put it, or null: it must not overlap the kernel
 * (it would be overwritten by, or overwrite, the kernel's image) nor the device tree (QEMU
 * 7.2 would write the device tree over its end). Placement stays QEMU's; only a layout QEMU
 * would silently corrupt is refused.
 */
export function initrdOverlap(initrd: PhysRange, kernel: PhysRange, fdt: PhysRange): string | null {
  const overlaps = (a: PhysRange, b: PhysRange): boolean => a.start < b.end && b.start < a.end;
  const where = `initrd of ${initrd.end - initrd.start} bytes at ${hex(initrd.start)}-${hex(initrd.end - 1)}`;
  if (overlaps(initrd, kernel)) return `${where} overlaps the kernel (${hex(kernel.start)}-${hex(kernel.end - 1)})`;
  if (overlaps(initrd, fdt)) return `${where} overlaps the device tree at ${hex(fdt.start)} (give the guest more --memory)`;
  return null;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}
