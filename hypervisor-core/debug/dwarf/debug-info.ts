/**
 * Just enough of .debug_info (DWARF 2 to 5, spec section 7.5, "Format of Debugging
 * Information") for the debugger: each compilation unit's name, comp_dir and line-program
 * offset, and every function's code: out-of-line subprograms (low_pc/high_pc) and inlined
 * copies (DW_TAG_inlined_subroutine, entry_pc or low_pc), named through abstract_origin /
 * specification. A DIE walker that skips every attribute it does not need by its form.
 */
import { ByteReader, stringAt } from './byte-reader';
import { DwarfError } from './line-program';

/** One compilation unit. */
export interface CompUnit {
  name: string;
  compDir?: string;
  /** DW_AT_stmt_list: offset of the unit's line program in .debug_line. */
  stmtList?: number;
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
}

/** What `parseDebugInfo` gathers. */
export interface DebugInfo {
  units: CompUnit[];
  functions: FunctionRange[];
}

/** Sections .debug_info refers to. */
export interface InfoSections {
  debugInfo: Uint8Array;
  debugAbbrev: Uint8Array;
  debugStr?: Uint8Array;
  debugLineStr?: Uint8Array;
  /** .debug_rnglists (DWARF 5 DW_AT_ranges). */
  debugRnglists?: Uint8Array;
  /** .debug_ranges (DWARF 2-4 DW_AT_ranges). */
  debugRanges?: Uint8Array;
}

const enum At { name = 0x03, stmt_list = 0x10, low_pc = 0x11, high_pc = 0x12, comp_dir = 0x1b,
  abstract_origin = 0x31, specification = 0x47, entry_pc = 0x52, ranges = 0x55, call_column = 0x57, call_file = 0x58,
  call_line = 0x59 }
const enum Tag { compile_unit = 0x11, subprogram = 0x2e, inlined_subroutine = 0x1d, partial_unit = 0x3c, skeleton_unit = 0x4a }
const enum Form { addr = 0x01, block2 = 0x03, block4 = 0x04, data2 = 0x05, data4 = 0x06, data8 = 0x07, string = 0x08,
  block = 0x09, block1 = 0x0a, data1 = 0x0b, flag = 0x0c, sdata = 0x0d, strp = 0x0e, udata = 0x0f, ref_addr = 0x10,
  ref1 = 0x11, ref2 = 0x12, ref4 = 0x13, ref8 = 0x14, ref_udata = 0x15, indirect = 0x16, sec_offset = 0x17,
  exprloc = 0x18, flag_present = 0x19, strx = 0x1a, addrx = 0x1b, ref_sup4 = 0x1c, strp_sup = 0x1d, data16 = 0x1e,
  line_strp = 0x1f, ref_sig8 = 0x20, implicit_const = 0x21, loclistx = 0x22, rnglistx = 0x23, ref_sup8 = 0x24,
  strx1 = 0x25, strx2 = 0x26, strx3 = 0x27, strx4 = 0x28, addrx1 = 0x29, addrx2 = 0x2a, addrx3 = 0x2b, addrx4 = 0x2c }

interface Abbrev {
  tag: number;
  children: boolean;
  attrs: [number, number, number][];
  /** Whether the walker reads this DIE's attributes (units and functions) or only skips them. */
  wanted: boolean;
  /** Byte size of the attributes when every form has a fixed size, per `sizeKey`; -1 when variable. */
  fixed?: number;
  fixedKey?: number;
}

/** Byte size of a form in a unit (-1 when it varies: strings, LEB128, blocks). */
function formSize(form: number, addrSize: number, dwarf64: boolean, version: number): number {
  switch (form) {
    case Form.addr: return addrSize;
    case Form.data1: case Form.flag: case Form.ref1: case Form.strx1: case Form.addrx1: return 1;
    case Form.data2: case Form.ref2: case Form.strx2: case Form.addrx2: return 2;
    case Form.strx3: case Form.addrx3: return 3;
    case Form.data4: case Form.ref4: case Form.ref_sup4: case Form.strx4: case Form.addrx4: return 4;
    case Form.data8: case Form.ref8: case Form.ref_sup8: case Form.ref_sig8: return 8;
    case Form.data16: return 16;
    case Form.strp: case Form.line_strp: case Form.sec_offset: case Form.strp_sup: return dwarf64 ? 8 : 4;
    case Form.ref_addr: return version <= 2 ? addrSize : dwarf64 ? 8 : 4;
    case Form.flag_present: case Form.implicit_const: return 0;
    default: return -1;
  }
}

/** Skips the attributes of a DIE the walker does not need (most of .debug_info: types, variables). */
function skipAttributes(c: Ctx, ab: Abbrev): void {
  const key = c.addrSize * 4 + (c.dwarf64 ? 2 : 0) + (c.version <= 2 ? 1 : 0);
  if (ab.fixedKey !== key) {
    let n = 0;
    for (const [, form] of ab.attrs) {
      const size = formSize(form, c.addrSize, c.dwarf64, c.version);
      if (size < 0) { n = -1; break; }
      n += size;
    }
    ab.fixed = n;
    ab.fixedKey = key;
  }
  if (ab.fixed! >= 0) { c.r.pos += ab.fixed!; return; }
  for (const [, form] of ab.attrs) skipForm(c, form);
}

function skipForm(c: Ctx, form: number): void {
  const r = c.r;
  const size = formSize(form, c.addrSize, c.dwarf64, c.version);
  if (size >= 0) { r.pos += size; return; }
  switch (form) {
    case Form.string: while (r.bytes[r.pos++] !== 0 && r.pos < r.bytes.length); return;
    case Form.sdata: case Form.udata: case Form.ref_udata: case Form.strx: case Form.addrx: case Form.loclistx: case Form.rnglistx:
      while (r.bytes[r.pos++] & 0x80); return;
    case Form.block1: r.skip(r.u8()); return;
    case Form.block2: r.skip(r.u16()); return;
    case Form.block4: r.skip(r.u32()); return;
    case Form.block: case Form.exprloc: r.skip(r.uleb()); return;
    case Form.indirect: skipForm(c, r.uleb()); return;
    default: throw new DwarfError(`.debug_info: unsupported form 0x${form.toString(16)}`);
  }
}

/** A value read for an attribute: a number, a string, or a DIE reference. */
type Value = number | string | { ref: number } | undefined;

/** Reads units and functions from .debug_info. */
export function parseDebugInfo(s: InfoSections): DebugInfo {
  const units: CompUnit[] = [];
  const functions: (FunctionRange & { origin?: number })[] = [];
  let cuBase = 0;
  let unitLines: number | undefined;
  const names = new Map<number, string>(); // DIE offset -> name
  const origins = new Map<number, number>(); // DIE offset -> abstract_origin/specification DIE
  const abbrevCache = new Map<number, Map<number, Abbrev>>();
  const r = new ByteReader(s.debugInfo);
  while (!r.atEnd()) {
    const unitStart = r.pos;
    const { length, dwarf64 } = r.initialLength();
    const end = r.pos + length;
    const version = r.u16();
    if (version < 2 || version > 5) throw new DwarfError(`.debug_info version ${version} is not supported`);
    let addrSize: number, abbrevOff: number, unitType = 1;
    if (version >= 5) {
      unitType = r.u8();
      addrSize = r.u8();
      abbrevOff = r.offset(dwarf64);
      if (unitType === 4 || unitType === 5) r.skip(8); // skeleton / split_compile: dwo_id
      else if (unitType === 2 || unitType === 6) { r.skip(8); r.offset(dwarf64); } // type units
    } else {
      abbrevOff = r.offset(dwarf64);
      addrSize = r.u8();
    }
    let abbrevs = abbrevCache.get(abbrevOff);
    if (!abbrevs) abbrevCache.set(abbrevOff, (abbrevs = parseAbbrevs(s.debugAbbrev, abbrevOff)));
    const ctx = { s, r, dwarf64, addrSize, version, unitStart };
    while (r.pos < end) {
      const dieOffset = r.pos;
      const code = r.uleb();
      if (code === 0) continue; // end of a sibling chain
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`.debug_info: unknown abbreviation ${code} at 0x${dieOffset.toString(16)}`);
      // Names and origins are needed only on subprograms: inlined copies and specifications point at those.
      if (!ab.wanted) { skipAttributes(ctx, ab); continue; }
      let name: string | undefined, low: number | undefined, high: Value, highIsOffset = false, entry: number | undefined;
      let origin: number | undefined, compDir: string | undefined, stmtList: number | undefined, ranges: number | undefined;
      let callFile: number | undefined, callLine: number | undefined, callColumn: number | undefined;
      for (const [at, form, implicit] of ab.attrs) {
        const v = readValue(ctx, form, implicit);
        switch (at) {
          case At.name: if (typeof v === 'string') name = v; break;
          case At.low_pc: if (typeof v === 'number') low = v; break;
          case At.high_pc: high = v; highIsOffset = form !== Form.addr; break;
          case At.entry_pc: if (typeof v === 'number' && form === Form.addr) entry = v; break;
          case At.abstract_origin: case At.specification: if (v && typeof v === 'object') origin = v.ref; break;
          case At.comp_dir: if (typeof v === 'string') compDir = v; break;
          case At.stmt_list: if (typeof v === 'number') stmtList = v; break;
          case At.ranges: if (typeof v === 'number' && form === Form.sec_offset) ranges = v; break;
          case At.call_file: if (typeof v === 'number') callFile = v; break;
          case At.call_line: if (typeof v === 'number') callLine = v; break;
          case At.call_column: if (typeof v === 'number') callColumn = v; break;
        }
      }
      if (name !== undefined) names.set(dieOffset, name);
      if (origin !== undefined) origins.set(dieOffset, origin);
      if (ab.tag === Tag.compile_unit || ab.tag === Tag.partial_unit || ab.tag === Tag.skeleton_unit) {
        units.push({ name: name ?? '', compDir, stmtList });
        cuBase = low ?? 0;
        unitLines = stmtList;
      } else if ((ab.tag === Tag.subprogram || ab.tag === Tag.inlined_subroutine) && (low !== undefined || entry !== undefined || ranges !== undefined)) {
        let list: [number, number][] = [];
        if (low !== undefined && typeof high === 'number') list = [[low, highIsOffset ? low + high : high]];
        else if (ranges !== undefined) list = readRanges(s, ranges, version, addrSize, cuBase);
        if (list.length === 0 && low === undefined && entry === undefined) continue;
        const lo = low ?? entry ?? Math.min(...list.map((x) => x[0]));
        const hi = list.length ? Math.max(...list.map((x) => x[1])) : 0;
        functions.push({ name: name ?? '', entry: entry ?? lo, low: lo, high: hi, inlined: ab.tag === Tag.inlined_subroutine, ranges: list, origin: dieOffset,
          unit: unitLines, callFile, callLine, callColumn });
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
  return { units, functions: out };
}

/** A range list: .debug_rnglists (v5, DW_RLE_* entries) or .debug_ranges (address pairs). */
function readRanges(s: InfoSections, offset: number, version: number, addrSize: number, cuBase: number): [number, number][] {
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

function parseAbbrevs(bytes: Uint8Array, offset: number): Map<number, Abbrev> {
  const r = new ByteReader(bytes, offset);
  const out = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) return out;
    const tag = r.uleb();
    const children = r.u8() !== 0;
    const attrs: [number, number, number][] = [];
    for (;;) {
      const at = r.uleb(), form = r.uleb();
      if (at === 0 && form === 0) break;
      attrs.push([at, form, form === Form.implicit_const ? r.sleb() : 0]);
    }
    const wanted = tag === Tag.compile_unit || tag === Tag.partial_unit || tag === Tag.skeleton_unit ||
      tag === Tag.subprogram || tag === Tag.inlined_subroutine;
    out.set(code, { tag, children, attrs, wanted });
  }
}

interface Ctx { s: InfoSections; r: ByteReader; dwarf64: boolean; addrSize: number; version: number; unitStart: number }

function readValue(c: Ctx, form: number, implicit: number): Value {
  const r = c.r;
  switch (form) {
    case Form.addr: return r.addr(c.addrSize);
    case Form.data1: case Form.flag: return r.u8();
    case Form.data2: return r.u16();
    case Form.data4: return r.u32();
    case Form.data8: return r.u64();
    case Form.data16: r.skip(16); return undefined;
    case Form.sdata: return r.sleb();
    case Form.udata: return r.uleb();
    case Form.string: return r.cstr();
    case Form.strp: return stringAt(c.s.debugStr, r.offset(c.dwarf64));
    case Form.line_strp: return stringAt(c.s.debugLineStr, r.offset(c.dwarf64));
    case Form.strp_sup: r.offset(c.dwarf64); return undefined;
    case Form.sec_offset: return r.offset(c.dwarf64);
    case Form.ref1: return { ref: c.unitStart + r.u8() };
    case Form.ref2: return { ref: c.unitStart + r.u16() };
    case Form.ref4: return { ref: c.unitStart + r.u32() };
    case Form.ref8: return { ref: c.unitStart + r.u64() };
    case Form.ref_udata: return { ref: c.unitStart + r.uleb() };
    case Form.ref_addr: return { ref: c.version <= 2 ? r.uint(c.addrSize) : r.offset(c.dwarf64) };
    case Form.ref_sup4: r.skip(4); return undefined;
    case Form.ref_sup8: case Form.ref_sig8: r.skip(8); return undefined;
    case Form.block1: r.skip(r.u8()); return undefined;
    case Form.block2: r.skip(r.u16()); return undefined;
    case Form.block4: r.skip(r.u32()); return undefined;
    case Form.block: case Form.exprloc: r.skip(r.uleb()); return undefined;
    case Form.flag_present: return 1;
    case Form.implicit_const: return implicit;
    case Form.strx: case Form.addrx: case Form.loclistx: case Form.rnglistx: r.uleb(); return undefined;
    case Form.strx1: case Form.addrx1: r.u8(); return undefined;
    case Form.strx2: case Form.addrx2: r.u16(); return undefined;
    case Form.strx3: case Form.addrx3: r.u24(); return undefined;
    case Form.strx4: case Form.addrx4: r.u32(); return undefined;
    case Form.indirect: return readValue(c, r.uleb(), implicit);
    default: throw new DwarfError(`.debug_info: unsupported form 0x${form.toString(16)}`);
  }
}
