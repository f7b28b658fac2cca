/**
 * Compiled blocks of one physical memory, shared by the harts running in it, and the
 * dispatcher the interpreter calls at a branch target.
 *
 * Hotness: a counter per block start (hashed host offset), counted only where the
 * interpreter lands after a branch or jump; a start is compiled, with the region of blocks
 * it reaches (region.ts, across pages), once it reached `threshold` if the region holds a loop,
 * or `straightThreshold` if not. Every block of a region becomes an entry into the region's
 * function. A Linux boot runs much code only a few times, so a low threshold spends more in
 * `new Function` than it saves. Code compiled before in this process (the same pcs and
 * instructions, see `compiledBefore`) costs nothing to compile, so it is taken at `threshold`.
 *
 * Self-modifying code: a page that holds compiled code is a *code page*
 * (`PhysMemory.codePages`). No hart's write TLB maps a code page, so every store to one takes
 * the interpreter's slow path, which reports it (`PhysMemory.noteWrite`) like host writes,
 * virtio DMA and the walker's A/D updates do; the page's blocks are then dropped and the page
 * stops being a code page until code on it is hot again. Translated code is therefore never
 * stale, and FENCE.I has nothing left to flush.
 *
 * Backends: a region compiles to JavaScript (compile.ts) or, when the memory is a
 * WebAssembly.Memory that also holds every attached hart's registers and TLBs, to
 * WebAssembly (wasm/): `JIT_DEFAULTS.backend`, from `--jit js|wasm` or HYPERSCOPE_JIT.
 */
import { PhysMemory } from '../../memory/phys-memory';
import { Tlb, TlbSet } from '../../mmu/tlb';
import { Block, BlockHart, compileRegion, compiledBefore, instructionCount } from './compile';
import { Region, findRegion, leastRegionLength } from './region';
import { ChainFn, chainOf, compileRegionsWasm, compiledBeforeWasm, knownRegionWasm, mayHaveModule, regionRunOf } from './wasm';
import { MAX_ENTRY, MAX_INDEX, MAX_LEN, Why, dispatcherOf } from './wasm/dispatch';
import { BLOCK_TABLE_BYTES, BLOCK_TABLE_SLOTS, blockTableAt } from '../../memory/hart-area';
import { CodeBit } from '../predecode';

/** Entries of the block table and of the hotness counters (direct mapped by host offset). */
const TABLE_BITS = 16;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
if (BLOCK_TABLE_SLOTS !== 1 << TABLE_BITS) throw new Error('block-cache: the block table in the hart areas has another size');
/** The slot of host offset `off` in {@link BlockCache.table} and {@link BlockCache.hot} is `(off >>> 1) & BLOCK_TABLE_MASK`. */
export const BLOCK_TABLE_MASK = TABLE_MASK;
/** Compiled blocks kept before the whole cache is dropped (bounds the memory of compiled code). */
const MAX_BLOCKS = 32768;
/** The early weight (BlockCache.earlyLooks) is the weight divided by 2 ** EARLY_SHIFT. */
const EARLY_SHIFT = 4;
/** The length of a stand-in for a start whose first instruction cannot be in a block: never entered. */
const NEVER = Number.MAX_SAFE_INTEGER;
const noBlock = (): number => 0;
/** An empty table slot (a real object: a table of one shape stays fast, holes would not). */
const EMPTY: Block = { off: -1, pcLo: 0, pcHi: 0, len: NEVER, fn: noBlock, entry: 0, vpages: [], index: -1 };

/** A region waiting for its batch (BlockCache.pending): where its start is and what it holds. */
interface Pending { slot: number; off: number; pcLo: number; pcHi: number; region: Region }

/** Which code regions compile to: JavaScript functions, or WebAssembly modules where the memory allows it. */
export type JitBackend = 'js' | 'wasm';

/** The backend named by HYPERSCOPE_JIT (`js` or `wasm`; vCPU threads inherit the variable), else JavaScript. */
function backendFromEnv(): JitBackend {
  const v = typeof process !== 'undefined' ? process.env.HYPERSCOPE_JIT : undefined;
  // WebAssembly by default: Liftoff makes a region native code at its first call, where a
  // JavaScript region starts in V8's bytecode interpreter (the cold CPU-bound run: 0.6 s
  // against 0.82 s); a hart outside a WebAssembly.Memory still gets JavaScript regions.
  return v === 'js' ? 'js' : 'wasm';
}

/**
 * Defaults for new harts and caches: translation on, the hotness threshold (entries of a
 * block start before it is compiled) and the backend. The differential tests set the
 * threshold to 1 so every block they can translate is translated.
 *
 * Region and straight thresholds at 20,000 (60,000 before): once a WebAssembly region call
 * took four parameters (wasm/abi.ts), the Linux boot to its prompt translated 52.5 M of its
 * 142.4 M instructions instead of 38.9 M in 2.17 instead of 2.22 CPU s in one process
 * (medians of 6 interleaved runs, load 2.5), and the CLI reached the prompt in 2.02 against
 * 2.05 s on 1 vCPU and 2.10 against 2.17 s on 2 (medians of 5 interleaved); the cold
 * CPU-bound run took 359 against 385 ms (hyperfine, 15 runs). Lower still costs more than it
 * saves: at 10,000, 3,000 and 500 the in-process boot took 2.27, 2.41 and 3.01 CPU s against
 * 2.25 at 60,000 (medians of 4): each region call still costs about what the interpreter
 * takes for the ~13 instructions a Linux region runs, and every new region costs a compile.
 *
 * The weight (WebAssembly regions compile once entries times instructions reach it) at
 * 65,536: the Linux boot to its prompt translated 86.5 M instructions instead of 52.5 M, in
 * 19.95 G host instructions instead of 22.76 G (cachegrind, `node --single-threaded`, every
 * thread counted); at 262,144, 131,072 and 32,768: 69.2 M, 77.6 M and 97.5 M translated in
 * 21.65, 20.79 and 19.76 G. Below 65,536 the host instructions hardly fall while the
 * compiled code, fresh to the CPU's caches, grows by a third.
 *
 * Since the interpreter's WebAssembly fast path (wasm/interpreter.ts), 2^20: code that runs
 * a few thousand times costs less interpreted there than translated. The Linux boot to its
 * prompt in one process (the same 142,374,792 instructions, two runs each): 1.16-1.17 s at
 * 2^20 (75.8 M translated), 1.22 at 2^18 (77.8 M), 1.23-1.24 at 65,536 (91.4 M).
 */
export const JIT_DEFAULTS: { enabled: boolean; threshold: number; regionThreshold: number; straightThreshold: number; weight: number; backend: JitBackend; batch: number } =
  { enabled: true, threshold: 64, regionThreshold: 20000, straightThreshold: 20000, weight: 1 << 20, backend: backendFromEnv(), batch: 16, ...thresholdsFromEnv() };

/** Thresholds from HYPERSCOPE_JIT_THRESHOLDS (`loop/region/straight[/batch[/weight]]`, e.g. `64/512/512/16/0`), for measuring. */
function thresholdsFromEnv(): { threshold?: number; regionThreshold?: number; straightThreshold?: number; batch?: number; weight?: number } {
  const v = typeof process !== 'undefined' ? process.env.HYPERSCOPE_JIT_THRESHOLDS : undefined;
  const m = v !== undefined ? /^(\d+)\/(\d+)\/(\d+)(?:\/(\d+)(?:\/(\d+))?)?$/.exec(v) : null;
  if (m === null) return {};
  const t = { threshold: +m[1], regionThreshold: +m[2], straightThreshold: +m[3] };
  const b = m[4] !== undefined ? { ...t, batch: Math.max(1, +m[4]) } : t;
  return m[5] !== undefined ? { ...b, weight: +m[5] } : b;
}

/**
 * Makes `backend` the default of the block caches made from now on, in this thread and in
 * the vCPU threads started after (they read HYPERSCOPE_JIT).
 */
export function useJitBackend(backend: JitBackend): void {
  JIT_DEFAULTS.backend = backend;
  process.env.HYPERSCOPE_JIT = backend;
}

/** A hart as the dispatcher sees it: the block state and its TLBs' write entries. */
export interface JitHart extends BlockHart {
  readonly x: Int32Array;
}

/** The compiled blocks of one physical memory. */
export class BlockCache {
  private static readonly caches = new WeakMap<PhysMemory, BlockCache>();
  /**
   * Blocks by hashed host offset (verified against the block's offset and pc). Read by the
   * interpreter, which calls `run` only where a block starts or a start turns hot.
   */
  readonly table: Block[] = new Array<Block>(1 << TABLE_BITS).fill(EMPTY);
  /**
   * Hotness counters by the same hash (the interpreter counts the visits it does not pass to
   * `run`): in the memory's interpreter area when it has one (memory/hart-area.ts), where the
   * interpreter's WebAssembly fast path counts too.
   */
  readonly hot: Uint16Array<ArrayBufferLike>;
  /** The interpreter area's marks of the dispatcher's occupied slots (InterpreterArea.slotMarks), or null. */
  private readonly slotMarks: Uint8Array | null;
  /** The blocks (entries) of the regions that run code on each code page (host page number). */
  private readonly slots = new Map<number, Set<Block>>();
  /** Drops write-TLB entries of a page, one per hart sharing the memory. */
  private readonly u16: Uint16Array;
  /** Entries of a block start before it is compiled. */
  threshold = JIT_DEFAULTS.threshold;
  /**
   * Entries before a block that does not loop is compiled. Each compiled function runs slowly
   * until V8 optimises it, which takes many calls: a loop gets there within one call, a
   * straight block only if it is very hot.
   */
  straightThreshold = JIT_DEFAULTS.straightThreshold;
  /**
   * Entries before a loop of several blocks is compiled as one region: its function is
   * larger, so V8 takes longer to optimise it (and again after each deoptimisation), and a
   * Linux boot runs many such loops a few thousand times: at 4096 the boot to its prompt
   * took more CPU time than at 60000 (median 6.3 s against 5.2 s on a busy machine).
   */
  regionThreshold = JIT_DEFAULTS.regionThreshold;
  /**
   * WebAssembly regions only (0: none): a region also compiles once its start's entries times
   * its instructions reach this, whatever the thresholds above, so long straight code and
   * long loops compile after fewer entries than short ones. A start is looked at first at
   * `threshold`, then (deferred) when its entries times a lower bound of its region's length
   * (region.ts leastRegionLength) reach it, or when they times its region's length do.
   */
  weight = JIT_DEFAULTS.weight;
  /**
   * The first looks of this cache that measure regions against a sixteenth of the weight
   * (EARLY_SHIFT). In a fresh process the interpreter runs unoptimised for its first tens of
   * milliseconds (V8 compiles Hart.run on its own thread, some 64 ms after the warm-up),
   * several times slower than later, so the code hot first (a guest's start-up loops) repays
   * its compile sooner. The cold CPU-bound run (`hyperscope run`, 12 runs each): 286 ms
   * against 304 ms with none; the Linux boot to its prompt unchanged (1.37 against 1.38 s,
   * medians of 4 interleaved runs).
   */
  earlyLooks = 100;
  /** Blocks compiled since the last full drop. */
  private live = 0;
  /**
   * The WebAssembly.Memory regions compile over, or null for JavaScript regions: the memory's
   * own when the backend is wasm and every attached hart has its registers and TLBs in it.
   */
  private wasm: WebAssembly.Memory | null;
  /**
   * Blocks and regions compiled, pages invalidated, full drops, instructions run translated,
   * regions found (looked at) and calls into the WebAssembly dispatcher, for `--stats` and tests.
   */
  readonly counters = { compiled: 0, regions: 0, invalidatedPages: 0, flushes: 0, insns: 0, looks: 0, dispatches: 0, batches: 0 };
  /**
   * Regions compiled together (WebAssembly): V8's fixed cost per module (compile and
   * instantiation, about 0.3 ms) is paid once for a batch of this many. A region found worth
   * compiling waits in `pending` until the batch is full or its start is looked at again
   * (hot again: `threshold` more entries), so a hot loop waits at most that long. 1: each
   * region compiles as it is found. The decision depends only on entry counts, so a run is
   * the same whatever the batch size; only what runs translated differs.
   */
  batch = JIT_DEFAULTS.batch;
  /** Regions found worth compiling, waiting for their batch. */
  private pending: Pending[] = [];
  /**
   * Going from WebAssembly region to region without JavaScript between them (wasm/dispatch.ts):
   * the memory's dispatcher, the byte offset of this cache's block table (in the area of the
   * first hart attached, so one per thread) and a view of it, or null for JavaScript regions.
   */
  private chain: { run: ChainFn; why: () => number; table: WebAssembly.Table; at: number; words: Int32Array } | null = null;
  /** The next free index in the dispatch table (indices are handed out again after a flush). */
  private nextIndex = 0;

  private constructor(private readonly mem: PhysMemory, backend: JitBackend) {
    this.u16 = new Uint16Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.bytes.byteLength >>> 1);
    mem.codeWriteListeners.push((page) => this.invalidatePage(page));
    this.wasm = backend === 'wasm' ? mem.wasm : null;
    const area = mem.interpreterArea;
    this.hot = area !== null && area.hot.length === 1 << TABLE_BITS ? area.hot : new Uint16Array(1 << TABLE_BITS);
    this.slotMarks = area !== null && area.slotMarks.length === 1 << (TABLE_BITS - 3) ? area.slotMarks : null;
  }

  /**
   * The byte offset of the WebAssembly dispatcher's block table (a mirror of `table` for
   * WebAssembly regions, wasm/dispatch.ts), or -1 when regions are not dispatched from
   * WebAssembly: what the interpreter's WebAssembly fast path checks a branch target against.
   */
  get blockTableAt(): number {
    return this.chain !== null ? this.chain.at : -1;
  }

  /** The backend regions compile to from now on. */
  get backend(): JitBackend {
    return this.wasm !== null ? 'wasm' : 'js';
  }

  /** The cache of a memory (created on first use). */
  static of(mem: PhysMemory): BlockCache {
    let c = BlockCache.caches.get(mem);
    if (c === undefined) BlockCache.caches.set(mem, (c = new BlockCache(mem, JIT_DEFAULTS.backend)));
    return c;
  }

  /**
   * Registers a hart whose register file is `x`. A memory with a WebAssembly.Memory gives
   * each of its harts an area there holding the registers and every TLB array together
   * (memory/hart-area.ts), so registers on that buffer mean the TLBs are too. One hart whose
   * registers are elsewhere turns the cache to JavaScript regions (and drops any WebAssembly
   * ones: all harts of a memory run the same regions).
   */
  attach(x: Int32Array | null = null): void {
    if (this.wasm !== null && (x === null || x.buffer !== this.wasm.buffer)) {
      this.wasm = null;
      this.chain = null;
      if (this.live > 0) this.flush();
    }
    // The block table is in the area of the hart's registers; registers placed otherwise (a
    // memory not laid out by PhysMemory) leave the regions to the JavaScript dispatcher.
    const at = x !== null ? blockTableAt(this.mem.size, x.byteOffset) : -1;
    if (this.wasm !== null && this.chain === null && x !== null && x.byteOffset >= this.mem.size &&
      at + BLOCK_TABLE_BYTES <= this.wasm.buffer.byteLength) {
      const c = chainOf(this.wasm);
      this.chain = { ...c, table: dispatcherOf(this.wasm).table, at, words: new Int32Array(this.wasm.buffer, at, BLOCK_TABLE_SLOTS * 4) };
      // Nothing compiled yet (a new VM): every slot is empty, one native fill instead of 65,536 calls.
      if (this.live === 0 && this.pending.length === 0) this.chain.words.fill(-1);
      else for (let slot = 0; slot < BLOCK_TABLE_SLOTS; slot++) this.mirror(slot, this.table[slot]);
    }
  }

  /**
   * Regions the WebAssembly dispatcher of this cache's memory called (all caches on that
   * WebAssembly.Memory object, modulo 2^32), or 0 without one.
   */
  get dispatchedRegions(): number {
    return this.chain !== null && this.wasm !== null ? dispatcherOf(this.wasm).calls() >>> 0 : 0;
  }

  /** Puts `b` in the block table's slot, and in the dispatcher's. */
  private setSlot(slot: number, b: Block): void {
    this.table[slot] = b;
    if (this.chain !== null) this.mirror(slot, b);
  }

  /** Writes `b` (or an empty entry when it has no dispatch index) to slot `slot` of the dispatcher's block table. */
  private mirror(slot: number, b: Block): void {
    const w = this.chain!.words, i = slot * 4;
    if (b.index < 0) { w[i] = -1; return; }
    if (this.slotMarks !== null) this.slotMarks[slot >>> 3] |= 1 << (slot & 7);
    w[i] = b.off;
    w[i + 1] = b.pcLo;
    w[i + 2] = b.pcHi;
    w[i + 3] = (b.index << 12) | (b.entry << 7) | b.len;
  }

  /**
   * Runs compiled regions from host offset `off` (virtual pc lo/hi), going from region to
   * region while the next block is compiled, fits in `left` instructions and is on a page
   * without breakpoints. Returns the instructions retired (0: nothing ran, interpret);
   * the pc to go on from is then in h.pcLo/h.pcHi.
   */
  run(h: JitHart, dv: DataView, off: number, pcLo: number, pcHi: number, left: number, set: TlbSet,
    breakpointPages: Set<number> | null): number {
    const x = h.x, r = set.read, w = set.write, f = set.fetch;
    let done = 0;
    for (;;) {
      const slot = (off >>> 1) & TABLE_MASK;
      let b = this.table[slot];
      if (b.off !== off || b.pcLo !== pcLo || b.pcHi !== pcHi) {
        const heat = ++this.hot[slot];
        if (heat < this.threshold || !this.lookAt(heat)) break;
        const found = this.look(slot, heat, off, pcLo, pcHi, f);
        if (found === null) break;
        b = found;
      }
      if (b.len > left - done) break;
      const chain = this.chain;
      if (breakpointPages === null && b.index >= 0 && chain !== null) {
        // From here to the next block not compiled, inside WebAssembly.
        this.counters.dispatches++;
        const k = chain.run(h, x, dv, r.tagLo, r.tagHi, r.off, w.tagLo, w.tagHi, w.off, f.tagLo, f.tagHi, f.off, left - done, off, pcLo, pcHi, chain.at);
        done += k;
        if (k === 0 || chain.why() !== Why.MISS) break;
        pcLo = h.pcLo; pcHi = h.pcHi;
        // A miss: the dispatcher found the fetch TLB mapping the pc, so this gives its block's host offset.
        const i = (pcLo >>> 12) & (f.tagLo.length - 1);
        off = f.off[i] + (pcLo & 0xfff);
        continue;
      }
      if (breakpointPages !== null && onPages(b.vpages, breakpointPages)) break;
      const k = b.fn(h, x, dv, r.tagLo, r.tagHi, r.off, w.tagLo, w.tagHi, w.off, f.tagLo, f.tagHi, f.off, left - done, b.entry);
      if (k === 0) break; // its first access missed the TLB: the interpreter takes it
      done += k;
      pcLo = h.pcLo; pcHi = h.pcHi;
      const i = (pcLo >>> 12) & (f.tagLo.length - 1);
      if (f.tagLo[i] !== (pcLo & -4096) || f.tagHi[i] !== pcHi) break;
      off = f.off[i] + (pcLo & 0xfff);
    }
    this.counters.insns += done;
    return done;
  }

  /**
   * A start not compiled yet, at a look (its entries are `heat`): compiles its region when
   * worth it (or the batch it waits in), and returns its block, or null to interpret it. Apart
   * from `run` because of its closures: a variable a closure captures lives in a context V8
   * allocates at every call of the function that declares it, and `run` is called at most
   * branch targets (about 60 MB of such contexts in a Linux boot to the prompt).
   */
  private look(slot: number, heat: number, off: number, pcLo: number, pcHi: number, f: Tlb): Block | null {
    if (this.pending.length > 0 && this.pending.some((p) => p.off === off && p.pcLo === pcLo && p.pcHi === pcHi)) {
      // A start waiting for its batch is hot again: the batch compiles now.
      this.hot[slot] = 0;
      this.compilePending();
      return this.entered(slot, off, pcLo, pcHi);
    }
    this.counters.looks++;
    // Every page is claimed before its instructions are read (vCPU threads: code-sharing.ts).
    this.mem.claimCode(off >>> 12);
    if (this.refusedAtFirstLook(slot, heat, off, pcLo, pcHi)) return null;
    const region = findRegion(this.u16, off, pcLo, pcHi, (p) => {
      const i = (p >>> 12) & (f.tagLo.length - 1);
      if (f.tagLo[i] !== p || f.tagHi[i] !== pcHi) return -1;
      this.mem.claimCode(f.off[i] >>> 12);
      return f.off[i];
    }, this.wasm === null);
    if (region.blocks.length > 0 && !this.worth(region, heat)) {
      // Looked at again once its entries times its instructions reach the weight (a loop
      // whose first block loops alone but whose region holds an outer loop too: the weight
      // is the only rule that compiles it before the region threshold).
      if (this.wasm !== null && this.weight > 0) this.deferTo(slot, heat, Math.ceil(this.weightNow() / instructionCount(region.blocks)));
      return null;
    }
    this.hot[slot] = 0;
    if (this.wasm !== null && this.batch > 1 && region.blocks.length > 0 && !compiledBeforeWasm(region.blocks, region.pages, this.wasm, region.loops)) {
      this.pend({ slot, off, pcLo, pcHi, region });
      if (this.pending.length < this.batch) return null;
      this.compilePending();
      return this.entered(slot, off, pcLo, pcHi);
    }
    return this.compile(slot, off, pcLo, pcHi, region);
  }

  /** The block in `slot` if it is the one at (off, pcLo, pcHi), else null. */
  private entered(slot: number, off: number, pcLo: number, pcHi: number): Block | null {
    const b = this.table[slot];
    return b.off === off && b.pcLo === pcLo && b.pcHi === pcHi ? b : null;
  }

  /**
   * Whether a start not compiled yet is looked at (its region found) after `heat` entries: at
   * the threshold (a loop of one block compiles), at the region threshold (a loop of several
   * blocks compiles) and from the straight threshold on (anything compiles). The interpreter
   * calls `run` at a cold start only then (see Hart.run). Compiling any region once entries
   * times its length passed 2^19, looked at every power of four, translated 48 M of the Linux
   * boot's 142 M instructions to the prompt instead of 39 M, but took 10% more CPU time on one
   * vCPU and 18% on two (medians of three interleaved runs): V8 optimises the larger
   * functions slowly, and again after each deoptimisation on a path that had not run yet.
   * Hart.run tests the same thresholds inline.
   */
  lookAt(heat: number): boolean {
    return heat === this.threshold || heat === this.regionThreshold || heat >= this.straightThreshold;
  }

  /**
   * Whether the look at `heat` entries refuses the start without finding its region, from a
   * few block scans (finding the regions of the Linux boot's starts that never compile took
   * most of the region finder's time). Below the region and straight thresholds a WebAssembly
   * region without a module at this start compiles only if its block loops alone or, with a
   * weight, once the start's entries times its region's instructions reach the weight:
   * leastRegionLength bounds those from below, so the start is refused until its entries
   * reach weight / length, and its counter set to reach the straight threshold (where anything
   * compiles) just then, so it is looked at only once more.
   */
  private refusedAtFirstLook(slot: number, heat: number, off: number, pcLo: number, pcHi: number): boolean {
    if (this.wasm === null || heat >= this.regionThreshold || heat >= this.straightThreshold || mayHaveModule(pcLo)) return false;
    const len = leastRegionLength(this.u16, off, pcLo, pcHi);
    if (len <= 0) return false; // loops alone, or an empty region: decided now
    if (this.weight === 0) return true;
    const need = Math.ceil(this.weightNow() / len);
    if (need <= heat) return false;
    this.deferTo(slot, heat, need);
    return true;
  }

  /**
   * Sets the counter of a start refused after `heat` entries so that its next look comes
   * after `need` entries in all: the counter then reaches the straight threshold, where
   * anything compiles. Left alone when that is further than the counter's own way there.
   */
  private deferTo(slot: number, heat: number, need: number): void {
    if (need > heat && need - heat < this.straightThreshold - this.threshold) this.hot[slot] = this.straightThreshold - (need - heat);
  }

  /** The weight regions are measured against now: lower for the cache's first looks (earlyLooks). */
  private weightNow(): number {
    return this.counters.looks < this.earlyLooks ? this.weight >> EARLY_SHIFT : this.weight;
  }

  /** Whether a region found after `heat` entries at its start is compiled now. */
  private worth(region: Region, heat: number): boolean {
    // Compiled before in this process, or by the run a region profile came from (batched then, as any new region).
    const known = this.wasm !== null ? knownRegionWasm(region.blocks, region.pages, this.wasm, region.loops) : compiledBefore(region.blocks, region.pages);
    if (heat >= this.straightThreshold || known) return true;
    if (this.weight > 0 && this.wasm !== null && instructionCount(region.blocks) * heat >= this.weightNow()) return true;
    return region.loops && (region.blocks.length === 1 || heat >= this.regionThreshold);
  }

  /** Compiles the region of the block at `off`; every block in it becomes an entry, registered with every page the region runs code on. */
  private compile(slot: number, off: number, pcLo: number, pcHi: number, region: Region): Block {
    if (this.live >= MAX_BLOCKS || this.nextIndex >= MAX_INDEX) this.flush();
    const blocks = region.blocks;
    let fn: Block['fn'] | null = null;
    try {
      if (blocks.length === 0) fn = null;
      else fn = this.wasm !== null ? compileRegionsWasm([region], this.wasm)[0] : compileRegion(blocks, region.pages);
    } catch {
      fn = null; // a generator bug must not stop the guest: the interpreter runs this code
    }
    return this.register(slot, off, pcLo, pcHi, region, fn);
  }

  /**
   * Queues a region for the next batch. Its pages become code pages now, so a write to one
   * before the batch compiles drops it from the queue (invalidatePage) instead of compiling
   * code that is no longer there.
   */
  private pend(p: Pending): void {
    this.pending.push(p);
    for (const host of p.region.pages.values()) this.mem.markCode(host >>> 12, CodeBit.BLOCKS);
  }

  /** Compiles the queued regions together (one WebAssembly module) and enters their blocks. */
  private compilePending(): void {
    const list = this.pending;
    this.pending = [];
    let size = 0;
    for (const p of list) size += p.region.blocks.length;
    if (this.live + size >= MAX_BLOCKS || this.nextIndex + list.length >= MAX_INDEX) {
      this.flush();
      for (const p of list) for (const host of p.region.pages.values()) this.mem.markCode(host >>> 12, CodeBit.BLOCKS);
    }
    let fns: (Block['fn'] | null)[];
    try {
      fns = compileRegionsWasm(list.map((p) => p.region), this.wasm!);
    } catch {
      fns = list.map(() => null); // as in compile: the interpreter runs this code
    }
    this.counters.batches++;
    list.forEach((p, j) => this.register(p.slot, p.off, p.pcLo, p.pcHi, p.region, fns[j]));
  }

  /** Enters a compiled region (or a stand-in when `fn` is null) in the block table. */
  private register(slot: number, off: number, pcLo: number, pcHi: number, region: Region, fn: Block['fn'] | null): Block {
    const blocks = region.blocks;
    if (fn === null) {
      // Remembered so the interpreter does not count its way to a compile here again.
      const never = { off, pcLo, pcHi, len: NEVER, fn: noBlock, entry: 0, vpages: [], index: -1 };
      this.setSlot(slot, never);
      return never;
    }
    this.counters.compiled += blocks.length;
    this.counters.regions++;
    this.live += blocks.length;
    const index = this.install(fn, blocks);
    const hostPages = [...region.pages.values()].map((p) => p >>> 12);
    const vpages = [...region.pages.keys()].map((p) => p >>> 12);
    const entries = blocks.map((insns, j): Block => {
      const lo = insns[0].pcLo;
      const boff = region.pages.get(lo & -4096)! + (lo & 0xfff);
      const b: Block = { off: boff, pcLo: lo, pcHi, len: insns.length, fn: fn!, entry: j, vpages, index };
      this.setSlot((boff >>> 1) & TABLE_MASK, b);
      return b;
    });
    for (const page of hostPages) {
      this.mem.markCode(page, CodeBit.BLOCKS);
      let s = this.slots.get(page);
      if (s === undefined) this.slots.set(page, (s = new Set()));
      for (const b of entries) s.add(b);
    }
    return entries[0];
  }

  /**
   * Puts a WebAssembly region's function in the dispatch table and returns its index, or -1
   * (JavaScript regions, no dispatcher, or blocks the table's entry word cannot describe).
   */
  private install(fn: Block['fn'], blocks: readonly unknown[][]): number {
    const run = this.chain !== null ? regionRunOf(fn) : undefined;
    if (run === undefined || blocks.length - 1 > MAX_ENTRY || blocks.some((b) => b.length > MAX_LEN)) return -1;
    const t = this.chain!.table, index = this.nextIndex++;
    if (index >= t.length) t.grow(Math.max(t.length, 256));
    t.set(index, run);
    return index;
  }

  /** Drops the regions that run code on a code page (something wrote to it) and makes it a data page again. */
  invalidatePage(page: number): void {
    this.mem.codePages[page] &= ~CodeBit.BLOCKS;
    if (this.pending.length > 0) {
      this.pending = this.pending.filter((p) => ![...p.region.pages.values()].some((host) => host >>> 12 === page));
    }
    const s = this.slots.get(page);
    if (s === undefined) return;
    for (const b of s) {
      const slot = (b.off >>> 1) & TABLE_MASK;
      if (this.table[slot] === b) this.setSlot(slot, EMPTY);
    }
    this.slots.delete(page);
    this.counters.invalidatedPages++;
  }

  /** Drops every block (the cache is full); pages stop being code pages. */
  flush(): void {
    this.table.fill(EMPTY);
    this.pending = [];
    if (this.chain !== null) for (let i = 0; i < this.chain.words.length; i += 4) this.chain.words[i] = -1;
    this.nextIndex = 0;
    this.slots.clear();
    const c = this.mem.codePages;
    for (let p = 0; p < c.length; p++) c[p] &= ~CodeBit.BLOCKS;
    this.live = 0;
    this.counters.flushes++;
  }
}

/** Whether any of a region's virtual pages has a breakpoint. */
function onPages(vpages: readonly number[], breakpointPages: Set<number>): boolean {
  for (const p of vpages) if (breakpointPages.has(p)) return true;
  return false;
}
