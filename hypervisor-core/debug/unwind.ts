/**
 * Stack unwinding with frame pointers, for code built with -fno-omit-frame-pointer (gcc's
 * RISC-V frame layout: s0/fp = the CFA, i.e. sp on entry; the return address at fp-8 and the
 * caller's fp at fp-16; a leaf function that saves no ra keeps the caller's fp at fp-8).
 * The innermost frame is special: before the prologue has set s0 (or in a leaf), the return
 * address is still in ra; a scan of the function's first instructions tells which case holds.
 */
import { disassemble } from '../hart/isa/disassembler';
import type { DebugSymbols } from './debug-symbols';

/** One frame, innermost first. */
export interface StackFrame {
  /** The frame's pc: the stop pc for frame 0, a return address for the others. */
  pc: bigint;
  /** Frame pointer (CFA) of the frame, when known. */
  fp: bigint;
  /** Function name (the innermost inlined function when DWARF says so), or undefined. */
  name?: string;
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

/** Unwinds the stack of a stopped vCPU. */
export function unwindStack(t: UnwindTarget, syms: DebugSymbols | undefined): StackFrame[] {
  const nameAt = (pc: bigint, inner: boolean): string | undefined => {
    if (!syms) return undefined;
    const a = Number(inner ? pc : pc - 1n); // a return address belongs to the call before it
    return syms.functionAt(a) ?? syms.symbolAt(a)?.name;
  };
  const frames: StackFrame[] = [{ pc: t.pc, fp: t.fp, name: nameAt(t.pc, true) }];
  const sym = syms?.symbolAt(Number(t.pc));
  let callerPc: bigint | undefined;
  let callerFp: bigint | undefined;
  if (sym) {
    const st = prologueState(t, BigInt(sym.start));
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
  let prevFp = frames[0].fp;
  while (frames.length < MAX_FRAMES && callerPc !== undefined && callerFp !== undefined) {
    if (callerPc === 0n || (callerPc & 1n) !== 0n) break;
    if (syms && !syms.symbolAt(Number(callerPc - 1n))) break;
    frames.push({ pc: callerPc, fp: callerFp, name: nameAt(callerPc, false) });
    // Frames grow down: each caller's frame lies above the callee's.
    if (callerFp === 0n || (callerFp & 7n) !== 0n || callerFp <= prevFp) break;
    prevFp = callerFp;
    const fp = callerFp;
    callerPc = t.read64(fp - 8n);
    callerFp = t.read64(fp - 16n);
  }
  return frames;
}
