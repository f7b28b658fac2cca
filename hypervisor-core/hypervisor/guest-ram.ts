/**
 * A VM's RAM slot (KVM's memslot): the guest-physical range that is RAM, and for each guest
 * page the host page backing it, allocated on first touch. The G-stage table is filled from
 * here when the guest faults on a page; the hypervisor itself (loader, SBI, virtio) reads
 * and writes guest memory through `read`/`write`, which populate pages the same way.
 */
import { Gpa, PAGE_SIZE } from '../memory/address';
import { PageAllocator } from '../memory/page-allocator';
import { PhysMemory } from '../memory/phys-memory';

/** Guest RAM backed by host pages. */
export class GuestRam {
  /** Host physical address + 1 of each guest page's backing page (0 = not populated). */
  private readonly backing: Float64Array;
  /** Pages populated so far. */
  populated = 0;
  /** Called with the GPA of each page the host writes through `write` (the dirty log). */
  onHostWrite: ((gpa: number) => void) | null = null;

  constructor(readonly base: number, readonly size: number, private readonly host: PhysMemory,
    private readonly alloc: PageAllocator) {
    this.backing = new Float64Array(size / PAGE_SIZE);
  }

  /** True when [gpa, gpa + length) is RAM. */
  contains(gpa: number, length = 1): boolean {
    return gpa >= this.base && gpa + length <= this.base + this.size;
  }

  /** Host physical address of the page backing `gpa` (populating it), or -1 outside RAM. */
  backingPage(gpa: Gpa | number): number {
    if (!this.contains(gpa)) return -1;
    const i = Math.floor((gpa - this.base) / PAGE_SIZE);
    let h = this.backing[i];
    if (h === 0) {
      h = this.alloc.allocate() + 1;
      this.backing[i] = h;
      this.populated++;
    }
    return h - 1;
  }

  /** Which host page backs each populated guest page ([guest page index, host address] pairs), for a snapshot. */
  save(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.backing.length; i++) if (this.backing[i] !== 0) out.push([i, this.backing[i] - 1]);
    return out;
  }

  /** Puts back `save`'s backing (the pages' contents are restored with host memory). */
  restore(pairs: number[][]): void {
    this.backing.fill(0);
    for (const [i, hpa] of pairs) {
      if (!(i >= 0 && i < this.backing.length) || !this.host.contains(hpa, PAGE_SIZE)) throw new RangeError('guest page backing outside memory');
      this.backing[i] = hpa + 1;
    }
    this.populated = pairs.length;
  }

  /**
   * Gives the host page behind the guest page at `gpa` back to the allocator (a balloon took
   * the page): the next access populates a fresh zeroed one. The caller unmaps it first.
   */
  release(gpa: number): void {
    if (!this.contains(gpa)) return;
    const i = Math.floor((gpa - this.base) / PAGE_SIZE);
    const h = this.backing[i];
    if (h === 0) return;
    this.backing[i] = 0;
    this.populated--;
    this.alloc.release(h - 1);
  }

  /** Host memory committed to the guest's RAM: the pages populated and not released, in bytes. */
  get committedBytes(): number {
    return this.populated * PAGE_SIZE;
  }

  /** Whether the page holding `gpa` has a host page yet. */
  isPopulated(gpa: number): boolean {
    return this.contains(gpa) && this.backing[Math.floor((gpa - this.base) / PAGE_SIZE)] !== 0;
  }

  /** Copies guest memory out; null if any byte is outside RAM. */
  read(gpa: number, length: number): Uint8Array | null {
    if (!this.contains(gpa, length)) return null;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = gpa + done;
      const inPage = Math.min(length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const off = this.backingPage(a) + (a % PAGE_SIZE) - this.host.base;
      out.set(this.host.bytes.subarray(off, off + inPage), done);
      done += inPage;
    }
    return out;
  }

  /** Copies bytes into guest memory; false if any byte is outside RAM. */
  write(gpa: number, data: Uint8Array): boolean {
    if (!this.contains(gpa, data.length)) return false;
    let done = 0;
    while (done < data.length) {
      const a = gpa + done;
      const inPage = Math.min(data.length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const off = this.backingPage(a) + (a % PAGE_SIZE) - this.host.base;
      this.host.bytes.set(data.subarray(done, done + inPage), off);
      this.host.noteWrite(off, inPage);
      if (this.onHostWrite) this.onHostWrite(a);
      done += inPage;
    }
    return true;
  }
}
