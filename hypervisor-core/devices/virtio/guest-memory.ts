/**
 * How virtio devices see the guest's memory: guest-physical reads and writes that refuse any
 * byte outside guest RAM. The VM's `GuestRam` implements it; tests use a flat array. Devices
 * never get a host address (rust-vmm `vm-memory`: guest addresses only).
 */

/** Guest RAM as the devices see it (the subset of `GuestRam` they use). */
export interface GuestMemory {
  /** True when [gpa, gpa + length) is guest RAM. */
  contains(gpa: number, length?: number): boolean;
  /** Copies `length` bytes out of guest RAM; null if any byte is outside it. */
  read(gpa: number, length: number): Uint8Array | null;
  /** Copies `data` into guest RAM; false (and nothing written) if any byte is outside it. */
  write(gpa: number, data: Uint8Array): boolean;
}

/** A flat guest RAM at [base, base + size), for tests and tools. */
export class FlatGuestMemory implements GuestMemory {
  /** The RAM contents. */
  readonly bytes: Uint8Array;

  constructor(readonly base: number, readonly size: number) {
    this.bytes = new Uint8Array(size);
  }

  /** @inheritdoc */
  contains(gpa: number, length = 1): boolean {
    return gpa >= this.base && length >= 0 && gpa + length <= this.base + this.size;
  }

  /** @inheritdoc */
  read(gpa: number, length: number): Uint8Array | null {
    if (!this.contains(gpa, length)) return null;
    return this.bytes.slice(gpa - this.base, gpa - this.base + length);
  }

  /** @inheritdoc */
  write(gpa: number, data: Uint8Array): boolean {
    if (!this.contains(gpa, data.length)) return false;
    this.bytes.set(data, gpa - this.base);
    return true;
  }
}
