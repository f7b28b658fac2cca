/**
 * The interpreter's fast path in WebAssembly: one function that interprets the integer
 * instructions (RV64I and MUL, MULW), FENCE and the A instructions (over RAM of one thread;
 * see FAST_OPS) from the predecode cache (hart/predecode.ts), with the registers as i64 in the
 * hart's area, the TLBs and RAM in the same memory. `Hart.run` calls
 * it where translation is on and nothing needs an instruction boundary (no execute trigger
 * or MPRV), at an instruction it runs whose branch-target probe the JavaScript loop has done,
 * and takes over, with pc and count exact, at the first instruction it leaves to JavaScript:
 * - a page with a breakpoint (InterpreterArea.breakpointPages), where JavaScript checks each
 *   instruction;
 * - an instruction it does not handle (CSR, system, F, D, H, division, PAUSE), an AMOSWAP
 *   that would not change memory (a failed test-and-set, counted towards a spin-yield there)
 *   or one not predecoded yet (its first run decodes it in JavaScript);
 * - a misaligned LR, SC or AMO (JavaScript raises the fault);
 * - a load or store the read or write TLB does not map (or that crosses its page), a pc the
 *   fetch TLB does not map;
 * - a branch target (as the JavaScript interpreter probes one) whose hotness reaches a look
 *   (BlockCache's rule): its count is then left to JavaScript, which probes the same pc at
 *   once, so every start is counted once as before;
 * - a branch target that is compiled and fits the budget, when `direct` is 0 (breakpoints
 *   set: the block cache runs regions then, wasm/dispatch.ts's caller in block-cache.ts) or
 *   the dispatcher ran nothing there;
 * - the budget.
 *
 * Otherwise it runs a compiled start itself: it calls the dispatcher (its module's function
 * import, wasm/dispatch.ts), as BlockCache.run would, and goes on from the pc the regions
 * left, probing it when the dispatcher stopped at a start not compiled. What it ran there is
 * added to InterpreterArea.dispatched for the block cache's counters. Returning to
 * JavaScript for each of the some 690,000 such starts of a Linux boot took 3-7% of its time.
 *
 * Why: the JavaScript interpreter keeps 64-bit registers as int32 pairs (a carry per add,
 * two compares per branch), and Node 20 runs it unoptimised for its first tenth of a second
 * in every process. Here registers are i64 and V8 compiles the function with Liftoff at
 * once. A Linux boot runs some 67 M of its 142 M instructions outside regions (the long
 * tail of kernel code run a few thousand times each, too cold to translate at the region
 * weight, block-cache.ts), nearly all of them here: in one process it reached its prompt in
 * 1.15-1.20 s against 1.41-1.44 s with the JavaScript interpreter alone.
 *
 * The function: `run(x, tlb, left, table, lookFirst, lookRegion, lookAlways, direct)` (byte
 * offsets of the registers, of the translation context's first TLB array as abi.ts has them,
 * and of the dispatcher's block table, wasm/dispatch.ts); returns the instructions retired,
 * those the dispatcher ran included;
 * leaves the pc in the exit words (X_PC) and in X_WHY whether a branch target's probe is
 * still due there (1) or was done (0). The reservation is read and written at X_RESV.
 * The predecode cache, the hotness counters and the block table's slot marks are at fixed
 * offsets of this thread's interpreter area of the memory (memory/hart-area.ts), built into
 * the module. Over RAM shared by vCPU threads, FENCE and the A instructions are JavaScript's
 * (Atomics), and `Hart.run` passes at most POLL_SPAN as `left`, to look at its poll word.
 */
import { Op, PAUSE } from '../../isa/opcodes';
import { BLOCK_TABLE_SLOTS, InterpreterArea } from '../../../memory/hart-area';
import { Body, I32, I64, W, encodeModule } from './emit';
import { T, X_PC, X_RESV, X_WHY, tlbArray } from './abi';
import { accessOpcode, accessSize, clearReservationIfHit, isAccess, isStore, tlbCheckFails } from './access';
import { BLOCK_ENTRY_BYTES, MAX_LEN, Why, dispatcherOf } from './dispatch';

/** An A instruction's operation: its op's offset from LR_W (or LR_D), opcodes.ts's order. */
const enum Amo { LR, SC, SWAP, ADD, XOR, AND, OR, MIN, MAX, MINU }

/** Parameters of `run`, in order. */
const enum P { X, TLB, LEFT, TABLE, LOOK_FIRST, LOOK_REGION, LOOK_ALWAYS, DIRECT, COUNT }

/** The fast path as JavaScript calls it (see the file's comment). */
export type FastInterpreter = (x: number, tlb: number, left: number, table: number,
  lookFirst: number, lookRegion: number, lookAlways: number, direct: number) => number;

/** The highest op number the dispatch table lists (those above leave by its default). */
const LAST = Op.AMOMAXU_D;

/** Whether `op` is an A instruction (LR, SC, an AMO). */
function atomic(op: Op): boolean {
  return op >= Op.LR_W && op <= Op.AMOMAXU_D;
}

/**
 * 1 for each op the fast path runs, by Op (every other leaves to JavaScript), over a memory
 * of one thread or (`shared`) one shared by vCPU threads, where FENCE and the A instructions
 * are JavaScript's (through Atomics, shared-atomics.ts): its dispatch table, and `Hart.run`'s
 * test for calling it (a load, where a call would be one more in that loop).
 */
function fastOps(shared: boolean): Uint8Array {
  const t = new Uint8Array(Op.COUNT);
  for (let op = Op.LUI; op <= Op.SRAW; op++) t[op] = 1;
  t[Op.MUL] = t[Op.MULW] = 1;
  if (!shared) {
    t[Op.FENCE] = 1;
    for (let op = Op.LR_W; op <= Op.AMOMAXU_D; op++) t[op] = 1;
  }
  return t;
}
/** The ops the fast path runs over a memory of one thread (see fastOps). */
export const FAST_OPS: Uint8Array = fastOps(false);
/** The ops the fast path runs over a memory shared by vCPU threads (see fastOps). */
export const FAST_OPS_SHARED: Uint8Array = fastOps(true);

/**
 * Whether the pc after `op` is probed as a branch target (it sets `probe`): branches, jumps,
 * and the A instructions (no block holds them: one may start after them).
 */
function probesNext(op: Op): boolean {
  return (op >= Op.JAL && op <= Op.BGEU) || atomic(op);
}

/** Byte offsets of the interpreter area's tables. */
interface Tables { cells: number; baseOf: number; hot: number; slotMarks: number; dispatched: number; breakpointPages: number }

/** The body of `run`. */
function build(t: Tables, shared: boolean): Body {
  const handledOps = shared ? FAST_OPS_SHARED : FAST_OPS;
  const handled = (op: Op): boolean => handledOps[op] === 1;
  const f = new Body(P.COUNT);
  const pc = f.local(I64), npc = f.local(I64), tag = f.local(I64), addr = f.local(I64), imm = f.local(I64);
  const n = f.local(I32), probe = f.local(I32), page = f.local(I32), slots = f.local(I32), meta = f.local(I32), w = f.local(I32);
  const rd = f.local(I32), rs1 = f.local(I32), rs2 = f.local(I32), idx = f.local(I32), off = f.local(I32), lo = f.local(I32);
  const old = f.local(I64);
  const X = P.X;
  /** Pushes register (byte offset in local r). */
  const reg = (r: number): void => { f.get(r).get(X).op(W.i32_add).mem(W.i64_load, 0); };
  /** Stores what `value` pushes in rd (x0 is cleared after every instruction). */
  const setRd = (value: () => void): void => { f.get(rd).get(X).op(W.i32_add); value(); f.mem(W.i64_store, 0); };

  f.get(X).mem(W.i64_load, X_PC).set(pc);
  f.i64(1, 0).set(tag); // odd: no page fetched yet
  f.open(W.block, 'exit');
  f.open(W.loop, 'top');
  f.get(n).get(P.LEFT).op(W.i32_ge_u).brIf('exit');

  // ---- the pc's page: through the fetch TLB to its host page and predecode slot ----
  f.get(pc).i64(-4096, -1).op(W.i64_and).get(tag).op(W.i64_ne).open(W.if, 'page');
  // A block never crosses a page: one may start where the pc enters one (not at the entry's,
  // whose probe is the caller's).
  f.get(tag).i64(1, 0).op(W.i64_ne).get(probe).op(W.i32_or).set(probe);
  f.get(pc).op(W.i32_wrap_i64).tee(lo).i32(10).op(W.i32_shr_u).i32(0x3ffc).op(W.i32_and).get(P.TLB).op(W.i32_add).tee(idx);
  f.mem(W.i32_load, tlbArray(T.F_TAG)).get(lo).i32(-4096).op(W.i32_and, W.i32_ne);
  f.get(idx).mem(W.i32_load, tlbArray(T.F_TAG_HI)).get(pc).i64(32, 0).op(W.i64_shr_u, W.i32_wrap_i64, W.i32_ne);
  f.op(W.i32_or).brIf('exit');
  // A page with a breakpoint: the JavaScript interpreter checks each instruction there.
  f.get(lo).i32(12).op(W.i32_shr_u).mem(W.i32_load8_u, t.breakpointPages).brIf('exit');
  f.get(idx).mem(W.i32_load, tlbArray(T.F_OFF)).tee(page);
  f.i32(12).op(W.i32_shr_u).i32(2).op(W.i32_shl).mem(W.i32_load, t.baseOf).tee(slots);
  f.i32(0).op(W.i32_lt_s).brIf('exit'); // no slot yet: JavaScript gives it one
  f.get(slots).i32(2).op(W.i32_shl).i32(t.cells).op(W.i32_add).set(slots);
  f.get(pc).i64(-4096, -1).op(W.i64_and).set(tag);
  f.end();

  // ---- a branch target: compiled code runs through the dispatcher, a look is JavaScript's ----
  f.get(probe).open(W.if, 'probe');
  f.i32(0).set(probe);
  // off: the host offset; lo: the slot (its counter's, its mark's); idx: its block table entry.
  f.get(page).get(pc).op(W.i32_wrap_i64).i32(0xfff).op(W.i32_and, W.i32_add).tee(off);
  f.i32(1).op(W.i32_shr_u).i32(BLOCK_TABLE_SLOTS - 1).op(W.i32_and).set(lo);
  // w: whether the block there is this one (its entry is read only where the slot is marked).
  f.i32(0).set(w);
  f.get(lo).i32(3).op(W.i32_shr_u).mem(W.i32_load8_u, t.slotMarks).get(lo).i32(7).op(W.i32_and, W.i32_shr_u).i32(1).op(W.i32_and);
  f.open(W.if, 'marked');
  f.get(lo).i32(Math.log2(BLOCK_ENTRY_BYTES)).op(W.i32_shl).get(P.TABLE).op(W.i32_add).tee(idx);
  f.mem(W.i32_load, 0).get(off).op(W.i32_eq);
  f.get(idx).mem(W.i32_load, 4).get(pc).op(W.i32_wrap_i64).op(W.i32_eq, W.i32_and);
  f.get(idx).mem(W.i32_load, 8).get(pc).i64(32, 0).op(W.i64_shr_u, W.i32_wrap_i64, W.i32_eq, W.i32_and).set(w);
  f.end();
  f.get(w).open(W.if, 'compiled');
  f.get(idx).mem(W.i32_load, 12).i32(MAX_LEN).op(W.i32_and).get(P.LEFT).get(n).op(W.i32_sub, W.i32_le_s);
  f.open(W.if, 'fits');
  // With `direct`, the compiled regions run from here through the dispatcher (function 0).
  f.get(P.DIRECT).i32(0).op(W.i32_eq).open(W.if, 'indirect').i32(1).set(probe).br('exit').end();
  f.get(X).get(P.TLB).get(P.LEFT).get(n).op(W.i32_sub).get(off).get(pc).op(W.i32_wrap_i64).get(pc).i64(32, 0).op(W.i64_shr_u, W.i32_wrap_i64).get(P.TABLE).call(0);
  f.tee(w).op(W.i32_eqz).open(W.if, 'none').i32(1).set(probe).br('exit').end();
  f.get(n).get(w).op(W.i32_add).set(n);
  // The counts for the block cache: the instructions, one more call.
  f.i32(0).i32(0).mem(W.i32_load, t.dispatched).get(w).op(W.i32_add).mem(W.i32_store, t.dispatched);
  f.i32(0).i32(0).mem(W.i32_load, t.dispatched + 4).i32(1).op(W.i32_add).mem(W.i32_store, t.dispatched + 4);
  f.get(X).mem(W.i64_load, X_PC).set(pc);
  // A miss: the next block is not compiled, its start is probed (counted) here.
  f.get(X).mem(W.i32_load, X_WHY).i32(Why.MISS).op(W.i32_eq).set(probe);
  f.br('top');
  f.end();
  f.else();
  // heat = hot[slot] + 1: a look when it reaches the first threshold and then the region's or
  // the straight one (Hart.run's test); else it is stored.
  f.get(lo).i32(1).op(W.i32_shl).mem(W.i32_load16_u, t.hot).i32(1).op(W.i32_add).set(w);
  f.get(w).get(P.LOOK_FIRST).op(W.i32_ge_s);
  f.get(w).get(P.LOOK_FIRST).op(W.i32_eq).get(w).get(P.LOOK_REGION).op(W.i32_eq, W.i32_or).get(w).get(P.LOOK_ALWAYS).op(W.i32_ge_s, W.i32_or);
  f.op(W.i32_and).open(W.if, 'look').i32(1).set(probe).br('exit').end();
  f.get(lo).i32(1).op(W.i32_shl).get(w).mem(W.i32_store16, t.hot);
  f.end();
  f.end();

  // Instructions that go on to the next one come back here, not to the top, while the pc
  // stays on its page: no page or probe test for them.
  f.open(W.loop, 'straight');
  // ---- decode: the predecoded words (0: not decoded yet) ----
  f.get(pc).op(W.i32_wrap_i64).i32(0xffe).op(W.i32_and).i32(2).op(W.i32_shl).get(slots).op(W.i32_add).tee(idx);
  f.mem(W.i32_load, 4).tee(meta).op(W.i32_eqz).brIf('exit');
  f.get(idx).mem(W.i32_load, 0).tee(w).op(W.i64_extend_i32_s).set(imm);
  // Register fields hold 2r (int32 pair index): 4 times that is the byte offset 8r.
  f.get(meta).i32(8).op(W.i32_shr_u).i32(63 << 2).op(W.i32_and).set(rd);
  f.get(meta).i32(14).op(W.i32_shr_u).i32(63 << 2).op(W.i32_and).set(rs1);
  f.get(meta).i32(20).op(W.i32_shr_u).i32(63 << 2).op(W.i32_and).set(rs2);
  f.get(pc).i32(4).get(meta).i32(2).op(W.i32_and, W.i32_sub).op(W.i64_extend_i32_u, W.i64_add).set(npc);

  // ---- dispatch: one block per handled op, the first innermost ----
  const ops: Op[] = [];
  for (let op = 0; op <= LAST; op++) if (handled(op)) ops.push(op);
  f.open(W.block, 'probed'); // a branch, a jump or an A instruction: the next pc is a branch target
  f.open(W.block, 'next');
  for (let i = ops.length - 1; i >= 0; i--) f.open(W.block, `op${ops[i]}`);
  const targets: string[] = [];
  for (let op = 0; op <= LAST; op++) targets.push(handled(op) ? `op${op}` : 'exit');
  f.get(meta).i32(2).op(W.i32_shr_u).i32(0xff).op(W.i32_and).brTable(targets, 'exit');
  for (const op of ops) {
    f.end();
    instruction(op);
    f.br(probesNext(op) ? 'probed' : 'next');
  }
  f.end();
  // The next instruction: on this page unless the pc is at the next page's first byte (an
  // instruction across two pages is never predecoded).
  retire();
  f.get(n).get(P.LEFT).op(W.i32_ge_u).brIf('exit');
  f.get(pc).op(W.i32_wrap_i64).i32(0xfff).op(W.i32_and, W.i32_eqz).brIf('top');
  f.br('straight');
  f.end();
  retire();
  f.br('top');
  f.end(); // straight
  f.end(); // top
  f.end(); // exit
  f.get(X).get(pc).mem(W.i64_store, X_PC);
  f.get(X).get(probe).mem(W.i32_store, X_WHY);
  f.get(n);
  return f;

  /** After an instruction: x0 cleared, the pc on to the next, one more retired. */
  function retire(): void {
    f.get(X).i64(0, 0).mem(W.i64_store, 0);
    f.get(npc).set(pc);
    f.get(n).i32(1).op(W.i32_add).set(n);
  }

  /** One op's effect, as Hart.run's case for it. */
  function instruction(op: Op): void {
    const second = (immForm: boolean): void => { if (immForm) f.get(imm); else reg(rs2); };
    const alu = (code: number, immForm: boolean): void => setRd(() => { reg(rs1); second(immForm); f.op(code); });
    const compare = (code: number, immForm: boolean): void => setRd(() => { reg(rs1); second(immForm); f.op(code, W.i64_extend_i32_u); });
    const alu32 = (code: number, immForm: boolean): void => setRd(() => {
      reg(rs1); f.op(W.i32_wrap_i64);
      if (immForm) f.get(w); else { reg(rs2); f.op(W.i32_wrap_i64); }
      f.op(code, W.i64_extend_i32_s);
    });
    const branch = (code: number): void => {
      f.i32(1).set(probe); // taken or not, the next pc is probed
      reg(rs1); reg(rs2); f.op(code).open(W.if, 'taken');
      f.get(pc).get(imm).op(W.i64_add).set(npc);
      f.end();
    };
    if (atomic(op)) { atomicInstruction(op); return; }
    if (isAccess(op)) {
      const store = isStore(op);
      reg(rs1); f.get(imm).op(W.i64_add).set(addr);
      tlbCheckFails(f, addr, P.TLB, idx, store, accessSize(op), lo);
      f.brIf('exit');
      f.get(idx).mem(W.i32_load, tlbArray(store ? T.W_OFF : T.R_OFF)).get(lo).i32(0xfff).op(W.i32_and, W.i32_add).set(off);
      if (!store) { setRd(() => f.get(off).mem(accessOpcode(op))); return; }
      f.get(off); reg(rs2); f.mem(accessOpcode(op));
      clearReservationIfHit(f, X, off);
      return;
    }
    switch (op) {
      case Op.LUI: setRd(() => f.get(imm)); return;
      case Op.AUIPC: setRd(() => f.get(pc).get(imm).op(W.i64_add)); return;
      case Op.JAL: setRd(() => f.get(npc)); f.get(pc).get(imm).op(W.i64_add).set(npc); f.i32(1).set(probe); return;
      case Op.JALR:
        // The target from rs1 before the link is written (rd may be rs1).
        reg(rs1); f.get(imm).op(W.i64_add).i64(-2, -1).op(W.i64_and).set(addr);
        setRd(() => f.get(npc)); f.get(addr).set(npc); f.i32(1).set(probe);
        return;
      case Op.BEQ: branch(W.i64_eq); return;
      case Op.BNE: branch(W.i64_ne); return;
      case Op.BLT: branch(W.i64_lt_s); return;
      case Op.BGE: branch(W.i64_ge_s); return;
      case Op.BLTU: branch(W.i64_lt_u); return;
      case Op.BGEU: branch(W.i64_ge_u); return;
      case Op.ADDI: alu(W.i64_add, true); return;
      case Op.SLTI: compare(W.i64_lt_s, true); return;
      case Op.SLTIU: compare(W.i64_lt_u, true); return;
      case Op.XORI: alu(W.i64_xor, true); return;
      case Op.ORI: alu(W.i64_or, true); return;
      case Op.ANDI: alu(W.i64_and, true); return;
      case Op.SLLI: alu(W.i64_shl, true); return;
      case Op.SRLI: alu(W.i64_shr_u, true); return;
      case Op.SRAI: alu(W.i64_shr_s, true); return;
      case Op.ADD: alu(W.i64_add, false); return;
      case Op.SUB: alu(W.i64_sub, false); return;
      case Op.SLL: alu(W.i64_shl, false); return;
      case Op.SLT: compare(W.i64_lt_s, false); return;
      case Op.SLTU: compare(W.i64_lt_u, false); return;
      case Op.XOR: alu(W.i64_xor, false); return;
      case Op.SRL: alu(W.i64_shr_u, false); return;
      case Op.SRA: alu(W.i64_shr_s, false); return;
      case Op.OR: alu(W.i64_or, false); return;
      case Op.AND: alu(W.i64_and, false); return;
      case Op.ADDIW: alu32(W.i32_add, true); return;
      case Op.SLLIW: alu32(W.i32_shl, true); return;
      case Op.SRLIW: alu32(W.i32_shr_u, true); return;
      case Op.SRAIW: alu32(W.i32_shr_s, true); return;
      case Op.ADDW: alu32(W.i32_add, false); return;
      case Op.SUBW: alu32(W.i32_sub, false); return;
      case Op.SLLW: alu32(W.i32_shl, false); return;
      case Op.SRLW: alu32(W.i32_shr_u, false); return;
      case Op.SRAW: alu32(W.i32_shr_s, false); return;
      case Op.MUL: alu(W.i64_mul, false); return;
      case Op.MULW: alu32(W.i32_mul, false); return;
      // One hart's accesses are in order already; PAUSE is JavaScript's (a spin-wait's hint).
      case Op.FENCE: f.get(w).i32(PAUSE).op(W.i32_eq).brIf('exit'); return;
      default: f.br('exit');
    }
  }

  /**
   * LR, SC or an AMO as atomic-instructions.ts runs it alone in its memory: aligned (else
   * JavaScript raises the fault), through the read TLB (LR) or the write TLB (SC and the AMOs:
   * an entry there allowed the read too); LR reserves the doubleword's host offset, SC stores
   * only to it, an AMO clears it when it writes it. A swap that would write what is there
   * already (a test-and-set that fails) is left to JavaScript, which counts it towards a
   * spin-yield. The next pc is probed, as after them there.
   */
  function atomicInstruction(op: Op): void {
    const word = op <= Op.AMOMAXU_W, size = word ? 4 : 8;
    const kind: Amo = op - (word ? Op.LR_W : Op.LR_D);
    reg(rs1); f.set(addr);
    f.get(addr).op(W.i32_wrap_i64).i32(size - 1).op(W.i32_and).brIf('exit');
    tlbCheckFails(f, addr, P.TLB, idx, kind !== Amo.LR, size, lo);
    f.brIf('exit');
    f.get(idx).mem(W.i32_load, tlbArray(kind === Amo.LR ? T.R_OFF : T.W_OFF)).get(lo).i32(0xfff).op(W.i32_and, W.i32_add).set(off);
    if (kind === Amo.LR) {
      setRd(() => f.get(off).mem(word ? W.i64_load32_s : W.i64_load));
      f.get(X).get(off).mem(W.i32_store, X_RESV);
      f.i32(1).set(probe);
      return;
    }
    if (kind === Amo.SC) {
      // rd: 0 when it stores (the reservation is this word's), else 1; the reservation goes.
      f.get(X).mem(W.i32_load, X_RESV).get(off).op(W.i32_eq).tee(w).open(W.if, 'reserved');
      f.get(off); reg(rs2); f.mem(word ? W.i64_store32 : W.i64_store);
      f.end();
      setRd(() => f.get(w).op(W.i32_eqz, W.i64_extend_i32_u));
      f.get(X).i32(-1).mem(W.i32_store, X_RESV);
      f.i32(1).set(probe);
      return;
    }
    f.get(off).mem(word ? W.i64_load32_s : W.i64_load).set(old);
    // The operand, sign-extended from 32 bits for a W: the signed compares then hold.
    reg(rs2); if (word) f.op(W.i32_wrap_i64, W.i64_extend_i32_s); f.set(imm);
    if (kind === Amo.SWAP) f.get(old).get(imm).op(W.i64_eq).brIf('exit');
    f.get(off);
    /** Pushes old, the operand and whether old is to be kept by `compare` (min, max). */
    const pick = (compare: number, compare32: number): void => {
      f.get(old).get(imm);
      if (word && compare32 !== 0) f.get(old).op(W.i32_wrap_i64).get(imm).op(W.i32_wrap_i64, compare32);
      else f.get(old).get(imm).op(compare);
      f.op(W.select);
    };
    switch (kind) {
      case Amo.SWAP: f.get(imm); break;
      case Amo.ADD: f.get(old).get(imm).op(W.i64_add); break;
      case Amo.XOR: f.get(old).get(imm).op(W.i64_xor); break;
      case Amo.AND: f.get(old).get(imm).op(W.i64_and); break;
      case Amo.OR: f.get(old).get(imm).op(W.i64_or); break;
      case Amo.MIN: pick(W.i64_lt_s, 0); break;
      case Amo.MAX: pick(W.i64_gt_s, 0); break;
      case Amo.MINU: pick(W.i64_lt_u, W.i32_lt_u); break;
      default: pick(W.i64_gt_u, W.i32_gt_u);
    }
    f.mem(word ? W.i64_store32 : W.i64_store);
    clearReservationIfHit(f, X, off);
    setRd(() => f.get(old));
    f.i32(1).set(probe);
  }
}

/**
 * Whether harts use the fast path (they do unless HYPERSCOPE_WASM_INTERPRETER=off, which
 * leaves what translation does not run to the JavaScript interpreter alone, as before).
 */
export function wasmInterpreterEnabled(): boolean {
  return enabled;
}
const enabled = typeof process === 'undefined' || process.env.HYPERSCOPE_WASM_INTERPRETER !== 'off';

const made = new WeakMap<InterpreterArea, FastInterpreter>();

/**
 * The fast path over `memory`, whose interpreter area is `area` (built and instantiated once
 * per area: its tables' offsets are constants of the module). Over a memory shared by vCPU
 * threads it runs the ops FAST_OPS_SHARED lists.
 */
export function fastInterpreterOf(memory: WebAssembly.Memory, area: InterpreterArea): FastInterpreter {
  let fn = made.get(area);
  if (fn === undefined) {
    const shared = memory.buffer instanceof SharedArrayBuffer;
    const binary = encodeModule({
      memory: { module: 'm', name: 'memory', shared },
      types: [{ params: new Array<number>(P.COUNT).fill(I32), results: [I32] }, { params: new Array<number>(7).fill(I32), results: [I32] }],
      funcImports: [{ module: 'd', name: 'dispatch', type: 1 }],
      funcs: [{ type: 0, body: build({
        cells: area.cells.byteOffset, baseOf: area.baseOf.byteOffset, hot: area.hot.byteOffset,
        slotMarks: area.slotMarks.byteOffset, dispatched: area.dispatched.byteOffset, breakpointPages: area.breakpointPages.byteOffset,
      }, shared) }],
      globals: 0,
      exports: [{ name: 'run', kind: 'func', index: 1 }],
    });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), { m: { memory }, d: { dispatch: dispatcherOf(memory).dispatch } });
    fn = instance.exports.run as FastInterpreter;
    made.set(area, fn);
  }
  return fn;
}
