/**
 * Dirty page logging, as KVM's (KVM_MEM_LOG_DIRTY_PAGES and KVM_GET_DIRTY_LOG): while it is
 * on, guest RAM is mapped in the G-stage without W, so the first store of the guest to a page
 * is a guest page fault; the hypervisor sets the page's bit in the slot's bitmap and maps the
 * page writable again, and the guest never notices. Host-side writes into guest RAM (virtio
 * DMA, loaders, the debugger) set the bit directly. `fetchAndClear` hands out the bitmap and
 * starts a new round with every page that was dirty write-protected again (KVM's
 * KVM_GET_DIRTY_LOG without manual protection): nothing is lost between fetch and re-protect
 * because the VM does not run in between.
 *
 * One memory slot here: guest RAM, a bit per 4 KiB page from its base.
 */

/** Counters of the dirty log, for the statistics. */
export interface DirtyLogStats {
  /** Write-protection faults taken (guest stores that set a bit). */
  protectionFaults: number;
  /** Bits set by host-side writes (virtio DMA, loaders). */
  hostWrites: number;
  /** Pages handed out by fetchAndClear, over all rounds. */
  pagesFetched: number;
  /** fetchAndClear calls. */
  fetches: number;
}

/** The dirty bitmap of one memory slot. */
export class DirtyLog {
  /** Bit i: page i of the slot was written since the last fetch. */
  private bitmap: Uint32Array;
  readonly stats: DirtyLogStats = { protectionFaults: 0, hostWrites: 0, pagesFetched: 0, fetches: 0 };

  /** @param pages pages in the slot */
  constructor(readonly pages: number) {
    this.bitmap = new Uint32Array(Math.ceil(pages / 32));
  }

  /** Marks page `i` dirty. */
  mark(i: number): void {
    if (i >= 0 && i < this.pages) this.bitmap[i >>> 5] |= 1 << (i & 31);
  }

  /** Whether page `i` is dirty (tests). */
  isDirty(i: number): boolean {
    return ((this.bitmap[i >>> 5] >>> (i & 31)) & 1) !== 0;
  }

  /** Returns the bitmap and starts a new, clean one. */
  fetchAndClear(): Uint32Array {
    const out = this.bitmap;
    this.bitmap = new Uint32Array(out.length);
    this.stats.fetches++;
    this.stats.pagesFetched += countBits(out);
    return out;
  }
}

/** Set bits in a bitmap. */
export function countBits(bitmap: Uint32Array): number {
  let n = 0;
  for (let v of bitmap) {
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

/** The page indices whose bits are set, in order. */
export function dirtyPages(bitmap: Uint32Array): number[] {
  const out: number[] = [];
  for (let w = 0; w < bitmap.length; w++) {
    let v = bitmap[w];
    while (v !== 0) {
      const b = 31 - Math.clz32(v & -v);
      out.push(w * 32 + b);
      v &= v - 1;
    }
  }
  return out;
}
