/**
 * C expressions on a stopped vCPU, as the Debug Console, Watch, hover and breakpoint
 * conditions use them: evaluated in a displayed frame's scope (c-eval.ts), printed as gdb's
 * `print` prints them. An expression the C evaluator refuses is tried in the debugger's
 * older untyped language (expression.ts), so what worked before keeps working: symbols as
 * addresses (`stats + 16` when `stats` is a struct), `*(uint32_t*)ADDR`.
 */
import type { GuestDebugger } from './guest-debugger';
import { ExprEnv, ExprError, compileExpression } from './expression';
import { EvalContext, EvalValue, conditionValue, evaluateC, isBuiltinType } from './c-eval';
import { cContext, valueMemory } from './c-context';
import { CType, isCharType, isInteger, strip, typeName } from './types';
import { formatValue, toBigInt } from './values';

const hex = (v: bigint): string => '0x' + BigInt.asUintN(64, v).toString(16);

/** The evaluation context of a displayed frame of a stopped vCPU (0: the innermost). */
export function evalContext(d: GuestDebugger, vcpu: number, frame = 0): EvalContext {
  let scope;
  try {
    scope = cContext(d, vcpu, frame);
  } catch {
    scope = undefined; // no DWARF scope here: registers and symbols still work
  }
  return { scope, env: d.exprEnv(vcpu), mem: scope?.mem ?? valueMemory(d, vcpu) };
}

/** A result: the value, its text, and for the DAP its type and memory reference. */
export interface ExpressionResult {
  value?: EvalValue;
  text: string;
  /** The C type's spelling (absent for raw numbers and strings). */
  type?: string;
  /** An address worth viewing: a pointer's target, else the value's own address, else a raw number. */
  address?: bigint;
  /** The untyped result of the older language (a number or a string). */
  legacy?: bigint | string;
}

/** Evaluates `src` in a frame; throws ExprError with a one-line message. */
export function evaluateExpression(d: GuestDebugger, vcpu: number, src: string, frame = 0): ExpressionResult {
  const ctx = evalContext(d, vcpu, frame);
  const either = evaluateEither(src, ctx);
  if ('legacy' in either) return legacyResult(d, either.legacy);
  const v = either.value;
  if (v.str !== undefined) return { text: JSON.stringify(v.str), legacy: v.str };
  if (v.raw || (isBuiltinType(v.type) && isInteger(v.type))) {
    const n = toBigInt(v, ctx.mem);
    if (typeof n === 'string') throw new ExprError(n);
    return legacyResult(d, BigInt.asUintN(64, n), v);
  }
  return { value: v, text: printText(v, ctx), type: typeName(v.type), address: addressOf(v, ctx) };
}

/** `src` evaluated as C, or, where C does not take it, in the older untyped language (C's error otherwise). */
function evaluateEither(src: string, ctx: EvalContext): { value: EvalValue } | { legacy: bigint | string } {
  try {
    return { value: evaluateC(src, ctx) };
  } catch (e) {
    const legacy = tryLegacy(src, ctx.env);
    if (legacy === undefined) throw e;
    return { legacy };
  }
}

function tryLegacy(src: string, env: ExprEnv): bigint | string | undefined {
  try {
    return compileExpression(src)(env);
  } catch {
    return undefined;
  }
}

function legacyResult(d: GuestDebugger, v: bigint | string, value?: EvalValue): ExpressionResult {
  if (typeof v === 'string') return { text: JSON.stringify(v), legacy: v };
  const sym = d.describeAddress(v);
  return { value, text: `${hex(v)} (${v})${sym ? ` <${sym}>` : ''}`, address: v, legacy: v };
}

/** gdb's `print`: a pointer or function shows its type first. */
function printText(v: EvalValue, ctx: EvalContext): string {
  const s = strip(v.type);
  const text = formatValue(v, ctx.mem);
  // ...except a string: `0x80201000 "text"`.
  if (s.kind === 'pointer' && !v.error && !isCharType(s.target)) return `(${typeName(v.type)}) ${text}`;
  return text;
}

function addressOf(v: EvalValue, ctx: EvalContext): bigint | undefined {
  const s: CType = strip(v.type);
  if (s.kind === 'pointer' && !v.error) {
    const p = toBigInt(v, ctx.mem);
    return typeof p === 'bigint' && p !== 0n ? BigInt.asUintN(64, p) : undefined;
  }
  return v.address;
}

/** An address from an expression (x/, translate): numbers, pointers, arrays and functions (their address). */
export function evaluateAddress(d: GuestDebugger, vcpu: number, src: string, frame = 0): bigint {
  const r = evaluateExpression(d, vcpu, src, frame);
  if (typeof r.legacy === 'bigint') return r.legacy;
  if (!r.value) throw new ExprError(`'${src}' is not an address`);
  const s = strip(r.value.type);
  if ((s.kind === 'struct' || s.kind === 'union') && r.value.address !== undefined) return r.value.address;
  const n = toBigInt(r.value, evalContext(d, vcpu, frame).mem);
  if (typeof n === 'string') throw new ExprError(`'${src}': ${n.replace(/^<(.*)>$/, '$1')}`);
  return BigInt.asUintN(64, n);
}

/**
 * Compiles a breakpoint condition: parsed now (a syntax error is reported at once), evaluated
 * at each hit in the innermost frame of the vCPU that hit (`env.frame`), C first, then the
 * older untyped language.
 */
export function conditionTest(d: GuestDebugger, vcpu: number, src: string): boolean {
  const ctx = evalContext(d, vcpu, 0);
  const either = evaluateEither(src, ctx);
  if (!('legacy' in either)) return conditionValue(either.value, ctx);
  const legacy = either.legacy;
  return typeof legacy === 'bigint' ? legacy !== 0n : legacy.length > 0;
}
