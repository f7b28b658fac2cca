/**
 * C-level access to a stopped guest: the memory and registers values are read through, the
 * scope of a displayed stack frame, globals and types by name. Built on the debugger facade
 * (GuestDebugger) and the symbol files' DWARF; this is what the adapter's Locals/Globals
 * scopes, the C evaluator and the Linux commands use.
 *
 *   const c = cContext(d, vcpu);                 // the innermost frame of a vCPU
 *   const comm = memberOf(c.lookup('init_task')!, 'comm')!;
 *   formatValue(comm, c.mem);                     // "swapper/0\000..."
 *   const t = c.namedType('struct task_struct');  // for casts and container_of
 */
import type { GuestDebugger } from './guest-debugger';
import { bigAddr, codeAddr } from './address';
import { FrameScope, FrameState } from './frame-scope';
import type { ProgramDwarf } from './program';
import type { ValueMemory } from './values';

const MASK = (1n << 64n) - 1n;

/** The DWARF programs of every symbol file the debugger has (the kernel's first). */
export function programsOf(d: GuestDebugger): ProgramDwarf[] {
  const out: ProgramDwarf[] = [];
  for (const s of d.symbols) {
    const p = s.program();
    if (p) out.push(p);
  }
  return out;
}

/** Guest memory through a vCPU's current translation, with a frame's registers (default: the vCPU's own). */
export function valueMemory(d: GuestDebugger, vcpu: number, reg?: (n: number) => bigint | undefined, writable = true): ValueMemory {
  const h = d.hart(vcpu);
  const hartReg = (n: number): bigint | undefined => {
    if (n === 0) return 0n;
    if (n > 0 && n < 32) return (BigInt(h.x[2 * n + 1] >>> 0) << 32n) | BigInt(h.x[2 * n] >>> 0);
    if (n >= 32 && n < 64) return (BigInt(h.fp.w[2 * (n - 32) + 1] >>> 0) << 32n) | BigInt(h.fp.w[2 * (n - 32)] >>> 0);
    return undefined;
  };
  return {
    read: (address, size) => d.memory.readVirt(h, address & MASK, size),
    write: (address, bytes) => d.memory.writeVirt(h, address & MASK, bytes) === bytes.length,
    reg: reg ?? hartReg,
    setReg: writable ? (n, v) => {
      if (n > 0 && n < 32) {
        h.x[2 * n] = Number(BigInt.asIntN(32, v));
        h.x[2 * n + 1] = Number(BigInt.asIntN(32, v >> 32n));
        return true;
      }
      if (n >= 32 && n < 64) {
        h.fp.w[2 * (n - 32)] = Number(BigInt.asIntN(32, v));
        h.fp.w[2 * (n - 32) + 1] = Number(BigInt.asIntN(32, v >> 32n));
        return true;
      }
      return false;
    } : undefined,
    // gdb labels a pointer with the data symbol holding it, else the function.
    describe: (address) => {
      const a = codeAddr(address);
      for (const s of d.symbols) {
        const l = s.dataLabel(a);
        if (l) return l;
      }
      return d.describeAddress(address);
    },
  };
}

/** A displayed frame's physical frame and inline level (callStack expands frames into inline levels). */
function framePosition(d: GuestDebugger, vcpu: number, displayIndex: number): { physical: number; inlineLevel: number } {
  const shown = d.callStack(vcpu);
  const f = shown[Math.min(Math.max(displayIndex, 0), shown.length - 1)];
  return f ? { physical: f.physical, inlineLevel: f.inlineLevel } : { physical: 0, inlineLevel: 0 };
}

/**
 * The C scope of one displayed frame of a stopped vCPU (0: the innermost); names, values,
 * locals and the unit's globals as `FrameScope` gives them.
 */
export function cContext(d: GuestDebugger, vcpu: number, displayIndex = 0): FrameScope {
  const frames = d.stackTrace(vcpu);
  const { physical, inlineLevel } = framePosition(d, vcpu, displayIndex);
  const state = (i: number, level: number): FrameState | undefined => {
    const f = frames[i];
    if (!f) return undefined;
    const inner = i === 0;
    const baseMem = valueMemory(d, vcpu);
    return {
      pc: f.pc, inner, cfa: f.fp || undefined, inlineLevel: level,
      reg: inner ? baseMem.reg : (n) => (n === 0 ? 0n : f.regs?.get(n)),
      caller: () => state(i + 1, 0),
    };
  };
  const frame = state(physical, inlineLevel) ?? { pc: bigAddr(0), inner: true, reg: () => undefined, inlineLevel: 0 };
  const programs = programsOf(d);
  const at = codeAddr(frame.inner ? frame.pc : frame.pc - 1n);
  const own = d.symbols.find((s) => s.symbolAt(at) || s.lineAt(at))?.program() ?? programs[0];
  const mem = valueMemory(d, vcpu, frame.reg, physical === 0);
  const symbolAddress = (name: string) => { const a = d.addressOfSymbol(name); return a === undefined ? undefined : bigAddr(a); };
  return new FrameScope(own, frame, mem, programs.filter((p) => p !== own), symbolAddress);
}
