/**
 * Host physical memory: one contiguous RAM region of the hart's physical address space,
 * backed by an ArrayBuffer. The hart reads it through typed views at host offsets
 * (HPA - base); everything outside it is MMIO (bare machine) or a fault.
 */
import { Hpa, PAGE_SIZE } from './address';

/** The RAM of a physical address space. */
export class PhysMemory {
  /** Byte view of all of RAM. */
  readonly bytes: Uint8Array;
  /** DataView over the same buffer, for little-endian loads and stores at any alignment. */
  readonly view: DataView;
  /**
   * Pages holding translated or predecoded code (by host page index, nonzero = code, one bit
   * per cache: hart/predecode.ts `CodeBit`): writes to them must be reported with `noteWrite`
   * so the cached code is dropped.
   */
  readonly codePages: Uint8Array;
  /** Told of a write to a code page, each in turn (the hart's block cache and predecode cache). */
  readonly codeWriteListeners: ((page: number) => void)[] = [];

  /**
   * @param base host physical address of the first byte (page aligned)
   * @param size size in bytes (multiple of the page size)
   * @param shared back the RAM with a SharedArrayBuffer (vCPUs on other threads), or this
   *   existing one (a thread's view of a VM's RAM)
   */
  constructor(readonly base: number, readonly size: number, shared: boolean | SharedArrayBuffer = false) {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0) {
      throw new Error(`RAM base and size must be page aligned (base 0x${base.toString(16)}, size ${size})`);
    }
    if (shared instanceof SharedArrayBuffer) {
      if (shared.byteLength !== size) throw new RangeError(`shared RAM has ${shared.byteLength} bytes, not ${size}`);
      this.bytes = new Uint8Array(shared);
    } else {
      this.bytes = shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    }
    this.view = new DataView(this.bytes.buffer);
    this.codePages = new Uint8Array(size / PAGE_SIZE);
  }

  /** The SharedArrayBuffer behind RAM, or null when it is private to this thread. */
  get sharedBuffer(): SharedArrayBuffer | null {
    return this.bytes.buffer instanceof SharedArrayBuffer ? this.bytes.buffer : null;
  }

  /**
   * Reports a write to [off, off + length) (host offsets) by anything but a hart's store
   * fast path: host software, device DMA, page-table updates. Translated code there goes.
   */
  noteWrite(off: number, length: number): void {
    if (this.codeWriteListeners.length === 0 || length <= 0) return;
    const last = Math.floor((off + length - 1) / PAGE_SIZE);
    for (let p = Math.floor(off / PAGE_SIZE); p <= last; p++) {
      if (this.codePages[p] !== 0) for (const f of this.codeWriteListeners) f(p);
    }
  }

  /** True when [addr, addr + length) lies entirely in RAM. */
  contains(addr: number, length = 1): boolean {
    return addr >= this.base && addr + length <= this.base + this.size;
  }

  /** Host offset of a physical address that lies in RAM. */
  offsetOf(addr: Hpa | number): number {
    return addr - this.base;
  }

  /** Copies bytes into RAM at a physical address; throws when they do not fit. */
  write(addr: number, data: Uint8Array): void {
    if (!this.contains(addr, data.length)) {
      throw new RangeError(`0x${addr.toString(16)}+${data.length} is outside RAM`);
    }
    this.bytes.set(data, addr - this.base);
    this.noteWrite(addr - this.base, data.length);
  }

  /** Copies bytes out of RAM; throws when the range is outside. */
  read(addr: number, length: number): Uint8Array {
    if (!this.contains(addr, length)) {
      throw new RangeError(`0x${addr.toString(16)}+${length} is outside RAM`);
    }
    return this.bytes.slice(addr - this.base, addr - this.base + length);
  }
}
