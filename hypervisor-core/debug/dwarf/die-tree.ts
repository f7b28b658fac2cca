/**
 * The full DIE tree of a compilation unit (DWARF 2 to 5), parsed on first need and cached:
 * a kernel has hundreds of units and ~25 MB of .debug_info, so nothing is parsed up front
 * beyond the unit headers (a skip from header to header). Attribute values resolve the
 * unit's bases (DW_AT_str_offsets_base, addr_base, rnglists_base, loclists_base) for the
 * DWARF 5 index forms.
 */
import { ByteReader, stringAt } from './byte-reader';
import { AttrValue, Form, FormCtx, InfoSections, UnitHeader, parseAbbrevs, Abbrev, readUnitHeader, readValue } from './forms';
import { At, Tag } from './constants';
import { readRanges } from './debug-info';
import { DwarfError } from './line-program';

/** One debugging information entry. */
export interface Die {
  /** Offset in .debug_info (what references point at). */
  offset: number;
  tag: number;
  attrs: Map<number, AttrValue>;
  /** DW_AT_high_pc was a length, not an address (DWARF 4+ constant form). */
  highIsLength?: boolean;
  children: Die[];
  parent?: Die;
  unit: DieUnit;
}

/** A parsed unit. */
export interface DieUnit {
  header: UnitHeader;
  root: Die;
  dies: Map<number, Die>;
  /** DW_AT_low_pc of the unit: the base of its range and location lists. */
  base: number;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
}

/** Units kept parsed at once (a kernel's largest are a few MB of DIEs). */
const MAX_CACHED_UNITS = 48;
/** DIEs in one unit at most (a guard against corrupt input; the kernel's largest have ~100k). */
const MAX_DIES = 2_000_000;

/** Lazily parsed DIE trees of one ELF's .debug_info. */
export class DieTree {
  private unitOffsets?: number[];
  private readonly cache = new Map<number, DieUnit>();
  private readonly abbrevs = new Map<number, Map<number, Abbrev>>();

  constructor(readonly sections: InfoSections) {}

  /** Header offsets of every unit, in order (read once: a skip from header to header). */
  units(): number[] {
    if (this.unitOffsets) return this.unitOffsets;
    const out: number[] = [];
    const r = new ByteReader(this.sections.debugInfo);
    while (!r.atEnd()) {
      out.push(r.pos);
      const { length } = r.initialLength();
      r.pos += length;
    }
    return (this.unitOffsets = out);
  }

  /** The unit holding the DIE at `offset` (a binary search over header offsets). */
  unitOf(offset: number): DieUnit | undefined {
    const u = this.units();
    let lo = 0, hi = u.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (u[mid] <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best < 0 ? undefined : this.unit(u[best]);
  }

  /** The DIE at `offset`, parsing its unit on first need. */
  die(offset: number): Die | undefined {
    return this.unitOf(offset)?.dies.get(offset);
  }

  /** The unit whose header is at `offset`, parsed on first need. */
  unit(offset: number): DieUnit {
    const hit = this.cache.get(offset);
    if (hit) {
      this.cache.delete(offset); // most recently used last
      this.cache.set(offset, hit);
      return hit;
    }
    const u = this.parseUnit(offset);
    this.cache.set(offset, u);
    if (this.cache.size > MAX_CACHED_UNITS) this.cache.delete(this.cache.keys().next().value!);
    return u;
  }

  private parseUnit(offset: number): DieUnit {
    const s = this.sections;
    const r = new ByteReader(s.debugInfo, offset);
    const header = readUnitHeader(r);
    let abbrevs = this.abbrevs.get(header.abbrevOffset);
    if (!abbrevs) this.abbrevs.set(header.abbrevOffset, abbrevs = parseAbbrevs(s.debugAbbrev, header.abbrevOffset));
    const ctx: FormCtx = { s, r, dwarf64: header.dwarf64, addrSize: header.addrSize, version: header.version, unitStart: header.offset };
    const dies = new Map<number, Die>();
    const unit = { header, dies, base: 0, strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0, loclistsBase: 0 } as unknown as DieUnit;
    const stack: Die[] = [];
    let root: Die | undefined;
    const end = Math.min(header.end, s.debugInfo.length);
    while (r.pos < end) {
      const at = r.pos;
      const code = r.uleb();
      if (code === 0) { stack.pop(); if (stack.length === 0 && root) break; continue; }
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`.debug_info: unknown abbreviation ${code} at 0x${at.toString(16)}`);
      if (dies.size >= MAX_DIES) throw new DwarfError(`.debug_info: unit at 0x${offset.toString(16)} has more than ${MAX_DIES} entries`);
      const die: Die = { offset: at, tag: ab.tag, attrs: new Map(), children: [], parent: stack[stack.length - 1], unit };
      for (const [name, form, implicit] of ab.attrs) {
        die.attrs.set(name, readValue(ctx, form, implicit));
        if (name === At.high_pc && form !== Form.addr) die.highIsLength = true;
      }
      dies.set(at, die);
      if (die.parent) die.parent.children.push(die); else root ??= die;
      if (ab.children) stack.push(die);
      else if (!die.parent) break; // a unit DIE without children
    }
    if (!root) throw new DwarfError(`.debug_info: unit at 0x${offset.toString(16)} has no entries`);
    unit.root = root;
    const num = (a: At) => { const v = root!.attrs.get(a); return typeof v === 'number' ? v : 0; };
    unit.base = num(At.low_pc);
    unit.strOffsetsBase = num(At.str_offsets_base);
    unit.addrBase = num(At.addr_base);
    unit.rnglistsBase = num(At.rnglists_base);
    unit.loclistsBase = num(At.loclists_base);
    return unit;
  }

  // ---- attribute access ----

  /** An attribute of `d` itself (index forms resolved: strings, addresses). */
  attr(d: Die, at: At): AttrValue {
    const v = d.attrs.get(at);
    if (v && typeof v === 'object' && 'index' in v) {
      if (v.of === 'str') return this.strx(d.unit, v.index);
      if (v.of === 'addr') return this.addrx(d.unit, v.index);
    }
    return v;
  }

  /** An attribute of `d`, else of the DIE its abstract_origin or specification names (up to 8 links). */
  inherited(d: Die, at: At): AttrValue {
    for (let cur: Die | undefined = d, k = 0; cur && k < 8; k++) {
      if (cur.attrs.has(at)) return this.attr(cur, at);
      cur = this.ref(cur, At.abstract_origin) ?? this.ref(cur, At.specification);
    }
    return undefined;
  }

  /** The name of a DIE, through abstract_origin/specification. */
  name(d: Die): string | undefined {
    const v = this.inherited(d, At.name);
    return typeof v === 'string' ? v : undefined;
  }

  /** A numeric attribute. */
  num(d: Die, at: At): number | undefined {
    const v = this.attr(d, at);
    return typeof v === 'number' ? v : undefined;
  }

  /** The DIE a reference attribute points at. */
  ref(d: Die, at: At): Die | undefined {
    const v = d.attrs.get(at);
    if (!v || typeof v !== 'object' || !('ref' in v)) return undefined;
    return d.unit.dies.get(v.ref) ?? this.die(v.ref);
  }

  /** The address ranges of a DIE with code (low_pc/high_pc or DW_AT_ranges); empty when none. */
  ranges(d: Die): [number, number][] {
    const low = this.attr(d, At.low_pc), high = d.attrs.get(At.high_pc);
    if (typeof low === 'number' && typeof high === 'number') return [[low, d.highIsLength ? low + high : high]];
    if (typeof low === 'number' && high && typeof high === 'object' && 'index' in high) return [[low, this.addrx(d.unit, high.index)]];
    const rv = d.attrs.get(At.ranges);
    const h = d.unit.header;
    if (typeof rv === 'number') return readRanges(this.sections, rv, h.version, h.addrSize, d.unit.base);
    if (rv && typeof rv === 'object' && 'index' in rv) {
      const off = this.listOffset(this.sections.debugRnglists, d.unit.rnglistsBase, rv.index, h.dwarf64);
      return off === undefined ? [] : readRanges(this.sections, off, h.version, h.addrSize, d.unit.base);
    }
    return [];
  }

  /** Entry `index` of .debug_addr for a unit (DW_FORM_addrx, DW_OP_addrx). */
  addrx(u: DieUnit, index: number): number {
    const a = this.sections.debugAddr;
    const size = u.header.addrSize;
    const at = u.addrBase + index * size;
    if (!a || at + size > a.length) return 0;
    return new ByteReader(a, at).addr(size);
  }

  private strx(u: DieUnit, index: number): string {
    const so = this.sections.debugStrOffsets;
    const size = u.header.dwarf64 ? 8 : 4;
    const at = u.strOffsetsBase + index * size;
    if (!so || at + size > so.length) return '';
    return stringAt(this.sections.debugStr, new ByteReader(so, at).offset(u.header.dwarf64));
  }

  /** The offset of list `index` of a DWARF 5 list table (rnglistx/loclistx: relative to the base). */
  listOffset(section: Uint8Array | undefined, base: number, index: number, dwarf64: boolean): number | undefined {
    const size = dwarf64 ? 8 : 4;
    const at = base + index * size;
    if (!section || at + size > section.length) return undefined;
    return base + new ByteReader(section, at).offset(dwarf64);
  }
}

/** True for DIEs that hold variables of a scope: functions, inlined copies, blocks. */
export function isScope(tag: number): boolean {
  return tag === Tag.subprogram || tag === Tag.inlined_subroutine || tag === Tag.lexical_block;
}
