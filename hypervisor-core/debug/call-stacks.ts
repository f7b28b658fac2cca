/**
 * A vCPU's call stack as the debugger shows it: the unwound frames (unwind.ts) expanded into
 * the functions inlined at each pc, as gdb shows them, each level with its source line; and
 * the bare pcs of a stack at a VM exit, for the exit flame graph.
 */
import type { Hart } from '../hart/hart';
import { codeAddr } from './address';
import type { DebugSymbols } from './debug-symbols';
import type { GuestMemory } from './guest-memory';
import { readRegister } from './registers';
import { StackFrame, unwindStack } from './unwind';

/** A frame as the user sees it: the unwound frames expanded into the functions inlined there. */
export interface DisplayFrame {
  /** The frame's pc (a return address for callers); inlined levels share their frame's pc. */
  pc: bigint;
  name?: string;
  /** Local source position: the pc's line, or for an outer level the call of the inlined function. */
  source?: { path: string; line: number; column: number };
  /** True for an inlined function (it has no frame of its own on the stack). */
  inlined: boolean;
  /** The unwound frame this level belongs to (an index into stackTrace). */
  physical: number;
  /** The inline level within that frame: 0 is the innermost function at its pc. */
  inlineLevel: number;
}

/** What the stack views read of the debugger. */
export interface StackHost {
  readonly memory: GuestMemory;
  hart(vcpu: number): Hart;
  /** The symbols holding an address (first that knows it). */
  symbolsFor(addr: number): DebugSymbols | undefined;
  /** Local source position of a code address. */
  sourceAt(addr: number): { path: string; line: number; column: number } | undefined;
  /** A recorded source path as a local one. */
  toLocal(path: string): string;
}

const regOf = (h: Hart) => (n: number): bigint => (BigInt(h.x[2 * n + 1] >>> 0) << 32n) | BigInt(h.x[2 * n] >>> 0);

/** Instruction bits at a guest virtual address of a vCPU's address space. */
export function readInsn(memory: GuestMemory, h: Hart, addr: bigint): number | undefined {
  const lo = memory.readVirt(h, addr, 2);
  if (!lo || lo.length < 2) return undefined;
  const half = lo[0] | (lo[1] << 8);
  if ((half & 3) !== 3) return half;
  const hi = memory.readVirt(h, addr + 2n, 2);
  if (!hi || hi.length < 2) return undefined;
  return (half | (hi[0] << 16) | (hi[1] << 24)) >>> 0;
}

/** Reads a little-endian 64-bit value at a guest virtual address of the hart's address space. */
function read64(memory: GuestMemory, h: Hart, address: bigint): bigint | undefined {
  const b = memory.readVirt(h, address, 8);
  if (!b || b.length < 8) return undefined;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** The call stack of a vCPU, innermost first (the unwound frames, one per activation). */
export function stackTrace(host: StackHost, vcpu: number): StackFrame[] {
  const h = host.hart(vcpu);
  const reg = (n: string) => readRegister(h, n)!;
  const pc = reg('pc');
  return unwindStack({
    pc, sp: reg('sp'), fp: reg('s0'), ra: reg('ra'),
    read64: (a) => read64(host.memory, h, a),
    readInsn: (a) => readInsn(host.memory, h, a),
    reg: regOf(h),
  }, host.symbolsFor(codeAddr(pc)));
}

/**
 * The pcs of a vCPU's stack at an exit, innermost first, unnamed: `pc` is the exiting
 * instruction (the handler may have moved the hart's pc on), the registers are the vCPU's now.
 */
export function stackPcsAt(host: StackHost, vcpu: number, pc: bigint): bigint[] {
  const h = host.hart(vcpu);
  const reg = regOf(h);
  return unwindStack({
    pc, sp: reg(2), fp: reg(8), ra: reg(1),
    read64: (a) => read64(host.memory, h, a),
    readInsn: (a) => readInsn(host.memory, h, a),
    reg,
  }, host.symbolsFor(codeAddr(pc)), false).map((f) => f.pc);
}

/**
 * The call stack for display, innermost first: each unwound frame with the functions inlined
 * at its pc, each level with its source line; the innermost `hidden` inlined levels of the top
 * frame are shown as their calls (a stop at an inlined copy's entry).
 */
export function callStack(host: StackHost, vcpu: number, hidden: number): DisplayFrame[] {
  const out: DisplayFrame[] = [];
  stackTrace(host, vcpu).forEach((f, i) => {
    // A return address belongs to the call before it.
    const at = codeAddr(i === 0 ? f.pc : f.pc - 1n);
    const source = host.sourceAt(at);
    const syms = host.symbolsFor(at);
    const chain = syms?.inlineChainAt(at) ?? [];
    if (chain.length < 2) { out.push({ pc: f.pc, name: f.name, source, inlined: false, physical: i, inlineLevel: 0 }); return; }
    let src = source;
    for (const [k, level] of chain.entries()) {
      if (i > 0 || k >= hidden || !level.inlined) out.push({ pc: f.pc, name: level.name, source: src, inlined: level.inlined, physical: i, inlineLevel: k });
      src = level.call ? { path: host.toLocal(level.call.path), line: level.call.line, column: level.call.column } : undefined;
    }
    // DWARF without the out-of-line function: its ELF symbol closes the chain.
    if (chain[chain.length - 1].inlined) out.push({ pc: f.pc, name: syms?.symbolAt(at)?.name, source: src, inlined: false, physical: i, inlineLevel: chain.length });
  });
  return out;
}

