/**
 * The encoding of .debug_info shared by every reader of it (DWARF 2 to 5, spec section 7.5):
 * unit headers, abbreviation tables, and attribute forms (their sizes, how to skip them and
 * how to read them). `debug-info.ts` (the fast whole-file pass for functions and names) and
 * `die-tree.ts` (one unit's full DIE tree) both walk DIEs with these.
 */
import { ByteReader, stringAt } from './byte-reader';
import { DwarfError } from './line-program';

/** Every DWARF section a DIE reader may need (absent ones are undefined). */
export interface InfoSections {
  debugInfo: Uint8Array;
  debugAbbrev: Uint8Array;
  debugStr?: Uint8Array;
  debugLineStr?: Uint8Array;
  /** .debug_rnglists (DWARF 5 DW_AT_ranges). */
  debugRnglists?: Uint8Array;
  /** .debug_ranges (DWARF 2-4 DW_AT_ranges). */
  debugRanges?: Uint8Array;
  /** .debug_str_offsets (DW_FORM_strx*). */
  debugStrOffsets?: Uint8Array;
  /** .debug_addr (DW_FORM_addrx*, DW_OP_addrx). */
  debugAddr?: Uint8Array;
  /** .debug_loc (DWARF 2-4 location lists). */
  debugLoc?: Uint8Array;
  /** .debug_loclists (DWARF 5 location lists). */
  debugLoclists?: Uint8Array;
}

/** DW_FORM_* (spec 7.5.6). */
export const enum Form { addr = 0x01, block2 = 0x03, block4 = 0x04, data2 = 0x05, data4 = 0x06, data8 = 0x07, string = 0x08,
  block = 0x09, block1 = 0x0a, data1 = 0x0b, flag = 0x0c, sdata = 0x0d, strp = 0x0e, udata = 0x0f, ref_addr = 0x10,
  ref1 = 0x11, ref2 = 0x12, ref4 = 0x13, ref8 = 0x14, ref_udata = 0x15, indirect = 0x16, sec_offset = 0x17,
  exprloc = 0x18, flag_present = 0x19, strx = 0x1a, addrx = 0x1b, ref_sup4 = 0x1c, strp_sup = 0x1d, data16 = 0x1e,
  line_strp = 0x1f, ref_sig8 = 0x20, implicit_const = 0x21, loclistx = 0x22, rnglistx = 0x23, ref_sup8 = 0x24,
  strx1 = 0x25, strx2 = 0x26, strx3 = 0x27, strx4 = 0x28, addrx1 = 0x29, addrx2 = 0x2a, addrx3 = 0x2b, addrx4 = 0x2c }

/** One abbreviation: a DIE's tag, whether it has children, and its (attribute, form, implicit value) list. */
export interface Abbrev {
  tag: number;
  children: boolean;
  attrs: [number, number, number][];
  /** For a walker that reads only some tags: whether it reads this DIE's attributes. */
  wanted: boolean;
  /** Byte size of the attributes when every form has a fixed size, per `fixedKey`; -1 when variable. */
  fixed?: number;
  fixedKey?: number;
}

/** A unit header (spec 7.5.1). */
export interface UnitHeader {
  /** Offset of the header in .debug_info (what DW_FORM_ref* are relative to). */
  offset: number;
  /** One past the unit's last byte. */
  end: number;
  dwarf64: boolean;
  version: number;
  unitType: number;
  addrSize: number;
  abbrevOffset: number;
  /** Offset of the first DIE. */
  dieStart: number;
}

/** Reads the unit header at the reader's position (which ends at the first DIE). */
export function readUnitHeader(r: ByteReader): UnitHeader {
  const offset = r.pos;
  const { length, dwarf64 } = r.initialLength();
  const end = r.pos + length;
  const version = r.u16();
  if (version < 2 || version > 5) throw new DwarfError(`.debug_info version ${version} is not supported`);
  let addrSize: number, abbrevOffset: number, unitType = 1;
  if (version >= 5) {
    unitType = r.u8();
    addrSize = r.u8();
    abbrevOffset = r.offset(dwarf64);
    if (unitType === 4 || unitType === 5) r.skip(8); // skeleton / split_compile: dwo_id
    else if (unitType === 2 || unitType === 6) { r.skip(8); r.offset(dwarf64); } // type units
  } else {
    abbrevOffset = r.offset(dwarf64);
    addrSize = r.u8();
  }
  return { offset, end, dwarf64, version, unitType, addrSize, abbrevOffset, dieStart: r.pos };
}

/** Parses the abbreviation table at `offset`; `wanted` marks the tags a walker reads. */
export function parseAbbrevs(bytes: Uint8Array, offset: number, wanted: (tag: number) => boolean = () => true): Map<number, Abbrev> {
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
    out.set(code, { tag, children, attrs, wanted: wanted(tag) });
  }
}

/** Where a walker is: the section cursor and the current unit's encoding. */
export interface FormCtx { s: InfoSections; r: ByteReader; dwarf64: boolean; addrSize: number; version: number; unitStart: number }

/** Byte size of a form in a unit (-1 when it varies: strings, LEB128, blocks). */
export function formSize(form: number, addrSize: number, dwarf64: boolean, version: number): number {
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

/** Skips the attributes of a DIE the walker does not need (most of .debug_info). */
export function skipAttributes(c: FormCtx, ab: Abbrev): void {
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

/** Skips one attribute value of `form`. */
export function skipForm(c: FormCtx, form: number): void {
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

/**
 * An attribute value: a number (constants, addresses, section offsets), a string, a DIE
 * reference (absolute .debug_info offset), a block or expression (bytes), an index into
 * .debug_str_offsets / .debug_addr / a list table that the unit's bases resolve, or
 * undefined for what no reader uses (supplementary files, type signatures, data16).
 */
export type AttrValue = number | string | { ref: number } | Uint8Array | { index: number; of: 'str' | 'addr' | 'loclist' | 'rnglist' } | undefined;

const index = (n: number, of: 'str' | 'addr' | 'loclist' | 'rnglist') => ({ index: n, of });

/** Reads one attribute value of `form`. */
export function readValue(c: FormCtx, form: number, implicit: number): AttrValue {
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
    case Form.block1: { const n = r.u8(); const b = r.bytes.subarray(r.pos, r.pos + n); r.skip(n); return b; }
    case Form.block2: { const n = r.u16(); const b = r.bytes.subarray(r.pos, r.pos + n); r.skip(n); return b; }
    case Form.block4: { const n = r.u32(); const b = r.bytes.subarray(r.pos, r.pos + n); r.skip(n); return b; }
    case Form.block: case Form.exprloc: { const n = r.uleb(); const b = r.bytes.subarray(r.pos, r.pos + n); r.skip(n); return b; }
    case Form.flag_present: return 1;
    case Form.implicit_const: return implicit;
    case Form.strx: return index(r.uleb(), 'str');
    case Form.addrx: return index(r.uleb(), 'addr');
    case Form.loclistx: return index(r.uleb(), 'loclist');
    case Form.rnglistx: return index(r.uleb(), 'rnglist');
    case Form.strx1: return index(r.u8(), 'str');
    case Form.strx2: return index(r.u16(), 'str');
    case Form.strx3: return index(r.u24(), 'str');
    case Form.strx4: return index(r.u32(), 'str');
    case Form.addrx1: return index(r.u8(), 'addr');
    case Form.addrx2: return index(r.u16(), 'addr');
    case Form.addrx3: return index(r.u24(), 'addr');
    case Form.addrx4: return index(r.u32(), 'addr');
    case Form.indirect: return readValue(c, r.uleb(), implicit);
    default: throw new DwarfError(`.debug_info: unsupported form 0x${form.toString(16)}`);
  }
}
