/**
 * Stack unwinding: with DWARF call-frame information when the ELF has it for the stop pc
 * (`.debug_frame`/`.eh_frame`: exact at every instruction, prologues and leaf functions
 * included), handing over to frame pointers at the first frame it does not cover. Frame pointers, for code built with -fno-omit-frame-pointer (gcc's
 * RISC-V frame layout: s0/fp = the CFA, i.e. sp on entry; the return address at fp-8 and the
 * caller's fp at fp-16; a leaf function that saves no ra keeps the caller's fp at fp-8).
 * The innermost frame is special: before the prologue has set s0 (or in a leaf), the return
 * address is still in ra; a scan of the function's first instructions tells which case holds.
 */
import { disassemble } from '../hart/isa/disassembler';
import type { DebugSymbols } from './debug-symbols';
import { bigAddr, codeAddr } from './address';

/** One frame, innermost first. */
export interface StackFrame {
  /** The frame's pc: the stop pc for frame 0, a return address for the others. */
  pc: bigint;
  /** Frame pointer (CFA) of the frame, when known. */
  fp: bigint;
  /** Function name (the innermost inlined function when DWARF says so), or undefined. */
  name?: string;
  /**
   * The frame's integer registers x1..x31 as call-frame information recovered them (all of
   * them in the innermost frame); absent ones are unknown. Undefined for frames found by
   * frame pointers.
   */
  regs?: Map<number, bigint>;
}

/** What the unwinder needs from the stopped vCPU. */
export interface UnwindTarget {
  pc: bigint;
  sp: bigint;
  fp: bigint;
  ra: bigint;
  /** Reads a 64-bit little-endian value through the vCPU's translation, or undefined. */
  read64(addr: bigint): bigint | undefined;
  /** Reads the instruction bits at an address (16 or 32), or undefined. */
  readInsn(addr: bigint): number | undefined;
  /** Integer register x1..x31 of the stopped vCPU (for call-frame information). */
  reg?(n: number): bigint;
}

const MAX_FRAMES = 64;
const PROLOGUE_SCAN = 24;

/** How far the innermost function's prologue has gone at `pc`. */
function prologueState(t: UnwindTarget, start: bigint): { fpSet: boolean; raSaved: boolean } {
  let fpSet = false, raSaved = false;
  for (let a = start, n = 0; a < t.pc && n < PROLOGUE_SCAN; n++) {
    const raw = t.readInsn(a);
    if (raw === undefined) break;
    const d = disassemble(raw, a);
    if (/^(c\.)?sd\tra,\d+\(sp\)/.test(d.text)) raSaved = true;
    if (/^(c\.)?addi?\ts0,sp,/.test(d.text) || /^mv\ts0,sp$/.test(d.text)) { fpSet = true; break; }
    a += BigInt(d.length);
  }
  return { fpSet, raSaved };
}

/** The function name of a frame's pc (a return address belongs to the call before it). */
function nameAt(syms: DebugSymbols | undefined, pc: bigint, inner: boolean): string | undefined {
  if (!syms) return undefined;
  const a = codeAddr(inner ? pc : pc - 1n);
  return syms.functionAt(a) ?? syms.symbolAt(a)?.name;
}

const U64 = (1n << 64n) - 1n;
const SP = 2, FP = 8;

/**
 * Unwinds the stack of a stopped vCPU: call-frame information first, frame pointers otherwise.
 * `named` false leaves the frames' names out: a sampler at VM exits names pcs later, once per
 * distinct pc, instead of looking each frame up in DWARF at every sample.
 */
export function unwindStack(t: UnwindTarget, syms: DebugSymbols | undefined, named = true): StackFrame[] {
  const names = named ? syms : undefined;
  const cfi = syms && t.reg ? unwindCfi(t, syms, names) : undefined;
  return cfi ?? unwindFramePointers(t, syms, names);
}

/**
 * Unwinds with DWARF call-frame information (undefined when the stop pc has none). Each
 * frame's CFA is the caller's sp at the call; saved registers are read at CFA + offset.
 */
export function unwindCfi(t: UnwindTarget, syms: DebugSymbols, names: DebugSymbols | undefined = syms): StackFrame[] | undefined {
  if (!t.reg) return undefined;
  let regs = new Map<number, bigint>();
  for (let i = 1; i < 32; i++) regs.set(i, t.reg(i));
  const frames: StackFrame[] = [];
  let pc = t.pc;
  let prevCfa = -1n;
  while (frames.length < MAX_FRAMES) {
    const inner = frames.length === 0;
    const row = syms.frameRowAt(codeAddr(inner ? pc : pc - 1n));
    const base = row?.cfaReg !== undefined ? regs.get(row.cfaReg) : undefined;
    if (!row || base === undefined) {
      if (inner) return undefined;
      // No CFI for this caller: frame pointers from here (gcc's s0 is the CFA).
      const fp = regs.get(FP);
      frames.push({ pc, fp: fp ?? 0n, name: nameAt(names, pc, false), regs });
      if (fp !== undefined && fp > prevCfa) framePointerCallers(t, syms, frames, fp, names);
      return frames;
    }
    const cfa = (base + BigInt(row.cfaOffset)) & U64;
    frames.push({ pc, fp: cfa, name: nameAt(names, pc, inner), regs });
    // Frames grow down: each caller's CFA lies above the callee's.
    if (cfa <= prevCfa) break;
    prevCfa = cfa;
    const caller = new Map(regs);
    for (const [reg, rule] of row.rules) {
      let v: bigint | undefined;
      switch (rule.kind) {
        case 'offset': v = t.read64((cfa + BigInt(rule.offset)) & U64); break;
        case 'val-offset': v = (cfa + BigInt(rule.offset)) & U64; break;
        case 'register': v = regs.get(rule.reg); break;
        case 'same': v = regs.get(reg); break;
        default: v = undefined;
      }
      if (v === undefined) caller.delete(reg); else caller.set(reg, v);
    }
    caller.set(SP, cfa);
    // Without a rule, the return address is still in ra only in the innermost frame (a leaf).
    const ra = row.rules.has(row.returnColumn) || inner ? caller.get(row.returnColumn) : undefined;
    if (ra === undefined || ra === 0n || (ra & 1n) !== 0n || !syms.symbolAt(codeAddr(ra - 1n))) break;
    pc = ra;
    regs = caller;
  }
  return frames;
}

/** Unwinds with frame pointers only. */
export function unwindFramePointers(t: UnwindTarget, syms: DebugSymbols | undefined,
  names: DebugSymbols | undefined = syms): StackFrame[] {
  const frames: StackFrame[] = [{ pc: t.pc, fp: t.fp, name: nameAt(names, t.pc, true) }];
  const sym = syms?.symbolAt(codeAddr(t.pc));
  let callerPc: bigint | undefined;
  let callerFp: bigint | undefined;
  if (sym) {
    const st = prologueState(t, bigAddr(sym.start));
    if (!st.fpSet) {
      callerPc = t.ra;
      callerFp = t.fp;
    } else if (!st.raSaved) {
      callerPc = t.ra;
      callerFp = t.read64(t.fp - 8n);
    }
    frames[0].fp = st.fpSet ? t.fp : t.sp;
  }
  if (callerPc === undefined) {
    callerPc = t.read64(t.fp - 8n);
    callerFp = t.read64(t.fp - 16n);
  }
  followFramePointers(t, syms, frames, callerPc, callerFp, names);
  return frames;
}

/** Appends the callers of the last frame, whose frame pointer (CFA) is `fp`. */
function framePointerCallers(t: UnwindTarget, syms: DebugSymbols | undefined, frames: StackFrame[], fp: bigint,
  names: DebugSymbols | undefined): void {
  followFramePointers(t, syms, frames, t.read64(fp - 8n), t.read64(fp - 16n), names);
}

/** Follows the chain of saved (ra, fp) pairs from a caller's pc and frame pointer. */
function followFramePointers(t: UnwindTarget, syms: DebugSymbols | undefined, frames: StackFrame[],
  callerPc: bigint | undefined, callerFp: bigint | undefined, names: DebugSymbols | undefined): void {
  let prevFp = frames[frames.length - 1].fp;
  while (frames.length < MAX_FRAMES && callerPc !== undefined && callerFp !== undefined) {
    if (callerPc === 0n || (callerPc & 1n) !== 0n) break;
    if (syms && !syms.symbolAt(codeAddr(callerPc - 1n))) break;
    frames.push({ pc: callerPc, fp: callerFp, name: nameAt(names, callerPc, false) });
    // Frames grow down: each caller's frame lies above the callee's.
    if (callerFp === 0n || (callerFp & 7n) !== 0n || callerFp <= prevFp) break;
    prevFp = callerFp;
    const fp = callerFp;
    callerPc = t.read64(fp - 8n);
    callerFp = t.read64(fp - 16n);
  }
}
