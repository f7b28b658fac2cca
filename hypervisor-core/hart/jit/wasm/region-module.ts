/**
 * A region (its blocks and pages from region.ts) as a WebAssembly module: one function
 * `run` over the hart's registers (see Registers below), its blocks inside one `loop`, the
 * M helpers (arith.ts) and the access functions (access.ts). It follows compile.ts's regionSource rule for rule: a block is
 * entered only when `left` covers all of it, else the function leaves at its start; a load
 * or store whose TLB check fails leaves before it with pc and count exact; an edge into a
 * block on another page first checks that the fetch TLB still maps that page where the
 * region found it; an indirect jump stays inside only to a call's return site.
 *
 * Control flow: blocks are laid out in reverse postorder (compile.ts's blockOrder) inside
 * nested `block`s, the block at position p right after the end of `block B<p>`. An edge to a
 * later position is a `br` to that label; any other edge sets the block number `st` and
 * goes round the `loop`, whose head is a `br_table` on `st` (the entry comes in that way too).
 * An exit to a pc with the region's high word sets its low word and `k` and branches to one
 * shared tail that stores them (an exit is at every access and every block start).
 *
 * `run(x, tlb, left, entry)`: the byte address in the imported memory of the register file
 * (32 i64, x0 first) and of the current translation context's first TLB array (the read
 * TLB's tags); it returns the instructions retired and leaves the next pc and the
 * reservation in the exit words after the registers (abi.ts's X_PC and X_RESV). The
 * other eight TLB arrays are at constant offsets from the first ({@link tlbArray}) and RAM
 * starts at byte 0, as memory/hart-area.ts lays a memory out, so a call passes four i32s in
 * registers. It passed fourteen before (every array and RAM) and returned the pc through
 * imported mutable globals; the Linux boot calls a region every ~13 instructions.
 *
 * Registers: a region that loops keeps the registers it uses in i64 locals (loaded at entry,
 * those it writes stored at exit); a straight region reads and writes them in memory where
 * each instruction needs them. A straight region passes each instruction at most once a call,
 * so loading every register it might read and storing every one it might write cost more
 * than the accesses themselves (see regionBody).
 */
import { Op } from '../../isa/opcodes';
import { Insn, blockOrder, pcAdd } from '../compile';
import { TLB_MASK } from '../../../mmu/tlb';
import { REGION_PARAMS, T, X_PC, tlbArray } from './abi';
import { helperBodies } from './arith';
import { Body, I32, I64, W, encodeModule } from './emit';
import { Frame, Memo, callsHelper, lower } from './lower';
import { ACCESSES, LOAD_TYPE, STORE_TYPE, accessBody, isAccess, isStore } from './access';

/** Loads and stores that remember their page (as compile.ts's MEMO_SITES: each adds two locals live around the loop). */
const MEMO_SITES = 32;

/** Parameters of `run`, in order. */
const enum P { X, TLB, LEFT, ENTRY, COUNT }
if (REGION_PARAMS !== P.COUNT) throw new Error('region-module: abi.ts names another parameter count');

/** Registers a region reads or writes (x0 excluded), and those it writes, in ascending order. */
function registers(blocks: Insn[][]): { used: number[]; written: number[] } {
  // Bit masks: a region is built at every compile, and Sets and sorts per region showed in its cost.
  let used = 0, written = 0;
  for (const b of blocks) {
    for (const i of b) {
      used |= (1 << ((i.insn >>> 15) & 31)) | (1 << ((i.insn >>> 20) & 31));
      const noRd = (i.op >= Op.BEQ && i.op <= Op.BGEU) || (i.op >= Op.SB && i.op <= Op.SD) || i.op === Op.FENCE;
      if (!noRd) written |= 1 << ((i.insn >>> 7) & 31);
    }
  }
  written &= ~1;
  used = (used | written) & ~1;
  const list = (m: number): number[] => {
    const out: number[] = [];
    for (let r = 1; r < 32; r++) if ((m >>> r) & 1) out.push(r);
    return out;
  };
  return { used: list(used), written: list(written) };
}

/**
 * The module binary of a region (blocks[j] is entered as `entry` j); `pages` gives the host
 * page offset of each virtual page the blocks are on; `shared` makes the memory import a
 * shared one (RAM of vCPU threads).
 */
export function regionModule(blocks: Insn[][], pages: ReadonlyMap<number, number>, shared: boolean): Uint8Array {
  return regionsModule([{ blocks, pages }], shared);
}

/**
 * A region for {@link regionsModule}: its blocks (the entry first), the host page of each
 * virtual page they are on, and whether control can go round a cycle in it (region.ts; taken
 * as true when not given).
 */
export interface RegionCode { blocks: Insn[][]; pages: ReadonlyMap<number, number>; loops?: boolean }

/** Whether a region has an M instruction lowered to a helper call (arith.ts). */
function usesHelpers(blocks: Insn[][]): boolean {
  for (const b of blocks) for (const i of b) if (callsHelper(i.op)) return true;
  return false;
}

/**
 * One module holding several regions: region j's `run` is exported as `r<j>` (and the first
 * also as `run`). V8 spends a fixed time on every module it compiles and instantiates (about
 * 0.2 ms for one of a single small function, against 0.03 ms a function in a module of 16),
 * so regions that turn hot together compile together. Function indices: region 0's `run`,
 * the M helpers when a region calls one (1..Helper.COUNT, where lower.ts calls them), the
 * access functions the regions call (access.ts; only those used), the other regions' `run`s.
 */
export function regionsModule(regions: readonly RegionCode[], shared: boolean): Uint8Array {
  const helpers = regions.some((r) => usesHelpers(r.blocks)) ? helperBodies() : [];
  // The access functions the regions' loads and stores call, after the helpers (access.ts).
  const accessFn = new Int32Array(ACCESSES).fill(-1);
  const accesses: { type: number; body: Body }[] = [];
  for (const r of regions) {
    for (const b of r.blocks) {
      for (const i of b) {
        if (!isAccess(i.op) || accessFn[i.op - Op.LB] >= 0) continue;
        accessFn[i.op - Op.LB] = 1 + helpers.length + accesses.length;
        accesses.push({ type: isStore(i.op) ? 3 : 2, body: accessBody(i.op) });
      }
    }
  }
  const bodies = regions.map((r) => regionBody(r.blocks, r.pages, r.loops !== false, accessFn));
  const first = 1 + helpers.length + accesses.length;
  const index = (j: number): number => (j === 0 ? 0 : first + j - 1);
  return encodeModule({
    memory: { module: 'm', name: 'mem', shared },
    types: [
      { params: new Array<number>(P.COUNT).fill(I32), results: [I32] },
      { params: [I64, I64], results: [I64] },
      LOAD_TYPE,
      STORE_TYPE,
    ],
    funcs: [{ type: 0, body: bodies[0] }, ...helpers.map((body) => ({ type: 1, body })), ...accesses,
      ...bodies.slice(1).map((body) => ({ type: 0, body }))],
    globals: 0,
    exports: [{ name: 'run', kind: 'func', index: 0 }, ...bodies.map((_, j) => ({ name: `r${j}`, kind: 'func' as const, index: index(j) }))],
  });
}

/**
 * The body of one region's `run`. Memos only pay in a region that loops: each is emptied at
 * every call, and a straight region passes each site once a call. In the Linux boot, where
 * most regions are straight code run a few thousand times, emptying 32 memos at each call
 * made the regions' code half again as slow. For the same reason a straight region keeps no
 * register in a local (Frame.reg all -1): it has no prologue or epilogue.
 */
function regionBody(blocks: Insn[][], pages: ReadonlyMap<number, number>, loops: boolean, accessFn: Int32Array): Body {
  const f = new Body(P.COUNT);
  const n = f.local(I32), k = f.local(I32), st = f.local(I32), exitLo = f.local(I32);
  const idx = f.local(I32), off = f.local(I32);
  const target = f.local(I64);
  const { used, written } = registers(blocks);
  const reg = new Int32Array(32).fill(-1);
  if (loops) for (const r of used) reg[r] = f.local(I64);
  // Sites get their memos in the order they are lowered; the memos are made first so the prologue can empty them.
  let sites = 0;
  for (const b of blocks) for (const i of b) if (i.op >= Op.LB && i.op <= Op.SD) sites++;
  const memos: Memo[] = [];
  for (let s = 0; s < Math.min(sites, loops ? MEMO_SITES : 0); s++) memos.push({ page: f.local(I64), off: f.local(I32) });
  let nextMemo = 0;
  const frame: Frame = {
    f, reg, x: P.X, tlb: P.TLB, target, idx, off,
    site: () => (nextMemo < memos.length ? memos[nextMemo++] : null),
    accessFn: (op) => accessFn[op - Op.LB],
  };
  const pcHi = blocks[0][0].pcHi;
  const member = new Map<number, number>(blocks.map((b, j) => [b[0].pcLo, j]));
  const order = blockOrder(blocks, member);
  const position = new Int32Array(blocks.length);
  order.forEach((j, p) => { position[j] = p; });
  let here = 0, herePage = 0;

  const exitAt = (kk: number, lo: number, hi: number): void => {
    // k is 0 until an exit sets it, and every exit leaves.
    if (hi !== pcHi) {
      f.get(P.X).i64(lo, hi).mem(W.i64_store, X_PC);
      if (kk !== 0) f.i32(kk).set(k);
      f.br('out');
      return;
    }
    // Most exits are to the region's own high word: the low word to the shared exit below.
    f.i32(lo).set(exitLo);
    if (kk !== 0) f.i32(kk).set(k);
    f.br('exit');
  };
  /** Pushes whether the fetch TLB maps virtual page p (low word, in pcHi) where the region found it. */
  const mapped = (p: number): void => {
    const host = pages.get(p);
    if (host === undefined) throw new Error(`region: no host page for ${(p >>> 0).toString(16)}`);
    const at = ((p >>> 12) & TLB_MASK) * 4;
    f.get(P.TLB).mem(W.i32_load, at + tlbArray(T.F_TAG)).i32(p).op(W.i32_eq);
    f.get(P.TLB).mem(W.i32_load, at + tlbArray(T.F_TAG_HI)).i32(pcHi).op(W.i32_eq, W.i32_and);
    f.get(P.TLB).mem(W.i32_load, at + tlbArray(T.F_OFF)).i32(host).op(W.i32_eq, W.i32_and);
  };
  const goTo = (kk: number, lo: number, hi: number): void => {
    const j = hi === pcHi ? member.get(lo) : undefined;
    if (j === undefined) { exitAt(kk, lo, hi); return; }
    const tp = lo & -4096;
    if (tp !== herePage) {
      // Leaves before instruction kk unless the fetch TLB still maps the target's page.
      mapped(tp);
      f.op(W.i32_eqz).open(W.if, 'page');
      exitAt(kk, lo, pcHi);
      f.end();
    }
    f.get(n).i32(kk).op(W.i32_add).set(n);
    if (position[j] > here) f.br(`b${position[j]}`);
    else f.i32(j).set(st).br('top');
  };
  // As compile.ts: an indirect jump stays inside only to a call's return site in the region.
  const returnSites: Insn[][] = [];
  for (const b of blocks) {
    const last = b[b.length - 1];
    if ((last.op === Op.JAL || last.op === Op.JALR) && ((last.insn >>> 7) & 31) !== 0) {
      const [lo, hi] = pcAdd(last.pcLo, last.pcHi, last.len);
      const j = hi === pcHi ? member.get(lo) : undefined;
      if (j !== undefined && !returnSites.includes(blocks[j])) returnSites.push(blocks[j]);
    }
  }
  const indirect = (kk: number): void => {
    f.get(n).i32(kk).op(W.i32_add).set(n);
    if (returnSites.length > 0) {
      f.get(target).i64(32, 0).op(W.i64_shr_u, W.i32_wrap_i64).i32(pcHi).op(W.i32_eq).open(W.if, 'same');
      for (const b of returnSites) {
        const lo = b[0].pcLo, j = member.get(lo)!, tp = lo & -4096;
        f.get(target).op(W.i32_wrap_i64).i32(-2).op(W.i32_and).i32(lo).op(W.i32_eq).open(W.if, 'site');
        if (tp !== herePage) {
          // Into another page only while the fetch TLB maps it as it did; else out at the target.
          mapped(tp);
          f.open(W.if, 'mapped');
          f.i32(j).set(st).br('top');
          f.end();
        } else {
          f.i32(j).set(st).br('top');
        }
        f.end();
      }
      f.end();
    }
    f.i32(0).set(k);
    f.get(P.X).get(target).i64(-2, -1).op(W.i64_and).mem(W.i64_store, X_PC);
    f.br('out');
  };

  // Prologue: the registers into locals, every memo empty (lower.ts compares a memo with an
  // address whose bits 3..11 are cleared, so bit 11 set never matches).
  for (const r of used) if (reg[r] >= 0) f.get(P.X).mem(W.i64_load, 8 * r).set(reg[r]);
  for (const m of memos) f.i64(0x800, 0).set(m.page);
  f.get(P.ENTRY).set(st);
  f.open(W.block, 'out').open(W.block, 'exit').open(W.loop, 'top');
  for (let p = blocks.length - 1; p >= 0; p--) f.open(W.block, `b${p}`);
  f.open(W.block, 'bad');
  f.get(st).brTable(blocks.map((_, j) => `b${position[j]}`), 'bad');
  f.end();
  exitAt(0, blocks[0][0].pcLo, pcHi);
  for (let p = 0; p < order.length; p++) {
    f.end(); // b<p>: its code follows
    here = p;
    const insns = blocks[order[p]];
    const first = insns[0];
    herePage = first.pcLo & -4096;
    f.get(n).i32(insns.length).op(W.i32_add).get(P.LEFT).op(W.i32_gt_s).open(W.if, 'budget');
    exitAt(0, first.pcLo, first.pcHi);
    f.end();
    insns.forEach((i, kk) => lower(frame, { exitAt, goTo, indirect }, i, kk));
    const last = insns[insns.length - 1];
    if (!(last.op >= Op.JAL && last.op <= Op.BGEU)) goTo(insns.length, ...pcAdd(last.pcLo, last.pcHi, last.len));
  }
  f.end().end(); // top, exit (every block ends in a branch: only exits come here)
  f.get(P.X).get(exitLo).mem(W.i32_store, X_PC).get(P.X).i32(pcHi).mem(W.i32_store, X_PC + 4);
  f.end(); // out
  // Epilogue: the written registers kept in locals back to memory.
  for (const r of written) if (reg[r] >= 0) f.get(P.X).get(reg[r]).mem(W.i64_store, 8 * r);
  f.get(n).get(k).op(W.i32_add);
  return f;
}
