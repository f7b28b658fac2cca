/**
 * The MMIO bus: a sorted list of non-overlapping address ranges, each owned by one device.
 * Devices see offsets from their own base (Firecracker `vstate/bus.rs`, rust-vmm
 * `vm-device/src/bus/mod.rs`). An access that straddles the end of a device is refused,
 * exactly like an access to a hole.
 *
 * 8-byte accesses are split into two 4-byte device accesses, low word first; an 8-byte read
 * returns the low word and leaves the high word in {@link MmioBus.hi}, so no BigInt and no
 * allocation happen on the access path.
 */
import type { MmioDevice } from './device';

/** Access width on the bus, in bytes. */
export type BusAccessSize = 1 | 2 | 4 | 8;

/** One registered device range. */
export interface BusRange {
  /** First address of the range. */
  readonly base: number;
  /** Length of the range in bytes. */
  readonly size: number;
  /** The device that answers in this range. */
  readonly device: MmioDevice;
}

/** Result of {@link MmioBus.lookup}: the device and the offset inside it. */
export interface BusHit {
  /** The device that owns the address. */
  device: MmioDevice;
  /** Offset of the access from the device's base. */
  offset: number;
}

/** Sorted, non-overlapping MMIO ranges with binary-search lookup. */
export class MmioBus {
  /** High 32 bits of the last 8-byte read (0 after narrower reads). */
  hi = 0;
  private readonly list: BusRange[] = [];
  /**
   * The range the last access found: a driver polls one device's registers (a UART's LSR and
   * data, a virtio queue's notify), so most accesses skip the search.
   */
  private last: BusRange | undefined = undefined;

  /**
   * Registers `device` for `[base, base + size)`.
   * @throws Error if the range is empty, not a safe integer range, or overlaps another.
   */
  add(base: number, size: number, device: MmioDevice): void {
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(size) || base < 0 || size <= 0) {
      throw new Error(`invalid MMIO range for ${device.name}: base ${hex(base)} size ${hex(size)}`);
    }
    const end = base + size;
    let i = 0;
    while (i < this.list.length && this.list[i].base < base) i++;
    const prev = this.list[i - 1];
    const next = this.list[i];
    const clash =
      prev !== undefined && prev.base + prev.size > base
        ? prev
        : next !== undefined && next.base < end
          ? next
          : undefined;
    if (clash) {
      throw new Error(
        `MMIO range ${hex(base)}-${hex(end - 1)} of ${device.name} overlaps ` +
          `${clash.device.name} at ${hex(clash.base)}-${hex(clash.base + clash.size - 1)}`,
      );
    }
    this.list.splice(i, 0, { base, size, device });
  }

  /** The registered ranges, sorted by base. */
  ranges(): readonly BusRange[] {
    return this.list;
  }

  /**
   * Finds the device owning `[addr, addr + size)`; undefined if there is none or if the
   * access runs past the end of the device it starts in.
   */
  lookup(addr: number, size: number): BusHit | undefined {
    const r = this.find(addr);
    if (r === undefined || addr + size > r.base + r.size) return undefined;
    return { device: r.device, offset: addr - r.base };
  }

  /**
   * Reads `size` bytes at `addr`. Returns the value zero-extended (for 8 bytes: the low
   * word, with the high word in {@link hi}), or undefined when nothing answers there.
   */
  read(addr: number, size: BusAccessSize): number | undefined {
    const r = this.find(addr);
    if (r === undefined || addr + size > r.base + r.size) return undefined;
    const off = addr - r.base;
    if (size === 8) {
      const lo = r.device.read(off, 4) >>> 0;
      this.hi = r.device.read(off + 4, 4) >>> 0;
      return lo;
    }
    this.hi = 0;
    return r.device.read(off, size);
  }

  /**
   * Writes `size` bytes at `addr` (for 8 bytes: `lo` then `hi`, as two 4-byte accesses).
   * Returns false when nothing answers there.
   */
  write(addr: number, size: BusAccessSize, lo: number, hi = 0): boolean {
    const r = this.find(addr);
    if (r === undefined || addr + size > r.base + r.size) return false;
    const off = addr - r.base;
    if (size === 8) {
      r.device.write(off, 4, lo >>> 0);
      r.device.write(off + 4, 4, hi >>> 0);
    } else {
      r.device.write(off, size, lo);
    }
    return true;
  }

  /** Binary search for the range containing `addr`. */
  private find(addr: number): BusRange | undefined {
    const last = this.last;
    if (last !== undefined && addr >= last.base && addr < last.base + last.size) return last;
    const list = this.list;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = list[mid];
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + r.size) lo = mid + 1;
      else return (this.last = r);
    }
    return undefined;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}
