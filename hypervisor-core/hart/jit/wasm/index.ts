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
import { BlockFn, BlockHart, Insn, regionKey } from '../compile';
import { RegionCode, regionsModule } from './region-module';
import { dispatcherOf, isShared } from './dispatch';

export { regionModule } from './region-module';

/** Compiled modules by region key (and memory kind), with the export of the region's `run`; shared by every memory of the process. */
const modules = new Map<string, { module: WebAssembly.Module; name: string }>();
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
  const sizes = regions.map((r) => r.blocks.reduce((a, b) => a + b.length, 0));
  // Room for all of them first, so no module this call needs is dropped on the way.
  const total = sizes.reduce((a, n) => a + n, 0);
  if (insns + total > MAX_INSNS) { modules.clear(); insns = 0; }
  // The regions without a module yet (each once), compiled together.
  const fresh: number[] = [];
  keys.forEach((key, j) => { if (!modules.has(key) && !fresh.some((i) => keys[i] === key)) fresh.push(j); });
  if (fresh.length > 0) {
    const size = fresh.reduce((a, j) => a + sizes[j], 0);
    const module = new WebAssembly.Module(regionsModule(fresh.map((j) => regions[j]), shared));
    fresh.forEach((j, i) => modules.set(keys[j], { module, name: `r${i}` }));
    insns += size;
  }
  const d = dispatcherOf(memory);
  if (mine.insns + total > MAX_INSNS) { mine.fns.clear(); mine.of.clear(); mine.insns = 0; }
  return regions.map((_, j) => {
    const seen = mine!.fns.get(keys[j]);
    if (seen !== undefined) return seen;
    const { module, name } = modules.get(keys[j])!;
    let instance = mine!.of.get(module);
    if (instance === undefined) mine!.of.set(module, (instance = new WebAssembly.Instance(module, { m: { mem: memory }, g: d.globals })));
    const run = instance.exports[name] as RegionRun;
    const fn = wrap(run, d.pcLo, d.pcHi, d.resv);
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
 * three arrays of one TLB are fields of one object (mmu/tlb.ts), so its `tagLo` stands for them.
 */
let lastX: Int32Array | null = null, lastDv: DataView | null = null;
let lastR: Int32Array | null = null, lastW: Int32Array | null = null, lastF: Int32Array | null = null;
let oX = 0, oRam = 0, oR = 0, oRHi = 0, oROff = 0, oW = 0, oWHi = 0, oWOff = 0, oF = 0, oFHi = 0, oFOff = 0;

/** Brings the byte offsets above up to date for the arrays of this call (each read only when its array changed). */
function noteOffsets(x: Int32Array, dv: DataView, rTag: Int32Array, rTagHi: Int32Array, rOff: Int32Array,
  wTag: Int32Array, wTagHi: Int32Array, wOff: Int32Array, fTag: Int32Array, fTagHi: Int32Array, fOff: Int32Array): void {
  if (x !== lastX) { lastX = x; oX = x.byteOffset; }
  if (dv !== lastDv) { lastDv = dv; oRam = dv.byteOffset; }
  if (rTag !== lastR) { lastR = rTag; oR = rTag.byteOffset; oRHi = rTagHi.byteOffset; oROff = rOff.byteOffset; }
  if (wTag !== lastW) { lastW = wTag; oW = wTag.byteOffset; oWHi = wTagHi.byteOffset; oWOff = wOff.byteOffset; }
  if (fTag !== lastF) { lastF = fTag; oF = fTag.byteOffset; oFHi = fTagHi.byteOffset; oFOff = fOff.byteOffset; }
}

/** A region module's `run` export. */
type RegionRun = (x: number, ram: number, rTag: number, rTagHi: number, rOff: number, wTag: number, wTagHi: number,
  wOff: number, fTag: number, fTagHi: number, fOff: number, left: number, entry: number, resv: number) => number;

/** The `run` export behind each BlockFn this backend made (what the dispatcher's table holds). */
const runs = new WeakMap<BlockFn, RegionRun>();

/** The WebAssembly function behind a BlockFn compileRegionWasm returned, or undefined for any other. */
export function regionRunOf(fn: BlockFn): RegionRun | undefined {
  return runs.get(fn);
}

/** The BlockFn over a region's `run`: byte offsets in, pc and reservation (the dispatcher's globals) back into the hart. */
function wrap(run: RegionRun, pcLo: () => number, pcHi: () => number, resv: () => number): BlockFn {
  return (h: BlockHart, x: Int32Array, dv: DataView, rTag: Int32Array, rTagHi: Int32Array, rOff: Int32Array,
    wTag: Int32Array, wTagHi: Int32Array, wOff: Int32Array, fTag: Int32Array, fTagHi: Int32Array, fOff: Int32Array,
    left: number, entry: number): number => {
    noteOffsets(x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff);
    const n = run(oX, oRam, oR, oRHi, oROff, oW, oWHi, oWOff, oF, oFHi, oFOff, left < MAX_LEFT ? left : MAX_LEFT, entry, h.reservation);
    h.pcLo = pcLo();
    h.pcHi = pcHi();
    h.reservation = resv();
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
  const d = dispatcherOf(memory);
  const dispatch = d.dispatch, pcLo = d.pcLo, pcHi = d.pcHi, resv = d.resv;
  const run: ChainFn = (h, x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff, left, off, lo, hi, table) => {
    noteOffsets(x, dv, rTag, rTagHi, rOff, wTag, wTagHi, wOff, fTag, fTagHi, fOff);
    const n = dispatch(oX, oRam, oR, oRHi, oROff, oW, oWHi, oWOff, oF, oFHi, oFOff, left < MAX_LEFT ? left : MAX_LEFT, off, lo, hi,
      h.reservation, table);
    h.pcLo = pcLo();
    h.pcHi = pcHi();
    h.reservation = resv();
    return n;
  };
  return { run, why: d.why };
}
