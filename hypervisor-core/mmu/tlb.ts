/**
 * A direct-mapped TLB caching "virtual page -> host offset of the page in RAM" for one
 * translation context (a privilege mode, V and access type). Entries are tagged with both
 * 32-bit halves of the virtual page address; an untagged entry has an odd low tag, which a
 * page address never has. Superpages are cached 4 KiB at a time.
 */

/** Number of entries (power of two). */
export const TLB_SIZE = 4096;
/** Mask selecting the entry index from a page number. */
export const TLB_MASK = TLB_SIZE - 1;

/** One TLB: parallel typed arrays for the tag halves and the host offset. */
export class Tlb {
  /** Low 32 bits of the virtual page address (va & ~0xfff), or 1 when invalid. */
  readonly tagLo = new Int32Array(TLB_SIZE).fill(1);
  /** High 32 bits of the virtual address. */
  readonly tagHi = new Int32Array(TLB_SIZE);
  /** Offset of the page in host RAM. */
  readonly off = new Int32Array(TLB_SIZE);

  /** Fills the entry for the page containing (lo, hi). */
  fill(lo: number, hi: number, hostPageOffset: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    this.tagLo[i] = lo & ~0xfff;
    this.tagHi[i] = hi;
    this.off[i] = hostPageOffset;
  }

  /** Invalidates every entry. */
  flush(): void {
    this.tagLo.fill(1);
  }

  /** Invalidates the entry of the page holding (lo, hi), if cached. */
  flushPage(lo: number, hi: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagLo[i] === (lo & ~0xfff) && this.tagHi[i] === hi) this.tagLo[i] = 1;
  }
}

/** The three TLBs of one translation context. */
export class TlbSet {
  readonly read = new Tlb();
  readonly write = new Tlb();
  readonly fetch = new Tlb();
  /** Invalidates the three. */
  flush(): void {
    this.read.flush();
    this.write.flush();
    this.fetch.flush();
  }

  /** Invalidates one page in the three. */
  flushPage(lo: number, hi: number): void {
    this.read.flushPage(lo, hi);
    this.write.flushPage(lo, hi);
    this.fetch.flushPage(lo, hi);
  }
}
