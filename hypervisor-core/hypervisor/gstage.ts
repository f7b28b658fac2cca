/**
 * The G-stage page tables (guest physical -> host physical), built by the hypervisor in host
 * memory in the Sv39x4 format that hgatp points at (H extension 9.5.1): a 16 KiB root with
 * 2048 entries, then ordinary 4 KiB tables, written by the one table builder. Leaves are
 * 4 KiB pages with U set (every G-stage access is checked as a user access) and A/D preset
 * (this hart faults on clear A/D).
 */
import { PageAllocator } from '../memory/page-allocator';
import { PhysMemory } from '../memory/phys-memory';
import { TableBuilder } from '../mmu/table-builder';
import { Pte, SV39X4 } from '../mmu/walker';

/** hgatp.MODE for Sv39x4. */
export const HGATP_MODE_SV39X4 = 8;

/** A guest RAM leaf: every access allowed. */
export const LEAF_FLAGS = Pte.V | Pte.R | Pte.W | Pte.X | Pte.U | Pte.A | Pte.D;
/** A device page the guest reads and writes but never executes (an IMSIC interrupt file). */
export const DEVICE_LEAF_FLAGS = Pte.V | Pte.R | Pte.W | Pte.U | Pte.A | Pte.D;

/** One VM's G-stage table. */
export class GStage {
  private readonly table: TableBuilder;

  constructor(mem: PhysMemory, alloc: PageAllocator) {
    this.table = new TableBuilder(mem, alloc, SV39X4);
  }

  /** Host physical address of the root table. */
  get root(): number {
    return this.table.root;
  }

  /** Number of 4 KiB leaf mappings installed. */
  get mappedPages(): number {
    return this.table.mappedPages;
  }

  /** Restores the count with the tables themselves (a snapshot brings back host memory whole). */
  set mappedPages(n: number) {
    this.table.mappedPages = n;
  }

  /** The hgatp value's low and high words for this table and a VMID. */
  hgatp(vmid: number): [number, number] {
    const ppn = this.root / 4096;
    return [ppn | 0, ((HGATP_MODE_SV39X4 << 28) | ((vmid & 0x3fff) << 12) | Math.floor(ppn / 4294967296)) | 0];
  }

  /** Maps the 4 KiB guest page at `gpa` to the host page at `hpa` (RAM: every access allowed). */
  map(gpa: number, hpa: number, flags: number = LEAF_FLAGS): void {
    this.table.map(gpa, hpa, flags);
  }

  /** Maps `count` guest pages from `gpa`, page i to the host page `hpa(i)` (RAM: every access allowed). */
  mapRange(gpa: number, count: number, hpa: (i: number) => number): void {
    this.table.mapRange(gpa, count, hpa, LEAF_FLAGS);
  }

  /** Removes the mapping of the guest page at `gpa` (ballooning, migration); returns whether one existed. */
  unmap(gpa: number): boolean {
    return this.table.unmap(gpa);
  }

  /**
   * Write-protects the leaf for `gpa` (clears W, as KVM's dirty logging does): the guest's
   * next store to the page is a guest page fault. Returns false when the page is not mapped.
   * The caller flushes the harts' TLBs.
   */
  protect(gpa: number): boolean {
    if (!this.isMapped(gpa)) return false;
    this.table.protect(gpa, Pte.W);
    return true;
  }

  /** Whether `gpa`'s page has a valid leaf. */
  isMapped(gpa: number): boolean {
    return this.table.leaf(gpa) !== 0;
  }
}
