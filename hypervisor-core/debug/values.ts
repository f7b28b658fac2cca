/**
 * Typed C values: where a value lives (guest memory, a register, computed bytes), how to
 * read it as an integer or a double, its members and elements, and its text as gdb prints
 * it (`{a = 1, b = 0x80201000 <table>}`, `"swapper/0\000\000"`, `RED`, `3.1415926535897931`),
 * so values can be compared with gdb's. Guest memory is read through ports; an unreadable
 * address gives `<error: cannot read 0x...>`, never an exception.
 */
import type { Location } from './location';
import {
  CType, Member, findMember, isCharType, isInteger, isSigned, sizeOf, strip, typeName, ULONG, LONG, INT,
} from './types';

/** How values reach the guest. */
export interface ValueMemory {
  /** Reads guest virtual memory; null (or fewer bytes) when unreadable. */
  read(address: bigint, size: number): Uint8Array | null;
  /** Writes guest virtual memory; false when any byte could not be written. */
  write(address: bigint, bytes: Uint8Array): boolean;
  /** A register of the value's frame by DWARF number; undefined when the frame lost it. */
  reg(n: number): bigint | undefined;
  /** Writes a register of the innermost frame; false when it cannot. */
  setReg?(n: number, v: bigint): boolean;
  /** "symbol" or "symbol+0x10" for an address, when it has one. */
  describe?(address: bigint): string | undefined;
}

/** A typed value. */
export interface CValue {
  type: CType;
  /** An lvalue in guest memory (with a bitfield's position inside it). */
  address?: bigint;
  bitOffset?: number;
  bitSize?: number;
  /** A register lvalue (DWARF number). */
  reg?: number;
  /** The bytes when known without reading memory (registers, computed and implicit values). */
  bytes?: Uint8Array;
  /** Why there is no value: 'optimized out', or an error. */
  error?: string;
}

const U64 = (1n << 64n) - 1n;
/** Bytes read at most for one value's display (big arrays are paged, not read whole). */
export const MAX_VALUE_BYTES = 1 << 16;
/** Characters a string shows at most (gdb's `print elements` is 200). */
export const MAX_STRING = 200;

/** Little-endian bytes of an integer. */
export function bytesOf(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < size && i < 8; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

function intOf(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = Math.min(b.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** A value from a location description. */
export function fromLocation(type: CType, loc: Location, mem: ValueMemory): CValue {
  const size = sizeOf(type);
  switch (loc.kind) {
    case 'memory': return { type, address: loc.address & U64 };
    case 'register': {
      const v = mem.reg(loc.reg);
      return v === undefined ? { type, error: 'optimized out' } : { type, reg: loc.reg, bytes: bytesOf(v, Math.min(size || 8, 8)) };
    }
    case 'value': return { type, bytes: bytesOf(loc.value, Math.min(size || 8, 8)) };
    case 'implicit': return { type, bytes: loc.bytes };
    case 'optimized': return { type, error: 'optimized out' };
    case 'error': return { type, error: loc.message };
    case 'pieces': {
      const out = new Uint8Array(size);
      let at = 0;
      for (const p of loc.pieces) {
        const n = Math.ceil(p.bits / 8);
        const part = fromLocation({ kind: 'base', name: 'piece', size: n, encoding: 'unsigned' }, p.loc, mem);
        if (part.error) return { type, error: part.error };
        const b = readBytes(part, mem, n);
        if (typeof b === 'string') return { type, error: b };
        out.set(b.subarray(0, Math.min(n, size - at)), at);
        at += n;
        if (at >= size) break;
      }
      return { type, bytes: out };
    }
  }
}

/** A value made from an integer (literals, arithmetic results). */
export function intValue(type: CType, v: bigint): CValue {
  return { type, bytes: bytesOf(v, Math.max(1, Math.min(sizeOf(type) || 8, 8))) };
}

/** A double value. */
export function doubleValue(type: CType, v: number): CValue {
  const size = sizeOf(type) || 8;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (size === 4) dv.setFloat32(0, v, true); else dv.setFloat64(0, v, true);
  return { type, bytes: b };
}

/** The value's bytes (`size` of them, default its type's), or the error text. */
export function readBytes(v: CValue, mem: ValueMemory, size = sizeOf(v.type)): Uint8Array | string {
  if (v.error) return `<${v.error}>`;
  if (v.bytes) return v.bytes.length >= size ? v.bytes.subarray(0, size) : padded(v.bytes, size);
  if (v.address === undefined) return '<no value>';
  if (size > MAX_VALUE_BYTES) return `<${size} bytes: too large to read at once>`;
  const b = mem.read(v.address, size);
  if (!b || b.length < size) return `<error: cannot read 0x${v.address.toString(16)}>`;
  return b;
}

function padded(b: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(b.subarray(0, size));
  return out;
}

/** The value as a 64-bit integer (signed types sign-extended), or the error text. */
export function toBigInt(v: CValue, mem: ValueMemory): bigint | string {
  const s = strip(v.type);
  if (s.kind === 'array' || s.kind === 'function') {
    // Arrays and functions decay to their address.
    if (v.address !== undefined) return v.address;
    return '<not an lvalue>';
  }
  if (s.kind === 'base' && s.encoding === 'float') {
    const d = toDouble(v, mem);
    return typeof d === 'string' ? d : BigInt(Math.trunc(d));
  }
  if (s.kind === 'struct' || s.kind === 'union') return `<a ${typeName(v.type)} is not a number>`;
  if (v.bitSize !== undefined && v.address !== undefined) {
    const span = Math.ceil(((v.bitOffset ?? 0) + v.bitSize) / 8);
    const b = readBytes({ type: v.type, address: v.address }, mem, span);
    if (typeof b === 'string') return b;
    let raw = 0n;
    for (let i = b.length - 1; i >= 0; i--) raw = (raw << 8n) | BigInt(b[i]);
    const field = (raw >> BigInt(v.bitOffset ?? 0)) & ((1n << BigInt(v.bitSize)) - 1n);
    return isSigned(v.type) ? BigInt.asIntN(v.bitSize, field) : field;
  }
  const size = sizeOf(v.type) || 8;
  const b = readBytes(v, mem, Math.min(size, 8));
  if (typeof b === 'string') return b;
  const raw = intOf(b);
  return isSigned(v.type) ? BigInt.asIntN(size * 8, raw) : BigInt.asUintN(size * 8, raw);
}

/** The value as a double (floats and integers), or the error text. */
export function toDouble(v: CValue, mem: ValueMemory): number | string {
  const s = strip(v.type);
  if (s.kind === 'base' && s.encoding === 'float') {
    const b = readBytes(v, mem);
    if (typeof b === 'string') return b;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (s.size === 4) return dv.getFloat32(0, true);
    if (s.size === 8) return dv.getFloat64(0, true);
    return `<${s.size}-byte floats are not supported>`;
  }
  const i = toBigInt(v, mem);
  return typeof i === 'string' ? i : Number(i);
}

/** A member of a struct/union value (anonymous members searched too); undefined when there is none. */
export function memberOf(v: CValue, name: string): CValue | undefined {
  const m = findMember(v.type, name);
  return m ? memberValue(v, m) : undefined;
}

/** The value of member `m` of a struct/union value. */
export function memberValue(v: CValue, m: Member): CValue {
  if (v.error) return { type: m.type, error: v.error };
  const out: CValue = { type: m.type };
  if (m.bitSize !== undefined) { out.bitSize = m.bitSize; out.bitOffset = m.bitOffset; }
  if (v.address !== undefined) { out.address = (v.address + BigInt(m.offset)) & U64; return out; }
  if (v.bytes) {
    const size = m.bitSize !== undefined ? Math.ceil(((m.bitOffset ?? 0) + m.bitSize) / 8) : sizeOf(m.type);
    const bytes = padded(v.bytes.subarray(m.offset, m.offset + size), size);
    if (m.bitSize === undefined) return { type: m.type, bytes };
    let raw = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) raw = (raw << 8n) | BigInt(bytes[i]);
    const field = (raw >> BigInt(m.bitOffset ?? 0)) & ((1n << BigInt(m.bitSize)) - 1n);
    return { type: m.type, bytes: bytesOf(field, Math.max(1, sizeOf(m.type))) };
  }
  return { type: m.type, error: 'no value' };
}

/** Element `i` of an array value, or what a pointer points at plus `i`. */
export function elementOf(v: CValue, i: number | bigint, mem: ValueMemory): CValue {
  const s = strip(v.type);
  if (s.kind === 'pointer') {
    const p = toBigInt(v, mem);
    if (typeof p === 'string') return { type: s.target, error: p.slice(1, -1) };
    return { type: s.target, address: (p + BigInt(i) * BigInt(sizeOf(s.target) || 1)) & U64 };
  }
  if (s.kind !== 'array') return { type: v.type, error: `${typeName(v.type)} is not an array or pointer` };
  const size = sizeOf(s.element);
  if (v.error) return { type: s.element, error: v.error };
  if (v.address !== undefined) return { type: s.element, address: (v.address + BigInt(i) * BigInt(size)) & U64 };
  const at = Number(i) * size;
  if (v.bytes && at >= 0 && at + size <= v.bytes.length) return { type: s.element, bytes: v.bytes.subarray(at, at + size) };
  return { type: s.element, error: 'index out of range' };
}

/** What a pointer value points at. */
export function derefOf(v: CValue, mem: ValueMemory): CValue {
  return elementOf(v, 0, mem);
}

/** Writes an integer or double into an lvalue; returns an error text or undefined on success. */
export function assign(v: CValue, value: bigint | number, mem: ValueMemory): string | undefined {
  if (v.error) return `cannot assign: ${v.error}`;
  const s = strip(v.type);
  if (s.kind === 'struct' || s.kind === 'union' || s.kind === 'array' || s.kind === 'function') return `cannot assign a number to a ${typeName(v.type)}`;
  const size = sizeOf(v.type);
  let bytes: Uint8Array;
  if (s.kind === 'base' && s.encoding === 'float') bytes = doubleValue(v.type, Number(value)).bytes!;
  else bytes = bytesOf(typeof value === 'number' ? BigInt(Math.trunc(value)) : value, size);
  if (v.bitSize !== undefined && v.address !== undefined) {
    const span = Math.ceil(((v.bitOffset ?? 0) + v.bitSize) / 8);
    const cur = mem.read(v.address, span);
    if (!cur || cur.length < span) return `cannot read 0x${v.address.toString(16)}`;
    let raw = intOf(cur);
    const mask = ((1n << BigInt(v.bitSize)) - 1n) << BigInt(v.bitOffset ?? 0);
    const iv = typeof value === 'number' ? BigInt(Math.trunc(value)) : value;
    raw = (raw & ~mask) | ((iv << BigInt(v.bitOffset ?? 0)) & mask);
    return mem.write(v.address, bytesOf(raw, span)) ? undefined : `cannot write 0x${v.address.toString(16)}`;
  }
  if (v.address !== undefined) return mem.write(v.address, bytes) ? undefined : `cannot write 0x${v.address.toString(16)}`;
  if (v.reg !== undefined) {
    const cur = mem.reg(v.reg) ?? 0n;
    const keep = size >= 8 ? 0n : cur & ~((1n << BigInt(size * 8)) - 1n);
    const nv = keep | intOf(bytes);
    return mem.setReg?.(v.reg, nv) ? undefined : 'this register cannot be changed in this frame';
  }
  return 'not an lvalue: it has no storage to change';
}

// ---- display ----

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\033', 34: '\\"', 92: '\\\\' };

function charText(c: number, quote: '"' | "'"): string {
  if (c === 39) return quote === "'" ? "\\'" : "'";
  if (c === 34) return quote === '"' ? '\\"' : '"';
  if (ESCAPES[c]) return ESCAPES[c];
  if (c >= 32 && c < 127) return String.fromCharCode(c);
  return '\\' + c.toString(8).padStart(3, '0');
}

/** A char array as gdb prints it: runs of more than 10 equal chars as `'c' <repeats N times>`, one trailing NUL dropped. */
export function charArrayText(b: Uint8Array, limit = MAX_STRING): string {
  let n = b.length;
  if (n > 0 && b[n - 1] === 0) n--;
  // gdb stops at the NUL that ends a run of NULs going to the end of the array
  const parts: string[] = [];
  let str = '';
  const flush = () => { if (str) { parts.push(`"${str}"`); str = ''; } };
  let shown = 0;
  for (let i = 0; i < n && shown < limit;) {
    let j = i;
    while (j < n && b[j] === b[i]) j++;
    const run = j - i;
    if (run > 10) {
      flush();
      parts.push(`'${charText(b[i], "'")}' <repeats ${run} times>`);
      shown += 10;
    } else {
      for (let k = 0; k < run; k++) str += charText(b[i], '"');
      shown += run;
    }
    i = j;
  }
  flush();
  if (shown >= limit && n > limit) parts.push('...');
  return parts.length ? parts.join(', ') : '""';
}

/** A NUL-terminated string at `address` (at most `limit` chars), gdb-style with quotes; undefined when unreadable. */
export function cString(address: bigint, mem: ValueMemory, limit = MAX_STRING): string | undefined {
  let s = '';
  for (let at = 0; at < limit;) {
    const chunk = Math.min(64, limit - at, 4096 - Number((address + BigInt(at)) & 0xfffn));
    const b = mem.read(address + BigInt(at), chunk);
    if (!b || b.length === 0) return at === 0 ? undefined : `"${s}"...`;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0) return `"${s}"`;
      s += charText(b[i], '"');
    }
    at += b.length;
  }
  return `"${s}"...`;
}

/** %.17g / %.9g as gdb prints doubles and floats. */
export function floatText(d: number, size: number): string {
  if (Number.isNaN(d)) return d < 0 ? '-nan(0x8000000000000)' : 'nan(0x8000000000000)';
  if (!Number.isFinite(d)) return d < 0 ? '-inf' : 'inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const p = size === 4 ? 9 : 17;
  const exp = Math.floor(Math.log10(Math.abs(d)));
  if (exp < -4 || exp >= p) {
    const [m, e] = d.toExponential(p - 1).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const t = d.toPrecision(p);
  return t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t;
}

/** A pointer's text: `0x80201000 <table>`, `0x0`, or for char pointers the string too. */
function pointerText(v: CValue, p: bigint, mem: ValueMemory): string {
  const s = strip(v.type);
  const text = '0x' + p.toString(16);
  if (p === 0n) return text;
  const target = s.kind === 'pointer' ? strip(s.target) : undefined;
  if (target && isCharType(target)) {
    const str = cString(p, mem);
    return str === undefined ? `${text} <error: cannot read 0x${p.toString(16)}>` : `${text} ${str}`;
  }
  const sym = mem.describe?.(p);
  return sym ? `${text} <${sym}>` : text;
}

/** The value's text as gdb prints it; `budget` bounds how much of an aggregate is shown. */
export function formatValue(v: CValue, mem: ValueMemory, budget = 400): string {
  if (v.error) return `<${v.error}>`;
  const s = strip(v.type);
  switch (s.kind) {
    case 'void': return 'void';
    case 'function': return v.address !== undefined ? `{${typeName(v.type)}} ${pointerText({ type: { kind: 'pointer', target: v.type, size: 8 } }, v.address, mem)}` : `{${typeName(v.type)}}`;
    case 'base': {
      if (s.encoding === 'float') {
        const d = toDouble(v, mem);
        return typeof d === 'string' ? d : floatText(d, s.size);
      }
      const i = toBigInt(v, mem);
      if (typeof i === 'string') return i;
      if (s.encoding === 'bool') return i === 0n ? 'false' : i === 1n ? 'true' : String(i);
      if (s.size === 1 && isCharType(s)) return `${i} '${charText(Number(BigInt.asUintN(8, i)), "'")}'`;
      return String(i);
    }
    case 'enum': {
      const i = toBigInt(v, mem);
      if (typeof i === 'string') return i;
      const e = s.values.find((x) => x.value === i || BigInt.asUintN(s.size * 8, x.value) === BigInt.asUintN(s.size * 8, i));
      if (e) return e.name;
      // A flag enum: gdb prints (A | B | unknown: 0x..); a plain unknown value as a number.
      return String(i);
    }
    case 'pointer': {
      const p = toBigInt(v, mem);
      return typeof p === 'string' ? p : pointerText(v, BigInt.asUintN(64, p), mem);
    }
    case 'array': {
      if (isCharType(s.element) && s.count !== undefined) {
        const b = readBytes(v, mem, Math.min(s.count, MAX_VALUE_BYTES));
        return typeof b === 'string' ? b : charArrayText(b);
      }
      const n = s.count ?? 0;
      const items: string[] = [];
      let used = 2;
      for (let i = 0; i < n; i++) {
        if (used > budget || i >= 200) { items.push('...'); break; }
        const t = formatValue(elementOf(v, i, mem), mem, budget - used);
        // gdb folds runs of equal elements: `0 <repeats 16 times>`.
        let j = i + 1;
        while (j < n && j - i < 1000 && formatValue(elementOf(v, j, mem), mem, 64) === t) j++;
        if (j - i >= 10) { items.push(`${t} <repeats ${j - i} times>`); i = j - 1; } else items.push(t);
        used += t.length + 2;
      }
      return `{${items.join(', ')}}`;
    }
    case 'struct': case 'union': {
      if (s.incomplete) return '<incomplete type>';
      const items: string[] = [];
      let used = 2;
      for (const m of s.members()) {
        if (used > budget) { items.push('...'); break; }
        const t = formatValue(memberValue(v, m), mem, budget - used);
        const item = m.name === undefined ? t : `${m.name} = ${t}`;
        items.push(item);
        used += item.length + 2;
      }
      return `{${items.join(', ')}}`;
    }
    default: return '?';
  }
}

/** One child of an expandable value (a member, an element, a pointer's target). */
export interface ValueChild {
  name: string;
  value: CValue;
  /** How the child's C expression is made from its parent's: `.x`, `[3]`, `->x`, or `*` for a pointer's target. */
  access: { kind: 'member'; name: string } | { kind: 'index'; index: number } | { kind: 'deref' };
}

/** Elements shown at once before an array is paged (DAP indexedVariables). */
export const ARRAY_PAGE = 100;

/** How many children a value has (0 when it cannot be expanded): members, elements, one pointer target. */
export function childCount(v: CValue): number {
  if (v.error) return 0;
  const s = strip(v.type);
  if (s.kind === 'struct' || s.kind === 'union') return s.incomplete ? 0 : s.members().length;
  if (s.kind === 'array') return s.count ?? 0;
  if (s.kind === 'pointer') {
    const t = strip(s.target);
    return t.kind === 'void' || t.kind === 'function' || isCharType(t) ? 0 : 1;
  }
  return 0;
}

/** The children of a value; arrays from `start`, `count` of them. */
export function childrenOf(v: CValue, mem: ValueMemory, start = 0, count = ARRAY_PAGE): ValueChild[] {
  const s = strip(v.type);
  if (s.kind === 'struct' || s.kind === 'union') {
    return s.members().map((m, i) => ({ name: m.name ?? `<anonymous ${i}>`, value: memberValue(v, m), access: { kind: 'member', name: m.name ?? '' } }));
  }
  if (s.kind === 'array') {
    const n = s.count ?? 0;
    const out: ValueChild[] = [];
    for (let i = start; i < Math.min(n, start + count); i++) out.push({ name: `[${i}]`, value: elementOf(v, i, mem), access: { kind: 'index', index: i } });
    return out;
  }
  if (s.kind === 'pointer' && childCount(v) > 0) {
    const p = toBigInt(v, mem);
    if (typeof p === 'string' || p === 0n) return [];
    return [{ name: `*`, value: derefOf(v, mem), access: { kind: 'deref' } }];
  }
  return [];
}

/** The C type that arithmetic gives an integer of this type (integer promotions, C11 6.3.1.1). */
export function promoted(t: CType): CType {
  const s = strip(t);
  if (s.kind === 'enum') return s.size > 4 ? (s.signed ? LONG : ULONG) : INT;
  if (s.kind === 'base' && s.encoding !== 'float' && s.size < 4) return INT;
  return t;
}

/** True when the value can be expanded in a variables view. */
export function isAggregate(v: CValue): boolean {
  return childCount(v) > 0;
}

/** True for integer types (re-exported for the evaluator). */
export { isInteger };

/** A value of type `type` at a guest virtual address (a cast of an address to an lvalue). */
export function valueAt(type: CType, address: bigint): CValue {
  return { type, address: address & U64 };
}
