/**
 * Loads and stores as small functions of a region's module, one per instruction (LB .. SD),
 * called from every access site without a memo (lower.ts) instead of holding the TLB check
 * inline there. The inline check was most of a module, and a module's bytes are what V8
 * decodes, validates, compiles with Liftoff and, for hot functions, compiles again with
 * TurboFan.
 *
 * Each does what an inline site did (compile.ts's access rule): the access's page through
 * the read or write TLB of the current translation context (abi.ts), failing when the TLB
 * has no entry for it or the access crosses its page end, so that the site leaves before the
 * instruction with pc and count exact; else the access at the entry's host offset. A store
 * also clears the reservation when it writes the reserved doubleword, as the interpreter's
 * stores do.
 *
 * One comparison finds both failures: the tag in the slot of the access's first byte against
 * the page of its last byte. An access that crosses its page end has its last byte on the
 * next page, whose slot is the next one, and a valid tag is only ever in its own page's slot
 * (mmu/tlb.ts; an empty slot's tag is odd, never a page). QEMU's softmmu checks its TLB so.
 *
 * Measured on the regions of the Linux boot at thresholds 64/500/500 (25,269 guest
 * instructions in 302 modules): a load site of a straight region took 134 bytes inline and
 * takes 33, a store 174 and 36; all modules 2.22 MB before, 1.41 MB after (88 and 56 bytes a
 * guest instruction), of which the functions' copies are 107 KB. Importing the functions from
 * one instance per memory instead (tried) made the modules 1.30 MB, but `new
 * WebAssembly.Module` took 0.23-0.26 ms a module against 0.05-0.11 (the default boot's 141
 * modules; V8 compiles call wrappers for a module's imports) and the boot at those thresholds
 * 1.8% more host instructions than with the copies.
 */
import { Op } from '../../isa/opcodes';
import { Body, I32, I64, W } from './emit';
import { T, X_RESV, tlbArray } from './abi';

/** Load and store instructions, numbered from LB as in opcodes.ts (LB, LH, LW, LD, LBU, LHU, LWU, SB, SH, SW, SD). */
export const ACCESSES = Op.SD - Op.LB + 1;

/** Whether `op` is a load or store (an access function may serve it). */
export function isAccess(op: Op): boolean {
  return op >= Op.LB && op <= Op.SD;
}

/** Whether `op` (an access) is a store. */
export function isStore(op: Op): boolean {
  return op >= Op.SB;
}

/** Access size in bytes and the memory instruction of each access, from LB. */
const SIZE = [1, 2, 4, 8, 1, 2, 4, 1, 2, 4, 8];
const OPCODE = [W.i64_load8_s, W.i64_load16_s, W.i64_load32_s, W.i64_load, W.i64_load8_u, W.i64_load16_u, W.i64_load32_u,
  W.i64_store8, W.i64_store16, W.i64_store32, W.i64_store];

/** The size in bytes of access `op`. */
export function accessSize(op: Op): number {
  return SIZE[op - Op.LB];
}

/** The memory instruction of access `op`: the i64 load that extends as the instruction does, or the store of its width. */
export function accessOpcode(op: Op): number {
  return OPCODE[op - Op.LB];
}

/** A load's signature: (tlb i32, address i64) -> (value i64, failed i32). */
export const LOAD_TYPE = { params: [I32, I64], results: [I64, I32] };
/** A store's signature: (x i32, tlb i32, address i64, value i64) -> failed i32. */
export const STORE_TYPE = { params: [I32, I32, I64, I64], results: [I32] };

const bodies: (Body | null)[] = new Array<Body | null>(ACCESSES).fill(null);

/** The function body of access `op` (built once; every module that needs it holds it). */
export function accessBody(op: Op): Body {
  const a = op - Op.LB;
  let f = bodies[a];
  if (f === null) bodies[a] = f = build(a);
  return f;
}

/**
 * Pushes whether the read (or, for a store, write) TLB check of a `size`-byte access at the
 * i64 address in local `addr` fails, the current context's first TLB array at byte `tlb`
 * (local): the tag in the slot of the access's first byte against the page of its last byte,
 * and the high word. Leaves the slot's byte address in local `idx` and, given `lo`, the
 * address's low word in that local. The access functions and lower.ts's memo sites use it.
 */
export function tlbCheckFails(f: Body, addr: number, tlb: number, idx: number, store: boolean, size: number, lo = -1): void {
  // The entry's byte address in the first TLB array: tlb + ((lo >>> 12) & TLB_MASK) * 4.
  f.get(addr).op(W.i32_wrap_i64);
  if (lo >= 0) f.tee(lo);
  f.i32(10).op(W.i32_shr_u).i32(0x3ffc).op(W.i32_and).get(tlb).op(W.i32_add).tee(idx);
  f.mem(W.i32_load, tlbArray(store ? T.W_TAG : T.R_TAG));
  if (lo >= 0) f.get(lo);
  else f.get(addr).op(W.i32_wrap_i64);
  if (size > 1) f.i32(size - 1).op(W.i32_add);
  f.i32(-4096).op(W.i32_and, W.i32_ne);
  f.get(idx).mem(W.i32_load, tlbArray(store ? T.W_TAG_HI : T.R_TAG_HI)).get(addr).i64(32, 0).op(W.i64_shr_u, W.i32_wrap_i64, W.i32_ne);
  f.op(W.i32_or);
}

/**
 * After a store at the host offset in local `off`: clears the reservation in the exit words of
 * the registers at byte `x` (local) when the store wrote the reserved doubleword, as the
 * interpreter's stores do. The access functions and lower.ts's memo sites use it.
 */
export function clearReservationIfHit(f: Body, x: number, off: number): void {
  f.get(x).mem(W.i32_load, X_RESV).i32(0).op(W.i32_ge_s).open(W.if, 'resv');
  f.get(off).i32(-8).op(W.i32_and).get(x).mem(W.i32_load, X_RESV).i32(-8).op(W.i32_and, W.i32_eq).open(W.if, 'hit');
  f.get(x).i32(-1).mem(W.i32_store, X_RESV);
  f.end().end();
}

function build(a: number): Body {
  const store = a >= Op.SB - Op.LB, size = SIZE[a];
  // Parameters: [x,] tlb, address[, value].
  const X = 0, TLB = store ? 1 : 0, ADDR = TLB + 1, VALUE = ADDR + 1;
  const f = new Body(store ? 4 : 2);
  const lo = f.local(I32), idx = f.local(I32);
  tlbCheckFails(f, ADDR, TLB, idx, store, size, lo);
  f.open(W.if, 'fail');
  if (!store) f.i64(0, 0);
  f.i32(1).op(W.return);
  f.end();
  // The host offset: the entry's page plus the offset in the page.
  f.get(idx).mem(W.i32_load, tlbArray(store ? T.W_OFF : T.R_OFF)).get(lo).i32(0xfff).op(W.i32_and, W.i32_add);
  if (!store) {
    f.mem(OPCODE[a]).i32(0);
    return f;
  }
  f.tee(idx).get(VALUE).mem(OPCODE[a]); // idx: the host offset from here on
  clearReservationIfHit(f, X, idx);
  f.i32(0);
  return f;
}

