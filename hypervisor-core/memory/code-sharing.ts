/**
 * Self-modifying code across vCPU threads: which pages another thread wrote since this
 * thread last synchronised its cached code (FENCE.I, a remote fence_i), so that only those
 * pages' predecoded and translated instructions go, instead of all of them.
 *
 * On one thread a page with cached code is a *code page* (`PhysMemory.codePages`): no write
 * TLB maps it, every store to it is reported and drops its code at once. Threads share RAM
 * but not their caches, TLBs or code-page marks, so each thread also publishes the pages it
 * caches code of, in words all threads share:
 *
 * - `owners[page]`: one bit per thread that caches (or is about to cache) code of the page.
 *   A thread sets its bit before it reads the page's instructions (`claim`) and clears it
 *   once it holds no code there (`release`).
 * - A claim asks every other thread to drop its write-TLB entries for the page (a bit in the
 *   thread's *drop* map and its request counter). That thread does so between slices
 *   (`processDrops`), marks the page {@link REMOTE_CODE} in its own code-page marks (its write
 *   TLB no longer maps it, so its stores take the slow path) and publishes that it has
 *   (its done counter). If it held a write entry for the page, a store through it may have
 *   followed the claimer's read unseen: it marks the page *dirty* for the claimer.
 * - A store, host write or DMA to a page other threads own (`noteWrite`) marks the page dirty
 *   for each of them.
 *
 * At a fence (`sync`), a thread drops its code of every page marked dirty for it, and of
 * every page it claimed whose drop requests some thread has not done yet (a store through an
 * old write entry may still be unseen there). Everything else it keeps: any other thread's
 * store to a page it caches went through the slow path after the claim and was marked, or
 * through an old entry and was marked when the entry was dropped. RISC-V asks no more: a
 * store by another hart need be fetched only after that hart's FENCE (or a release) and this
 * hart's FENCE.I, and both threads take the marks in their order (Atomics are sequentially
 * consistent).
 *
 * Measured on the Linux sample on 2 vCPUs on 2 threads (about 400 remote fence_i to the
 * prompt): see vcpu-worker.ts.
 */

/** A bit of `PhysMemory.codePages` a thread sets on a page whose code another thread caches: its write TLB must not map it. */
export const REMOTE_CODE = 4;

/** The shared buffers of a VM's code sharing (one set per run of its vCPU threads). */
export interface CodeSharingBuffers {
  /** Host pages of RAM. */
  pages: number;
  /** Threads (bits of `owners`). */
  threads: number;
  /** Int32 per page: the owner bits. */
  owners: SharedArrayBuffer;
  /** Per thread, one bit per page: pages written since its last sync. */
  dirty: SharedArrayBuffer;
  /** Per thread, one bit per page: pages whose write entries it is asked to drop. */
  drops: SharedArrayBuffer;
  /** Per thread: [dirty marks made, drop requests made, drop requests done]. */
  counts: SharedArrayBuffer;
}

const COUNT_WORDS = 3;
/** Claims kept before those already done are dropped from the list. */
const MAX_CLAIMS = 4096;
const enum Count { DIRTY, DROP_REQ, DROP_DONE }

/** New zeroed buffers for `threads` threads over `pages` host pages. */
export function newCodeSharingBuffers(pages: number, threads: number): CodeSharingBuffers {
  const words = Math.ceil(pages / 32);
  return {
    pages, threads,
    owners: new SharedArrayBuffer(pages * 4),
    dirty: new SharedArrayBuffer(threads * words * 4),
    drops: new SharedArrayBuffer(threads * words * 4),
    counts: new SharedArrayBuffer(threads * COUNT_WORDS * 4),
  };
}

/** A claim whose drop requests were not all done at the last sync: the request counter each thread had to reach. */
interface Claim { page: number; gens: Int32Array }

/** One thread's side of a VM's code sharing (the VM's own thread: `thread` -1, a writer that caches no code). */
export class CodeSharing {
  private readonly owners: Int32Array;
  private readonly dirty: Int32Array;
  private readonly drops: Int32Array;
  private readonly counts: Int32Array;
  private readonly words: number;
  private readonly threads: number;
  private readonly bit: number;
  /** Claims whose drop requests may not be done yet. */
  private claims: Claim[] = [];
  private dirtySeen = 0;
  private dropsSeen = 0;
  /** What the syncs did (tests, statistics): pages dropped as written, as claimed too recently, and drop requests done here. */
  readonly counters = { written: 0, unconfirmed: 0, dropsDone: 0, syncs: 0 };

  constructor(b: CodeSharingBuffers, readonly thread: number) {
    this.owners = new Int32Array(b.owners);
    this.dirty = new Int32Array(b.dirty);
    this.drops = new Int32Array(b.drops);
    this.counts = new Int32Array(b.counts);
    this.words = Math.ceil(b.pages / 32);
    this.threads = b.threads;
    this.bit = thread >= 0 ? 1 << thread : 0;
  }

  /**
   * Before this thread reads instructions of host page `page` to cache them: publishes that it
   * owns code there and asks every other thread to drop its write entries for the page.
   */
  claim(page: number): void {
    if ((Atomics.load(this.owners, page) & this.bit) !== 0 || this.bit === 0) return;
    Atomics.or(this.owners, page, this.bit);
    const gens = new Int32Array(this.threads);
    const word = page >>> 5, mask = 1 << (page & 31);
    for (let t = 0; t < this.threads; t++) {
      if (t === this.thread) continue;
      Atomics.or(this.drops, t * this.words + word, mask);
      gens[t] = Atomics.add(this.counts, t * COUNT_WORDS + Count.DROP_REQ, 1) + 1;
    }
    // A thread that never fences keeps only the claims not done yet.
    if (this.claims.length >= MAX_CLAIMS) this.claims = this.claims.filter((c) => !this.confirmed(c));
    this.claims.push({ page, gens });
  }

  /** Whether every thread did the drops claim `c` asked of it. */
  private confirmed(c: Claim): boolean {
    for (let t = 0; t < this.threads; t++) {
      if (t !== this.thread && Atomics.load(this.counts, t * COUNT_WORDS + Count.DROP_DONE) - c.gens[t] < 0) return false;
    }
    return true;
  }

  /** This thread caches no code of `page` any more: other threads' writes there concern it no longer. */
  release(page: number): void {
    if (this.bit !== 0 && (Atomics.load(this.owners, page) & this.bit) !== 0) Atomics.and(this.owners, page, ~this.bit);
  }

  /** Whether a thread other than this one owns code of `page`. */
  ownedElsewhere(page: number): boolean {
    return (Atomics.load(this.owners, page) & ~this.bit) !== 0;
  }

  /** Something on this thread wrote host page `page`: it is dirty for every other thread owning code there. */
  written(page: number): void {
    const others = Atomics.load(this.owners, page) & ~this.bit;
    if (others !== 0) this.markDirty(others, page);
  }

  private markDirty(threads: number, page: number): void {
    const word = page >>> 5, mask = 1 << (page & 31);
    for (let t = 0; t < this.threads; t++) {
      if ((threads & (1 << t)) === 0) continue;
      // The bit first, then the count the owner compares with its last look.
      if ((Atomics.or(this.dirty, t * this.words + word, mask) & mask) === 0) Atomics.add(this.counts, t * COUNT_WORDS + Count.DIRTY, 1);
    }
  }

  /**
   * Does the drops other threads asked of this one: `dropWrites(pageOffset)` removes every
   * write-TLB entry of this thread's harts for the page and says whether there was one; the
   * page gets `remote(page)` (no write entry maps it from now on). Cheap when nothing was asked.
   */
  processDrops(dropWrites: (pageOffset: number) => boolean, remote: (page: number) => void): void {
    if (this.bit === 0) return;
    const at = this.thread * COUNT_WORDS;
    const req = Atomics.load(this.counts, at + Count.DROP_REQ);
    if (req === this.dropsSeen) return;
    this.takeEach(this.drops, (page) => {
      remote(page);
      // A store through the dropped entry may have followed the claimer's read unseen.
      if (dropWrites(page * 4096)) this.written(page);
      this.counters.dropsDone++;
    });
    this.dropsSeen = req;
    Atomics.store(this.counts, at + Count.DROP_DONE, req);
  }

  /**
   * This thread's fence: calls `invalidate(page)` for every page another thread may have
   * written since the last sync (marked dirty, or claimed with drops not yet done).
   */
  sync(invalidate: (page: number) => void): void {
    if (this.bit === 0) return;
    this.counters.syncs++;
    // Claims first: a drop done after this look marks its page dirty before the dirty look below.
    if (this.claims.length > 0) {
      const claims = this.claims;
      this.claims = [];
      for (const c of claims) {
        if (this.confirmed(c)) continue;
        // Its code goes; the page is claimed afresh (with new requests) when it is read again.
        this.counters.unconfirmed++;
        invalidate(c.page);
        this.release(c.page);
      }
    }
    const at = this.thread * COUNT_WORDS + Count.DIRTY;
    const marks = Atomics.load(this.counts, at);
    if (marks === this.dirtySeen) return;
    this.dirtySeen = marks;
    this.takeEach(this.dirty, (page) => {
      this.counters.written++;
      invalidate(page);
    });
  }

  /** Clears this thread's bitmap in `map` (drops or dirty), calling `f` for each page whose bit was set. */
  private takeEach(map: Int32Array, f: (page: number) => void): void {
    const base = this.thread * this.words;
    for (let w = 0; w < this.words; w++) {
      if (Atomics.load(map, base + w) === 0) continue;
      let bits = Atomics.exchange(map, base + w, 0);
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits);
        bits &= ~(1 << b);
        f(w * 32 + b);
      }
    }
  }
}
