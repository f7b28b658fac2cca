/**
 * ELF64 little-endian reader for RISC-V executables (System V gABI, "ELF Header", "Program
 * Header", "Sections", "Symbol Table"; RISC-V ELF psABI: EM_RISCV = 243).
 *
 *   ELF header (64 bytes)
 *     0x00 e_ident: 7f 'E' 'L' 'F', EI_CLASS (2 = 64-bit), EI_DATA (1 = LE), EI_VERSION
 *     0x10 e_type (2 = ET_EXEC)   0x12 e_machine   0x18 e_entry   0x20 e_phoff
 *     0x28 e_shoff   0x36 e_phentsize   0x38 e_phnum   0x3a e_shentsize   0x3c e_shnum
 *     0x3e e_shstrndx
 *   Program header (56 bytes): p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz,
 *     p_memsz, p_align
 *   Section header (64 bytes): sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size,
 *     sh_link, sh_info, sh_addralign, sh_entsize
 *   Symbol (24 bytes): st_name u32, st_info u8, st_other u8, st_shndx u16, st_value, st_size
 *
 * Virtual addresses (entry, p_vaddr, sh_addr, symbol values) are bigint because a kernel
 * linked at 0xffffffff80000000 does not fit a number exactly; file offsets, sizes and
 * physical addresses are numbers. Not used on any hot path. Every malformed input throws
 * {@link KernelFormatError} with a one-line message.
 */
import { KernelFormatError } from './kernel-format-error';

/** e_machine of RISC-V. */
export const EM_RISCV = 243;
/** Executable file type. */
export const ET_EXEC = 2;
/** Loadable segment. */
export const PT_LOAD = 1;
/** Segment flag: executable. */
export const PF_X = 1;
/** Section type of .symtab. */
export const SHT_SYMTAB = 2;
/** Section type of .bss-like sections (no file data). */
export const SHT_NOBITS = 8;

const MACHINES: Record<number, string> = {
  2: 'SPARC', 3: 'x86 (i386)', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390',
  40: 'ARM', 43: 'SPARC V9', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64', 258: 'LoongArch',
};
const TYPES: Record<number, string> = { 0: 'ET_NONE', 1: 'ET_REL (object file)', 3: 'ET_DYN (shared object or PIE)', 4: 'ET_CORE (core dump)' };
const SYMBOL_TYPES = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'] as const;
const SYMBOL_BINDS = ['local', 'global', 'weak'] as const;

/** Symbol type from st_info (STT_*). */
export type ElfSymbolType = (typeof SYMBOL_TYPES)[number] | 'other';
/** Symbol binding from st_info (STB_*). */
export type ElfSymbolBind = (typeof SYMBOL_BINDS)[number] | 'other';

/** One program header. */
export interface ElfProgramHeader {
  /** p_type (1 = PT_LOAD). */
  type: number;
  /** p_flags (PF_X 1, PF_W 2, PF_R 4). */
  flags: number;
  /** File offset of the segment's bytes. */
  offset: number;
  /** Virtual address. */
  vaddr: bigint;
  /** Physical (load) address. */
  paddr: number;
  /** Bytes present in the file. */
  filesz: number;
  /** Bytes in memory (the rest after filesz is zero-filled). */
  memsz: number;
}

/** One section header, with its name resolved. */
export interface ElfSection {
  /** Name from .shstrtab, e.g. ".text", ".debug_line". */
  name: string;
  /** sh_type. */
  type: number;
  /** Low 32 bits of sh_flags. */
  flags: number;
  /** sh_addr. */
  addr: bigint;
  /** sh_offset. */
  offset: number;
  /** sh_size. */
  size: number;
  /** sh_link. */
  link: number;
  /** sh_info. */
  info: number;
  /** sh_entsize. */
  entsize: number;
}

/** One symbol of .symtab. */
export interface ElfSymbol {
  /** Name from .strtab ("" for unnamed). */
  name: string;
  /** st_value (an address for functions and objects). */
  value: bigint;
  /** st_size. */
  size: number;
  /** Symbol type. */
  type: ElfSymbolType;
  /** Symbol binding. */
  bind: ElfSymbolBind;
  /** Index of the section it is defined in (0 = undefined). */
  shndx: number;
}

/** A parsed RISC-V ELF64 executable. */
export interface ElfFile {
  /** e_entry (virtual). */
  entry: bigint;
  /** All program headers. */
  programHeaders: ElfProgramHeader[];
  /** All section headers (empty when the file has none). */
  sections: ElfSection[];
  /** Symbols of .symtab (empty when stripped). */
  symbols: ElfSymbol[];
  /** The first section with this name. */
  section(name: string): ElfSection | undefined;
  /** The file bytes of a section (a view, not a copy); undefined if absent or NOBITS. */
  sectionBytes(name: string): Uint8Array | undefined;
}

/** True if `bytes` starts with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/**
 * Parses and validates a RISC-V ELF64 LE executable.
 * @throws KernelFormatError on anything unusable.
 */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (!isElf(bytes)) throw new KernelFormatError('not an ELF file');
  if (bytes.length < 6) throw new KernelFormatError('truncated ELF: header cut short');
  if (bytes[4] === 1) throw new KernelFormatError('ELF is 32-bit (ELFCLASS32); a 64-bit RISC-V ELF is needed');
  if (bytes[4] !== 2) throw new KernelFormatError(`ELF has an invalid class ${bytes[4]}`);
  if (bytes[5] !== 1) throw new KernelFormatError('ELF is big-endian; RISC-V ELF files are little-endian');
  if (bytes.length < 64) throw new KernelFormatError('truncated ELF: header cut short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  const u64 = (o: number): number => view.getUint32(o + 4, true) * 0x100000000 + view.getUint32(o, true);
  const big = (o: number): bigint => view.getBigUint64(o, true);

  const type = u16(0x10);
  const machine = u16(0x12);
  if (machine !== EM_RISCV) {
    throw new KernelFormatError(`ELF is for machine ${MACHINES[machine] ?? `number ${machine}`}, not RISC-V`);
  }
  if (type !== ET_EXEC) {
    throw new KernelFormatError(`ELF is not an executable: type ${TYPES[type] ?? type}`);
  }
  const entry = big(0x18);
  const phoff = u64(0x20);
  const shoff = u64(0x28);
  const phentsize = u16(0x36);
  const phnum = u16(0x38);
  const shentsize = u16(0x3a);
  const shnum = u16(0x3c);
  const shstrndx = u16(0x3e);

  if (phnum > 0 && phentsize < 56) throw new KernelFormatError(`ELF program header size ${phentsize} is too small`);
  if (phoff + phnum * phentsize > bytes.length) {
    throw new KernelFormatError('truncated ELF: program headers past end of file');
  }
  const programHeaders: ElfProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const ph: ElfProgramHeader = {
      type: u32(o), flags: u32(o + 4), offset: u64(o + 8), vaddr: big(o + 0x10),
      paddr: u64(o + 0x18), filesz: u64(o + 0x20), memsz: u64(o + 0x28),
    };
    if (ph.type === PT_LOAD) {
      if (ph.offset + ph.filesz > bytes.length) {
        throw new KernelFormatError(`truncated ELF: segment ${i} extends past end of file`);
      }
      if (ph.filesz > ph.memsz) throw new KernelFormatError(`ELF segment ${i} has filesz larger than memsz`);
    }
    programHeaders.push(ph);
  }

  const sections: ElfSection[] = [];
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < 64) throw new KernelFormatError(`ELF section header size ${shentsize} is too small`);
    if (shoff + shnum * shentsize > bytes.length) {
      throw new KernelFormatError('truncated ELF: section headers past end of file');
    }
    const raw: (ElfSection & { nameOff: number })[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      const s = {
        nameOff: u32(o), name: '', type: u32(o + 4), flags: u32(o + 8), addr: big(o + 0x10),
        offset: u64(o + 0x18), size: u64(o + 0x20), link: u32(o + 0x28), info: u32(o + 0x2c),
        entsize: u64(o + 0x38),
      };
      if (s.type !== SHT_NOBITS && s.type !== 0 && s.offset + s.size > bytes.length) {
        throw new KernelFormatError(`truncated ELF: section ${i} extends past end of file`);
      }
      raw.push(s);
    }
    const names = raw[shstrndx];
    for (const s of raw) {
      const { nameOff, ...rest } = s;
      rest.name = names ? cString(bytes, names.offset + nameOff, names.offset + names.size) : '';
      sections.push(rest);
    }
  }

  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab && symtab.entsize >= 24) {
    const strtab = sections[symtab.link];
    for (let o = symtab.offset; o + 24 <= symtab.offset + symtab.size; o += symtab.entsize) {
      const info = bytes[o + 4];
      symbols.push({
        name: strtab ? cString(bytes, strtab.offset + u32(o), strtab.offset + strtab.size) : '',
        value: big(o + 8),
        size: u64(o + 16),
        type: SYMBOL_TYPES[info & 0xf] ?? 'other',
        bind: SYMBOL_BINDS[info >> 4] ?? 'other',
        shndx: u16(o + 6),
      });
    }
  }

  const section = (name: string): ElfSection | undefined => sections.find((s) => s.name === name);
  return {
    entry,
    programHeaders,
    sections,
    symbols,
    section,
    sectionBytes(name: string): Uint8Array | undefined {
      const s = section(name);
      if (!s || s.type === SHT_NOBITS) return undefined;
      return bytes.subarray(s.offset, s.offset + s.size);
    },
  };
}

function cString(bytes: Uint8Array, start: number, limit: number): string {
  let end = start;
  const stop = Math.min(limit, bytes.length);
  while (end < stop && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}
