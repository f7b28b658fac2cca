/**
 * A tiny, safe C-like expression language for breakpoint conditions and the debug console
 * (no `eval`): integer literals (decimal, 0x hex, 0b binary), 'strings', names resolved by
 * the caller (`eid`, `gpa`, `$a0`, symbols), the C operators || && | ^ & == != < <= > >=
 * << >> + - * / % ! ~ and unary minus, parentheses, and memory reads written the C way:
 * `*(uint64_t*)0x80200000`, `*(uint8_t*)($sp + 8)`. Values are 64-bit unsigned integers
 * (bigint) or strings. Compiled once to closures; evaluation allocates little.
 */

/** A value: an unsigned 64-bit integer or a string (device names). */
export type ExprValue = bigint | string;

/** What an expression can see. */
export interface ExprEnv {
  /** The value of a name, or undefined when unknown (an error). */
  lookup(name: string): ExprValue | undefined;
  /** Reads `size` bytes at an address (for `*`); undefined when unreadable (an error). */
  read?(address: bigint, size: number): bigint | undefined;
  /** The vCPU the expression is evaluated on (for C conditions, which need its frame). */
  vcpu?: number;
}

/** A compiled expression. */
export type CompiledExpr = (env: ExprEnv) => ExprValue;

/** A syntax or evaluation error, with a one-line message. */
export class ExprError extends Error {}

const MASK = (1n << 64n) - 1n;
const TYPE_SIZES: Record<string, number> = {
  uint8_t: 1, int8_t: 1, char: 1, u8: 1, uint16_t: 2, int16_t: 2, short: 2, u16: 2,
  uint32_t: 4, int32_t: 4, int: 4, unsigned: 4, u32: 4, uint64_t: 8, int64_t: 8, long: 8, u64: 8,
  size_t: 8, uintptr_t: 8, void: 8,
};

type Tok = { k: 'num'; v: bigint } | { k: 'str'; v: string } | { k: 'id'; v: string } | { k: 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(0[xX][0-9a-fA-F_]+|0[bB][01_]+|\d[\d_]*)|('[^']*'|"[^"]*")|([$A-Za-z_.][\w.$]*)|(\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%&|^!~<>()]))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new ExprError(`unexpected '${src.slice(pos).trim()[0]}' in '${src}'`);
    pos = re.lastIndex;
    if (m[1] !== undefined) out.push({ k: 'num', v: BigInt(m[1].replace(/_/g, '')) & MASK });
    else if (m[2] !== undefined) out.push({ k: 'str', v: m[2].slice(1, -1) });
    else if (m[3] !== undefined) out.push({ k: 'id', v: m[3] });
    else out.push({ k: 'op', v: m[4] });
  }
  return out;
}

const LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

function num(v: ExprValue, what: string): bigint {
  if (typeof v !== 'bigint') throw new ExprError(`${what} needs a number, not '${v}'`);
  return v;
}
const bool = (b: boolean): bigint => (b ? 1n : 0n);

function applyBinary(op: string, a: ExprValue, b: ExprValue): ExprValue {
  if (op === '==' || op === '!=') {
    if (typeof a !== typeof b) throw new ExprError(`cannot compare '${a}' with '${b}'`);
    const eq = a === b;
    return bool(op === '==' ? eq : !eq);
  }
  const x = num(a, op), y = num(b, op);
  switch (op) {
    case '|': return x | y;
    case '^': return x ^ y;
    case '&': return x & y;
    case '<': return bool(x < y);
    case '<=': return bool(x <= y);
    case '>': return bool(x > y);
    case '>=': return bool(x >= y);
    case '<<': return (x << (y & 63n)) & MASK;
    case '>>': return x >> (y & 63n);
    case '+': return (x + y) & MASK;
    case '-': return (x - y) & MASK;
    case '*': return (x * y) & MASK;
    case '/': if (y === 0n) throw new ExprError('division by zero'); return x / y;
    case '%': if (y === 0n) throw new ExprError('division by zero'); return x % y;
    default: throw new ExprError(`unknown operator ${op}`);
  }
}

/** True when a value counts as true in a condition (non-zero number, non-empty string). */
export function truthy(v: ExprValue): boolean {
  return typeof v === 'bigint' ? v !== 0n : v.length > 0;
}

/** Compiles a breakpoint condition; undefined when there is none (absent or blank). */
export function compileCondition(src: string | undefined): CompiledExpr | undefined {
  return src?.trim() ? compileExpression(src) : undefined;
}

/** Deepest nesting of parentheses and unary operators (the parser recurses once per level). */
export const MAX_EXPR_NESTING = 256;

/** Compiles `src`; throws ExprError with a one-line message on a syntax error. */
export function compileExpression(src: string): CompiledExpr {
  const toks = tokenize(src);
  let i = 0;
  let depth = 0;
  const peek = (): Tok | undefined => toks[i];
  const isOp = (v: string, t = peek()): boolean => t !== undefined && t.k === 'op' && t.v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected '${v}' in '${src}'`);
    i++;
  };
  /** `(type *)` at the cursor: returns the pointee size and consumes it, else undefined. */
  const castAhead = (): { size: number; pointer: boolean } | undefined => {
    const t1 = toks[i + 1], t2 = toks[i + 2];
    if (!isOp('(') || !t1 || t1.k !== 'id' || !(t1.v in TYPE_SIZES)) return undefined;
    let j = i + 2, pointer = false;
    if (t2 && t1.v === 'unsigned' && t2.k === 'id' && t2.v in TYPE_SIZES) j++;
    if (isOp('*', toks[j])) { pointer = true; j++; }
    if (!isOp(')', toks[j])) return undefined;
    const size = TYPE_SIZES[(toks[j - (pointer ? 2 : 1)] as { v: string }).v];
    i = j + 1;
    return { size, pointer };
  };

  const binary = (level: number): CompiledExpr => {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (!t || t.k !== 'op' || !LEVELS[level].includes(t.v)) return left;
      i++;
      const op = t.v, l = left, r = binary(level + 1);
      if (op === '||') left = (e) => bool(truthy(l(e)) || truthy(r(e)));
      else if (op === '&&') left = (e) => bool(truthy(l(e)) && truthy(r(e)));
      else left = (e) => applyBinary(op, l(e), r(e));
    }
  };
  const unary = (): CompiledExpr => {
    if (depth >= MAX_EXPR_NESTING) throw new ExprError(`expression nested more than ${MAX_EXPR_NESTING} levels deep`);
    depth++;
    try {
      return unaryAt();
    } finally {
      depth--;
    }
  };
  const unaryAt = (): CompiledExpr => {
    const t = peek();
    if (t && t.k === 'op') {
      if (t.v === '!') { i++; const a = unary(); return (e) => bool(!truthy(a(e))); }
      if (t.v === '~') { i++; const a = unary(); return (e) => ~num(a(e), '~') & MASK; }
      if (t.v === '-') { i++; const a = unary(); return (e) => -num(a(e), '-') & MASK; }
      if (t.v === '+') { i++; return unary(); }
      if (t.v === '*') {
        i++;
        const cast = castAhead();
        const size = cast?.pointer ? cast.size : 8;
        const a = unary();
        return (e) => {
          const addr = num(a(e), '*');
          const v = e.read?.(addr, size);
          if (v === undefined) throw new ExprError(`cannot read ${size} bytes at 0x${addr.toString(16)}`);
          return v;
        };
      }
      const cast = castAhead();
      if (cast) {
        const a = unary();
        if (cast.pointer) return a;
        const mask = (1n << BigInt(cast.size * 8)) - 1n;
        return (e) => num(a(e), 'a cast') & mask;
      }
    }
    return primary();
  };
  const primary = (): CompiledExpr => {
    const t = peek();
    if (!t) throw new ExprError(`incomplete expression '${src}'`);
    i++;
    if (t.k === 'num') { const v = t.v; return () => v; }
    if (t.k === 'str') { const v = t.v; return () => v; }
    if (t.k === 'id') {
      const name = t.v;
      return (e) => {
        const v = e.lookup(name);
        if (v === undefined) throw new ExprError(`unknown name '${name}'`);
        return v;
      };
    }
    if (t.v === '(') {
      const inner = binary(0);
      expect(')');
      return inner;
    }
    throw new ExprError(`unexpected '${t.v}' in '${src}'`);
  };

  if (toks.length === 0) throw new ExprError('empty expression');
  const root = binary(0);
  if (i < toks.length) {
    const t = toks[i];
    throw new ExprError(`unexpected '${t.k === 'num' ? '0x' + t.v.toString(16) : t.v}' in '${src}'`);
  }
  return root;
}
