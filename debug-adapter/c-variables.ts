/**
 * The C scopes and values of the DAP session: Locals and Globals of a frame, expandable
 * structs, unions, arrays (paged past ARRAY_PAGE elements: indexedVariables) and pointers,
 * each with its C `type`, an `evaluateName` (Add to Watch, Copy as Expression) and a
 * `memoryReference` when it lives in memory; setVariable/setExpression on any of them. Only
 * translation: the values come from hypervisor-core/debug (c-context, c-console, values).
 */
import { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { GuestDebugger } from '../hypervisor-core/debug/guest-debugger';
import { cContext } from '../hypervisor-core/debug/c-context';
import { evalContext } from '../hypervisor-core/debug/c-console';
import { evaluateC } from '../hypervisor-core/debug/c-eval';
import { ExprError } from '../hypervisor-core/debug/expression';
import { sizeOf, strip, typeName } from '../hypervisor-core/debug/types';
import type { WatchTarget } from '../hypervisor-core/debug/watch-target';
import { MAX_WATCH_SIZE } from '../hypervisor-core/debug/watchpoints';
import {
  ARRAY_PAGE, CValue, ValueMemory, assign, childCount, childrenOf, derefOf, formatValue, memberValue, toBigInt, toDouble,
} from '../hypervisor-core/debug/values';
import { memoryReference } from './memory-reference';

/** What a C variablesReference stands for. */
export type CRef =
  | { kind: 'locals' | 'globals'; vcpu: number; frame: number }
  | { kind: 'value'; vcpu: number; frame: number; value: CValue; expr: string };

/** C references start here, apart from the register scopes' handles. */
const FIRST_HANDLE = 1 << 24;

/** `expr` as an operand of a postfix operator: parenthesised unless it is a plain name or postfix chain. */
function operand(expr: string): string {
  return /^[\w$]+(?:(?:\.|->)[\w$]+|\[\d+\])*$/.test(expr) ? expr : `(${expr})`;
}

/** The C values of one stop (references last until the guest runs again). */
export class CVariables {
  private handles = new Handles<CRef>(FIRST_HANDLE);
  private readonly scopeHandles = new Map<string, number>();

  /** Forgets every reference (the guest ran). */
  reset(): void {
    this.handles = new Handles<CRef>(FIRST_HANDLE);
    this.scopeHandles.clear();
  }

  /** The reference of a frame's Locals or Globals scope (one per frame and stop). */
  scope(vcpu: number, frame: number, kind: 'locals' | 'globals'): number {
    const key = `${vcpu}:${frame}:${kind}`;
    let h = this.scopeHandles.get(key);
    if (h === undefined) this.scopeHandles.set(key, h = this.handles.create({ kind, vcpu, frame }));
    return h;
  }

  /** What a reference stands for, when it is one of these. */
  get(ref: number): CRef | undefined {
    return ref >= FIRST_HANDLE ? this.handles.get(ref) : undefined;
  }

  /** The variables of a reference; arrays from `start`, `count` elements. */
  variables(d: GuestDebugger, ref: CRef, start?: number, count?: number): DebugProtocol.Variable[] {
    const c = cContext(d, ref.vcpu, ref.frame);
    switch (ref.kind) {
      case 'locals': return c.locals().map((v) => this.variable(v.name, v.value, v.name, ref, c.mem));
      case 'globals': return c.unitGlobals().map((v) => this.variable(v.name, v.value, v.name, ref, c.mem));
      case 'value': return this.children(ref, c.mem, start, count);
    }
  }

  private children(ref: Extract<CRef, { kind: 'value' }>, mem: ValueMemory, start?: number, count?: number): DebugProtocol.Variable[] {
    const v = ref.value;
    const s = strip(v.type);
    if (s.kind === 'pointer') {
      const target = derefOf(v, mem);
      const ts = strip(target.type);
      // A pointer to a struct opens on the struct's members (p->x), not on a `*p` level.
      if (ts.kind === 'struct' || ts.kind === 'union') {
        return ts.members().map((m, i) => this.variable(m.name ?? `<anonymous ${i}>`, memberValue(target, m), `${operand(ref.expr)}->${m.name ?? ''}`, ref, mem));
      }
      return [this.variable(`*${ref.expr}`, target, `*${operand(ref.expr)}`, ref, mem)];
    }
    return childrenOf(v, mem, start ?? 0, count ?? (s.kind === 'array' ? ARRAY_PAGE : Infinity)).map((c) => {
      const expr = c.access.kind === 'member' ? `${operand(ref.expr)}.${c.access.name}`
        : c.access.kind === 'index' ? `${operand(ref.expr)}[${c.access.index}]` : `*${operand(ref.expr)}`;
      return this.variable(c.name, c.value, expr, ref, mem);
    });
  }

  /** One DAP variable for a value. */
  variable(name: string, value: CValue, expr: string, at: { vcpu: number; frame: number }, mem: ValueMemory): DebugProtocol.Variable {
    const out: DebugProtocol.Variable = { name, value: formatValue(value, mem), type: typeName(value.type), evaluateName: expr, variablesReference: 0 };
    Object.assign(out, this.expandable(value, expr, at));
    const mref = this.memoryOf(value, mem);
    if (mref !== undefined) out.memoryReference = memoryReference(mref);
    return out;
  }

  /** variablesReference (and the element count of a big array) for a value that opens. */
  expandable(value: CValue, expr: string, at: { vcpu: number; frame: number }): { variablesReference: number; indexedVariables?: number } {
    const n = childCount(value);
    if (n === 0) return { variablesReference: 0 };
    const ref = this.handles.create({ kind: 'value', vcpu: at.vcpu, frame: at.frame, value, expr });
    const s = strip(value.type);
    return s.kind === 'array' && n > ARRAY_PAGE ? { variablesReference: ref, indexedVariables: n } : { variablesReference: ref };
  }

  /** A pointer's target, else the value's own address. */
  memoryOf(value: CValue, mem: ValueMemory): bigint | undefined {
    if (value.error) return undefined;
    if (strip(value.type).kind === 'pointer') {
      const p = toBigInt(value, mem);
      return typeof p === 'bigint' && p !== 0n ? BigInt.asUintN(64, p) : undefined;
    }
    return value.address;
  }

  /** Changes the variable `name` of a reference to the value of the C expression `text`; returns its new DAP form. */
  setVariable(d: GuestDebugger, ref: CRef, name: string, text: string): DebugProtocol.Variable {
    const current = this.variables(d, ref).find((v) => v.name === name);
    if (!current?.evaluateName) throw new ExprError(`no variable '${name}' here`);
    return this.setExpression(d, ref.vcpu, ref.frame, current.evaluateName, text, name);
  }

  /** Assigns the value of `text` to the lvalue `expr` in a frame; returns the new DAP form. */
  setExpression(d: GuestDebugger, vcpu: number, frame: number, expr: string, text: string, name = expr): DebugProtocol.Variable {
    const ctx = evalContext(d, vcpu, frame);
    const target = evaluateC(expr, ctx);
    const v = evaluateC(text, ctx);
    const ts = strip(target.type);
    const numeric = ts.kind === 'base' && ts.encoding === 'float' ? toDouble(v, ctx.mem) : toBigInt(v, ctx.mem);
    if (typeof numeric === 'string') throw new ExprError(numeric.replace(/^<(.*)>$/, '$1'));
    const err = assign(target, numeric, ctx.mem);
    if (err) throw new ExprError(err);
    const after = evaluateC(expr, evalContext(d, vcpu, frame));
    return this.variable(name, after, expr, { vcpu, frame }, ctx.mem);
  }
}

/** True when a displayed frame is in C code DWARF describes (it gets Locals and Globals scopes). */
export function hasCScope(d: GuestDebugger, vcpu: number, frame: number): boolean {
  try {
    return cContext(d, vcpu, frame).hasScope();
  } catch {
    return false;
  }
}

/** What a data breakpoint on a C lvalue watches: its bytes (at most MAX_WATCH_SIZE). */
export function cTarget(d: GuestDebugger, vcpu: number, expr: string, frame: number, bytes?: number): WatchTarget {
  const ctx = evalContext(d, vcpu, frame);
  const v = evaluateC(expr, ctx);
  if (v.address === undefined) throw new ExprError(`'${expr}' is not in memory (a register or a computed value cannot be watched)`);
  const size = bytes ?? Math.max(1, Math.min(sizeOf(v.type) || 8, MAX_WATCH_SIZE));
  return { address: v.address, size, description: `${size} bytes at 0x${v.address.toString(16)} (${expr})` };
}
