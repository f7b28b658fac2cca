/**
 * A direct-mapped TLB caching "virtual page -> host offset of the page in RAM" for one
 * translation context (a privilege mode, V and access type). Entries are tagged with both
 * 32-bit halves of the virtual page address; an untagged entry has an odd low tag, which a
 * page address never has. Superpages are cached 4 KiB at a time.
 *
 * The arrays are plain, or views on a hart area of the VM's WebAssembly.Memory
 * (memory/hart-area.ts) so that code compiled to WebAssembly reads the same entries.
 */
import type { HartArea } from '../memory/hart-area';

/** Number of entries (power of two). */
export const TLB_SIZE = 4096;
/** Mask selecting the entry index from a page number. */
export const TLB_MASK = TLB_SIZE - 1;
/**
 * Fills remembered one by one since the last flush. A flush clears just those while they
 * are few: a guest that flushes in a loop (SFENCE.VMA, satp writes) refills an entry or two
 * between flushes, and clearing all 4096 each time made each such instruction cost the host
 * as much as ten thousand others.
 */
const FILLS_TRACKED = 64;

/** One TLB: parallel typed arrays for the tag halves and the host offset. */
export class Tlb {
  /** Low 32 bits of the virtual page address (va & ~0xfff), or 1 when invalid. */
  readonly tagLo: Int32Array;
  /** High 32 bits of the virtual address. */
  readonly tagHi: Int32Array;
  /** Offset of the page in host RAM. */
  readonly off: Int32Array;
  /** Indices filled since the last flush (the first FILLS_TRACKED of them). */
  private readonly filled = new Int32Array(FILLS_TRACKED);
  /** Entries filled since the last flush; above FILLS_TRACKED a flush clears every entry. */
  private fills = 0;
  /**
   * 1 for an entry counted in `fills`: a refill of the same entry counts once. A guest whose
   * stores keep meeting a code page (a counter beside its loop) has that page's write entry
   * dropped and refilled each turn; counted each time, the fills passed FILLS_TRACKED and
   * every drop scanned all 4096 entries of 16 contexts.
   */
  private readonly recorded = new Uint8Array(TLB_SIZE);

  /** @param area takes the three arrays from this hart area (tagLo, tagHi, off in that order); null: plain arrays */
  constructor(area: HartArea | null = null) {
    this.tagLo = area ? area.int32(TLB_SIZE) : new Int32Array(TLB_SIZE);
    this.tagHi = area ? area.int32(TLB_SIZE) : new Int32Array(TLB_SIZE);
    this.off = area ? area.int32(TLB_SIZE) : new Int32Array(TLB_SIZE);
    this.tagLo.fill(1);
  }

  /** Distinct entries filled since the last flush (what a flush or a drop has to visit). */
  get filledEntries(): number {
    return this.fills;
  }

  /** Fills the entry for the page containing (lo, hi). */
  fill(lo: number, hi: number, hostPageOffset: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    this.tagLo[i] = lo & ~0xfff;
    this.tagHi[i] = hi;
    this.off[i] = hostPageOffset;
    if (this.recorded[i] === 0) {
      this.recorded[i] = 1;
      if (this.fills < FILLS_TRACKED) this.filled[this.fills] = i;
      this.fills++;
    }
  }

  /** Invalidates every entry. */
  flush(): void {
    const n = this.fills;
    if (n > FILLS_TRACKED) {
      this.tagLo.fill(1);
      this.recorded.fill(0);
    } else {
      for (let k = 0; k < n; k++) {
        this.tagLo[this.filled[k]] = 1;
        this.recorded[this.filled[k]] = 0;
      }
    }
    this.fills = 0;
  }

  /** Invalidates every entry that maps to the host page at `hostPageOffset`; true when one was valid. */
  dropOffset(hostPageOffset: number): boolean {
    const n = this.fills;
    if (n === 0) return false;
    let had = false;
    if (n <= FILLS_TRACKED) {
      for (let k = 0; k < n; k++) {
        const i = this.filled[k];
        if (this.off[i] === hostPageOffset && this.tagLo[i] !== 1) { this.tagLo[i] = 1; had = true; }
      }
      return had;
    }
    for (let i = 0; i < TLB_SIZE; i++) if (this.off[i] === hostPageOffset && this.tagLo[i] !== 1) { this.tagLo[i] = 1; had = true; }
    return had;
  }

  /** Invalidates the entry of the page holding (lo, hi), if cached. */
  flushPage(lo: number, hi: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagLo[i] === (lo & ~0xfff) && this.tagHi[i] === hi) this.tagLo[i] = 1;
  }
}

/** The three TLBs of one translation context. */
export class TlbSet {
  readonly read: Tlb;
  readonly write: Tlb;
  readonly fetch: Tlb;

  /** @param area takes the TLBs' arrays from this hart area (read, write, fetch in that order); null: plain arrays */
  constructor(area: HartArea | null = null) {
    this.read = new Tlb(area);
    this.write = new Tlb(area);
    this.fetch = new Tlb(area);
  }

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
