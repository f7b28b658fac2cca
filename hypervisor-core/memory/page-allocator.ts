/**
 * Host page allocator: hands out zeroed 4 KiB pages (and aligned blocks for page-table
 * roots) from a range of host physical memory, like the host kernel's page allocator
 * serving KVM. Freed pages go to a free list.
 */
import { PAGE_SIZE } from './address';
import { PhysMemory } from './phys-memory';

/** Thrown when host memory is exhausted. */
export class OutOfHostMemory extends Error {}

/** Allocator over [start, end) of a PhysMemory. */
export class PageAllocator {
  private next: number;
  private readonly free: number[] = [];

  constructor(private readonly mem: PhysMemory, start: number, private readonly end: number) {
    this.next = start;
  }

  /** Allocates `pages` contiguous zeroed pages aligned to `align` bytes; returns the HPA. */
  allocate(pages = 1, align = PAGE_SIZE): number {
    if (pages === 1 && align === PAGE_SIZE && this.free.length > 0) {
      const hpa = this.free.pop()!;
      this.mem.bytes.fill(0, hpa - this.mem.base, hpa - this.mem.base + PAGE_SIZE);
      this.mem.noteWrite(hpa - this.mem.base, PAGE_SIZE);
      return hpa;
    }
    const start = Math.ceil(this.next / align) * align;
    if (start + pages * PAGE_SIZE > this.end) throw new OutOfHostMemory('out of host memory for guest pages');
    this.next = start + pages * PAGE_SIZE;
    return start; // fresh memory is already zero
  }

  /** Returns a page to the allocator. */
  release(hpa: number): void {
    this.free.push(hpa);
  }

  /** The allocation point and the free list, for a snapshot. */
  save(): { next: number; free: number[] } {
    return { next: this.next, free: [...this.free] };
  }

  /** Puts back `save`'s state (the memory itself is restored apart). */
  restore(state: { next: number; free: number[] }): void {
    if (!(state.next >= this.mem.base && state.next <= this.end)) throw new RangeError('allocation point outside host memory');
    this.next = state.next;
    this.free.length = 0;
    for (const p of state.free) {
      if (!this.mem.contains(p, PAGE_SIZE)) throw new RangeError('free page outside host memory');
      this.free.push(p);
    }
  }

  /** Bytes handed out and not released. */
  get used(): number {
    return this.next - this.mem.base - this.free.length * PAGE_SIZE;
  }
}
