/**
 * DWARF call-frame information (DWARF 5 section 6.4; CIE versions 1, 3 and 4): the CIEs and
 * FDEs of `.debug_frame`, and of `.eh_frame` (the LSB variant: CIE id 0, FDE CIE pointers
 * relative to themselves, pointer encodings from the 'R' augmentation). `rowAt(pc)` runs
 * the CIE's initial instructions and the FDE's instructions up to `pc` and returns the row
 * of the table: how to compute the CFA and where each register of the caller was saved.
 * Expressions (DW_CFA_*expression) are not evaluated: a row that needs one is unusable.
 */
import { ByteReader } from './byte-reader';

/** Where a register of the caller is. */
export type RegisterRule =
  | { kind: 'offset'; offset: number } // saved at CFA + offset
  | { kind: 'val-offset'; offset: number } // its value is CFA + offset
  | { kind: 'register'; reg: number } // in another register
  | { kind: 'same' }
  | { kind: 'undefined' }
  | { kind: 'unsupported' };

/** One row of the call-frame table. */
export interface CfaRow {
  /** CFA = register `cfaReg` + `cfaOffset`; undefined when the CFA is an expression. */
  cfaReg?: number;
  cfaOffset: number;
  /** Rules for the registers that have one (absent: same value, as gcc assumes for callee-saved registers). */
  rules: Map<number, RegisterRule>;
  /** The column holding the return address (ra = 1 on RISC-V). */
  returnColumn: number;
}

interface Cie {
  codeAlign: number;
  dataAlign: number;
  returnColumn: number;
  instructions: Uint8Array;
  /** .eh_frame pointer encoding of FDE addresses ('R'), or undefined (absolute, address size). */
  fdeEncoding?: number;
  /** 'z' augmentation: FDEs carry augmentation data. */
  hasAugData: boolean;
  addressSize: number;
}

interface Fde {
  start: number;
  end: number;
  cie: Cie;
  instructions: Uint8Array;
}

/** The .eh_frame pointer encodings used for FDE addresses (DW_EH_PE_*). */
const PE_ABSPTR = 0x00, PE_UDATA2 = 0x02, PE_UDATA4 = 0x03, PE_UDATA8 = 0x04, PE_SDATA2 = 0x0a, PE_SDATA4 = 0x0b, PE_SDATA8 = 0x0c;
const PE_PCREL = 0x10, PE_OMIT = 0xff;

/** A section to parse: its bytes, its load address (for pc-relative pointers) and which format. */
export interface FrameSection {
  bytes: Uint8Array;
  address: number;
  eh: boolean;
}

/** The parsed call-frame information of one ELF. */
export class CallFrameInfo {
  private readonly fdes: Fde[] = [];

  /** Parses the sections; malformed entries end the parse of their section (what was read stays). */
  constructor(sections: FrameSection[], addressSize = 8) {
    for (const s of sections) {
      try {
        this.parse(s, addressSize);
      } catch {
        // keep the FDEs read so far
      }
    }
    this.fdes.sort((a, b) => a.start - b.start);
  }

  /** Number of FDEs (functions described). */
  get size(): number {
    return this.fdes.length;
  }

  private parse(s: FrameSection, addressSize: number): void {
    const r = new ByteReader(s.bytes);
    const cies = new Map<number, Cie>();
    const cieAt = (off: number): Cie => {
      let c = cies.get(off);
      if (!c) {
        c = this.readCie(new ByteReader(s.bytes, off), s, addressSize);
        cies.set(off, c);
      }
      return c;
    };
    while (!r.atEnd()) {
      const start = r.pos;
      const { length, dwarf64 } = r.initialLength();
      if (length === 0) { if (s.eh) break; continue; } // .eh_frame terminator
      const end = r.pos + length;
      const idPos = r.pos;
      const id = r.offset(dwarf64);
      const isCie = s.eh ? id === 0 : id === (dwarf64 ? 0xffffffffffffffff : 0xffffffff);
      if (!isCie) {
        const cie = cieAt(s.eh ? idPos - id : id);
        const begin = this.readPointer(r, s, cie.fdeEncoding, cie.addressSize);
        const range = cie.fdeEncoding === undefined ? r.uint(cie.addressSize) : this.readPointer(r, s, cie.fdeEncoding & 0x0f, cie.addressSize);
        if (cie.hasAugData) r.skip(r.uleb());
        if (begin !== undefined && range !== undefined && range > 0) {
          this.fdes.push({ start: begin, end: begin + range, cie, instructions: s.bytes.subarray(r.pos, end) });
        }
      }
      void start;
      r.pos = end;
    }
  }

  private readCie(r: ByteReader, s: FrameSection, addressSize: number): Cie {
    const { length, dwarf64 } = r.initialLength();
    const end = r.pos + length;
    r.offset(dwarf64); // the CIE id
    const version = r.u8();
    const aug = r.cstr();
    if (version >= 4) {
      addressSize = r.u8();
      r.u8(); // segment selector size
    }
    const codeAlign = r.uleb();
    const dataAlign = r.sleb();
    const returnColumn = version === 1 ? r.u8() : r.uleb();
    const cie: Cie = { codeAlign, dataAlign, returnColumn, instructions: new Uint8Array(0), hasAugData: false, addressSize };
    if (aug.startsWith('z')) {
      cie.hasAugData = true;
      const augLen = r.uleb();
      const augEnd = r.pos + augLen;
      for (const c of aug.slice(1)) {
        if (c === 'R') cie.fdeEncoding = r.u8();
        else if (c === 'L') r.u8();
        else if (c === 'P') this.readPointer(r, s, r.u8() & 0x7f, addressSize);
        else if (c !== 'S') break;
      }
      r.pos = augEnd;
    } else if (aug !== '' && aug !== 'eh') {
      throw new Error(`unknown CIE augmentation '${aug}'`);
    }
    cie.instructions = r.bytes.subarray(r.pos, end);
    return cie;
  }

  /** Reads an address: absolute (`enc` undefined) or an .eh_frame encoded pointer. */
  private readPointer(r: ByteReader, s: FrameSection, enc: number | undefined, addressSize: number): number | undefined {
    if (enc === undefined) return r.addr(addressSize);
    if (enc === PE_OMIT) return undefined;
    const here = s.address + r.pos;
    let v: number;
    switch (enc & 0x0f) {
      case PE_ABSPTR: v = r.addr(addressSize); break;
      case PE_UDATA2: v = r.u16(); break;
      case PE_UDATA4: v = r.u32(); break;
      case PE_UDATA8: v = r.addr(8); break; // an address: sign-extended
      case PE_SDATA2: v = (r.u16() << 16) >> 16; break;
      case PE_SDATA4: v = r.u32() | 0; break;
      case PE_SDATA8: { const lo = r.u32(); v = (r.u32() | 0) * 4294967296 + lo; break; }
      default: throw new Error(`unsupported pointer encoding 0x${enc.toString(16)}`);
    }
    if ((enc & 0x70) === PE_PCREL) v += here;
    return v;
  }

  /** The FDE covering `pc`. */
  private fdeAt(pc: number): Fde | undefined {
    const f = this.fdes;
    let lo = 0, hi = f.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid].start <= pc) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best >= 0 && pc < f[best].end ? f[best] : undefined;
  }

  /** The table row in effect at `pc`, or undefined when no FDE covers it. */
  rowAt(pc: number): CfaRow | undefined {
    const fde = this.fdeAt(pc);
    if (!fde) return undefined;
    const cie = fde.cie;
    const row: CfaRow = { cfaReg: undefined, cfaOffset: 0, rules: new Map(), returnColumn: cie.returnColumn };
    const initial = run(cie.instructions, cie, row, undefined, Infinity, fde.start);
    const initialRules = new Map(initial.rules);
    return run(fde.instructions, cie, initial, initialRules, pc, fde.start);
  }
}

/** Executes call-frame instructions until the location passes `pc`; returns the row. */
function run(code: Uint8Array, cie: Cie, row: CfaRow, initialRules: Map<number, RegisterRule> | undefined,
  pc: number, start: number): CfaRow {
  const r = new ByteReader(code);
  const stack: CfaRow[] = [];
  let loc = start;
  const restore = (reg: number) => {
    const rule = initialRules?.get(reg);
    if (rule) row.rules.set(reg, rule); else row.rules.delete(reg);
  };
  while (!r.atEnd()) {
    const op = r.u8();
    const hi = op & 0xc0, low = op & 0x3f;
    if (hi === 0x40) { loc += low * cie.codeAlign; if (loc > pc) break; continue; }
    if (hi === 0x80) { row.rules.set(low, { kind: 'offset', offset: r.uleb() * cie.dataAlign }); continue; }
    if (hi === 0xc0) { restore(low); continue; }
    switch (op) {
      case 0x00: break; // nop
      case 0x01: loc = r.addr(cie.addressSize); break; // set_loc
      case 0x02: loc += r.u8() * cie.codeAlign; break;
      case 0x03: loc += r.u16() * cie.codeAlign; break;
      case 0x04: loc += r.u32() * cie.codeAlign; break;
      case 0x05: { const reg = r.uleb(); row.rules.set(reg, { kind: 'offset', offset: r.uleb() * cie.dataAlign }); break; }
      case 0x06: restore(r.uleb()); break;
      case 0x07: row.rules.set(r.uleb(), { kind: 'undefined' }); break;
      case 0x08: row.rules.set(r.uleb(), { kind: 'same' }); break;
      case 0x09: { const reg = r.uleb(); row.rules.set(reg, { kind: 'register', reg: r.uleb() }); break; }
      case 0x0a: stack.push({ ...row, rules: new Map(row.rules) }); break; // remember_state
      case 0x0b: { const s = stack.pop(); if (s) { row.cfaReg = s.cfaReg; row.cfaOffset = s.cfaOffset; row.rules = s.rules; } break; }
      case 0x0c: row.cfaReg = r.uleb(); row.cfaOffset = r.uleb(); break; // def_cfa
      case 0x0d: row.cfaReg = r.uleb(); break;
      case 0x0e: row.cfaOffset = r.uleb(); break;
      case 0x0f: r.skip(r.uleb()); row.cfaReg = undefined; break; // def_cfa_expression
      case 0x10: { const reg = r.uleb(); r.skip(r.uleb()); row.rules.set(reg, { kind: 'unsupported' }); break; }
      case 0x11: { const reg = r.uleb(); row.rules.set(reg, { kind: 'offset', offset: r.sleb() * cie.dataAlign }); break; }
      case 0x12: row.cfaReg = r.uleb(); row.cfaOffset = r.sleb() * cie.dataAlign; break; // def_cfa_sf
      case 0x13: row.cfaOffset = r.sleb() * cie.dataAlign; break;
      case 0x14: { const reg = r.uleb(); row.rules.set(reg, { kind: 'val-offset', offset: r.uleb() * cie.dataAlign }); break; }
      case 0x15: { const reg = r.uleb(); row.rules.set(reg, { kind: 'val-offset', offset: r.sleb() * cie.dataAlign }); break; }
      case 0x16: { const reg = r.uleb(); r.skip(r.uleb()); row.rules.set(reg, { kind: 'unsupported' }); break; }
      case 0x2e: r.uleb(); break; // GNU_args_size
      case 0x2f: { const reg = r.uleb(); row.rules.set(reg, { kind: 'offset', offset: -r.uleb() * cie.dataAlign }); break; }
      default: return { ...row, cfaReg: undefined }; // unknown: the row cannot be trusted
    }
    if (loc > pc) break;
  }
  return row;
}
