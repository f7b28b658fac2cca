/**
 * The DWARF line-number program (.debug_line), versions 2 to 5 (DWARF 5 spec section 6.2,
 * "Line Number Information"): the header with its directory and file tables, and the state
 * machine that turns the opcodes into rows (address -> file, line, column, is_stmt).
 *
 * Index conventions differ by version: in DWARF 5 file 0 and directory 0 are the primary
 * source file and the compilation directory, and both tables list them; before version 5
 * files count from 1 and directory 0 means the compilation directory, which the header does
 * not hold (the caller passes it from the unit's DW_AT_comp_dir when it knows it).
 */
import { posix } from 'node:path';
import { ByteReader, stringAt } from './byte-reader';

/** One row of the line table. */
export interface LineRow {
  address: number;
  /** Index into `LineProgram.files` (the file register). */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  /** The first address after a sequence: not an instruction of the row's line. */
  endSequence: boolean;
}

/** One entry of the file table. */
export interface LineFile {
  name: string;
  /** Index into `LineProgram.directories`. */
  dir: number;
}

/** A parsed line-number program of one unit. */
export interface LineProgram {
  /** Offset of the unit in .debug_line (what DW_AT_stmt_list points at). */
  offset: number;
  version: number;
  /** Directory table; entry 0 is the compilation directory ('' when unknown before v5). */
  directories: string[];
  /** File table indexed by the file register (entry 0 unused before v5). */
  files: (LineFile | undefined)[];
  rows: LineRow[];
}

/** Sections a line program refers to. */
export interface LineSections {
  debugLine: Uint8Array;
  /** .debug_line_str (DW_FORM_line_strp). */
  debugLineStr?: Uint8Array;
  /** .debug_str (DW_FORM_strp). */
  debugStr?: Uint8Array;
}

// DW_LNCT content types and the forms used in v5 directory/file entry formats.
const DW_LNCT_path = 1, DW_LNCT_directory_index = 2;
const DW_FORM = {
  block: 0x09, block1: 0x0a, block2: 0x03, block4: 0x04, data1: 0x0b, data2: 0x05, data4: 0x06, data8: 0x07,
  data16: 0x1e, string: 0x08, strp: 0x0e, line_strp: 0x1f, udata: 0x0f, sdata: 0x0d,
  strx: 0x1a, strx1: 0x25, strx2: 0x26, strx3: 0x27, strx4: 0x28,
} as const;

/** Thrown for a malformed or unsupported line program (one-line message). */
export class DwarfError extends Error {}

/** Parses every unit of .debug_line. `compDirs` maps a unit offset to its DW_AT_comp_dir. */
export function parseLinePrograms(s: LineSections, compDirs: Map<number, string> = new Map()): LineProgram[] {
  const out: LineProgram[] = [];
  const r = new ByteReader(s.debugLine);
  while (!r.atEnd()) {
    const offset = r.pos;
    const { length, dwarf64 } = r.initialLength();
    const end = r.pos + length;
    if (length === 0) { r.pos = end; continue; }
    out.push(parseUnit(r, s, offset, end, dwarf64, compDirs.get(offset)));
    r.pos = end;
  }
  return out;
}

function parseUnit(r: ByteReader, s: LineSections, offset: number, end: number, dwarf64: boolean,
  compDir: string | undefined): LineProgram {
  const version = r.u16();
  if (version < 2 || version > 5) throw new DwarfError(`.debug_line version ${version} is not supported`);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size
  }
  const headerLength = r.offset(dwarf64);
  const programStart = r.pos + headerLength;
  const minInsnLength = r.u8();
  if (version >= 4) r.u8(); // maximum_operations_per_instruction: 1 on non-VLIW targets
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  const opcodeLengths = [0];
  for (let i = 1; i < opcodeBase; i++) opcodeLengths.push(r.u8());

  let directories: string[];
  let files: (LineFile | undefined)[];
  if (version >= 5) {
    directories = readEntries(r, s, dwarf64).map((e) => e.path);
    files = readEntries(r, s, dwarf64).map((e) => ({ name: e.path, dir: e.dir }));
  } else {
    directories = [compDir ?? ''];
    for (let d = r.cstr(); d !== ''; d = r.cstr()) directories.push(d);
    files = [undefined];
    for (let name = r.cstr(); name !== ''; name = r.cstr()) {
      const dir = r.uleb();
      r.uleb(); // mtime
      r.uleb(); // length
      files.push({ name, dir });
    }
  }
  if (compDir !== undefined && directories[0] === '') directories[0] = compDir;

  r.pos = programStart;
  const rows: LineRow[] = [];
  let address = 0, file = 1, line = 1, column = 0, isStmt = defaultIsStmt;
  const reset = () => { address = 0; file = 1; line = 1; column = 0; isStmt = defaultIsStmt; };
  const emit = (endSequence: boolean) => rows.push({ address, file, line, column, isStmt, endSequence });
  while (r.pos < end) {
    const op = r.u8();
    if (op >= opcodeBase) {
      const adjusted = op - opcodeBase;
      address += Math.floor(adjusted / lineRange) * minInsnLength;
      line += lineBase + (adjusted % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: { // extended opcode
        const len = r.uleb();
        const next = r.pos + len;
        const ext = len > 0 ? r.u8() : 0;
        if (ext === 1) { emit(true); reset(); }
        else if (ext === 2) address = r.addr(len - 1 === 8 || len - 1 === 4 ? len - 1 : addressSize);
        else if (ext === 3) { // DW_LNE_define_file (before v5)
          const name = r.cstr();
          const dir = r.uleb();
          files.push({ name, dir });
        }
        r.pos = next;
        break;
      }
      case 1: emit(false); break; // copy
      case 2: address += r.uleb() * minInsnLength; break;
      case 3: line += r.sleb(); break;
      case 4: file = r.uleb(); break;
      case 5: column = r.uleb(); break;
      case 6: isStmt = !isStmt; break;
      case 7: break; // basic_block
      case 8: address += Math.floor((255 - opcodeBase) / lineRange) * minInsnLength; break;
      case 9: address += r.u16(); break;
      case 10: case 11: break; // prologue_end, epilogue_begin
      default: for (let i = 0; i < opcodeLengths[op]; i++) r.uleb(); // set_isa or unknown
    }
  }
  return { offset, version, directories, files, rows };
}

/** Reads a v5 entry-format description and the entries it describes. */
function readEntries(r: ByteReader, s: LineSections, dwarf64: boolean): { path: string; dir: number }[] {
  const formatCount = r.u8();
  const format: [number, number][] = [];
  for (let i = 0; i < formatCount; i++) format.push([r.uleb(), r.uleb()]);
  const count = r.uleb();
  const out: { path: string; dir: number }[] = [];
  for (let i = 0; i < count; i++) {
    let path = '', dir = 0;
    for (const [type, form] of format) {
      const v = readForm(r, s, form, dwarf64);
      if (type === DW_LNCT_path && typeof v === 'string') path = v;
      else if (type === DW_LNCT_directory_index && typeof v === 'number') dir = v;
    }
    out.push({ path, dir });
  }
  return out;
}

function readForm(r: ByteReader, s: LineSections, form: number, dwarf64: boolean): string | number | undefined {
  switch (form) {
    case DW_FORM.string: return r.cstr();
    case DW_FORM.line_strp: return stringAt(s.debugLineStr, r.offset(dwarf64));
    case DW_FORM.strp: return stringAt(s.debugStr, r.offset(dwarf64));
    case DW_FORM.udata: return r.uleb();
    case DW_FORM.sdata: return r.sleb();
    case DW_FORM.data1: return r.u8();
    case DW_FORM.data2: return r.u16();
    case DW_FORM.data4: return r.u32();
    case DW_FORM.data8: return r.u64();
    case DW_FORM.data16: r.skip(16); return undefined;
    case DW_FORM.block: r.skip(r.uleb()); return undefined;
    case DW_FORM.block1: r.skip(r.u8()); return undefined;
    case DW_FORM.block2: r.skip(r.u16()); return undefined;
    case DW_FORM.block4: r.skip(r.u32()); return undefined;
    case DW_FORM.strx: r.uleb(); return undefined; // needs .debug_str_offsets: not used by gcc here
    case DW_FORM.strx1: r.u8(); return undefined;
    case DW_FORM.strx2: r.u16(); return undefined;
    case DW_FORM.strx3: r.u24(); return undefined;
    case DW_FORM.strx4: r.u32(); return undefined;
    default: throw new DwarfError(`.debug_line: unsupported form 0x${form.toString(16)}`);
  }
}

/**
 * The path of a file of a line program: the file name, under its directory, under the
 * compilation directory (each step only when the name so far is relative). The result may
 * still be relative (gcc -fdebug-prefix-map with a relative comp dir); see SourceResolver.
 */
export function filePath(p: LineProgram, index: number): string | undefined {
  const f = p.files[index];
  if (!f) return undefined;
  let path = f.name;
  if (!posix.isAbsolute(path)) {
    const dir = p.directories[f.dir] ?? '';
    path = posix.join(dir, path);
    if (!posix.isAbsolute(path) && f.dir !== 0 && p.directories[0]) path = posix.join(p.directories[0], path);
  }
  return posix.normalize(path);
}
