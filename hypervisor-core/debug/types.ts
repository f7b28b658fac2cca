/**
 * C types read from DWARF (spec chapter 5): base types, enums, typedefs, pointers, arrays
 * (one level per dimension), structs and unions with bitfields (DWARF 4/5
 * DW_AT_data_bit_offset and the DWARF 2-3 DW_AT_bit_offset/byte_size form), const/volatile,
 * function types. Built lazily from DIEs and cached per DIE; struct members are read on first
 * use, so a pointer to `struct task_struct` costs nothing until someone opens it. A struct
 * declared but not defined in a unit (`struct x;`) is completed from the name index.
 */
import type { Die, DieTree } from './dwarf/die-tree';
import { At, Ate, Tag } from './dwarf/constants';

/** A member of a struct or union. */
export interface Member {
  /** Undefined for anonymous struct/union members. */
  name?: string;
  type: CType;
  /** Byte offset of the member's storage. */
  offset: number;
  /** For bitfields: width and offset in bits from `offset` (little-endian: from the least significant bit). */
  bitSize?: number;
  bitOffset?: number;
}

/** A C type. */
export type CType =
  | { kind: 'void' }
  | { kind: 'base'; name: string; size: number; encoding: 'signed' | 'unsigned' | 'float' | 'bool' | 'char' | 'uchar' }
  | { kind: 'enum'; name?: string; size: number; signed: boolean; values: { name: string; value: bigint }[] }
  | { kind: 'pointer'; target: CType; size: number }
  | { kind: 'array'; element: CType; count?: number }
  | { kind: 'struct' | 'union'; name?: string; size: number; members: () => Member[]; incomplete?: boolean }
  | { kind: 'typedef'; name: string; target: CType }
  | { kind: 'qualified'; qualifier: 'const' | 'volatile' | 'restrict' | '_Atomic'; target: CType }
  | { kind: 'function'; returns: CType; params: CType[]; variadic: boolean };

/** The void type. */
export const VOID: CType = { kind: 'void' };
/** Types the evaluator makes itself (literals, comparisons, pointer differences). */
export const INT: CType = { kind: 'base', name: 'int', size: 4, encoding: 'signed' };
export const UINT: CType = { kind: 'base', name: 'unsigned int', size: 4, encoding: 'unsigned' };
export const LONG: CType = { kind: 'base', name: 'long', size: 8, encoding: 'signed' };
export const ULONG: CType = { kind: 'base', name: 'unsigned long', size: 8, encoding: 'unsigned' };
export const DOUBLE: CType = { kind: 'base', name: 'double', size: 8, encoding: 'float' };
export const CHAR: CType = { kind: 'base', name: 'char', size: 1, encoding: 'uchar' };
export const BOOL: CType = { kind: 'base', name: '_Bool', size: 1, encoding: 'bool' };

/** The type without typedefs and qualifiers (what operations look at). */
export function strip(t: CType): CType {
  for (let k = 0; k < 64 && (t.kind === 'typedef' || t.kind === 'qualified'); k++) t = t.target;
  return t;
}

/** Size in bytes (0 for void, functions and arrays of unknown length). */
export function sizeOf(t: CType): number {
  const s = strip(t);
  switch (s.kind) {
    case 'void': case 'function': return 0;
    case 'array': return s.count === undefined ? 0 : s.count * sizeOf(s.element);
    case 'typedef': case 'qualified': return 0; // a cycle strip gave up on
    default: return s.size;
  }
}

/** True for integer-like types (base integers, bool, char, enum). */
export function isInteger(t: CType): boolean {
  const s = strip(t);
  return (s.kind === 'base' && s.encoding !== 'float') || s.kind === 'enum';
}

/** True for signed integer types. */
export function isSigned(t: CType): boolean {
  const s = strip(t);
  return (s.kind === 'base' && s.encoding === 'signed') || (s.kind === 'enum' && s.signed);
}

/** True for char-sized character types (for strings). */
export function isCharType(t: CType): boolean {
  const s = strip(t);
  return s.kind === 'base' && s.size === 1 && (s.encoding === 'char' || s.encoding === 'uchar' || s.encoding === 'signed' || s.encoding === 'unsigned') && /char/.test(s.name);
}

/** The type's C spelling: `struct task_struct *`, `char [16]`, `int (*)(int)`, `const u64`. */
export function typeName(t: CType): string {
  return declarator(t, '', 0).trim();
}

/** C declarator syntax: the type around an inner declarator (the variable name or abstract). */
function declarator(t: CType, inner: string, depth: number): string {
  // Corrupt DWARF can make a type contain itself without a named struct in between.
  if (depth > 32) return join('...', inner);
  const declarator_ = (x: CType, i: string) => declarator(x, i, depth + 1);
  switch (t.kind) {
    case 'void': return join('void', inner);
    case 'base': return join(t.name, inner);
    case 'enum': return join(`enum ${t.name ?? '{...}'}`, inner);
    case 'struct': case 'union': return join(`${t.kind} ${t.name ?? '{...}'}`, inner);
    case 'typedef': return join(t.name, inner);
    case 'qualified': {
      const target = t.target;
      // Qualifiers of pointers go after the star: `char *const p`.
      if (target.kind === 'pointer') return declarator_(target, `${t.qualifier} ${inner}`.trim());
      return join(`${t.qualifier} ${declarator_(target, '').trim()}`, inner);
    }
    case 'pointer': {
      const tt = t.target;
      const needsParens = tt.kind === 'array' || tt.kind === 'function';
      return declarator_(tt, needsParens ? `(*${inner})` : `*${inner}`);
    }
    case 'array': return declarator_(t.element, `${inner}[${t.count ?? ''}]`);
    case 'function': {
      const params = t.params.map((p) => declarator_(p, '').trim());
      if (t.variadic) params.push('...');
      return declarator_(t.returns, `${inner}(${params.length ? params.join(', ') : 'void'})`);
    }
  }
}

function join(base: string, inner: string): string {
  return inner ? `${base} ${inner}` : base;
}

/** Finds full definitions of structs declared but not defined in a unit (`struct task_struct;`). */
export type DefinitionFinder = (kind: 'struct' | 'union' | 'enum', name: string) => CType | undefined;

/** Builds CTypes from the DIEs of one DieTree, cached per DIE. */
export class TypeReader {
  private readonly cache = new Map<number, CType>();

  constructor(private readonly tree: DieTree, private readonly definition?: DefinitionFinder) {}

  /** The type a DIE's DW_AT_type names (void when it has none). */
  typeOf(d: Die): CType {
    const t = this.tree.ref(d, At.type);
    return t ? this.read(t) : VOID;
  }

  /** The type a type DIE describes. */
  read(d: Die): CType {
    const hit = this.cache.get(d.offset);
    if (hit) return hit;
    const t = this.build(d);
    this.cache.set(d.offset, t);
    return t;
  }

  private build(d: Die): CType {
    const tree = this.tree;
    const name = tree.name(d);
    const size = tree.num(d, At.byte_size) ?? 0;
    switch (d.tag) {
      case Tag.base_type: {
        const enc = tree.num(d, At.encoding);
        const encoding = enc === Ate.float ? 'float' : enc === Ate.boolean ? 'bool' : enc === Ate.signed_char ? 'char'
          : enc === Ate.unsigned_char || enc === Ate.UTF ? 'uchar' : enc === Ate.signed ? 'signed' : 'unsigned';
        return { kind: 'base', name: name ?? 'int', size, encoding };
      }
      case Tag.unspecified_type: return VOID;
      case Tag.pointer_type: case Tag.reference_type: {
        // Inserted before its target is read, so self-referencing structs terminate.
        const p: CType = { kind: 'pointer', target: VOID, size: size || 8 };
        this.cache.set(d.offset, p);
        (p as { target: CType }).target = this.typeOf(d);
        return p;
      }
      case Tag.typedef: {
        const t: CType = { kind: 'typedef', name: name ?? '?', target: VOID };
        this.cache.set(d.offset, t);
        (t as { target: CType }).target = this.typeOf(d);
        return t;
      }
      case Tag.const_type: case Tag.volatile_type: case Tag.restrict_type: case Tag.atomic_type: {
        const qualifier = d.tag === Tag.const_type ? 'const' : d.tag === Tag.volatile_type ? 'volatile' : d.tag === Tag.restrict_type ? 'restrict' : '_Atomic';
        const t: CType = { kind: 'qualified', qualifier, target: VOID };
        this.cache.set(d.offset, t);
        (t as { target: CType }).target = this.typeOf(d);
        return t;
      }
      case Tag.enumeration_type: {
        if (tree.num(d, At.declaration) && name) {
          const def = this.definition?.('enum', name);
          if (def) return def;
        }
        const base = this.typeOf(d);
        const values = d.children.filter((c) => c.tag === Tag.enumerator).map((c) => {
          const v = tree.attr(c, At.const_value);
          return { name: tree.name(c) ?? '?', value: typeof v === 'number' ? BigInt(v) : 0n };
        });
        const signed = base.kind !== 'void' ? isSigned(base) : values.some((v) => v.value < 0n);
        return { kind: 'enum', name, size: size || 4, signed, values };
      }
      case Tag.structure_type: case Tag.union_type: {
        const kind = d.tag === Tag.structure_type ? 'struct' : 'union';
        if (tree.num(d, At.declaration) && name) {
          const def = this.definition?.(kind, name);
          if (def) return def;
          return { kind, name, size: 0, members: () => [], incomplete: true };
        }
        let members: Member[] | undefined;
        return { kind, name, size, members: () => (members ??= this.members(d)) };
      }
      case Tag.array_type: {
        const element = this.typeOf(d);
        const dims = d.children.filter((c) => c.tag === Tag.subrange_type).map((c) => {
          const count = tree.num(c, At.count);
          if (count !== undefined) return count;
          const ub = tree.attr(c, At.upper_bound);
          const lb = tree.num(c, At.lower_bound) ?? 0;
          return typeof ub === 'number' && ub >= lb && ub < 2 ** 32 ? ub - lb + 1 : undefined;
        });
        // int a[2][3]: an array of 2 arrays of 3 ints.
        let t: CType = element;
        for (let i = dims.length - 1; i >= 0; i--) t = { kind: 'array', element: t, count: dims[i] };
        return dims.length ? t : { kind: 'array', element };
      }
      case Tag.subroutine_type: case Tag.subprogram: {
        const params = d.children.filter((c) => c.tag === Tag.formal_parameter).map((c) => this.typeOf(c));
        return { kind: 'function', returns: this.typeOf(d), params, variadic: d.children.some((c) => c.tag === Tag.unspecified_parameters) };
      }
      default:
        return VOID;
    }
  }

  private members(d: Die): Member[] {
    const tree = this.tree;
    const out: Member[] = [];
    for (const c of d.children) {
      if (c.tag !== Tag.member) continue;
      const type = this.typeOf(c);
      const loc = tree.attr(c, At.data_member_location);
      let offset = typeof loc === 'number' ? loc : loc instanceof Uint8Array ? constantOffset(loc) : 0;
      const m: Member = { name: tree.name(c), type, offset };
      const bitSize = tree.num(c, At.bit_size);
      if (bitSize !== undefined) {
        const dbo = tree.num(c, At.data_bit_offset);
        if (dbo !== undefined) {
          offset = Math.floor(dbo / 8);
          m.offset = offset;
          m.bitOffset = dbo - offset * 8;
        } else {
          // DWARF 2-3: bit_offset counts from the most significant bit of a byte_size storage unit.
          const storage = tree.num(c, At.byte_size) ?? sizeOf(type);
          const bo = tree.num(c, At.bit_offset) ?? 0;
          m.bitOffset = storage * 8 - bo - bitSize;
        }
        m.bitSize = bitSize;
      }
      out.push(m);
    }
    return out;
  }
}

/** The offset of a DW_AT_data_member_location expression `DW_OP_plus_uconst N` (DWARF 2). */
function constantOffset(expr: Uint8Array): number {
  if (expr[0] !== 0x23) return 0;
  let v = 0, mul = 1;
  for (let i = 1; i < expr.length; i++) {
    v += (expr[i] & 0x7f) * mul;
    mul *= 128;
    if (!(expr[i] & 0x80)) break;
  }
  return v;
}

/** The member of a struct/union type named `name`, looking into anonymous members; with its total offset. */
export function findMember(t: CType, name: string): Member | undefined {
  const s = strip(t);
  if (s.kind !== 'struct' && s.kind !== 'union') return undefined;
  for (const m of s.members()) {
    if (m.name === name) return m;
    if (m.name === undefined) {
      const inner = findMember(m.type, name);
      if (inner) return { ...inner, offset: m.offset + inner.offset };
    }
  }
  return undefined;
}
