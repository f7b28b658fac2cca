/**
 * What a data breakpoint can watch, from what the user points at: a register holding an
 * address (the memory it points to), an address expression (`0x80201000`, `$sp + 16`,
 * `counter`), or a C-style memory expression (`*(uint32_t*)&x` style: `*(uint32_t*)0x80201000`
 * watches those 4 bytes, not the address held there).
 */
import type { GuestDebugger } from './guest-debugger';
import { ExprError, compileExpression } from './expression';
import { registerByName } from './registers';

/** A watchable range of guest virtual memory. */
export interface WatchTarget {
  address: bigint;
  size: number;
  /** Shown by the UI, e.g. "8 bytes at 0x80201000 (where sp points)". */
  description: string;
}

const hex = (v: bigint): string => '0x' + v.toString(16);

/** The memory a register points to (`size` bytes), or undefined when it is not an address register. */
export function registerTarget(d: GuestDebugger, vcpu: number, name: string, size = 8): WatchTarget | undefined {
  const r = registerByName(name);
  if (!r || !r.address || r.group !== 'general') return undefined;
  const address = r.get(d.hart(vcpu));
  const sym = d.describeAddress(address);
  return { address, size, description: `${size} bytes at ${hex(address)}${sym ? ` <${sym}>` : ''} (where ${name} points)` };
}

/** The memory an expression designates; throws ExprError with a one-line message. */
export function expressionTarget(d: GuestDebugger, vcpu: number, src: string, size?: number): WatchTarget {
  const env = d.exprEnv(vcpu);
  let last: { address: bigint; size: number } | undefined;
  const value = compileExpression(src)({
    lookup: env.lookup,
    read: (address, n) => { last = { address, size: n }; return env.read?.(address, n); },
  });
  if (/^\s*\*/.test(src) && last) {
    // A dereference: watch the bytes it reads (the outermost read is the last one).
    const n = size ?? last.size;
    return { address: last.address, size: n, description: `${n} bytes at ${hex(last.address)} (${src.trim()})` };
  }
  if (typeof value !== 'bigint') throw new ExprError(`'${src}' is not an address`);
  const n = size ?? 8;
  const sym = d.describeAddress(value);
  return { address: value, size: n, description: `${n} bytes at ${hex(value)}${sym ? ` <${sym}>` : ''}` };
}

/** Encodes a target as a DAP dataId ("0x80201000/8"). */
export function watchDataId(t: WatchTarget): string {
  return `${hex(t.address)}/${t.size}`;
}

/** Decodes a dataId; undefined when malformed (an address beyond 64 bits included). */
export function parseWatchDataId(id: string): { address: bigint; size: number } | undefined {
  const m = /^(0x[0-9a-f]{1,16})\/(\d{1,9})$/i.exec(id.trim());
  return m ? { address: BigInt(m[1]), size: Number(m[2]) } : undefined;
}
