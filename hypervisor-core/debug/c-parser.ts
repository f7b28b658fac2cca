/**
 * The C expression language of the debugger (Watch, hover, Debug Console, breakpoint
 * conditions): a tokenizer and a recursive-descent parser to a small AST, with C's
 * precedences (C11 6.5) plus gdb's `@` (an array of N elements from an lvalue:
 * `*message@5`). Type names in casts and sizeof are told apart from variables by a
 * callback (`(u64)x` is a cast when u64 names a type). No evaluation here: c-eval.ts.
 */
import { ExprError, MAX_EXPR_NESTING } from './expression';

/** A type as written: `struct task_struct *`, `unsigned long`, `u64`. */
export interface TypeSpec { base: string; pointers: number }

/** An expression tree. */
export type CNode =
  | { k: 'int'; v: bigint; unsigned: boolean; long: boolean }
  | { k: 'float'; v: number; single: boolean }
  | { k: 'char'; v: number }
  | { k: 'str'; v: string }
  | { k: 'name'; name: string }
  | { k: 'unary'; op: '-' | '+' | '!' | '~' | '*' | '&'; a: CNode }
  | { k: 'sizeof'; a?: CNode; type?: TypeSpec }
  | { k: 'cast'; type: TypeSpec; a: CNode }
  | { k: 'bin'; op: string; a: CNode; b: CNode }
  | { k: 'cond'; c: CNode; a: CNode; b: CNode }
  | { k: 'member'; a: CNode; name: string; arrow: boolean }
  | { k: 'index'; a: CNode; i: CNode }
  | { k: 'assign'; a: CNode; b: CNode };

type Tok = { t: 'num'; s: string } | { t: 'str'; s: string } | { t: 'chr'; s: string } | { t: 'id'; s: string } | { t: 'op'; s: string };

const TOKEN = /\s*(?:((?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)[uUlLfF]*)|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|([$A-Za-z_][\w$]*)|(->|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!~<>()[\].?:@=,]))/y;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ExprError(`unexpected '${src.slice(pos).trim()[0]}' in '${src}'`);
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'num', s: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'str', s: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'chr', s: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'id', s: m[4] });
    else out.push({ t: 'op', s: m[5] });
  }
  return out;
}

/** C escapes in a literal's body. */
function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    return ({ n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

const TYPE_WORDS = new Set(['struct', 'union', 'enum', 'unsigned', 'signed', 'char', 'short', 'int', 'long', 'float', 'double', 'void', '_Bool', 'const', 'volatile']);

/** Binary operators by precedence, loosest first (C11 6.5.5-6.5.14, with gdb's @ between shifts and additions). */
const LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['@'], ['+', '-'], ['*', '/', '%']];

/**
 * Parses a C expression; `isType(name)` says whether an identifier names a type (typedefs
 * such as u64). Throws ExprError with a one-line message on a syntax error.
 */
export function parseC(src: string, isType: (name: string) => boolean): CNode {
  const toks = tokenize(src);
  let i = 0;
  let depth = 0;
  const peek = (k = 0): Tok | undefined => toks[i + k];
  const isOp = (s: string, t = peek()): boolean => t !== undefined && t.t === 'op' && t.s === s;
  const expect = (s: string) => {
    if (!isOp(s)) throw new ExprError(`expected '${s}' in '${src}'`);
    i++;
  };
  const nest = <T>(f: () => T): T => {
    if (depth >= MAX_EXPR_NESTING) throw new ExprError(`expression nested more than ${MAX_EXPR_NESTING} levels deep`);
    depth++;
    try { return f(); } finally { depth--; }
  };
  const startsType = (t: Tok | undefined): boolean => !!t && t.t === 'id' && (TYPE_WORDS.has(t.s) || isType(t.s));

  /** A type name at the cursor: specifiers, then `*`s. */
  const typeName = (): TypeSpec => {
    const words: string[] = [];
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'id') break;
      if (t.s === 'const' || t.s === 'volatile') { i++; continue; }
      if (t.s === 'struct' || t.s === 'union' || t.s === 'enum') {
        i++;
        const n = peek();
        if (!n || n.t !== 'id') throw new ExprError(`expected a name after '${t.s}' in '${src}'`);
        i++;
        words.push(`${t.s} ${n.s}`);
        break;
      }
      if (TYPE_WORDS.has(t.s) || (words.length === 0 && isType(t.s))) { words.push(t.s); i++; continue; }
      break;
    }
    if (words.length === 0) throw new ExprError(`expected a type name in '${src}'`);
    let pointers = 0;
    for (;;) {
      if (isOp('*')) { pointers++; i++; continue; }
      const t = peek();
      if (t && t.t === 'id' && (t.s === 'const' || t.s === 'volatile')) { i++; continue; }
      break;
    }
    return { base: words.join(' '), pointers };
  };

  const expression = (): CNode => nest(() => {
    const lhs = conditional();
    if (isOp('=')) { i++; return { k: 'assign', a: lhs, b: expression() }; }
    return lhs;
  });
  const conditional = (): CNode => {
    const c = binary(0);
    if (!isOp('?')) return c;
    i++;
    const a = nest(expression);
    expect(':');
    const b = nest(conditional);
    return { k: 'cond', c, a, b };
  };
  const binary = (level: number): CNode => {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op' || !LEVELS[level].includes(t.s)) return left;
      i++;
      left = { k: 'bin', op: t.s, a: left, b: binary(level + 1) };
    }
  };
  const unary = (): CNode => nest(() => {
    const t = peek();
    if (t && t.t === 'op' && ['-', '+', '!', '~', '*', '&'].includes(t.s)) {
      i++;
      return { k: 'unary', op: t.s as '-', a: unary() };
    }
    if (t && t.t === 'id' && t.s === 'sizeof') {
      i++;
      if (isOp('(') && startsType(peek(1))) {
        i++;
        const type = typeName();
        expect(')');
        return { k: 'sizeof', type };
      }
      return { k: 'sizeof', a: unary() };
    }
    if (isOp('(') && startsType(peek(1))) {
      const save = i;
      i++;
      const type = typeName();
      if (isOp(')')) { i++; return { k: 'cast', type, a: unary() }; }
      i = save; // `(u64 + 1)` when u64 is also a variable: not a cast after all
    }
    return postfix();
  });
  const postfix = (): CNode => {
    let e = primary();
    for (;;) {
      if (isOp('[')) { i++; const idx = nest(expression); expect(']'); e = { k: 'index', a: e, i: idx }; continue; }
      if (isOp('.') || isOp('->')) {
        const arrow = peek()!.s === '->';
        i++;
        const n = peek();
        if (!n || n.t !== 'id') throw new ExprError(`expected a member name after '${arrow ? '->' : '.'}' in '${src}'`);
        i++;
        e = { k: 'member', a: e, name: n.s, arrow };
        continue;
      }
      if (isOp('(')) throw new ExprError(`function calls are not supported in '${src}'`);
      return e;
    }
  };
  const primary = (): CNode => {
    const t = peek();
    if (!t) throw new ExprError(`incomplete expression '${src}'`);
    i++;
    switch (t.t) {
      case 'num': return numberNode(t.s, src);
      case 'str': return { k: 'str', v: unescape(t.s.slice(1, -1)) };
      case 'chr': {
        const body = unescape(t.s.slice(1, -1));
        // 'uart0' in an exit filter is a string; 'a' is a C char.
        return body.length === 1 ? { k: 'char', v: body.charCodeAt(0) } : { k: 'str', v: body };
      }
      case 'id': return { k: 'name', name: t.s };
      case 'op':
        if (t.s === '(') { const e = nest(expression); expect(')'); return e; }
        throw new ExprError(`unexpected '${t.s}' in '${src}'`);
    }
  };

  if (toks.length === 0) throw new ExprError('empty expression');
  const root = expression();
  if (i < toks.length) throw new ExprError(`unexpected '${toks[i].s}' in '${src}'`);
  return root;
}

function numberNode(text: string, src: string): CNode {
  const m = /^(.*?)([uUlLfF]*)$/.exec(text)!;
  const body = m[1], suffix = m[2].toLowerCase();
  const isHex = /^0x/i.test(body);
  if (!isHex && (/[.eE]/.test(body) || suffix.includes('f'))) {
    const v = Number(body);
    if (Number.isNaN(v)) throw new ExprError(`bad number '${text}' in '${src}'`);
    return { k: 'float', v, single: suffix.includes('f') };
  }
  let v: bigint;
  try {
    v = /^0[0-7]+$/.test(body) ? BigInt('0o' + body.slice(1)) : BigInt(body);
  } catch {
    throw new ExprError(`bad number '${text}' in '${src}'`);
  }
  if (v >= 1n << 64n) throw new ExprError(`number '${text}' is too large`);
  // C 6.4.4.1: a literal that does not fit int is long (unsigned long for hex beyond long).
  const long = suffix.includes('l') || v > 0x7fffffffn;
  const unsigned = suffix.includes('u') || (isHex && v > 0x7fffffffn && v <= 0xffffffffn && !suffix.includes('l')) || v > 0x7fffffffffffffffn;
  return { k: 'int', v, unsigned, long: long && !(isHex && v <= 0xffffffffn && !suffix.includes('l')) };
}
