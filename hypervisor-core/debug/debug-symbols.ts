/**
 * Symbols of a guest image for the debugger: ELF function symbols (address -> name+offset,
 * name -> address), DWARF functions including inlined copies (function breakpoints on
 * `static` functions gcc inlined), and the DWARF line table (address -> file:line,
 * file:line -> breakpoint addresses). Paths are as recorded in DWARF (maybe relative);
 * `SourceResolver` maps them to local files. Addresses are code addresses (./address.ts).
 */
import { AddressLabels } from './address-labels';
import type { ElfFile } from '../machine/loaders/elf';
import { parseDebugInfo, FunctionRange } from './dwarf/debug-info';
import { LineProgram, filePath, parseLinePrograms } from './dwarf/line-program';
import { codeAddr, isCodeAddr } from './address';
import { CallFrameInfo, CfaRow, FrameSection } from './dwarf/call-frames';
import { NameIndex, ProgramDwarf } from './program';

/** A symbol with the offset of an address into it. */
export interface SymbolHit {
  name: string;
  /** Symbol start address. */
  start: number;
  offset: number;
}

/** A source position as recorded in DWARF. */
export interface SourceLine {
  /** Recorded path (comp_dir/dir/name, possibly relative). */
  path: string;
  line: number;
  column: number;
}

/** One function holding an address: an inlined copy (with the line it was inlined at) or the out-of-line function. */
export interface InlineLevel {
  name: string;
  inlined: boolean;
  /** Where this copy (or function) is entered: a stop there has run none of its code yet. */
  entry: number;
  /** Identifies this copy of the function (its code ranges), to tell two levels apart. */
  key: string;
  /** For an inlined copy: the call's place, a line of the next (outer) level. */
  call?: SourceLine;
}

/** One address range of the line table. */
interface LineRange { start: number; end: number; path: string; line: number; column: number; isStmt: boolean; lineStart: boolean }

/** What the lazily parsed .debug_line gives: address ranges, recorded paths, each unit's file table. */
interface LineTables { ranges: LineRange[]; files: Set<string>; unitPaths: Map<number, (string | undefined)[]> }

/** What the lazily parsed .debug_info gives. */
interface InfoTables { functions: FunctionRange[]; compDirs: Map<number, string>; names: NameIndex; locationsValid: Set<number> }

/**
 * Symbols and line information of one ELF, optionally loaded at an offset. Addresses are
 * code addresses (./address.ts: exact signed numbers, kernel addresses included). Only the
 * ELF symbol table is read up front; .debug_info (functions, inlined copies), .debug_line
 * and the call-frame sections are parsed on first use, so a 44 MB vmlinux costs a few tens
 * of milliseconds at launch.
 */
export class DebugSymbols {
  /** Function and untyped text symbols, sorted by address. */
  private readonly syms: { name: string; start: number; size: number; func: boolean }[] = [];
  private readonly byName = new Map<string, number>();
  /** Data symbols with a size, sorted by address (for `<table+8>` labels of pointers). */
  private readonly objects: { name: string; start: number; size: number }[] = [];
  private infoTables?: InfoTables;
  private lineTables?: LineTables;
  private rowsByPath?: Map<string, LineRange[]>;
  private functionsByName?: Map<string, FunctionRange[]>;
  /** Functions sorted by low address, with the running maximum of their high addresses (inlineChainAt). */
  private byLow?: { fns: FunctionRange[]; maxHigh: number[] };
  private cfiTables?: CallFrameInfo | null;
  private programDwarf?: ProgramDwarf | null;
  private labels?: AddressLabels;
  private error?: string;

  constructor(private readonly elf: ElfFile, readonly loadOffset = 0) {
    for (const s of elf.symbols) {
      if (!s.name || s.shndx === 0) continue;
      const start = codeAddr(s.value) + loadOffset;
      if (!isCodeAddr(start)) continue;
      if (s.type === 'object') { // data: found by name (expressions, watchpoints), never a code location
        if (!this.byName.has(s.name)) this.byName.set(s.name, start);
        if (s.size > 0) this.objects.push({ name: s.name, start, size: s.size });
        continue;
      }
      if (s.type !== 'func' && !(s.type === 'notype' && !s.name.startsWith('.L') && !s.name.startsWith('$'))) continue;
      this.syms.push({ name: s.name, start, size: s.size, func: s.type === 'func' });
      if (!this.byName.has(s.name) || s.type === 'func') this.byName.set(s.name, start);
    }
    // At one address, a function symbol wins over a label (symbolAt takes the last).
    this.syms.sort((a, b) => a.start - b.start || Number(a.func) - Number(b.func) || b.size - a.size);
    this.objects.sort((a, b) => a.start - b.start);
  }

  /** The data symbol whose bytes hold `addr`, as gdb labels a pointer: "name" or "name+8"; undefined when none does. */
  dataLabel(addr: number): string | undefined {
    const o = this.objects;
    let lo = 0, hi = o.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (o[mid].start <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0 || addr >= o[best].start + o[best].size) return undefined;
    const off = addr - o[best].start;
    return off ? `${o[best].name}+${off}` : o[best].name;
  }

  /**
   * Why the DWARF information could not be read, when it could not: the first error met so
   * far (sections are parsed on first use; `loadDwarf` reads them all now).
   */
  get dwarfError(): string | undefined {
    return this.error;
  }

  /** Parses every DWARF section now (normally each waits for its first use). */
  loadDwarf(): void {
    this.info();
    this.lines();
    this.cfi();
  }

  /**
   * Whether .debug_info and .debug_line are parsed already, so functionAt and lineAt cost a
   * lookup, not a parse (seconds for a vmlinux): callers on a timer ask before using them.
   */
  get dwarfParsed(): boolean {
    return this.infoTables !== undefined && this.lineTables !== undefined;
  }

  /** Recorded paths of every file with line information (parses .debug_line on first use). */
  get files(): Set<string> {
    return this.lines().files;
  }

  /** .debug_info: every function and inlined copy, and the units' compilation directories. */
  private info(): InfoTables {
    if (this.infoTables) return this.infoTables;
    const tables: InfoTables = { functions: [], compDirs: new Map(), names: { globals: new Map(), types: new Map() }, locationsValid: new Set() };
    this.infoTables = tables;
    const elf = this.elf;
    const debugInfo = elf.sectionBytes('.debug_info');
    const debugAbbrev = elf.sectionBytes('.debug_abbrev');
    if (!debugInfo || !debugAbbrev) return tables;
    try {
      const info = parseDebugInfo({
        debugInfo, debugAbbrev, debugStr: elf.sectionBytes('.debug_str'), debugLineStr: elf.sectionBytes('.debug_line_str'),
        debugRnglists: elf.sectionBytes('.debug_rnglists'), debugRanges: elf.sectionBytes('.debug_ranges'),
      });
      tables.names = { globals: info.globals, types: info.types };
      for (const u of info.units) {
        if (u.stmtList !== undefined && u.compDir !== undefined) tables.compDirs.set(u.stmtList, u.compDir);
        if (u.locationsValid) tables.locationsValid.add(u.offset);
      }
      const o = this.loadOffset;
      for (const f of info.functions) {
        tables.functions.push({ ...f, entry: f.entry + o, low: f.low + o, high: f.high ? f.high + o : 0, ranges: f.ranges.map(([a, b]) => [a + o, b + o]) });
      }
    } catch (e) {
      this.error ??= (e as Error).message;
    }
    return tables;
  }

  /**
   * The C view of this file's DWARF (globals, types, scopes; see program.ts), or undefined
   * when it has no .debug_info. The DIE trees are parsed unit by unit on first need.
   */
  program(): ProgramDwarf | undefined {
    if (this.programDwarf !== undefined) return this.programDwarf ?? undefined;
    const elf = this.elf;
    const debugInfo = elf.sectionBytes('.debug_info');
    const debugAbbrev = elf.sectionBytes('.debug_abbrev');
    if (!debugInfo || !debugAbbrev) { this.programDwarf = null; return undefined; }
    const info = this.info();
    this.programDwarf = new ProgramDwarf({
      debugInfo, debugAbbrev, debugStr: elf.sectionBytes('.debug_str'), debugLineStr: elf.sectionBytes('.debug_line_str'),
      debugRnglists: elf.sectionBytes('.debug_rnglists'), debugRanges: elf.sectionBytes('.debug_ranges'),
      debugStrOffsets: elf.sectionBytes('.debug_str_offsets'), debugAddr: elf.sectionBytes('.debug_addr'),
      debugLoc: elf.sectionBytes('.debug_loc'), debugLoclists: elf.sectionBytes('.debug_loclists'),
    }, info.names, info.functions, this.loadOffset);
    return this.programDwarf;
  }

  /** .debug_line as sorted address ranges. */
  private lines(): LineTables {
    if (this.lineTables) return this.lineTables;
    const tables: LineTables = { ranges: [], files: new Set(), unitPaths: new Map() };
    this.lineTables = tables;
    const debugLine = this.elf.sectionBytes('.debug_line');
    if (!debugLine) return tables;
    try {
      const sections = { debugLine, debugLineStr: this.elf.sectionBytes('.debug_line_str'), debugStr: this.elf.sectionBytes('.debug_str') };
      let programs = parseLinePrograms(sections);
      // Before DWARF 5 the line header lacks the compilation directory: it comes from .debug_info.
      if (programs.some((p) => p.version < 5) && this.elf.sectionBytes('.debug_info')) programs = parseLinePrograms(sections, this.info().compDirs);
      for (const p of programs) this.addLineProgram(p, tables);
      tables.ranges.sort((a, b) => a.start - b.start);
    } catch (e) {
      this.error ??= (e as Error).message;
    }
    return tables;
  }

  private addLineProgram(p: LineProgram, tables: LineTables): void {
    const paths = p.files.map((_, i) => filePath(p, i));
    tables.unitPaths.set(p.offset, paths);
    const rows = p.rows;
    for (let k = 0; k + 1 < rows.length; k++) {
      const r = rows[k];
      if (r.endSequence) continue;
      const next = rows[k + 1];
      const path = paths[r.file];
      // Empty ranges (two rows at one address) still say where a line's statement starts.
      if (path === undefined || next.address < r.address) continue;
      const prev = k > 0 && !rows[k - 1].endSequence ? rows[k - 1] : undefined;
      // A row that is not a statement, after a statement row at the same address: the address
      // starts that statement, and gdb's find_pc_line reports its line (the earlier row).
      let stmt = r;
      for (let j = k - 1; !r.isStmt && j >= 0 && !rows[j].endSequence && rows[j].address === r.address; j--) {
        if (rows[j].isStmt) { stmt = rows[j]; break; }
      }
      const stmtPath = paths[stmt.file] ?? path;
      tables.files.add(path);
      tables.ranges.push({
        start: r.address + this.loadOffset, end: next.address + this.loadOffset, path: stmtPath, line: stmt.line, column: stmt.line === r.line ? r.column : stmt.column,
        isStmt: stmt.isStmt, lineStart: !prev || prev.line !== r.line || prev.file !== r.file,
      });
    }
  }

  /** Call-frame information (.debug_frame, .eh_frame), or null when the ELF has none. */
  private cfi(): CallFrameInfo | null {
    if (this.cfiTables !== undefined) return this.cfiTables;
    const frames: FrameSection[] = [];
    for (const [name, eh] of [['.debug_frame', false], ['.eh_frame', true]] as const) {
      const bytes = this.elf.sectionBytes(name);
      if (bytes) frames.push({ bytes, address: codeAddr(this.elf.section(name)!.addr), eh });
    }
    const cfi = new CallFrameInfo(frames);
    this.cfiTables = cfi.size > 0 ? cfi : null;
    return this.cfiTables;
  }

  /** The call-frame table row at a (loaded) address, or undefined when no FDE covers it. */
  frameRowAt(addr: number): CfaRow | undefined {
    if (!isCodeAddr(addr)) return undefined;
    return this.cfi()?.rowAt(addr - this.loadOffset);
  }

  /** The function symbol containing `addr` (or the nearest one below it within 1 MiB). */
  symbolAt(addr: number): SymbolHit | undefined {
    if (!isCodeAddr(addr)) return undefined;
    const s = this.syms;
    let lo = 0, hi = s.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].start <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const sym = s[best];
    if (sym.size ? addr >= sym.start + sym.size : addr - sym.start > 0x100000) return undefined;
    return { name: sym.name, start: sym.start, offset: addr - sym.start };
  }

  /** "name" or "name+0x10" for a code or data address, as gdb labels it (address-labels.ts); undefined when unknown. */
  describe(addr: number): string | undefined {
    this.labels ??= new AddressLabels(this.elf, this.loadOffset);
    return this.labels.describe(addr);
  }

  /** Address of a symbol (ELF code or data symbol first, then an out-of-line DWARF function). */
  addressOf(name: string): number | undefined {
    const a = this.byName.get(name);
    if (a !== undefined) return a;
    return this.functionsNamed(name).find((f) => !f.inlined)?.entry;
  }

  /** The DWARF functions of a name (out-of-line and inlined copies), from an index built on first use. */
  private functionsNamed(name: string): FunctionRange[] {
    if (!this.functionsByName) {
      const byName = new Map<string, FunctionRange[]>();
      for (const f of this.info().functions) {
        let list = byName.get(f.name);
        if (!list) byName.set(f.name, list = []);
        list.push(f);
      }
      this.functionsByName = byName;
    }
    return this.functionsByName.get(name) ?? [];
  }

  /**
   * Where a function breakpoint goes: the ELF symbol or out-of-line body, and the entry of
   * every inlined copy. Empty when the function is unknown.
   */
  functionAddresses(name: string): number[] {
    const out = new Set<number>();
    const a = this.addressOf(name);
    if (a !== undefined) {
      const body = this.functionsNamed(name).find((f) => !f.inlined && f.entry === a);
      out.add(body && !this.info().locationsValid.has(body.unitOffset) ? this.afterPrologue(a, body.high) : a);
    }
    for (const f of this.functionsNamed(name)) if (f.inlined) out.add(f.entry);
    return [...out].sort((x, y) => x - y);
  }

  /**
   * Where gdb's `break NAME` puts a breakpoint in an out-of-line function of a unit without
   * location lists (unoptimised code; in the others gdb keeps the entry): past the prologue,
   * at the first statement of another source line inside the function (gdb's
   * skip_prologue_using_sal); the entry itself when the function has one line or no line table,
   * and, as gdb does for optimised code, when two line-table rows share the entry address.
   */
  private afterPrologue(entry: number, end: number): number {
    const rs = this.lines().ranges;
    const at = this.rangeIndexAt(entry);
    if (at < 0 || !end) return entry;
    // Two rows at the entry leave an empty range there (sorted by start, just before `at`).
    for (let k = at - 1; k >= 0 && rs[k].start === entry; k--) if (rs[k].end === entry) return entry;
    const first = rs[at];
    for (let k = at + 1; k < rs.length && rs[k].start < end; k++) {
      const r = rs[k];
      if (r.start > entry && r.isStmt && r.line !== 0 && (r.line !== first.line || r.path !== first.path)) return r.start;
    }
    return entry;
  }

  /** The innermost DWARF function (inlined copies included) whose range holds `addr`. */
  functionAt(addr: number): string | undefined {
    // Inlined copies nest inside their callers: the smallest enclosing code is the innermost.
    if (!isCodeAddr(addr)) return undefined;
    let best: FunctionRange | undefined, bestSize = Infinity;
    for (const f of this.info().functions) {
      if (!f.high || addr < f.low || addr >= f.high) continue;
      if (!f.ranges.some(([a, b]) => addr >= a && addr < b)) continue;
      const size = f.ranges.reduce((n, [a, b]) => n + (b - a), 0);
      if (size < bestSize) { best = f; bestSize = size; }
    }
    return best?.name;
  }

  /**
   * The functions whose code holds `addr`, innermost first: inlined copies, each with the
   * line it was inlined at, then the function they were inlined into. Empty when DWARF
   * does not cover the address.
   */
  inlineChainAt(addr: number): InlineLevel[] {
    if (!isCodeAddr(addr)) return [];
    const hits: { f: FunctionRange; size: number }[] = [];
    for (const f of this.functionsAround(addr)) {
      if (!f.high || addr < f.low || addr >= f.high) continue;
      if (!f.ranges.some(([a, b]) => addr >= a && addr < b)) continue;
      hits.push({ f, size: f.ranges.reduce((n, [a, b]) => n + (b - a), 0) });
    }
    // Inlined copies nest inside their callers: smaller code is further in.
    hits.sort((a, b) => a.size - b.size || Number(a.f.inlined) - Number(b.f.inlined));
    const out: InlineLevel[] = [];
    for (const { f } of hits) {
      const level: InlineLevel = { name: f.name, inlined: f.inlined, entry: f.entry, key: `${f.low}:${f.high}:${f.name}` };
      if (f.inlined && f.callLine && f.unit !== undefined && f.callFile !== undefined) {
        const path = this.lines().unitPaths.get(f.unit)?.[f.callFile];
        if (path !== undefined) level.call = { path, line: f.callLine, column: f.callColumn ?? 0 };
      }
      out.push(level);
      if (!f.inlined) break; // the out-of-line function ends the chain
    }
    return out;
  }

  /**
   * The functions whose [low, high) may hold `addr`: a walk back over the functions sorted by
   * low address, which ends where no earlier function reaches `addr` or, with an ELF symbol,
   * below the symbol's start (every stop and line step asks: a kernel has ~10^5 functions).
   */
  private functionsAround(addr: number): FunctionRange[] {
    if (!this.byLow) {
      const fns = this.info().functions.filter((f) => f.high).sort((a, b) => a.low - b.low);
      const maxHigh: number[] = [];
      let m = -Infinity;
      for (const f of fns) maxHigh.push(m = Math.max(m, f.high));
      this.byLow = { fns, maxHigh };
    }
    const { fns, maxHigh } = this.byLow;
    let lo = 0, hi = fns.length - 1, last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fns[mid].low <= addr) { last = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const floor = this.symbolAt(addr)?.start ?? -Infinity;
    const out: FunctionRange[] = [];
    for (let j = last; j >= 0 && maxHigh[j] > addr && fns[j].low >= floor; j--) out.push(fns[j]);
    return out;
  }

  /** The source line of the instruction at `addr`. */
  lineAt(addr: number): SourceLine | undefined {
    const r = this.rangeAt(addr);
    return r ? { path: r.path, line: r.line, column: r.column } : undefined;
  }

  /** True when `addr` starts a statement of a line (a good place to stop a line step). */
  isLineStart(addr: number): boolean {
    const r = this.rangeAt(addr);
    return !!r && r.start === addr && r.isStmt;
  }

  private rangeAt(addr: number): LineRange | undefined {
    const k = this.rangeIndexAt(addr);
    return k < 0 ? undefined : this.lines().ranges[k];
  }

  /** The index in the sorted line ranges of the one holding `addr`, or -1. */
  private rangeIndexAt(addr: number): number {
    if (!isCodeAddr(addr)) return -1;
    const rs = this.lines().ranges;
    let lo = 0, hi = rs.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rs[mid].start <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Ranges of different sequences may nest (inlined code): look back a little for a hit.
    for (let k = best; k >= 0 && k > best - 8; k--) if (addr >= rs[k].start && addr < rs[k].end) return k;
    return -1;
  }

  /**
   * Breakpoint addresses for `line` of the recorded file `path`: where statements of that line
   * begin, one per function (the lowest), as gdb does. When the line has no code, the next
   * line that has some (up to 100 lines further). Returns the line actually used.
   */
  addressesForLine(path: string, line: number): { line: number; addresses: number[] } | undefined {
    const rows = this.statementRows(path);
    let lo = 0, hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid].line < line) lo = mid + 1;
      else hi = mid;
    }
    if (lo === rows.length || rows[lo].line - line > 100) return undefined;
    const best = rows[lo].line;
    const perFunction = new Map<string, number>();
    for (let i = lo; i < rows.length && rows[i].line === best; i++) {
      const r = rows[i];
      const key = this.symbolAt(r.start)?.name ?? '';
      const cur = perFunction.get(key);
      if (cur === undefined || r.start < cur) perFunction.set(key, r.start);
    }
    return { line: best, addresses: [...perFunction.values()].sort((a, b) => a - b) };
  }

  /**
   * The statement rows of one recorded path, by line: built for every path at the first line
   * breakpoint, so each breakpoint costs a binary search, not a pass over a kernel's millions of rows.
   */
  private statementRows(path: string): LineRange[] {
    if (!this.rowsByPath) {
      const byPath = new Map<string, LineRange[]>();
      for (const r of this.lines().ranges) {
        if (!r.isStmt) continue;
        let rows = byPath.get(r.path);
        if (!rows) byPath.set(r.path, rows = []);
        rows.push(r);
      }
      for (const rows of byPath.values()) rows.sort((a, b) => a.line - b.line || a.start - b.start);
      this.rowsByPath = byPath;
    }
    return this.rowsByPath.get(path) ?? [];
  }
}
