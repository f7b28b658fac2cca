/**
 * The WebAssembly backend of the block compiler: a region becomes a module (region-module.ts)
 * that V8 compiles to machine code at once with Liftoff, its baseline wasm compiler, so a
 * region runs at native speed from its first call, where a JavaScript region starts in V8's
 * bytecode interpreter until TurboFan has optimised it. It needs the hart's registers, its
 * TLB arrays and RAM in one WebAssembly.Memory (the module addresses all of them there).
 *
 * Modules are cached by the same key as compile.ts's functions (a region is compiled once
 * per process) and instantiated once per memory.
 */
import { BlockFn, BlockHart, Insn, instructionCount, regionKey } from '../compile';
import { RegionCode, regionsModule } from './region-module';
import { dispatcherOf, isShared } from './dispatch';
import { T, X_PC, tlbArray } from './abi';

export { regionModule } from './region-module';

/** Compiled modules by region key (and memory kind), with the export of the region's `run`; shared by every memory of the process. */
const modules = new Map<string, { module: WebAssembly.Module; name: string }>();
/** The entry pcs (low words) of the regions in `modules`: a start not among them has no module. */
const entries = new Set<number>();
/**
 * By memory: the region functions by key, the instances by module (a module of several
 * regions is instantiated once), and the instructions they hold.
 */
const instances = new WeakMap<WebAssembly.Memory, { fns: Map<string, BlockFn>; of: Map<WebAssembly.Module, WebAssembly.Instance>; insns: number }>();
/** Instructions in `modules`; past MAX_INSNS the caches start again (bounds the compiled code kept, as compile.ts's `known`). */
let insns = 0;
const MAX_INSNS = 1 << 16;
/** The most instructions one call runs: `left` goes to wasm as an i32. Larger budgets run in several calls, exits exact as at any block start. */
const MAX_LEFT = 0x40000000;

/** The key of a region's module: its code key, the memory kind and whether it loops (memos or none). */
function keyOf(blocks: Insn[][], pages: ReadonlyMap<number, number>, shared: boolean, loops = true): string {
  return (shared ? 's' : 'p') + (loops ? 'L' : 'S') + regionKey(blocks, pages);
}

/** Whether a region with exactly this code has a module already (then compiling it costs only an instantiation). */
export function compiledBeforeWasm(blocks: Insn[][], pages: ReadonlyMap<number, number>, memory: WebAssembly.Memory, loops = true): boolean {
  return blocks.length > 0 && modules.has(keyOf(blocks, pages, isShared(memory), loops));
}

/**
 * False when no region starting at pc low word `pcLo` has a module or a hint (so
 * compiledBeforeWasm and knownRegionWasm are false for any region found there); true when one may.
 */
export function mayHaveModule(pcLo: number): boolean {
  return entries.has(pcLo) || hintedEntries.has(pcLo);
}

/** A region as a profile names it: its module key (exact code at exact addresses) and its entry pc's low word. */
export type RegionHint = readonly [key: string, pcLo: number];
/** Regions an earlier run compiled (a region profile, host/region-profile.ts): keys and entry pcs. */
const hinted = new Set<string>();
const hintedEntries = new Set<number>();
/** The regions this process compiled since recordRegions, or null when not recording. */
let recorded: RegionHint[] | null = null;
/** The most regions recorded (a profile holds no more). */
export const MAX_RECORDED = 16384;

/**
 * Takes the regions of a profile as hints: a region found with exactly such code compiles
 * at its first look (block-cache.ts), as a region compiled before in this process does.
 */
export function hintRegions(list: readonly RegionHint[]): void {
  for (const [key, pcLo] of list) {
    hinted.add(key);
    hintedEntries.add(pcLo);
  }
}

/** The key a region profile names a region by (its module key over `memory`). */
export function regionKeyWasm(blocks: Insn[][], pages: ReadonlyMap<number, number>, memory: WebAssembly.Memory, loops = true): string {
  return keyOf(blocks, pages, isShared(memory), loops);
}

/**
 * Whether a region with exactly this code has a module (as compiledBeforeWasm) or was compiled
 * by the run a profile came from (a hint): either makes it worth compiling at once. One key
 * for both: a key spells out every instruction of the region.
 */
export function knownRegionWasm(blocks: Insn[][], pages: ReadonlyMap<number, number>, memory: WebAssembly.Memory, loops = true): boolean {
  if (blocks.length === 0) return false;
  const key = keyOf(blocks, pages, isShared(memory), loops);
  return modules.has(key) || hinted.has(key);
}

/** Starts recording the regions compiled from now on (recordedRegions), for a profile. */
export function recordRegions(): void {
  recorded ??= [];
}

/** The regions compiled since recordRegions, in order, at most MAX_RECORDED. */
export function recordedRegions(): readonly RegionHint[] {
  return recorded ?? [];
}

/**
 * Compiles a region (blocks and pages from findRegion, the entry first) to WebAssembly over
 * `memory`, with the semantics of compile.ts's compileRegion. The function it returns must
 * be called with `x`, `dv` (RAM) and the TLB arrays all views on `memory.buffer`.
 */
export function compileRegionWasm(blocks: Insn[][], pages: ReadonlyMap<number, number>, memory: WebAssembly.Memory): BlockFn {
  return compileRegionsWasm([{ blocks, pages }], memory)[0];
}

/**
 * Compiles several regions as compileRegionWasm does, those not compiled before in one
 * module (one fixed compile and instantiation cost for all of them).
 */
export function compileRegionsWasm(regions: readonly RegionCode[], memory: WebAssembly.Memory): BlockFn[] {
  const shared = isShared(memory);
  let mine = instances.get(memory);
  if (mine === undefined) instances.set(memory, (mine = { fns: new Map(), of: new Map(), insns: 0 }));
  const keys = regions.map((r) => keyOf(r.blocks, r.pages, shared, r.loops !== false));
  const sizes = regions.map((r) => instructionCount(r.blocks));
  // Room for all of them first, so no module this call needs is dropped on the way.
  const total = sizes.reduce((a, n) => a + n, 0);
  if (insns + total > MAX_INSNS) { modules.clear(); entries.clear(); insns = 0; }
  // The regions without a module yet (each once), compiled together.
  const fresh: number[] = [];
  keys.forEach((key, j) => { if (!modules.has(key) && !fresh.some((i) => keys[i] === key)) fresh.push(j); });
  if (fresh.length > 0) {
    const size = fresh.reduce((a, j) => a + sizes[j], 0);
    const module = new WebAssembly.Module(regionsModule(fresh.map((j) => regions[j]), shared));
    fresh.forEach((j, i) => {
      const pcLo = regions[j].blocks[0][0].pcLo;
      modules.set(keys[j], { module, name: `r${i}` });
      entries.add(pcLo);
      if (recorded !== null && recorded.length < MAX_RECORDED) recorded.push([keys[j], pcLo]);
    });
    insns += size;
  }
  if (mine.insns + total > MAX_INSNS) { mine.fns.clear(); mine.of.clear(); mine.insns = 0; }
  return regions.map((_, j) => {
    const seen = mine!.fns.get(keys[j]);
    if (seen !== undefined) return seen;
    const { module, name } = modules.get(keys[j])!;
    let instance = mine!.of.get(module);
    if (instance === undefined) mine!.of.set(module, (instance = new WebAssembly.Instance(module, { m: { mem: memory } })));
    const run = instance.exports[name] as RegionRun;
    const fn = wrap(run);
    runs.set(fn, run);
    mine!.fns.set(keys[j], fn);
    mine!.insns += sizes[j];
    return fn;
  });
}

/**
 * The byte offsets of the arrays last passed to a region, by identity: reading `byteOffset`
 * of a view on a WebAssembly.Memory's buffer costs about 50 ns in V8, more than a short
 * region runs, while the arrays change only with the hart or its translation context. The
 * nine arrays of a context are fields of one TlbSet (mmu/tlb.ts), so its read `tagLo` stands
 * for them; `exit` views the exit words after the registers (abi.ts).
 */
let lastX: Int32Array | null = null, lastR: Int32Array | null = null, lastDv: DataView | null = null;
let oX = 0, oTlb = 0;
let exit: Int32Array = new Int32Array(0);

/** Throws unless `a` starts `t`'s offset (abi.ts) after the context's first array. */
function checkArray(a: Int32Array, t: T): void {
  if (a.byteOffset !== oTlb + tlbArray(t)) throw new Error('wasm regions: TLB arrays not laid out as a hart area lays them out');
}

/**
 * Brings the byte offsets above up to date for the arrays of this call (each read only when
 * its array changed), checking the layout abi.ts takes: RAM from byte 0, the TLB arrays at
 * their fixed distances.
 */
function noteOffsets(x: Int32Array, dv: DataView, rTag: Int32Array, rTagHi: Int32Array, rOff: Int32Array,
  wTag: Int32Array, wTagHi: Int32Array, wOff: Int32Array, fTag: Int32Array, fTagHi: Int32Array, fOff: Int32Array): void {
  if (x !== lastX) {
    oX = x.byteOffset;
    exit = new Int32Array(x.buffer, oX + X_PC, 4);
    lastX = x;
  }
  if (dv !== lastDv) {
    if (dv.byteOffset !== 0) throw new Error('wasm regions: RAM does not start at byte 0 of the memory');
    lastDv = dv;
  }
  if (rTag !== lastR) {
    oTlb = rTag.byteOffset;
    checkArray(rTagHi, T.R_TAG_HI); checkArray(rOff, T.R_OFF);
    checkArray(wTag, T.W_TAG); checkArray(wTagHi, T.W_TAG_HI); checkArray(wOff, T.W_OFF);
    checkArray(fTag, T.F_TAG); checkArray(fTagHi, T.F_TAG_HI); checkArray(fOff, T.F_OFF);
    lastR = rTag;
  }
}

/** A region module's `run` export. */
type RegionRun = (x: number, tlb: number, left: number, entry: number) => number;

/** The `run` export behind each BlockFn this backend made (what the dispatcher's table holds). */
const runs = new WeakMap<BlockFn, RegionRun>();

/** The WebAssembly function behind a BlockFn compileRegionWasm returned, or undefined for any other. */
export function regionRunOf(fn: BlockFn): RegionRun | undefined {
  return runs.get(fn);
}

/** The BlockFn over a region's `run`: byte offsets in, pc and reservation (the exit words) back into the hart. */
function wrap(run: RegionRun): BlockFn {
  return (h: BlockHart, x: Int32Array, dv: DataView, rTag: Int32Array, rTagHi: Int32Array, rOff: Int32Array,
    wTag: Int32Array, wTagHi: Int32Array, wOff: Int32Array, fTag: Int32Array, fTagHi: Int32Array, fOff: Int32Array,
    left: number, entry: number): number => {
    noteOffsets(x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff);
    const e = exit;
    e[2] = h.reservation;
    const n = run(oX, oTlb, left < MAX_LEFT ? left : MAX_LEFT, entry);
    h.pcLo = e[0];
    h.pcHi = e[1];
    h.reservation = e[2];
    return n;
  };
}

/**
 * Runs compiled regions from host offset `off` (virtual pc lo/hi) through `memory`'s
 * dispatcher (dispatch.ts) with the block table at byte `table`: the BlockFn arguments, then
 * the start and the table. Returns the instructions retired, with the next pc and the
 * reservation in the hart; `why` says whether it stopped at a block not in the table.
 */
export type ChainFn = (h: BlockHart, x: Int32Array, dv: DataView, rTag: Int32Array, rTagHi: Int32Array, rOff: Int32Array,
  wTag: Int32Array, wTagHi: Int32Array, wOff: Int32Array, fTag: Int32Array, fTagHi: Int32Array, fOff: Int32Array,
  left: number, off: number, pcLo: number, pcHi: number, table: number) => number;

/** The ChainFn of `memory` and its `why` (Why.MISS or Why.STOP, of the last call). */
export function chainOf(memory: WebAssembly.Memory): { run: ChainFn; why: () => number } {
  const dispatch = dispatcherOf(memory).dispatch;
  const run: ChainFn = (h, x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff, left, off, lo, hi, table) => {
    noteOffsets(x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff);
    const e = exit;
    e[2] = h.reservation;
    const n = dispatch(oX, oTlb, left < MAX_LEFT ? left : MAX_LEFT, off, lo, hi, table);
    h.pcLo = e[0];
    h.pcHi = e[1];
    h.reservation = e[2];
    return n;
  };
  return { run, why: () => exit[3] };
}
