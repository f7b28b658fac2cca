/**
 * The TLBs of one hart: a TlbSet per translation context (V, privilege, and sstatus.SUM for
 * S-mode, so toggling SUM around a user copy flushes nothing), plus what a page-sized flush
 * must know: entries are cached 4 KiB at a time, so when SFENCE.VMA names an address inside
 * a superpage some entries came from, only a full flush finds them all.
 */
import type { HartArea } from '../memory/hart-area';
import { TlbSet } from './tlb';

/** Number of contexts: index = virt * 8 + priv * 2 + sum. */
const CONTEXTS = 16;
/** Superpages tracked before every page flush becomes a full flush. */
const MAX_TRACKED = 32;

/** Per-context TLBs with superpage-aware flushing. */
export class TlbContexts {
  private readonly sets: TlbSet[] = [];
  /** Superpages cached since the last full flush: [base lo, hi, mask] triples. */
  private readonly superpages: number[] = [];
  /** Too many (or too large) superpages to track: every page flush is a full flush. */
  private untracked = false;
  /**
   * Called on every full flush, saying whether G-stage translations go too (the hart empties
   * its G-stage cache with the TLBs then).
   */
  onFlushAll: (gStage: boolean) => void = () => undefined;

  /** @param area takes every TLB array from this hart area, context by context; null: plain arrays */
  constructor(area: HartArea | null = null) {
    for (let i = 0; i < CONTEXTS; i++) this.sets.push(new TlbSet(area));
  }

  /** Every TLB of every context (for a check that all live in one memory). */
  allSets(): readonly TlbSet[] {
    return this.sets;
  }

  /** The TLBs of a context. */
  set(virt: boolean, priv: number, sum: boolean): TlbSet {
    return this.sets[(virt ? 8 : 0) + priv * 2 + (sum ? 1 : 0)];
  }

  /**
   * Flushes every entry of every context.
   * @param gStage false for a fence or a vsatp write that orders VS-stage translations only:
   *   cached G-stage translations stay (`onFlushAll`)
   */
  flushAll(gStage = true): void {
    for (const t of this.sets) t.flush();
    this.superpages.length = 0;
    this.untracked = false;
    this.onFlushAll(gStage);
  }

  /** Drops the write entries of every context that map to a host page (it now holds translated code); true when one was valid. */
  dropWritesTo(hostPageOffset: number): boolean {
    let had = false;
    for (const t of this.sets) if (t.write.dropOffset(hostPageOffset)) had = true;
    return had;
  }

  /** Flushes the page holding virtual address (lo, hi) in every context. */
  flushPage(lo: number, hi: number): void {
    if (this.untracked) return this.flushAll();
    const r = this.superpages;
    for (let i = 0; i < r.length; i += 3) {
      if (r[i + 1] === hi && (lo & r[i + 2]) === r[i]) return this.flushAll();
    }
    for (const t of this.sets) t.flushPage(lo, hi);
  }

  /** Notes that an entry for (lo, hi) was filled from a first-stage leaf of `size` bytes. */
  noteLeaf(lo: number, hi: number, size: number): void {
    if (size === 4096 || this.untracked) return;
    const r = this.superpages;
    // 512 GiB Sv48 leaves span several high words; a long list would slow every flush.
    if (size > 0x40000000 || r.length >= 3 * MAX_TRACKED) {
      this.untracked = true;
      return;
    }
    const mask = ~(size - 1);
    for (let i = 0; i < r.length; i += 3) if (r[i + 1] === hi && r[i] === (lo & mask)) return;
    r.push(lo & mask, hi, mask);
  }
}
