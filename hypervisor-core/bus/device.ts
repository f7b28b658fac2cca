/**
 * What an MMIO device implements. Devices see offsets from the start of their own region,
 * never absolute addresses (Firecracker `vstate/bus.rs`). Values are the low `size` bytes of
 * a number; accesses wider than 4 bytes are split by the bus into 4-byte halves, low first.
 */
export interface MmioDevice {
  /** Short name used in statistics and traces, e.g. "uart0", "plic". */
  readonly name: string;
  /** Reads `size` (1, 2 or 4) bytes at `offset`; returns them zero-extended. */
  read(offset: number, size: 1 | 2 | 4): number;
  /** Writes the low `size` (1, 2 or 4) bytes of `value` at `offset`. */
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}
