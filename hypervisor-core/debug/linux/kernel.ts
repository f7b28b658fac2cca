/**
 * What the Linux commands need from the kernel's symbols, and nothing more (a port): the
 * address of a global (ELF symbol table), the layout of a type (offsets and sizes from the
 * kernel's DWARF through the C type reader), and guest memory through a vCPU's translation.
 * No offset is hard-coded: a kernel built with another configuration has other layouts and
 * they are read from its vmlinux. Without symbols, each lookup fails with a LinuxError naming
 * what is missing.
 */
import type { GuestDebugger } from '../guest-debugger';
import { bigAddr } from '../address';
import { programsOf, valueMemory } from '../c-context';
import { CType, findMember, sizeOf } from '../types';
import { Slot } from '../../hart/hart-state';

/** A Linux command cannot do its work: one line saying why (missing symbols, unreadable memory). */
export class LinuxError extends Error {}

/** How to get the kernel's symbols, said in every "missing" message. */
const HOW = 'load the kernel\'s vmlinux with its debug information ("symbols" in launch.json)';

const MASK = (1n << 64n) - 1n;

/** Kernel globals, type layouts and memory, seen from one stopped vCPU. */
/** Types by name per debugger: the DWARF of a session's symbol files does not change. */
const typeCache = new WeakMap<GuestDebugger, Map<string, CType | null>>();

export class Kernel {
  private readonly types: Map<string, CType | null>;
  private readonly read: (address: bigint, size: number) => Uint8Array | null;

  constructor(private readonly d: GuestDebugger, readonly vcpu: number) {
    const mem = valueMemory(d, vcpu);
    this.read = (a, n) => mem.read(a, n);
    let types = typeCache.get(d);
    if (!types) typeCache.set(d, types = new Map());
    this.types = types;
  }

  /** The address of a kernel global; throws LinuxError when the symbol is unknown. */
  symbol(name: string, command: string): bigint {
    const a = this.d.addressOfSymbol(name);
    if (a === undefined) throw new LinuxError(`${command}: the kernel symbol '${name}' is not known: ${HOW}`);
    return bigAddr(a);
  }

  /** True when the kernel symbol exists. */
  has(name: string): boolean {
    return this.d.addressOfSymbol(name) !== undefined;
  }

  /** A type from the kernel's DWARF ('struct task_struct'); throws LinuxError when absent. */
  type(name: string, command: string): CType {
    let t = this.types.get(name);
    if (t === undefined) {
      t = null;
      for (const p of programsOf(this.d)) {
        t = p.namedType(name) ?? null;
        if (t) break;
      }
      this.types.set(name, t);
    }
    if (!t) throw new LinuxError(`${command}: the type '${name}' is not in the kernel's debug information: ${HOW}`);
    return t;
  }

  /** The byte offset of a member (nested members as 'a.b'); throws LinuxError when there is none. */
  offset(typeName: string, member: string, command: string): number {
    let t = this.type(typeName, command);
    let off = 0;
    for (const part of member.split('.')) {
      const m = findMember(t, part);
      if (!m) throw new LinuxError(`${command}: '${typeName}' has no member '${member}' in this kernel's debug information`);
      off += m.offset;
      t = m.type;
    }
    return off;
  }

  /** The size of a type. */
  size(typeName: string, command: string): number {
    return sizeOf(this.type(typeName, command));
  }

  /** True when the type has the member (kernels differ: task_struct.cpu or thread_info.cpu). */
  hasMember(typeName: string, member: string): boolean {
    try {
      const t = this.type(typeName, '');
      return findMember(t, member) !== undefined;
    } catch {
      return false;
    }
  }

  /** Bytes of guest memory; throws LinuxError when unreadable. */
  bytes(address: bigint, size: number): Uint8Array {
    const b = this.read(address & MASK, size);
    if (!b || b.length < size) throw new LinuxError(`cannot read ${size} bytes of kernel memory at 0x${(address & MASK).toString(16)}`);
    return b;
  }

  /** An unsigned little-endian integer of 1, 2, 4 or 8 bytes. */
  uint(address: bigint, size: number): bigint {
    const b = this.bytes(address, size);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  /** A signed little-endian integer. */
  int(address: bigint, size: number): bigint {
    return BigInt.asIntN(size * 8, this.uint(address, size));
  }

  /** A pointer (8 bytes on RV64). */
  ptr(address: bigint): bigint {
    return this.uint(address, 8);
  }

  /** A NUL-terminated string of at most `max` bytes (a char array or a char *'s target), bytes outside ASCII as '?'. */
  text(address: bigint, max: number): string {
    let s = '';
    // Page by page: a short string just below an unmapped page still reads.
    for (let at = 0; at < max;) {
      const a = (address + BigInt(at)) & MASK;
      const chunk = Math.min(max - at, 4096 - Number(a & 0xfffn));
      const b = this.read(a, chunk);
      if (!b) break;
      for (const c of b) {
        if (c === 0) return s;
        s += c === 10 || c === 9 || (c >= 0x20 && c < 0x7f) ? String.fromCharCode(c) : '?';
      }
      at += chunk;
    }
    return s;
  }

  /**
   * The task a vCPU runs: RISC-V Linux keeps `current` in tp while in the kernel, and in
   * sscratch (the guest's vsscratch) while in user mode (arch/riscv/kernel/entry.S).
   * Undefined when the value is not a kernel address.
   */
  currentTask(vcpu: number): bigint | undefined {
    const h = this.d.hart(vcpu);
    const user = h.virt && h.priv === 0;
    const v = user
      ? (BigInt(h.hi(Slot.VSSCRATCH) >>> 0) << 32n) | BigInt(h.lo(Slot.VSSCRATCH) >>> 0)
      : (BigInt(h.x[9] >>> 0) << 32n) | BigInt(h.x[8] >>> 0);
    return v >> 63n === 1n ? v : undefined;
  }
}
