/**
 * The variables one stack frame sees, as typed values: its parameters and the locals of
 * every block holding its pc (an inline level sees its inlined copy's), the statics and
 * globals of its compilation unit, then every global of the program. Locations are
 * evaluated with the frame's own registers (a caller frame's come from call-frame
 * information) and its CFA; DW_OP_entry_value is answered from the caller's call site
 * (DW_TAG_call_site_parameter) when the caller frame is known.
 */
import type { Die } from './dwarf/die-tree';
import { At, Tag } from './dwarf/constants';
import { Location, LocationPorts, evaluateLocation, locationAt } from './location';
import type { ProgramDwarf, VariableDie } from './program';
import { CValue, ValueMemory, fromLocation } from './values';
import type { CType } from './types';

/** The machine state of one frame. */
export interface FrameState {
  /** The frame's pc: the stop pc, or a return address for a caller. */
  pc: bigint;
  /** True for the innermost frame (a caller's pc is looked up at pc - 1: the call, not the return). */
  inner: boolean;
  /** The frame's registers by DWARF number; undefined for those the unwinder could not recover. */
  reg(n: number): bigint | undefined;
  /** The canonical frame address. */
  cfa?: bigint;
  /** The inline level of this display frame: 0 is the innermost inlined copy at the pc. */
  inlineLevel: number;
  /** The caller's frame (for DW_OP_entry_value), when the stack has one. */
  caller?: () => FrameState | undefined;
}

/** A named value of a scope. */
export interface NamedValue {
  name: string;
  value: CValue;
  /** 'parameter', 'local', 'static' (file scope of this unit), 'global'. */
  kind: 'parameter' | 'local' | 'static' | 'global';
}

const MASK = (1n << 64n) - 1n;

/** Variables of a frame, read through `mem` (memory of the stopped vCPU). */
export class FrameScope {
  private readonly lookupPc: number;

  /**
   * @param symbolAddress the ELF symbol of a name: where a variable the unit only declares
   * (`extern struct task_struct init_task;`) lives, without parsing the unit that defines it
   */
  constructor(readonly program: ProgramDwarf | undefined, readonly frame: FrameState, readonly mem: ValueMemory,
    private readonly otherPrograms: ProgramDwarf[] = [], private readonly symbolAddress?: (name: string) => bigint | undefined) {
    this.lookupPc = Number(BigInt.asIntN(64, frame.inner ? frame.pc : frame.pc - 1n));
  }

  /** True when DWARF describes the function at this frame's pc (it has C scopes). */
  hasScope(): boolean {
    return this.program?.scopesAt(this.lookupPc) !== undefined;
  }

  /** The frame's parameters and locals, innermost block last (as gdb's `info locals` reverses them). */
  locals(): NamedValue[] {
    const chain = this.program?.scopesAt(this.lookupPc);
    if (!chain) return [];
    const level = chain.levels[Math.min(this.frame.inlineLevel, chain.levels.length - 1)];
    const out: NamedValue[] = [];
    const seen = new Map<string, number>();
    for (const scope of level) {
      for (const v of this.program!.variablesOf(scope)) {
        const nv: NamedValue = { name: v.name, value: this.variableValue(v.die, v.type, chain.function), kind: v.parameter ? 'parameter' : 'local' };
        // An inner block's variable hides an outer one of the same name.
        const prev = seen.get(v.name);
        if (prev !== undefined) out[prev] = nv; else { seen.set(v.name, out.length); out.push(nv); }
      }
    }
    return out;
  }

  /** The statics and globals of the frame's compilation unit. */
  unitGlobals(): NamedValue[] {
    const chain = this.program?.scopesAt(this.lookupPc);
    if (!chain || !this.program) return [];
    return this.program.unitVariables(chain.function).map((v) => ({
      name: v.name, value: this.declaredValue(v) ?? this.variableValue(v.die, v.type, undefined),
      kind: this.program!.tree.num(v.die, At.external) ? 'global' : 'static',
    }));
  }

  /** A name as C sees it from this frame: locals (innermost first), the unit's statics, then globals. */
  lookup(name: string): CValue | undefined {
    const local = this.locals().find((v) => v.name === name);
    if (local) return local.value;
    const chain = this.program?.scopesAt(this.lookupPc);
    if (chain && this.program) {
      const st = this.program.unitVariables(chain.function).find((v) => v.name === name);
      if (st) return this.declaredValue(st) ?? this.variableValue(st.die, st.type, undefined);
    }
    for (const p of [this.program, ...this.otherPrograms]) {
      const g = p ? globalValue(p, name, this.mem) : undefined;
      if (g && !g.error) return g;
      if (g) {
        const a = this.symbolAddress?.(name);
        return a === undefined ? g : { type: g.type, address: a };
      }
    }
    return undefined;
  }

  /** A variable the unit declares but does not define: at its ELF symbol, with the declared type. */
  private declaredValue(v: VariableDie): CValue | undefined {
    if (v.die.attrs.has(At.location) || v.die.attrs.has(At.const_value)) return undefined;
    const a = this.symbolAddress?.(v.name);
    return a === undefined ? undefined : { type: v.type, address: a };
  }

  /** An enumerator (`RED`) declared at file scope of the frame's unit, with its enum type. */
  enumerator(name: string): { type: CType; value: bigint } | undefined {
    const chain = this.program?.scopesAt(this.lookupPc);
    if (!chain || !this.program) return undefined;
    const p = this.program;
    for (const c of chain.function.unit.root.children) {
      if (c.tag !== Tag.enumeration_type) continue;
      for (const e of c.children) {
        if (e.tag !== Tag.enumerator || p.tree.name(e) !== name) continue;
        const v = p.tree.attr(e, At.const_value);
        return { type: p.types.read(c), value: typeof v === 'number' ? BigInt(v) : 0n };
      }
    }
    return undefined;
  }

  /** A type by C name from the frame's program (then the others). */
  namedType(name: string): CType | undefined {
    for (const p of [this.program, ...this.otherPrograms]) {
      const t = p?.namedType(name);
      if (t) return t;
    }
    return undefined;
  }

  private variableValue(d: Die, type: CType, fn: Die | undefined): CValue {
    const p = this.program!;
    const cv = p.tree.attr(d, At.const_value) ?? (d.attrs.has(At.location) ? undefined : p.tree.inherited(d, At.const_value));
    if (cv !== undefined) return constValue(type, cv);
    const loc = d.attrs.get(At.location);
    if (loc === undefined) return { type, error: 'optimized out' };
    const expr = locationAt(p.tree, d.unit, loc, this.lookupPc, p.loadOffset);
    if (!expr) return { type, error: 'optimized out' };
    return fromLocation(type, this.evaluate(expr, d, fn), this.mem);
  }

  /** Evaluates a location expression in this frame. */
  private evaluate(expr: Uint8Array, d: Die, fn: Die | undefined): Location {
    const p = this.program!;
    const ports: LocationPorts = {
      reg: (n) => this.frame.reg(n),
      read: (a, size) => {
        const b = this.mem.read(a & MASK, size);
        if (!b || b.length < size) return undefined;
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        return v;
      },
      cfa: this.frame.cfa,
      addrx: (i) => p.tree.addrx(d.unit, i),
      loadOffset: p.loadOffset,
      frameBase: fn ? () => {
        const fb = fn.attrs.get(At.frame_base);
        const e = fb === undefined ? undefined : locationAt(p.tree, fn.unit, fb, this.lookupPc, p.loadOffset);
        return e ? evaluateLocation(e, { ...ports, frameBase: undefined }, d.unit.header.addrSize) : { kind: 'error', message: 'no frame base' };
      } : undefined,
      entryValue: (sub) => this.entryValue(sub),
    };
    return evaluateLocation(expr, ports, d.unit.header.addrSize);
  }

  /**
   * The value a register held when the function was entered: the caller's call site at
   * the return address names the argument's value in the caller's frame (DWARF 5 3.4.2).
   */
  private entryValue(sub: Uint8Array): bigint | undefined {
    // Only DW_OP_regN / DW_OP_regx N is used by gcc here.
    let reg: number | undefined;
    if (sub.length === 1 && sub[0] >= 0x50 && sub[0] <= 0x6f) reg = sub[0] - 0x50;
    else if (sub[0] === 0x90 && sub.length === 2) reg = sub[1];
    if (reg === undefined) return undefined;
    const caller = this.frame.caller?.();
    if (!caller || !this.program) return undefined;
    const ret = Number(BigInt.asIntN(64, caller.pc));
    const scope = new FrameScope(this.program, caller, this.mem, this.otherPrograms, this.symbolAddress);
    const chain = this.program.scopesAt(ret - 1);
    if (!chain) return undefined;
    const tree = this.program.tree;
    const at = ret - this.program.loadOffset;
    const sites: Die[] = [];
    const walk = (d: Die, depth: number) => {
      if (depth > 64) return;
      for (const c of d.children) {
        if ((c.tag === Tag.call_site || c.tag === Tag.GNU_call_site)) {
          const rpc = tree.attr(c, At.call_return_pc) ?? tree.attr(c, At.low_pc);
          if (rpc === at) sites.push(c);
        } else if (c.tag === Tag.lexical_block || c.tag === Tag.inlined_subroutine) walk(c, depth + 1);
      }
    };
    walk(chain.function, 0);
    for (const site of sites) {
      for (const param of site.children) {
        if (param.tag !== Tag.call_site_parameter && param.tag !== Tag.GNU_call_site_parameter) continue;
        const loc = param.attrs.get(At.location);
        if (!(loc instanceof Uint8Array)) continue;
        const preg = loc.length === 1 && loc[0] >= 0x50 && loc[0] <= 0x6f ? loc[0] - 0x50 : loc[0] === 0x90 ? loc[1] : undefined;
        if (preg !== reg) continue;
        const value = param.attrs.get(At.call_value) ?? param.attrs.get(At.GNU_call_site_value);
        if (!(value instanceof Uint8Array)) continue;
        const l = scope.evaluate(value, param, chain.function);
        if (l.kind === 'value') return l.value;
        if (l.kind === 'memory') return l.address;
        if (l.kind === 'register') return caller.reg(l.reg);
      }
    }
    return undefined;
  }
}

/** A global variable of a program by name, as a value; undefined when DWARF does not know it. */
export function globalValue(p: ProgramDwarf, name: string, mem: ValueMemory): CValue | undefined {
  const d = p.globalDie(name);
  if (!d) return undefined;
  const type = p.typeOf(d);
  const cv = p.tree.attr(d, At.const_value);
  if (cv !== undefined) return constValue(type, cv);
  const loc = d.attrs.get(At.location);
  if (!(loc instanceof Uint8Array)) return { type, error: 'optimized out' };
  const l = evaluateLocation(loc, {
    reg: () => undefined, read: () => undefined, addrx: (i) => p.tree.addrx(d.unit, i), loadOffset: p.loadOffset,
  }, d.unit.header.addrSize);
  return fromLocation(type, l, mem);
}

/** A DW_AT_const_value as a value. */
function constValue(type: CType, v: unknown): CValue {
  if (v instanceof Uint8Array) return { type, bytes: v };
  if (typeof v === 'number') {
    const size = 8;
    const b = new Uint8Array(size);
    let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    for (let i = 0; i < size; i++) { b[i] = Number(x & 0xffn); x >>= 8n; }
    return { type, bytes: b };
  }
  return { type, error: 'optimized out' };
}

export type { VariableDie };
