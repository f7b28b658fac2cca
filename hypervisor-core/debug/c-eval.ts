/**
 * Evaluates C expressions (c-parser.ts) to typed values in a stopped frame: names are the
 * frame's locals, then its unit's statics, then globals (FrameScope), then enumerators,
 * then the debugger's own names (`$a0`, `$sstatus`, ELF symbols, exit-filter fields). C's
 * rules: integer promotions and the usual arithmetic conversions on 64-bit signed/unsigned
 * values (C11 6.3.1), pointer arithmetic scaled by the pointee, array-to-pointer decay,
 * casts to any named type (`(struct task_struct *)$tp`), sizeof, doubles.
 *
 * Values from registers and bare ELF symbols have no C type: they are "raw" 64-bit numbers,
 * printed as the console always did (`0x1235 (4661) <sym>`).
 */
import type { ExprEnv } from './expression';
import { ExprError } from './expression';
import { CNode, TypeSpec, parseC } from './c-parser';
import type { FrameScope } from './frame-scope';
import {
  BOOL, CHAR, CType, DOUBLE, INT, LONG, ULONG, UINT, findMember, isCharType, isInteger, isSigned, sizeOf, strip, typeName,
} from './types';
import {
  CValue, ValueMemory, assign, derefOf, doubleValue, elementOf, intValue, memberOf, readBytes, toBigInt, toDouble,
} from './values';

/** A value of the evaluator: a typed value, maybe raw (registers, bare symbols), maybe a string literal. */
export interface EvalValue extends CValue {
  /** No C type: printed as hex and decimal. */
  raw?: boolean;
  /** A string literal or an exit-filter string. */
  str?: string;
  /** A pointer made by casting a number (`(uint32_t *)0x80300000`): what it points at reads as raw memory. */
  fromNumber?: boolean;
}

/** What an evaluation can see. */
export interface EvalContext {
  /** The frame's C scope (locals, globals, types); absent without DWARF or outside a stop. */
  scope?: FrameScope;
  /** The debugger's names (registers, symbols, exit fields) and raw memory reads. */
  env: ExprEnv;
  /** Memory and registers for typed values. */
  mem: ValueMemory;
}

const RAW: CType = { kind: 'base', name: 'unsigned long', size: 8, encoding: 'unsigned' };

/** Types the debugger knows without DWARF (the console's `*(uint32_t *)ADDR`). */
const BUILTIN: Record<string, CType> = {};
/** The built-in types: values of these have no DWARF type and print as raw numbers. */
const BUILTIN_TYPES = new Set<CType>();
for (const [names, size, encoding] of [
  [['char'], 1, 'char'], [['signed char'], 1, 'signed'], [['unsigned char', 'uint8_t', 'u8'], 1, 'uchar'], [['int8_t', 's8'], 1, 'signed'],
  [['short', 'short int', 'signed short', 'int16_t', 's16'], 2, 'signed'], [['unsigned short', 'short unsigned int', 'unsigned short int', 'uint16_t', 'u16'], 2, 'unsigned'],
  [['int', 'signed', 'signed int', 'int32_t', 's32'], 4, 'signed'], [['unsigned', 'unsigned int', 'uint32_t', 'u32'], 4, 'unsigned'],
  [['long', 'long int', 'signed long', 'long long', 'long long int', 'int64_t', 's64', 'ssize_t', 'intptr_t'], 8, 'signed'],
  [['unsigned long', 'long unsigned int', 'unsigned long int', 'unsigned long long', 'long long unsigned int', 'uint64_t', 'u64', 'size_t', 'uintptr_t'], 8, 'unsigned'],
  [['float'], 4, 'float'], [['double'], 8, 'float'], [['_Bool', 'bool'], 1, 'bool'],
] as [string[], number, 'char'][]) {
  for (const n of names) BUILTIN_TYPES.add(BUILTIN[n] = { kind: 'base', name: n, size, encoding });
}

/** True for a type the debugger made up (no DWARF): `*(uint32_t *)ADDR` without symbols. */
export function isBuiltinType(t: CType): boolean {
  return BUILTIN_TYPES.has(t);
}
BUILTIN.void = { kind: 'void' };

/** gdb's spelling of base types in DWARF: `unsigned long` is `long unsigned int`. */
const DWARF_SPELLING: Record<string, string> = {
  'unsigned long': 'long unsigned int', 'unsigned int': 'unsigned int', unsigned: 'unsigned int', long: 'long int',
  'unsigned long long': 'long long unsigned int', 'long long': 'long long int', short: 'short int', 'unsigned short': 'short unsigned int',
  'unsigned char': 'unsigned char', 'signed char': 'signed char',
};

/** Resolves a written type: DWARF types of the frame's program first, then built-in ones. */
export function resolveType(spec: TypeSpec, scope: FrameScope | undefined): CType {
  let t = scope?.namedType(spec.base) ?? (DWARF_SPELLING[spec.base] ? scope?.namedType(DWARF_SPELLING[spec.base]) : undefined) ?? BUILTIN[spec.base];
  if (!t) throw new ExprError(`No symbol "${spec.base.replace(/^(struct|union|enum) /, '')}" in current context.`);
  for (let k = 0; k < spec.pointers; k++) t = { kind: 'pointer', target: t, size: 8 };
  return t;
}

/** True when `name` names a type for the parser (DWARF or built-in), and no variable hides it. */
export function typeNameTest(scope: FrameScope | undefined): (name: string) => boolean {
  return (name) => name in BUILTIN || (scope?.namedType(name) !== undefined && scope.lookup(name) === undefined);
}

/** Parses and evaluates `src` in `ctx`. Throws ExprError with one line on any error. */
export function evaluateC(src: string, ctx: EvalContext): EvalValue {
  return evalNode(parseC(src, typeNameTest(ctx.scope)), ctx);
}

const fail = (m: string): never => { throw new ExprError(m); };

function check<T>(v: T | string): T {
  if (typeof v === 'string') throw new ExprError(v.replace(/^<(.*)>$/, '$1'));
  return v;
}

const isFloat = (t: CType) => { const s = strip(t); return s.kind === 'base' && s.encoding === 'float'; };
const isPointer = (t: CType) => strip(t).kind === 'pointer';
const isArray = (t: CType) => strip(t).kind === 'array';

/** The integer of a value (arrays decay to their address). */
function intOf(v: EvalValue, ctx: EvalContext): bigint {
  if (v.str !== undefined) fail(`'${v.str}' is a string, not a number`);
  return check(toBigInt(v, ctx.mem));
}

/** The type an integer operand has after the integer promotions (C11 6.3.1.1). */
function promote(t: CType): CType {
  const s = strip(t);
  if (s.kind === 'enum') return s.size > 4 ? (s.signed ? LONG : ULONG) : INT;
  if (s.kind === 'base' && s.size < 4) return INT;
  if (s.kind === 'pointer') return ULONG;
  return t;
}

/** The usual arithmetic conversions of two promoted integer types (C11 6.3.1.8). */
function common(a: CType, b: CType): CType {
  const sa = sizeOf(a), sb = sizeOf(b), ua = !isSigned(a), ub = !isSigned(b);
  if (ua === ub) return sa >= sb ? a : b;
  const [u, s] = ua ? [a, b] : [b, a];
  if (sizeOf(u) >= sizeOf(s)) return u;
  return s; // the signed type is wider and holds every value of the unsigned one
}

/** An integer result wrapped to its type. */
function intResult(type: CType, v: bigint, raw = false): EvalValue {
  const size = sizeOf(type) || 8;
  const w = isSigned(type) ? BigInt.asIntN(size * 8, v) : BigInt.asUintN(size * 8, v);
  return { ...intValue(type, w), raw: raw || undefined };
}

/** A relational or equality operator applied to two numbers of one kind (C's int result); undefined for other operators. */
function compare<T extends number | bigint>(op: string, x: T, y: T): EvalValue | undefined {
  switch (op) {
    case '<': return boolResult(x < y);
    case '<=': return boolResult(x <= y);
    case '>': return boolResult(x > y);
    case '>=': return boolResult(x >= y);
    case '==': return boolResult(x === y);
    case '!=': return boolResult(x !== y);
  }
  return undefined;
}

function boolResult(b: boolean): EvalValue {
  return intValue(INT, b ? 1n : 0n);
}

function truthyValue(v: EvalValue, ctx: EvalContext): boolean {
  if (v.str !== undefined) return v.str.length > 0;
  if (isFloat(v.type)) return check(toDouble(v, ctx.mem)) !== 0;
  return intOf(v, ctx) !== 0n;
}

/** Evaluates one node. */
export function evalNode(n: CNode, ctx: EvalContext): EvalValue {
  switch (n.k) {
    case 'int': return intValue(n.long ? (n.unsigned ? ULONG : LONG) : n.unsigned ? UINT : INT, n.v);
    case 'float': return doubleValue(n.single ? { kind: 'base', name: 'float', size: 4, encoding: 'float' } : DOUBLE, n.v);
    case 'char': return intValue(CHAR, BigInt(n.v));
    case 'str': {
      const bytes = new Uint8Array([...Buffer.from(n.v, 'latin1'), 0]);
      return { type: { kind: 'array', element: CHAR, count: bytes.length }, bytes, str: n.v };
    }
    case 'name': return lookupName(n.name, ctx);
    case 'unary': return unaryOp(n.op, evalNode(n.a, ctx), ctx);
    case 'sizeof': {
      const t = n.type ? resolveType(n.type, ctx.scope) : evalNode(n.a!, ctx).type;
      return intValue(ULONG, BigInt(sizeOf(t)));
    }
    case 'cast': return castTo(resolveType(n.type, ctx.scope), evalNode(n.a, ctx), ctx);
    case 'cond': return truthyValue(evalNode(n.c, ctx), ctx) ? evalNode(n.a, ctx) : evalNode(n.b, ctx);
    case 'member': {
      let base = evalNode(n.a, ctx);
      if (n.arrow) {
        if (!isPointer(base.type)) fail(`The -> operator needs a pointer, not a ${typeName(base.type)}`);
        base = derefOf(base, ctx.mem);
      } else if (isPointer(base.type)) {
        base = derefOf(base, ctx.mem); // gdb accepts p.x for a pointer p
      }
      const s = strip(base.type);
      if (s.kind !== 'struct' && s.kind !== 'union') fail(`Attempt to extract a component of a value that is not a structure${n.arrow ? ' pointer' : ''}.`);
      const m = memberOf(base, n.name);
      if (!m) fail(`There is no member named ${n.name}.`);
      return m!;
    }
    case 'index': {
      const a = evalNode(n.a, ctx), i = intOf(evalNode(n.i, ctx), ctx);
      if (!isArray(a.type) && !isPointer(a.type)) fail(`cannot subscript something of type \`${typeName(a.type)}'`);
      return elementOf(a, i, ctx.mem);
    }
    case 'assign': {
      const target = evalNode(n.a, ctx);
      const v = evalNode(n.b, ctx);
      const err = assign(target, isFloat(v.type) ? check(toDouble(v, ctx.mem)) : intOf(v, ctx), ctx.mem);
      if (err) fail(err);
      return target;
    }
    case 'bin': return binaryOp(n.op, n.a, n.b, ctx);
  }
}

function lookupName(name: string, ctx: EvalContext): EvalValue {
  if (!name.startsWith('$')) {
    const v = ctx.scope?.lookup(name);
    if (v) return v;
    const e = ctx.scope ? enumerator(ctx.scope, name) : undefined;
    if (e) return e;
  }
  const raw = ctx.env.lookup(name);
  if (raw === undefined) fail(`No symbol "${name}" in current context.`);
  if (typeof raw === 'string') {
    const bytes = new Uint8Array([...Buffer.from(raw, 'latin1'), 0]);
    return { type: { kind: 'array', element: CHAR, count: bytes.length }, bytes, str: raw };
  }
  return { ...intValue(RAW, raw as bigint), raw: true };
}

/** An enumerator (`RED`) of the frame's unit or of a named enum. */
function enumerator(scope: FrameScope, name: string): EvalValue | undefined {
  const hit = scope.enumerator(name);
  return hit ? intValue(hit.type, hit.value) : undefined;
}

function unaryOp(op: string, a: EvalValue, ctx: EvalContext): EvalValue {
  switch (op) {
    case '+': return a;
    case '-': {
      if (isFloat(a.type)) return doubleValue(a.type, -check(toDouble(a, ctx.mem)));
      const t = a.raw ? RAW : promote(a.type);
      return intResult(t, -intOf(a, ctx), a.raw);
    }
    case '~': { const t = a.raw ? RAW : promote(a.type); return intResult(t, ~intOf(a, ctx), a.raw); }
    case '!': return boolResult(!truthyValue(a, ctx));
    case '*': {
      if (a.raw) return { ...intValue(RAW, readRaw(intOf(a, ctx), 8, ctx)), raw: true };
      if (!isPointer(a.type) && !isArray(a.type)) fail(`Attempt to take contents of a non-pointer value.`);
      const s = strip(a.type);
      if (s.kind === 'pointer' && strip(s.target).kind === 'void') fail('Attempt to take contents of a non-pointer value.');
      const target: EvalValue = derefOf(a, ctx.mem);
      // `*(uint32_t *)ADDR` examines memory: shown as the console always showed raw numbers.
      if (a.fromNumber && isInteger(target.type)) target.raw = true;
      return target;
    }
    case '&': {
      if (a.address === undefined) fail(a.reg !== undefined ? `Address requested for a value in register ${a.reg}` : 'Attempt to take address of value not located in memory.');
      return { type: { kind: 'pointer', target: a.type, size: 8 }, bytes: intValue(ULONG, a.address as bigint).bytes };
    }
  }
  return fail(`unknown operator ${op}`);
}

function readRaw(address: bigint, size: number, ctx: EvalContext): bigint {
  const v = ctx.env.read?.(address, size);
  if (v === undefined) fail(`Cannot access memory at address 0x${address.toString(16)}`);
  return v!;
}

function castTo(t: CType, v: EvalValue, ctx: EvalContext): EvalValue {
  const s = strip(t);
  if (s.kind === 'struct' || s.kind === 'union' || s.kind === 'array') fail(`Invalid cast to ${typeName(t)}.`);
  if (s.kind === 'void') return { type: t, error: 'void' };
  if (s.kind === 'base' && s.encoding === 'float') return doubleValue(t, isFloat(v.type) ? check(toDouble(v, ctx.mem)) : Number(intOf(v, ctx)));
  if (s.kind === 'base' && s.encoding === 'bool') return intValue(t, truthyValue(v, ctx) ? 1n : 0n);
  const i = isFloat(v.type) ? BigInt(Math.trunc(check(toDouble(v, ctx.mem)))) : intOf(v, ctx);
  const out = intResult(t, i);
  if (s.kind === 'pointer' && !isPointer(v.type) && !isArray(v.type)) out.fromNumber = true;
  return out;
}

function binaryOp(op: string, an: CNode, bn: CNode, ctx: EvalContext): EvalValue {
  if (op === '&&') return boolResult(truthyValue(evalNode(an, ctx), ctx) && truthyValue(evalNode(bn, ctx), ctx));
  if (op === '||') return boolResult(truthyValue(evalNode(an, ctx), ctx) || truthyValue(evalNode(bn, ctx), ctx));
  const a = evalNode(an, ctx), b = evalNode(bn, ctx);
  if (op === '@') {
    const n = Number(intOf(b, ctx));
    if (a.address === undefined) fail('Only values in memory can be extended with \'@\'.');
    if (n <= 0 || n > 1 << 20) fail(`Non-positive repeat count.`);
    return { type: { kind: 'array', element: a.type, count: n }, address: a.address };
  }
  // Strings compare by contents (exit-filter fields such as device == 'uart0').
  if (a.str !== undefined || b.str !== undefined) {
    if (op !== '==' && op !== '!=') fail(`cannot apply ${op} to a string`);
    const sa = a.str ?? cStringOf(a, ctx), sb = b.str ?? cStringOf(b, ctx);
    return boolResult((sa === sb) === (op === '=='));
  }
  const pa = isPointer(a.type) || isArray(a.type), pb = isPointer(b.type) || isArray(b.type);
  if ((op === '+' || op === '-') && (pa || pb) && !(a.raw || b.raw)) return pointerArith(op, a, b, pa, pb, ctx);
  if (isFloat(a.type) || isFloat(b.type)) {
    const x = check(toDouble(a, ctx.mem)), y = check(toDouble(b, ctx.mem));
    switch (op) {
      case '+': return doubleValue(DOUBLE, x + y);
      case '-': return doubleValue(DOUBLE, x - y);
      case '*': return doubleValue(DOUBLE, x * y);
      case '/': return doubleValue(DOUBLE, x / y);
      default: return compare(op, x, y) ?? fail(`Integer only operation ${op}.`);
    }
  }
  const raw = !!(a.raw || b.raw);
  const ta = a.raw ? RAW : promote(a.type), tb = b.raw ? RAW : promote(b.type);
  const t = op === '<<' || op === '>>' ? ta : common(ta, tb);
  const signed = isSigned(t);
  const conv = (v: bigint, from: CType) => (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(sizeOf(t) * 8, isSigned(from) ? BigInt.asIntN(sizeOf(from) * 8, v) : v));
  const x = conv(intOf(a, ctx), ta), y = conv(intOf(b, ctx), tb);
  switch (op) {
    case '+': return intResult(t, x + y, raw);
    case '-': return intResult(t, x - y, raw);
    case '*': return intResult(t, x * y, raw);
    case '/': if (y === 0n) fail('Division by zero'); return intResult(t, x / y, raw);
    case '%': if (y === 0n) fail('Division by zero'); return intResult(t, x % y, raw);
    case '&': return intResult(t, x & y, raw);
    case '|': return intResult(t, x | y, raw);
    case '^': return intResult(t, x ^ y, raw);
    case '<<': return intResult(t, x << (y & 63n), raw);
    case '>>': return intResult(t, x >> (y & 63n), raw);
  }
  return compare(op, x, y) ?? fail(`unknown operator ${op}`);
}

function pointerArith(op: string, a: EvalValue, b: EvalValue, pa: boolean, pb: boolean, ctx: EvalContext): EvalValue {
  const target = (v: EvalValue): CType => { const s = strip(v.type); return s.kind === 'pointer' ? s.target : s.kind === 'array' ? s.element : BOOL; };
  const scale = (v: EvalValue) => BigInt(sizeOf(target(v)) || 1);
  const ptrType = (v: EvalValue): CType => (isPointer(v.type) ? v.type : { kind: 'pointer', target: target(v), size: 8 });
  if (pa && pb) {
    if (op === '+') fail('cannot add two pointers');
    return intValue(LONG, (BigInt.asIntN(64, intOf(a, ctx)) - BigInt.asIntN(64, intOf(b, ctx))) / scale(a));
  }
  const [p, i] = pa ? [a, b] : [b, a];
  if (op === '-' && pb) fail('cannot subtract a pointer from a number');
  const off = BigInt.asIntN(64, intOf(i, ctx)) * scale(p);
  const base = intOf(p, ctx);
  return intValue(ptrType(p), op === '+' ? base + off : base - off);
}

function cStringOf(v: EvalValue, ctx: EvalContext): string {
  const s = strip(v.type);
  if (s.kind === 'array' && isCharType(s.element)) {
    const b = readBytes(v, ctx.mem);
    if (typeof b === 'string') fail(b);
    const z = (b as Uint8Array).indexOf(0);
    return Buffer.from((b as Uint8Array).subarray(0, z < 0 ? undefined : z)).toString('latin1');
  }
  return fail(`cannot compare a ${typeName(v.type)} with a string`);
}

/** Is this a value a condition can test (anything but structs, arrays and errors)? */
export function conditionValue(v: EvalValue, ctx: EvalContext): boolean {
  if (v.error) fail(v.error);
  const s = strip(v.type);
  if (s.kind === 'struct' || s.kind === 'union') fail(`a ${typeName(v.type)} is not a condition`);
  return truthyValue(v, ctx);
}

export { isInteger, findMember };
