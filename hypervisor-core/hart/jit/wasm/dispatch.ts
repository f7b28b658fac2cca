/**
 * Going from region to region inside WebAssembly. Every WebAssembly region of a memory is
 * installed in one funcref table (a `WebAssembly.Table` per memory, so per thread), and its
 * block starts in a block table in the memory itself (a hart area's, memory/hart-area.ts). A
 * small hand-built dispatcher module then runs compiled code the way BlockCache.run does in
 * JavaScript, without coming back to JavaScript between regions: it looks the next block up
 * in the block table, checks the budget, `call_indirect`s the region, translates the pc it
 * left through the fetch TLB, and goes round again.
 *
 * Without it every region call went through V8's generic JavaScript-to-WebAssembly wrapper
 * (each region's `run` is another function at one call site) and back through the JavaScript
 * dispatcher: on the Linux boot with low thresholds that wrapper alone took 2.1 CPU s.
 *
 * Regions take four parameters and leave the pc in memory (abi.ts), so a call costs little
 * beyond the block table's entry and the fetch TLB's.
 *
 * It returns to JavaScript when the next block is not in the block table (`why` = MISS: the
 * cache counts its hotness and may compile it, as for any branch target), and otherwise to
 * the interpreter (`why` = STOP): the block does not fit the budget left, a region left
 * before an instruction it does not run (k = 0), or the fetch TLB does not map the next pc.
 * Each of these is where BlockCache.run stops too, so the instruction count at every exit is
 * what it is without the dispatcher.
 *
 * Block table entry (BLOCK_ENTRY_BYTES, slot `(off >>> 1) & mask` as BlockCache.table):
 * host offset (-1: empty), pc low word, pc high word, and `index << 12 | entry << 7 | len`
 * (the region's table index, the block's entry number in it, its length).
 */
import { TLB_MASK } from '../../../mmu/tlb';
import { Body, I32, W, encodeModule } from './emit';
import { REGION_PARAMS, T, X_PC, X_WHY, tlbArray } from './abi';
import { BLOCK_TABLE_SLOTS } from '../../../memory/hart-area';

/** Bytes of one block table entry. */
export const BLOCK_ENTRY_BYTES = 16;
/** Largest entry number and block length the packed word holds. */
export const MAX_ENTRY = 31;
export const MAX_LEN = 127;
/** Table indices the packed word holds. */
export const MAX_INDEX = (1 << 20) - 1;

/** Why `dispatch` returned (the exit word at abi.ts's X_WHY). */
export const enum Why {
  /** The next block (pc in the exit words) is not in the block table: JavaScript decides. */
  MISS = 0,
  /** The interpreter goes on from the pc in the exit words. */
  STOP = 1,
}

/** Parameters of `dispatch`, in order; the first two are those of a region's `run`. */
const enum P { X, TLB, LEFT, OFF, PC_LO, PC_HI, TABLE, COUNT }

/** The dispatcher's exports as JavaScript sees them. */
export interface Dispatcher {
  /**
   * Runs compiled regions from host offset `off`, pc (pcLo, pcHi), for at most `left`
   * instructions, with the registers at byte `x`, the translation context's first TLB array
   * at `tlb` (abi.ts) and the block table at byte `table`; returns the instructions retired.
   * The next pc, the reservation (read and written there) and why it returned are then in
   * the exit words after the registers.
   */
  dispatch(x: number, tlb: number, left: number, off: number, pcLo: number, pcHi: number, table: number): number;
  /** Regions called so far (counted in a wrapping i32). */
  calls(): number;
  /** The funcref table regions are installed in. */
  readonly table: WebAssembly.Table;
}

/** The dispatcher module's binary; `mask` is the block table's slot mask. */
export function dispatcherModule(shared: boolean, mask: number): Uint8Array {
  const f = new Body(P.COUNT);
  const done = f.local(I32), e = f.local(I32), packed = f.local(I32), k = f.local(I32), i = f.local(I32);
  const stop = (why: Why): void => { f.get(P.X).i32(why).mem(W.i32_store, X_WHY).br('out'); };
  f.open(W.block, 'out').open(W.loop, 'top');
  // The entry of the block at `off`; leave unless it is this block.
  f.get(P.TABLE).get(P.OFF).i32(1).op(W.i32_shr_u).i32(mask).op(W.i32_and).i32(4).op(W.i32_shl).op(W.i32_add).set(e);
  f.get(e).mem(W.i32_load, 0).get(P.OFF).op(W.i32_ne);
  f.get(e).mem(W.i32_load, 4).get(P.PC_LO).op(W.i32_ne, W.i32_or);
  f.get(e).mem(W.i32_load, 8).get(P.PC_HI).op(W.i32_ne, W.i32_or).open(W.if, 'miss');
  stop(Why.MISS);
  f.end();
  // Entered only when the budget covers the whole block (compile.ts's budget rule).
  f.get(e).mem(W.i32_load, 12).set(packed);
  f.get(packed).i32(MAX_LEN).op(W.i32_and).get(P.LEFT).get(done).op(W.i32_sub).op(W.i32_gt_s).open(W.if, 'budget');
  stop(Why.STOP);
  f.end();
  f.get(P.X).get(P.TLB);
  f.get(P.LEFT).get(done).op(W.i32_sub);
  f.get(packed).i32(7).op(W.i32_shr_u).i32(MAX_ENTRY).op(W.i32_and);
  f.get(packed).i32(12).op(W.i32_shr_u);
  f.callIndirect(0).set(k);
  f.globalGet(0).i32(1).op(W.i32_add).globalSet(0);
  f.get(k).op(W.i32_eqz).open(W.if, 'none');
  stop(Why.STOP); // its first instruction left for the interpreter (the region wrote its pc)
  f.end();
  f.get(done).get(k).op(W.i32_add).set(done);
  f.get(P.X).mem(W.i32_load, X_PC).set(P.PC_LO).get(P.X).mem(W.i32_load, X_PC + 4).set(P.PC_HI);
  // The next block's host offset through the fetch TLB, as the interpreter would find it.
  f.get(P.PC_LO).i32(12).op(W.i32_shr_u).i32(TLB_MASK).op(W.i32_and).i32(2).op(W.i32_shl).get(P.TLB).op(W.i32_add).set(i);
  f.get(i).mem(W.i32_load, tlbArray(T.F_TAG)).get(P.PC_LO).i32(-4096).op(W.i32_and).op(W.i32_ne);
  f.get(i).mem(W.i32_load, tlbArray(T.F_TAG_HI)).get(P.PC_HI).op(W.i32_ne, W.i32_or).open(W.if, 'unmapped');
  stop(Why.STOP);
  f.end();
  f.get(i).mem(W.i32_load, tlbArray(T.F_OFF)).get(P.PC_LO).i32(0xfff).op(W.i32_and).op(W.i32_add).set(P.OFF);
  f.br('top');
  f.end().end(); // top, out
  f.get(P.X).get(P.PC_LO).mem(W.i32_store, X_PC).get(P.X).get(P.PC_HI).mem(W.i32_store, X_PC + 4);
  f.get(done);
  return encodeModule({
    memory: { module: 'm', name: 'mem', shared },
    table: { module: 'm', name: 'table' },
    types: [
      { params: new Array<number>(REGION_PARAMS).fill(I32), results: [I32] },
      { params: new Array<number>(P.COUNT).fill(I32), results: [I32] },
      { params: [], results: [I32] },
    ],
    funcs: [{ type: 1, body: f }, { type: 2, body: new Body(0).globalGet(0) }],
    globals: 1,
    exports: [{ name: 'dispatch', kind: 'func', index: 0 }, { name: 'calls', kind: 'func', index: 1 }],
  });
}

/** Dispatcher modules by memory kind (compiled once per process). */
const modules = new Map<string, WebAssembly.Module>();
/** Each memory's dispatcher (one per WebAssembly.Memory object, so per thread). */
const dispatchers = new WeakMap<WebAssembly.Memory, Dispatcher>();

/** Whether memory's buffer is a SharedArrayBuffer (its import must then be declared shared). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The dispatcher of `memory` (made on first use), for block tables of BLOCK_TABLE_SLOTS slots. */
export function dispatcherOf(memory: WebAssembly.Memory): Dispatcher {
  let d = dispatchers.get(memory);
  if (d !== undefined) return d;
  const shared = isShared(memory);
  const key = shared ? 's' : 'p';
  let module = modules.get(key);
  if (module === undefined) modules.set(key, (module = new WebAssembly.Module(dispatcherModule(shared, BLOCK_TABLE_SLOTS - 1))));
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: 256 });
  const e = new WebAssembly.Instance(module, { m: { mem: memory, table } }).exports;
  d = { dispatch: e.dispatch as Dispatcher['dispatch'], calls: e.calls as () => number, table };
  dispatchers.set(memory, d);
  return d;
}
