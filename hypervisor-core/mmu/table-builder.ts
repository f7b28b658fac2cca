/**
 * The one page-table builder of the host side: it writes tables in the format the walker
 * reads (privileged spec 4.3, H extension 9.5.1) into host memory, for every table the
 * hypervisor keeps: the G-stage (Sv39x4/Sv48x4, GPA -> HPA) and the shadow tables
 * (Sv39/Sv48, GVA -> HPA). Leaves are always 4 KiB; intermediate tables are allocated on the
 * first map below them and given back when a range is dropped.
 *
 * Addresses are numbers of at most `mode.vaBits` bits (a GVA with its sign extension taken
 * off, as the walker takes it), so every input fits in 53 bits.
 */
import { PAGE_SIZE } from '../memory/address';
import { PhysMemory } from '../memory/phys-memory';
import { PagingMode, Pte } from './walker';

/** Where table pages come from: the host page allocator, or a bounded pool in front of it. */
export interface TablePages {
  /** `pages` zeroed contiguous pages aligned to `align`; returns the HPA. */
  allocate(pages?: number, align?: number): number;
  /** Gives one page back. */
  release(hpa: number): void;
}

const TWO22 = 4194304;

/** One page table (a root and what hangs below it) in host memory. */
export class TableBuilder {
  /** Host physical address of the root table. */
  readonly root: number;
  /** Valid 4 KiB leaves. */
  mappedPages = 0;
  /** Table pages in use, the root included. */
  tablePages: number;
  private readonly rootPages: number;

  constructor(private readonly mem: PhysMemory, private readonly pages: TablePages, readonly mode: PagingMode) {
    this.rootPages = 1 << (mode.rootIndexBits - 9);
    this.root = pages.allocate(this.rootPages, this.rootPages * PAGE_SIZE);
    this.tablePages = this.rootPages;
  }

  /** Maps the 4 KiB page at `va` to the host page at `pa` with leaf `flags` (V is added). */
  map(va: number, pa: number, flags: number): void {
    let table = this.root;
    for (let level = this.mode.levels - 1; level > 0; level--) {
      const off = table + this.index(va, level) * 8 - this.mem.base;
      const lo = this.mem.view.getUint32(off, true);
      if ((lo & Pte.V) === 0) {
        const next = this.pages.allocate();
        this.tablePages++;
        this.writePte(off, next, Pte.V);
        table = next;
      } else {
        table = this.target(off);
      }
    }
    const off = table + this.index(va, 0) * 8 - this.mem.base;
    if ((this.mem.view.getUint32(off, true) & Pte.V) === 0) this.mappedPages++;
    this.writePte(off, pa, flags | Pte.V);
  }

  /**
   * Maps `count` consecutive 4 KiB pages from `va`, page i to the host page `pa(i)`, with leaf
   * `flags`: as `map` page by page, but one walk per leaf table (a whole RAM slot at once).
   */
  mapRange(va: number, count: number, pa: (i: number) => number, flags: number): void {
    const view = this.mem.view;
    for (let i = 0; i < count;) {
      const first = va + i * PAGE_SIZE;
      this.map(first, pa(i), flags);
      let off = this.leafOffset(first);
      const end = Math.min(count, i + 512 - this.index(first, 0));
      for (i++; i < end; i++) {
        off += 8;
        if ((view.getUint32(off, true) & Pte.V) === 0) this.mappedPages++;
        this.writePte(off, pa(i), flags | Pte.V);
      }
    }
  }

  /** Removes the leaf of the page at `va`; returns whether one was valid. */
  unmap(va: number): boolean {
    const off = this.leafOffset(va);
    if (off < 0 || (this.mem.view.getUint32(off, true) & Pte.V) === 0) return false;
    this.mem.view.setUint32(off, 0, true);
    this.mem.view.setUint32(off + 4, 0, true);
    this.mappedPages--;
    return true;
  }

  /** Clears `flags` (W for write protection) in the leaf of the page at `va`; returns whether it had any of them. */
  protect(va: number, flags: number): boolean {
    const off = this.leafOffset(va);
    if (off < 0) return false;
    const lo = this.mem.view.getUint32(off, true);
    if ((lo & Pte.V) === 0 || (lo & flags) === 0) return false;
    this.mem.view.setUint32(off, (lo & ~flags) >>> 0, true);
    return true;
  }

  /** The leaf PTE's low word (flags) for the page at `va`, or 0 when none is valid. */
  leaf(va: number): number {
    const off = this.leafOffset(va);
    return off < 0 ? 0 : this.mem.view.getUint32(off, true) & 0x3ff;
  }

  /**
   * Drops every mapping in the naturally aligned region of `size` bytes (2 MiB or 1 GiB: the
   * span of a superpage) holding `va`, giving back the tables below it.
   */
  dropRegion(va: number, size: number): void {
    const level = Math.round(Math.log2(size / PAGE_SIZE) / 9);
    let table = this.root;
    for (let l = this.mode.levels - 1; l > level; l--) {
      const off = table + this.index(va, l) * 8 - this.mem.base;
      if ((this.mem.view.getUint32(off, true) & Pte.V) === 0) return;
      table = this.target(off);
    }
    const off = table + this.index(va, level) * 8 - this.mem.base;
    if ((this.mem.view.getUint32(off, true) & Pte.V) === 0) return;
    this.releaseBelow(this.target(off), level - 1);
    this.mem.view.setUint32(off, 0, true);
    this.mem.view.setUint32(off + 4, 0, true);
  }

  /** Drops every mapping but keeps the root (an empty table again). */
  clear(): void {
    const entries = 1 << this.mode.rootIndexBits;
    for (let i = 0; i < entries; i++) {
      const off = this.root + i * 8 - this.mem.base;
      if ((this.mem.view.getUint32(off, true) & Pte.V) === 0) continue;
      this.releaseBelow(this.target(off), this.mode.levels - 2);
      this.mem.view.setUint32(off, 0, true);
      this.mem.view.setUint32(off + 4, 0, true);
    }
  }

  /** Gives back every table page, the root included; the builder is unusable afterwards. */
  destroy(): void {
    this.clear();
    for (let p = 0; p < this.rootPages; p++) this.pages.release(this.root + p * PAGE_SIZE);
    this.tablePages = 0;
  }

  /** Host offset of the leaf PTE for `va`, or -1 when an intermediate table is missing. */
  private leafOffset(va: number): number {
    let table = this.root;
    for (let level = this.mode.levels - 1; level > 0; level--) {
      const off = table + this.index(va, level) * 8 - this.mem.base;
      if ((this.mem.view.getUint32(off, true) & Pte.V) === 0) return -1;
      table = this.target(off);
    }
    return table + this.index(va, 0) * 8 - this.mem.base;
  }

  /** Releases the table at `table` (of `level`) and, for level > 0, the tables below it. */
  private releaseBelow(table: number, level: number): void {
    for (let i = 0; i < 512; i++) {
      const off = table + i * 8 - this.mem.base;
      const lo = this.mem.view.getUint32(off, true);
      if ((lo & Pte.V) === 0) continue;
      if (level > 0) this.releaseBelow(this.target(off), level - 1);
      else this.mappedPages--;
    }
    this.mem.bytes.fill(0, table - this.mem.base, table - this.mem.base + PAGE_SIZE);
    this.pages.release(table);
    this.tablePages--;
  }

  private index(va: number, level: number): number {
    const bits = level === this.mode.levels - 1 ? this.mode.rootIndexBits : 9;
    return Math.floor(va / 2 ** (12 + 9 * level)) & ((1 << bits) - 1);
  }

  /** The physical address a PTE at host offset `off` points at. */
  private target(off: number): number {
    return ((this.mem.view.getUint32(off, true) >>> 10) + (this.mem.view.getUint32(off + 4, true) & 0x3fffff) * TWO22) * PAGE_SIZE;
  }

  private writePte(off: number, pa: number, flags: number): void {
    const ppn = pa / PAGE_SIZE;
    this.mem.view.setUint32(off, ((ppn << 10) | flags) >>> 0, true);
    this.mem.view.setUint32(off + 4, Math.floor(ppn / TWO22), true);
  }
}
