/**
 * Per-hart areas of a VM's WebAssembly.Memory. When RAM lives in a WebAssembly.Memory, a
 * bounded reserve after it holds one area per hart: the hart's integer registers and its TLB
 * arrays are typed arrays over its area, so code compiled to WebAssembly reaches registers,
 * TLB and RAM through one memory, with the same bytes the interpreter reads.
 *
 * Layout of the memory (byte offsets):
 *
 *   0                 RAM (PhysMemory.size bytes; host offset = HPA - base)
 *   areasAt(size)     area 0, area 1, ... each HART_AREA_BYTES, 64 KiB aligned
 *   after the areas   the interpreter areas, one for each thread running harts over the
 *                     memory ({@link InterpreterArea}), interpreterAreaBytes(size) each
 *
 * An area: the typed arrays from its start, then the block table in its last BLOCK_TABLE_BYTES.
 *
 * Inside an area the hart allocates in a fixed order (Hart's constructor): the TLB arrays of
 * its 16 contexts (3 TLBs of 3 Int32Array(4096) each, 2.25 MiB), then `x` with its exit
 * words ({@link HartArea.registers}); the rest stays free for what a code generator wants
 * next to them. Arrays follow each other {@link arrayStride} bytes apart, so the nine arrays
 * of one context are at fixed distances from its first: WebAssembly regions take only that
 * first address and reach the other eight through constant offsets.
 */

/** WebAssembly page size. */
export const WASM_PAGE = 65536;
/**
 * Slots of the block table at the end of an area (the compiled blocks' directory that
 * WebAssembly regions are dispatched through, hart/jit/wasm/dispatch.ts): as many as
 * BlockCache.table has.
 */
export const BLOCK_TABLE_SLOTS = 1 << 16;
/** Bytes of the block table: 16 a slot. */
export const BLOCK_TABLE_BYTES = BLOCK_TABLE_SLOTS * 16;
/** Bytes the allocator hands out from the start of an area (the block table follows them). */
const ARRAYS_BYTES = 37 * WASM_PAGE;
/**
 * Bytes of one area: the TLB arrays (16 contexts x 3 TLBs x 3 arrays x 4096 entries x 4 bytes
 * = 2,359,296) and 64 KiB more for the registers and whatever else a hart keeps there, then
 * the block table (1 MiB).
 */
export const HART_AREA_BYTES = ARRAYS_BYTES + BLOCK_TABLE_BYTES;

/**
 * The byte offset of the block table of the area holding byte `at` (any byte of an area),
 * in a memory of `ramSize` bytes of RAM. Each thread's block cache keeps its table in the
 * area of the first hart it runs, so no two threads share one.
 */
export function blockTableAt(ramSize: number, at: number): number {
  const first = areasAt(ramSize);
  return first + Math.floor((at - first) / HART_AREA_BYTES) * HART_AREA_BYTES + ARRAYS_BYTES;
}
/** The largest WebAssembly.Memory (wasm32: 65536 pages, 4 GiB). */
export const WASM_MAX_BYTES = 65536 * WASM_PAGE;

/**
 * Bytes left free after each array. The TLB arrays are 16 KiB each and areas 64 KiB aligned:
 * back to back, the tagLo, tagHi and off entries of one page, and `x`, would all sit at the
 * same offset in a 4 KiB page, which is the same L1 cache set, shared with the first bytes of
 * every RAM page; a cache line between arrays spreads them over the sets.
 */
const STAGGER = 64;

/** Bytes from an array of `length` int32s allocated by {@link HartArea.int32} to the next one. */
export function arrayStride(length: number): number {
  return ((length * 4 + 7) & ~7) + STAGGER;
}

/**
 * Bytes after the 32 registers (byte 256 of `x`) that {@link HartArea.registers} keeps for
 * translated code's exits: the next pc (i64 at 256), the LR/SC reservation (i32 at 264) and
 * the dispatcher's reason for returning (i32 at 268), see hart/jit/wasm/region-module.ts.
 */
export const EXIT_WORDS = 4;

/** Where the first area starts after `ramSize` bytes of RAM: the next 64 KiB boundary. */
export function areasAt(ramSize: number): number {
  return Math.ceil(ramSize / WASM_PAGE) * WASM_PAGE;
}

/**
 * The WebAssembly pages a memory of `ramSize` bytes of RAM, `areas` hart areas and
 * `interpreterAreas` interpreter areas needs, or 0 when it would pass 4 GiB (RAM then stays in
 * an ArrayBuffer).
 */
export function wasmPagesFor(ramSize: number, areas: number, interpreterAreas = 0): number {
  const bytes = areasAt(ramSize) + areas * HART_AREA_BYTES + interpreterAreas * interpreterAreaBytes(ramSize);
  return bytes > WASM_MAX_BYTES ? 0 : bytes / WASM_PAGE;
}

/**
 * One hart's area: a bump allocator of typed arrays over [offset, offset + HART_AREA_BYTES)
 * of the memory's buffer. Arrays come out zeroed (an area is reused by the next hart with the
 * same index) and 8-byte aligned, so a WebAssembly i64 access to a register pair is aligned.
 */
export class HartArea {
  private used = 0;

  /**
   * @param buffer the memory's buffer (WebAssembly.Memory.buffer)
   * @param index the area's index in the reserve
   * @param offset its first byte in `buffer`
   * @param zeroed the area's bytes are all zero (a memory just made, the area never used):
   *   arrays are then handed out without clearing. Writing 2.25 MiB of zeros made the host
   *   fault in every page of a hart's 48 TLBs at start, most of which a guest never uses.
   */
  constructor(readonly buffer: ArrayBufferLike, readonly index: number, readonly offset: number, readonly zeroed = false) {}

  /** A zeroed Int32Array of `length` entries from the area; throws when the area is full. */
  int32(length: number): Int32Array {
    const bytes = length * 4;
    if (!(length >= 0) || this.used + bytes > ARRAYS_BYTES) {
      throw new RangeError(`hart area ${this.index}: ${bytes} more bytes do not fit (${this.used} of ${ARRAYS_BYTES} used)`);
    }
    const a = new Int32Array(this.buffer, this.offset + this.used, length);
    if (!this.zeroed) a.fill(0);
    this.used += arrayStride(length);
    return a;
  }

  /**
   * The integer registers (64 int32s, x0 first) with {@link EXIT_WORDS} more words after
   * them that the view does not show: translated code leaves its next pc and reservation
   * there, next to the registers it writes, instead of in imported globals.
   */
  registers(): Int32Array {
    const a = this.int32(64 + EXIT_WORDS);
    return a.subarray(0, 64);
  }

  /** Bytes allocated so far. */
  get bytesUsed(): number {
    return this.used;
  }
}

/**
 * Slots of the predecode cache (hart/predecode.ts): pages with predecoded instructions at a
 * time (16 MiB of cache at most): the Linux sample runs code on 548 pages to its prompt.
 */
export const PREDECODE_SLOTS = 1024;
/** Words per predecode slot: two per halfword of a page. */
export const PREDECODE_SLOT_WORDS = 4096;
/** Hotness counters of the block cache (hart/jit/block-cache.ts), one per block table slot. */
const HOT_BYTES = BLOCK_TABLE_SLOTS * 2;
/** Bytes of the block table's slot marks: one bit a slot. */
const MARK_BYTES = BLOCK_TABLE_SLOTS / 8;
/** Words of the fast path's dispatch counts (InterpreterArea.dispatched), after the marks. */
const DISPATCHED_WORDS = 2;
/** Virtual pages a breakpoint marks, by the pc's low word's page number: one byte each. */
const BREAKPOINT_PAGES = 1 << 20;

/**
 * Where the parts of the interpreter area of a memory of `ramSize` bytes of RAM start (byte
 * offsets from the area's first byte), each 64 KiB aligned, and the area's size: the
 * predecode cells, the slot base of each host page, the hotness counters, the slot marks with
 * the dispatch counts after them, the breakpoint pages.
 */
function interpreterAreaLayout(ramSize: number): { baseOf: number; hot: number; marks: number; dispatched: number; breakpointPages: number; bytes: number } {
  const pages = (bytes: number): number => Math.ceil(bytes / WASM_PAGE) * WASM_PAGE;
  const baseOf = pages(PREDECODE_SLOTS * PREDECODE_SLOT_WORDS * 4);
  const hot = baseOf + pages((ramSize / 4096) * 4);
  const marks = hot + pages(HOT_BYTES);
  const dispatched = marks + MARK_BYTES;
  const breakpointPages = marks + pages(MARK_BYTES + DISPATCHED_WORDS * 4);
  return { baseOf, hot, marks, dispatched, breakpointPages, bytes: breakpointPages + pages(BREAKPOINT_PAGES) };
}

/** Bytes of the interpreter area of a memory of `ramSize` bytes of RAM. */
export function interpreterAreaBytes(ramSize: number): number {
  return interpreterAreaLayout(ramSize).bytes;
}

/**
 * An interpreter area: what the interpreter's WebAssembly fast path (hart/jit/wasm/
 * interpreter.ts) reads besides registers, TLBs and RAM, as typed arrays over the memory,
 * so the JavaScript interpreter and the block cache fill the same bytes it reads. One per
 * thread running harts: the predecode cache and the hotness counters are per thread, so a
 * memory shared by vCPU threads has one for each of them.
 */
export class InterpreterArea {
  /** The predecoded instructions: PREDECODE_SLOTS slots of PREDECODE_SLOT_WORDS words. */
  readonly cells: Int32Array;
  /** The base index in `cells` of each host page's slot, or -1 (filled with -1 here). */
  readonly baseOf: Int32Array;
  /** The block cache's hotness counters, by block table slot. */
  readonly hot: Uint16Array;
  /**
   * A bit for each slot of the dispatcher's block table (bit `slot & 7` of byte `slot >>> 3`),
   * set when the block cache puts a block there and left set when it goes: the fast path reads
   * the table's entry (16 bytes of a 1 MiB table, rarely in a cache) only where it is set, at
   * nearly every branch target otherwise (8 KiB stay in the L1 cache).
   */
  readonly slotMarks: Uint8Array;
  /**
   * What the fast path ran through the dispatcher since `Hart.run` last moved it to the block
   * cache's counters: [0] the instructions, [1] the dispatcher's calls.
   */
  readonly dispatched: Int32Array;
  /**
   * Nonzero for each virtual page (pc low word >>> 12) holding a breakpoint of the hart
   * running: `Hart.run` marks them for its run, and the fast path leaves such a page to the
   * JavaScript interpreter, which checks each instruction there.
   */
  readonly breakpointPages: Uint8Array;

  /** @param buffer the memory's buffer; @param at the area's first byte; @param ramSize RAM's bytes */
  constructor(buffer: ArrayBufferLike, at: number, ramSize: number) {
    const l = interpreterAreaLayout(ramSize);
    this.cells = new Int32Array(buffer, at, PREDECODE_SLOTS * PREDECODE_SLOT_WORDS);
    this.baseOf = new Int32Array(buffer, at + l.baseOf, ramSize / 4096).fill(-1);
    this.hot = new Uint16Array(buffer, at + l.hot, BLOCK_TABLE_SLOTS);
    this.slotMarks = new Uint8Array(buffer, at + l.marks, MARK_BYTES);
    this.dispatched = new Int32Array(buffer, at + l.dispatched, DISPATCHED_WORDS);
    this.breakpointPages = new Uint8Array(buffer, at + l.breakpointPages, BREAKPOINT_PAGES);
  }
}
