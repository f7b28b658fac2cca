/**
 * Just enough of .debug_info (DWARF 2 to 5, spec section 7.5, "Format of Debugging
 * Information") for the debugger: each compilation unit's name, comp_dir and line-program
 * offset, and every function's code: out-of-line subprograms (low_pc/high_pc) and inlined
 * copies (DW_TAG_inlined_subroutine, entry_pc or low_pc), named through abstract_origin /
 * specification; and an index of file-scope names (global variables and named types, with
 * their DIE offsets) so that a C expression finds `init_task` or `struct task_struct` without
 * parsing every unit. One fast pass that skips every attribute it does not need by its form
 * (forms.ts); die-tree.ts parses a whole unit when one is needed.
 */
import { ByteReader, stringAt } from './byte-reader';
import { DwarfError } from './line-program';
import { Abbrev, FormCtx, InfoSections, Form, AttrValue, parseAbbrevs, readUnitHeader, readValue, skipAttributes, skipForm } from './forms';

/** One compilation unit. */
export interface CompUnit {
  name: string;
  compDir?: string;
  /** DW_AT_stmt_list: offset of the unit's line program in .debug_line. */
  stmtList?: number;
  /** Offset of the unit's header in .debug_info. */
  offset: number;
  /** The unit's code ([start, end) pairs; empty when it states none). */
  ranges: [number, number][];
  /**
   * GCC said where variables live across the code (location lists): gdb then trusts the
   * variables' locations at a function's entry and puts `break FUNCTION` there, skipping no
   * prologue (its `locations_valid`).
   */
  locationsValid: boolean;
}

/** Code of a function: an out-of-line body or an inlined copy. */
export interface FunctionRange {
  name: string;
  /** First address (entry_pc for inlined copies when given). */
  entry: number;
  low: number;
  /** One past the last address (0 when unknown). */
  high: number;
  inlined: boolean;
  /** The address ranges of the code ([start, end) pairs; one pair for low_pc/high_pc). */
  ranges: [number, number][];
  /** Offset in .debug_line of the unit's line program (whose file table `callFile` indexes). */
  unit?: number;
  /** For inlined copies: where the call was (DW_AT_call_file index, call_line, call_column). */
  callFile?: number;
  callLine?: number;
  callColumn?: number;
  /** Offset of the function's DIE in .debug_info, and of its unit's header. */
  die: number;
  unitOffset: number;
}

/** What `parseDebugInfo` gathers. */
export interface DebugInfo {
  units: CompUnit[];
  functions: FunctionRange[];
  /** File-scope variables by name: DIE offsets, definitions first. */
  globals: Map<string, number[]>;
  /** File-scope types by C name (`struct task_struct`, `u64`, `int`): DIE offsets of definitions. */
  types: Map<string, number[]>;
}

export type { InfoSections } from './forms';

const enum At { location = 0x02, name = 0x03, producer = 0x25, stmt_list = 0x10, low_pc = 0x11, high_pc = 0x12, comp_dir = 0x1b, declaration = 0x3c,
  abstract_origin = 0x31, specification = 0x47, entry_pc = 0x52, ranges = 0x55, call_column = 0x57, call_file = 0x58,
  call_line = 0x59 }
const enum Tag { compile_unit = 0x11, subprogram = 0x2e, inlined_subroutine = 0x1d, partial_unit = 0x3c, skeleton_unit = 0x4a,
  variable = 0x34, structure_type = 0x13, union_type = 0x17, enumeration_type = 0x04, typedef = 0x16, base_type = 0x24 }

/** Tags the name index records when they are children of a unit (globals and file-scope types). */
const INDEXED = new Set<number>([Tag.variable, Tag.structure_type, Tag.union_type, Tag.enumeration_type, Tag.typedef, Tag.base_type]);
const UNIT_TAGS = new Set<number>([Tag.compile_unit, Tag.partial_unit, Tag.skeleton_unit]);

/** A .debug_str string, decoded once: a kernel's units repeat the same names thousands of times. */
function cachedString(s: InfoSections, offset: number, cache: Map<number, string>): string {
  let v = cache.get(offset);
  if (v === undefined) cache.set(offset, v = stringAt(s.debugStr, offset));
  return v;
}

/** Reads units, functions and the name index from .debug_info in one pass. */
export function parseDebugInfo(s: InfoSections): DebugInfo {
  const units: CompUnit[] = [];
  const functions: (FunctionRange & { origin?: number })[] = [];
  const indexed: { tag: number; die: number; name?: string; origin?: number; declaration: boolean }[] = [];
  let cuBase = 0;
  let unitLines: number | undefined;
  const names = new Map<number, string>(); // DIE offset -> name
  const origins = new Map<number, number>(); // DIE offset -> abstract_origin/specification DIE
  const abbrevCache = new Map<number, Map<number, Abbrev>>();
  const strings = new Map<number, string>();
  const r = new ByteReader(s.debugInfo);
  while (!r.atEnd()) {
    const h = readUnitHeader(r);
    const { end, version, addrSize } = h;
    let abbrevs = abbrevCache.get(h.abbrevOffset);
    if (!abbrevs) {
      abbrevs = parseAbbrevs(s.debugAbbrev, h.abbrevOffset, (tag) => UNIT_TAGS.has(tag) || tag === Tag.subprogram || tag === Tag.inlined_subroutine || INDEXED.has(tag));
      abbrevCache.set(h.abbrevOffset, abbrevs);
    }
    // A location-list form in the unit's abbreviations: some variable of the unit has a list.
    const hasLocLists = [...abbrevs.values()].some((ab) => ab.attrs.some(([at, form]) => at === At.location && (form === Form.sec_offset || form === Form.loclistx)));
    const ctx: FormCtx = { s, r, dwarf64: h.dwarf64, addrSize, version, unitStart: h.offset };
    let depth = 0;
    while (r.pos < end) {
      const dieOffset = r.pos;
      const code = r.uleb();
      if (code === 0) { depth--; continue; } // end of a sibling chain
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`.debug_info: unknown abbreviation ${code} at 0x${dieOffset.toString(16)}`);
      const dieDepth = depth;
      if (ab.children) depth++;
      // Globals and types are indexed only at file scope (children of the unit).
      if (!ab.wanted || (dieDepth !== 1 && INDEXED.has(ab.tag))) { skipAttributes(ctx, ab); continue; }
      let name: string | undefined, low: number | undefined, high: AttrValue, highIsOffset = false, entry: number | undefined;
      let origin: number | undefined, compDir: string | undefined, stmtList: number | undefined, ranges: number | undefined;
      let callFile: number | undefined, callLine: number | undefined, callColumn: number | undefined, declaration = false;
      let producer: string | undefined;
      const index = INDEXED.has(ab.tag);
      for (const [at, form, implicit] of ab.attrs) {
        // Indexed DIEs are most of a unit's top level: read only what the index keeps.
        if (index && at !== At.name && at !== At.declaration && at !== At.specification) { skipForm(ctx, form); continue; }
        if (at === At.name && form === Form.strp) { name = cachedString(s, r.offset(h.dwarf64), strings); continue; }
        const v = readValue(ctx, form, implicit);
        switch (at) {
          case At.name: if (typeof v === 'string') name = v; break;
          case At.low_pc: if (typeof v === 'number') low = v; break;
          case At.high_pc: high = v; highIsOffset = form !== Form.addr; break;
          case At.entry_pc: if (typeof v === 'number' && form === Form.addr) entry = v; break;
          case At.abstract_origin: case At.specification: if (v && typeof v === 'object' && 'ref' in v) origin = v.ref; break;
          case At.comp_dir: if (typeof v === 'string') compDir = v; break;
          case At.stmt_list: if (typeof v === 'number') stmtList = v; break;
          case At.ranges: if (typeof v === 'number' && form === Form.sec_offset) ranges = v; break;
          case At.call_file: if (typeof v === 'number') callFile = v; break;
          case At.call_line: if (typeof v === 'number') callLine = v; break;
          case At.call_column: if (typeof v === 'number') callColumn = v; break;
          case At.declaration: declaration = v === 1; break;
          case At.producer: if (typeof v === 'string') producer = v; break;
        }
      }
      if (name !== undefined) names.set(dieOffset, name);
      if (origin !== undefined) origins.set(dieOffset, origin);
      if (UNIT_TAGS.has(ab.tag)) {
        cuBase = low ?? 0;
        let list: [number, number][] = [];
        if (low !== undefined && typeof high === 'number') list = [[low, highIsOffset ? low + high : high]];
        else if (ranges !== undefined) list = readRanges(s, ranges, version, addrSize, cuBase);
        units.push({ name: name ?? '', compDir, stmtList, offset: h.offset, ranges: list, locationsValid: hasLocLists && /^GNU /.test(producer ?? '') });
        unitLines = stmtList;
      } else if (INDEXED.has(ab.tag)) {
        indexed.push({ tag: ab.tag, die: dieOffset, name, origin, declaration });
      } else if ((ab.tag === Tag.subprogram || ab.tag === Tag.inlined_subroutine) && (low !== undefined || entry !== undefined || ranges !== undefined)) {
        let list: [number, number][] = [];
        if (low !== undefined && typeof high === 'number') list = [[low, highIsOffset ? low + high : high]];
        else if (ranges !== undefined) list = readRanges(s, ranges, version, addrSize, cuBase);
        if (list.length === 0 && low === undefined && entry === undefined) continue;
        const lo = low ?? entry ?? Math.min(...list.map((x) => x[0]));
        const hi = list.length ? Math.max(...list.map((x) => x[1])) : 0;
        functions.push({ name: name ?? '', entry: entry ?? lo, low: lo, high: hi, inlined: ab.tag === Tag.inlined_subroutine, ranges: list, origin: dieOffset,
          unit: unitLines, callFile, callLine, callColumn, die: dieOffset, unitOffset: h.offset });
      }
    }
    r.pos = end;
  }
  // Names of inlined copies and of out-of-line bodies of inline functions live on the abstract DIE.
  const nameOf = (die: number): string => {
    for (let d: number | undefined = die, k = 0; d !== undefined && k < 8; d = origins.get(d), k++) {
      const n = names.get(d);
      if (n !== undefined) return n;
    }
    return '';
  };
  const out: FunctionRange[] = [];
  for (const f of functions) {
    const name = f.name || nameOf(f.origin!);
    if (!name) continue;
    const { origin, ...rest } = f;
    void origin;
    out.push({ ...rest, name });
  }
  const globals = new Map<string, number[]>();
  const types = new Map<string, number[]>();
  for (const e of indexed) {
    const name = e.name ?? (e.origin !== undefined ? nameOf(e.origin) : '');
    if (!name) continue;
    if (e.tag === Tag.variable) {
      // A definition (with a location, or a specification of its declaration) before a mere declaration.
      const list = globals.get(name);
      if (!list) globals.set(name, [e.die]);
      else if (e.declaration) list.push(e.die);
      else list.unshift(e.die);
      continue;
    }
    if (e.declaration) continue; // `struct x;`: the definition is elsewhere
    const key = e.tag === Tag.structure_type ? `struct ${name}` : e.tag === Tag.union_type ? `union ${name}` : e.tag === Tag.enumeration_type ? `enum ${name}` : name;
    const list = types.get(key);
    if (list) list.push(e.die); else types.set(key, [e.die]);
  }
  return { units, functions: out, globals, types };
}

/** A range list: .debug_rnglists (v5, DW_RLE_* entries) or .debug_ranges (address pairs). */
export function readRanges(s: InfoSections, offset: number, version: number, addrSize: number, cuBase: number): [number, number][] {
  const out: [number, number][] = [];
  let base = cuBase;
  if (version >= 5) {
    if (!s.debugRnglists) return out;
    const r = new ByteReader(s.debugRnglists, offset);
    for (let n = 0; n < 4096 && !r.atEnd(); n++) {
      const kind = r.u8();
      switch (kind) {
        case 0: return out; // end_of_list
        case 1: r.uleb(); break; // base_addressx: needs .debug_addr, not used by gcc here
        case 2: r.uleb(); r.uleb(); break; // startx_endx
        case 3: r.uleb(); r.uleb(); break; // startx_length
        case 4: { const a = r.uleb(), b = r.uleb(); out.push([base + a, base + b]); break; } // offset_pair
        case 5: base = r.addr(addrSize); break; // base_address
        case 6: { const a = r.addr(addrSize), b = r.addr(addrSize); out.push([a, b]); break; } // start_end
        case 7: { const a = r.addr(addrSize), l = r.uleb(); out.push([a, a + l]); break; } // start_length
        default: return out;
      }
    }
    return out;
  }
  if (!s.debugRanges) return out;
  const r = new ByteReader(s.debugRanges, offset);
  const maxAddr = addrSize === 8 ? -1 : 2 ** 32 - 1; // all ones (8-byte addresses are sign-extended)
  while (!r.atEnd()) {
    const a = r.addr(addrSize), b = r.addr(addrSize);
    if (a === 0 && b === 0) break;
    if (a === maxAddr) { base = b; continue; } // base address selection entry
    out.push([base + a, base + b]);
  }
  return out;
}
