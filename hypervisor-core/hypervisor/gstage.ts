/**
 * The G-stage page tables (guest physical -> host physical), built by the hypervisor in host
 * memory in the Sv39x4 format that hgatp points at (H extension 9.5.1): a 16 KiB root with
 * 2048 entries, then ordinary 4 KiB tables. Leaves are 4 KiB pages with U set (every G-stage
 * access is checked as a user access) and A/D preset (this hart faults on clear A/D).
 */
import { PAGE_SIZE } from '../memory/address';
import { PageAllocator } from '../memory/page-allocator';
import { PhysMemory } from '../memory/phys-memory';
import { Pte } from '../mmu/walker';

/** hgatp.MODE for Sv39x4. */
export const HGATP_MODE_SV39X4 = 8;

/** A guest RAM leaf: every access allowed. */
export const LEAF_FLAGS = Pte.V | Pte.R | Pte.W | Pte.X | Pte.U | Pte.A | Pte.D;
/** A device page the guest reads and writes but never executes (an IMSIC interrupt file). */
export const DEVICE_LEAF_FLAGS = Pte.V | Pte.R | Pte.W | Pte.U | Pte.A | Pte.D;

/** One VM's G-stage table. */
export class GStage {
  /** Host physical address of the root table. */
  readonly root: number;
  /** Number of 4 KiB leaf mappings installed. */
  mappedPages = 0;

  constructor(private readonly mem: PhysMemory, private readonly alloc: PageAllocator) {
    this.root = alloc.allocate(4, 4 * PAGE_SIZE);
  }

  /** The hgatp value's low and high words for this table and a VMID. */
  hgatp(vmid: number): [number, number] {
    const ppn = this.root / PAGE_SIZE;
    return [ppn | 0, ((HGATP_MODE_SV39X4 << 28) | ((vmid & 0x3fff) << 12) | Math.floor(ppn / 4294967296)) | 0];
  }

  /** Maps the 4 KiB guest page at `gpa` to the host page at `hpa` (RAM: every access allowed). */
  map(gpa: number, hpa: number, flags: number = LEAF_FLAGS): void {
    let table = this.root;
    for (let level = 2; level > 0; level--) {
      const index = Math.floor(gpa / 2 ** (12 + 9 * level)) & (level === 2 ? 0x7ff : 0x1ff);
      const off = table + index * 8 - this.mem.base;
      const lo = this.mem.view.getUint32(off, true);
      if ((lo & Pte.V) === 0) {
        const next = this.alloc.allocate();
        this.writePte(off, next, Pte.V);
        table = next;
      } else {
        table = ((lo >>> 10) + (this.mem.view.getUint32(off + 4, true) & 0x3fffff) * 4194304) * PAGE_SIZE;
      }
    }
    const index = Math.floor(gpa / PAGE_SIZE) & 0x1ff;
    const off = table + index * 8 - this.mem.base;
    if ((this.mem.view.getUint32(off, true) & Pte.V) === 0) this.mappedPages++;
    this.writePte(off, hpa, flags);
  }

  /** Removes the mapping of the guest page at `gpa` (ballooning, migration); returns whether one existed. */
  unmap(gpa: number): boolean {
    const off = this.leafOffset(gpa);
    if (off < 0 || (this.mem.view.getUint32(off, true) & Pte.V) === 0) return false;
    this.mem.view.setUint32(off, 0, true);
    this.mem.view.setUint32(off + 4, 0, true);
    this.mappedPages--;
    return true;
  }

  /**
   * Write-protects the leaf for `gpa` (clears W, as KVM's dirty logging does): the guest's
   * next store to the page is a guest page fault. Returns false when the page is not mapped.
   * The caller flushes the harts' TLBs.
   */
  protect(gpa: number): boolean {
    const off = this.leafOffset(gpa);
    if (off < 0) return false;
    const lo = this.mem.view.getUint32(off, true);
    if ((lo & Pte.V) === 0) return false;
    this.mem.view.setUint32(off, (lo & ~Pte.W) >>> 0, true);
    return true;
  }

  /** Whether `gpa`'s page has a valid leaf. */
  isMapped(gpa: number): boolean {
    const off = this.leafOffset(gpa);
    return off >= 0 && (this.mem.view.getUint32(off, true) & Pte.V) !== 0;
  }

  /** Host offset of the leaf PTE for `gpa`, or -1 when an intermediate table is missing. */
  private leafOffset(gpa: number): number {
    let table = this.root;
    for (let level = 2; level > 0; level--) {
      const index = Math.floor(gpa / 2 ** (12 + 9 * level)) & (level === 2 ? 0x7ff : 0x1ff);
      const off = table + index * 8 - this.mem.base;
      const lo = this.mem.view.getUint32(off, true);
      if ((lo & Pte.V) === 0) return -1;
      table = ((lo >>> 10) + (this.mem.view.getUint32(off + 4, true) & 0x3fffff) * 4194304) * PAGE_SIZE;
    }
    return table + (Math.floor(gpa / PAGE_SIZE) & 0x1ff) * 8 - this.mem.base;
  }

  private writePte(off: number, pa: number, flags: number): void {
    const ppn = pa / PAGE_SIZE;
    this.mem.view.setUint32(off, ((ppn << 10) | flags) >>> 0, true);
    this.mem.view.setUint32(off + 4, Math.floor(ppn / 4194304), true);
  }
}
