/**
 * One guest instruction of a block as WebAssembly, with the registers as i64 locals: the
 * same effect, exits and counts as its JavaScript in compile.ts (insnSource), which is the
 * reference the differential tests hold it to.
 */
import { Op } from '../../isa/opcodes';
import { Insn, branchImm, pcAdd } from '../compile';
import { Helper } from './arith';
import { Body, W } from './emit';
import { T, tlbArray } from './abi';
import { accessOpcode, accessSize, clearReservationIfHit, isAccess, isStore, tlbCheckFails } from './access';

/** Where a lowered instruction goes besides straight on: the region builder's control flow. */
export interface Flow {
  /** Leaves before instruction k of the current block (not executed) with pc (lo, hi). */
  exitAt(k: number, lo: number, hi: number): void;
  /** Goes on at pc (lo, hi) after k instructions of the current block: another block of the region, or out. */
  goTo(k: number, lo: number, hi: number): void;
  /** Goes on after k instructions at the pc held in local `target` (JALR). */
  indirect(k: number): void;
}

/** A load or store site's remembered page: its virtual page (0x800: none yet) and host page offset. */
export interface Memo { page: number; off: number }

/** The locals and parameters the lowering reads and writes. */
export interface Frame {
  readonly f: Body;
  /** Local of register r (1..31), or -1: the register is read and written in memory at x + 8r. */
  readonly reg: Int32Array;
  /**
   * Parameters: the registers' byte address (the reservation is at x + X_RESV) and the
   * context's first TLB array's (the others at tlbArray offsets from it). RAM starts at byte 0.
   */
  readonly x: number; readonly tlb: number;
  /** Scratch: an effective address (i64), a TLB index (i32), a host offset (i32). */
  readonly target: number; readonly idx: number; readonly off: number;
  /** The next site's memo, or null past the memo limit. */
  site(): Memo | null;
  /** The index of the module's function for load or store `op` (access.ts). */
  accessFn(op: Op): number;
}

/** Pushes register r's value (x0 reads 0). */
function get(fr: Frame, r: number): void {
  if (r === 0) fr.f.i64(0, 0);
  else if (fr.reg[r] >= 0) fr.f.get(fr.reg[r]);
  else fr.f.get(fr.x).mem(W.i64_load, 8 * r);
}

/** Before the value to {@link put} in register r is pushed: the store's address when r lives in memory. */
function pre(fr: Frame, r: number): void {
  if (r !== 0 && fr.reg[r] < 0) fr.f.get(fr.x);
}

/** Pops the value into register r (x0 drops it); {@link pre} came before the value. */
function put(fr: Frame, r: number): void {
  if (r === 0) fr.f.op(W.drop);
  else if (fr.reg[r] >= 0) fr.f.set(fr.reg[r]);
  else fr.f.mem(W.i64_store, 8 * r);
}

/** Binary i64 operations of R-type and I-type ALU instructions (the W forms and M below). */
const ALU64: Partial<Record<Op, number>> = {
  [Op.ADD]: W.i64_add, [Op.ADDI]: W.i64_add, [Op.SUB]: W.i64_sub,
  [Op.XOR]: W.i64_xor, [Op.XORI]: W.i64_xor, [Op.OR]: W.i64_or, [Op.ORI]: W.i64_or,
  [Op.AND]: W.i64_and, [Op.ANDI]: W.i64_and,
  // wasm takes the shift amount modulo 64, as RV64 does (rs2[5:0]).
  [Op.SLL]: W.i64_shl, [Op.SLLI]: W.i64_shl, [Op.SRL]: W.i64_shr_u, [Op.SRLI]: W.i64_shr_u,
  [Op.SRA]: W.i64_shr_s, [Op.SRAI]: W.i64_shr_s, [Op.MUL]: W.i64_mul,
};
const COMPARE: Partial<Record<Op, number>> = { [Op.SLT]: W.i64_lt_s, [Op.SLTI]: W.i64_lt_s, [Op.SLTU]: W.i64_lt_u, [Op.SLTIU]: W.i64_lt_u };
/** W forms on the low 32 bits (wasm takes i32 shift amounts modulo 32), the result sign-extended. */
const ALU32: Partial<Record<Op, number>> = {
  [Op.ADDW]: W.i32_add, [Op.ADDIW]: W.i32_add, [Op.SUBW]: W.i32_sub, [Op.SLLW]: W.i32_shl, [Op.SLLIW]: W.i32_shl,
  [Op.SRLW]: W.i32_shr_u, [Op.SRLIW]: W.i32_shr_u, [Op.SRAW]: W.i32_shr_s, [Op.SRAIW]: W.i32_shr_s, [Op.MULW]: W.i32_mul,
};
const HELPER: Partial<Record<Op, Helper>> = {
  [Op.MULH]: Helper.MULH, [Op.MULHSU]: Helper.MULHSU, [Op.MULHU]: Helper.MULHU,
  [Op.DIV]: Helper.DIV, [Op.REM]: Helper.REM, [Op.DIVU]: Helper.DIVU, [Op.REMU]: Helper.REMU,
  [Op.DIVW]: Helper.DIVW, [Op.REMW]: Helper.REMW, [Op.DIVUW]: Helper.DIVUW, [Op.REMUW]: Helper.REMUW,
};

/** Whether `op` is lowered to a call of an M helper (arith.ts). */
export function callsHelper(op: Op): boolean {
  return HELPER[op] !== undefined;
}

const BRANCH: Partial<Record<Op, number>> = {
  [Op.BEQ]: W.i64_eq, [Op.BNE]: W.i64_ne, [Op.BLT]: W.i64_lt_s, [Op.BGE]: W.i64_ge_s, [Op.BLTU]: W.i64_lt_u, [Op.BGEU]: W.i64_ge_u,
};

/** Whether an op is an I-type ALU op (its second operand is the immediate). */
function immediateForm(op: Op): boolean {
  return (op >= Op.ADDI && op <= Op.SRAI) || (op >= Op.ADDIW && op <= Op.SRAIW);
}

/** Emits instruction i, the k-th of its block. */
export function lower(fr: Frame, flow: Flow, i: Insn, k: number): void {
  const f = fr.f, { op, insn } = i;
  const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const imm = insn >> 20;
  const second = (): void => {
    if (immediateForm(op)) f.i64(imm, imm >> 31);
    else get(fr, rs2);
  };
  const a64 = ALU64[op], cmp = COMPARE[op], a32 = ALU32[op], helper = HELPER[op];
  if (a64 !== undefined || cmp !== undefined || a32 !== undefined || helper !== undefined) {
    if (rd === 0) return;
    pre(fr, rd);
    get(fr, rs1);
    if (a32 !== undefined) f.op(W.i32_wrap_i64);
    second();
    if (a64 !== undefined) f.op(a64);
    else if (cmp !== undefined) f.op(cmp, W.i64_extend_i32_u);
    else if (a32 !== undefined) f.op(W.i32_wrap_i64, a32, W.i64_extend_i32_s);
    else f.call(1 + helper!);
    put(fr, rd);
    return;
  }
  if (isAccess(op)) {
    access(fr, flow, i, k, isStore(op) ? -1 : rd, rs1, rs2);
    return;
  }
  const [nlo, nhi] = pcAdd(i.pcLo, i.pcHi, i.len);
  switch (op) {
    case Op.FENCE: return; // one hart's accesses are already in order
    case Op.LUI:
      if (rd !== 0) { pre(fr, rd); f.i64(insn & 0xfffff000, insn >> 31); put(fr, rd); }
      return;
    case Op.AUIPC:
      if (rd !== 0) { pre(fr, rd); f.i64(...pcAdd(i.pcLo, i.pcHi, insn & 0xfffff000)); put(fr, rd); }
      return;
    case Op.JAL:
      if (rd !== 0) { pre(fr, rd); f.i64(nlo, nhi); put(fr, rd); }
      flow.goTo(k + 1, ...pcAdd(i.pcLo, i.pcHi, branchImm(i)!));
      return;
    case Op.JALR:
      // The target from rs1 before the link is written (rd may be rs1).
      get(fr, rs1); f.i64(imm, imm >> 31).op(W.i64_add).set(fr.target);
      if (rd !== 0) { pre(fr, rd); f.i64(nlo, nhi); put(fr, rd); }
      flow.indirect(k + 1);
      return;
    default: {
      const cond = BRANCH[op];
      if (cond === undefined) throw new Error(`wasm: op ${op} not in a block`);
      get(fr, rs1); get(fr, rs2); f.op(cond).open(W.if, 'taken');
      flow.goTo(k + 1, ...pcAdd(i.pcLo, i.pcHi, branchImm(i)!));
      f.end();
      flow.goTo(k + 1, nlo, nhi);
    }
  }
}

/**
 * A load (rd >= 0) or store (rd = -1) of `size` bytes at rs1 + imm through the read or write
 * TLB: leaves before it when the access crosses its page or the TLB has no entry for the page
 * (as compile.ts does), else accesses RAM at the entry's host offset. A site with a memo
 * checks it inline and calls nothing while the page stays the same (a loop's accesses); any
 * other calls the module's function for the access (access.ts).
 */
function access(fr: Frame, flow: Flow, i: Insn, k: number, rd: number, rs1: number, rs2: number): void {
  const f = fr.f, insn = i.insn, load = rd >= 0;
  const size = accessSize(i.op), opcode = accessOpcode(i.op);
  const imm = load ? insn >> 20 : ((insn >> 20) & ~31) | ((insn >> 7) & 31);
  const exit = (): void => flow.exitAt(k, i.pcLo, i.pcHi);
  /** Pushes the effective address. */
  const address = (): void => {
    get(fr, rs1);
    if (imm !== 0) f.i64(imm, imm >> 31).op(W.i64_add);
  };
  const memo = fr.site();
  if (memo === null) {
    if (load) {
      pre(fr, rd);
      f.get(fr.tlb);
      address();
      f.call(fr.accessFn(i.op)).open(W.if, 'fail');
      exit();
      f.end();
      put(fr, rd); // x0: drops the value
    } else {
      f.get(fr.x).get(fr.tlb);
      address();
      get(fr, rs2);
      f.call(fr.accessFn(i.op)).open(W.if, 'fail');
      exit();
      f.end();
    }
    return;
  }
  const offs = tlbArray(load ? T.R_OFF : T.W_OFF);
  address();
  f.set(fr.target);
  // The memo holds a page: an access aligned to its size there cannot cross the page end, so
  // one comparison checks both. A misaligned one goes through the TLB check below.
  f.get(fr.target).i64(-4096 | (size - 1), -1).op(W.i64_and).get(memo.page).op(W.i64_ne).open(W.if, 'miss');
  // One comparison for a TLB miss and a page crossing (access.ts).
  tlbCheckFails(f, fr.target, fr.tlb, fr.idx, !load, size);
  f.open(W.if, 'tlb');
  exit();
  f.end();
  f.get(fr.target).i64(-4096, -1).op(W.i64_and).set(memo.page);
  f.get(fr.idx).mem(W.i32_load, offs).set(memo.off);
  f.end();
  f.get(memo.off);
  f.get(fr.target).op(W.i32_wrap_i64).i32(0xfff).op(W.i32_and, W.i32_add).set(fr.off);
  if (load) {
    if (rd === 0) return; // the access has no effect once the checks passed
    pre(fr, rd);
    f.get(fr.off).mem(opcode);
    put(fr, rd);
    return;
  }
  f.get(fr.off);
  get(fr, rs2);
  f.mem(opcode);
  clearReservationIfHit(f, fr.x, fr.off);
}
