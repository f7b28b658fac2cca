/**
 * The C-level view of one symbol file: globals and types by name, and the lexical scopes
 * (function, blocks, inlined copies) that hold a pc, over the lazily parsed DIE trees. What
 * the evaluator, the Locals/Globals scopes and the Linux commands build on.
 */
import type { Die } from './dwarf/die-tree';
import { DieTree } from './dwarf/die-tree';
import type { FunctionRange } from './dwarf/debug-info';
import type { InfoSections } from './dwarf/forms';
import { At, Tag } from './dwarf/constants';
import { CType, TypeReader, strip } from './types';

/** A variable DIE with its name and type. */
export interface VariableDie {
  name: string;
  die: Die;
  type: CType;
  /** True for function parameters. */
  parameter: boolean;
}

/** The scopes holding a pc, split into inline levels: level 0 is the innermost inlined copy. */
export interface ScopeChain {
  /** The out-of-line function's DIE (its DW_AT_frame_base serves every level). */
  function: Die;
  /** Per inline level, innermost first: the DIEs (function or inlined copy, then its blocks) whose variables it sees. */
  levels: Die[][];
}

/** Names (file-scope variables and types) that parseDebugInfo indexed. */
export interface NameIndex {
  globals: Map<string, number[]>;
  types: Map<string, number[]>;
}

/** The C view of one ELF's DWARF. */
export class ProgramDwarf {
  readonly tree: DieTree;
  readonly types: TypeReader;
  private byAddress?: { a: number; b: number; f: FunctionRange }[];
  private readonly scopeCache = new Map<number, ScopeChain | undefined>();

  /**
   * @param functions every function and inlined copy (addresses already moved by `loadOffset`)
   * @param loadOffset added to DWARF addresses (symbol files loaded elsewhere than linked)
   */
  constructor(sections: InfoSections, private readonly index: NameIndex, private readonly functions: FunctionRange[], readonly loadOffset = 0) {
    this.tree = new DieTree(sections);
    this.types = new TypeReader(this.tree, (kind, name) => this.namedType(`${kind} ${name}`));
  }

  /** The DIE of the global variable `name` (its definition when there is one). */
  globalDie(name: string): Die | undefined {
    const list = this.index.globals.get(name);
    if (!list) return undefined;
    let fallback: Die | undefined;
    for (const off of list) {
      const d = this.tree.die(off);
      if (!d) continue;
      if (d.attrs.has(At.location) || d.attrs.has(At.const_value)) return d;
      fallback ??= d;
    }
    return fallback;
  }

  /** Names of every indexed global. */
  globalNames(): IterableIterator<string> {
    return this.index.globals.keys();
  }

  /** A type by its C name: `struct task_struct`, `union x`, `enum y`, a typedef or a base type; undefined when unknown. */
  namedType(name: string): CType | undefined {
    const list = this.index.types.get(name);
    if (!list) return undefined;
    let fallback: CType | undefined;
    for (const off of list) {
      const d = this.tree.die(off);
      if (!d) continue;
      const t = this.types.read(d);
      // A struct with members beats an empty definition of the same name.
      const s = strip(t);
      if ((s.kind === 'struct' || s.kind === 'union') && s.members().length === 0) { fallback ??= t; continue; }
      return t;
    }
    return fallback;
  }

  /** The out-of-line function whose code holds `pc` (a loaded address). */
  functionAt(pc: number): FunctionRange | undefined {
    // Sorted code ranges of out-of-line functions, built on first use: a kernel has ~30k.
    const r = (this.byAddress ??= this.functions.filter((f) => !f.inlined).flatMap((f) => f.ranges.map(([a, b]) => ({ a, b, f })))
      .sort((x, y) => x.a - y.a));
    let lo = 0, hi = r.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid].a <= pc) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Ranges do not nest for out-of-line code; a few steps back cover empty or overlapping ones.
    for (let k = best; k >= 0 && k > best - 8; k--) if (pc >= r[k].a && pc < r[k].b) return r[k].f;
    return undefined;
  }

  /** The lexical scopes holding `pc`, split at inlined copies; undefined without DWARF for it. */
  scopesAt(pc: number): ScopeChain | undefined {
    // A condition looks names up at every hit of its breakpoint: remember recent pcs.
    if (this.scopeCache.has(pc)) return this.scopeCache.get(pc);
    const chain = this.findScopes(pc);
    if (this.scopeCache.size >= 256) this.scopeCache.delete(this.scopeCache.keys().next().value!);
    this.scopeCache.set(pc, chain);
    return chain;
  }

  private findScopes(pc: number): ScopeChain | undefined {
    const f = this.functionAt(pc);
    if (!f) return undefined;
    const fn = this.tree.die(f.die);
    if (!fn) return undefined;
    const at = pc - this.loadOffset;
    const levels: Die[][] = [[fn]];
    let cur = fn;
    for (let depth = 0; depth < 256; depth++) {
      const next = cur.children.find((c) => (c.tag === Tag.lexical_block || c.tag === Tag.inlined_subroutine) &&
        this.tree.ranges(c).some(([a, b]) => at >= a && at < b));
      if (!next) break;
      if (next.tag === Tag.inlined_subroutine) levels.unshift([next]);
      else levels[0].push(next);
      cur = next;
    }
    return { function: fn, levels };
  }

  /** The variables one scope DIE declares directly (parameters first, as declared). */
  variablesOf(scope: Die): VariableDie[] {
    const out: VariableDie[] = [];
    for (const c of scope.children) {
      if (c.tag !== Tag.formal_parameter && c.tag !== Tag.variable) continue;
      const name = this.tree.name(c);
      if (!name) continue;
      const typeDie = this.typeDie(c);
      out.push({ name, die: c, type: typeDie ? this.types.read(typeDie) : { kind: 'void' }, parameter: c.tag === Tag.formal_parameter });
    }
    return out;
  }

  /** The type DIE of a variable, through abstract_origin/specification. */
  typeDie(d: Die): Die | undefined {
    for (let cur: Die | undefined = d, k = 0; cur && k < 8; k++) {
      const t = this.tree.ref(cur, At.type);
      if (t) return t;
      cur = this.tree.ref(cur, At.abstract_origin) ?? this.tree.ref(cur, At.specification);
    }
    return undefined;
  }

  /** The type of a variable DIE. */
  typeOf(d: Die): CType {
    const t = this.typeDie(d);
    return t ? this.types.read(t) : { kind: 'void' };
  }

  /** File-scope variables of the unit holding `die` (the unit's globals and statics), by name. */
  unitVariables(die: Die): VariableDie[] {
    // `extern int x;` and `int x = 1;` may both be there: the one with a location wins.
    const byName = new Map<string, VariableDie>();
    for (const v of this.variablesOf(die.unit.root)) {
      const cur = byName.get(v.name);
      if (!cur || (!cur.die.attrs.has(At.location) && v.die.attrs.has(At.location))) byName.set(v.name, v);
    }
    return [...byName.values()];
  }
}
