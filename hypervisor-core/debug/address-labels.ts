/**
 * "symbol+offset" labels for any address, code or data, by gdb's rule for minimal symbols
 * (`info symbol`, `output/a`; lookup_minimal_symbol_by_pc_section): the nearest symbol at or
 * below the address in the same section, function or data object alike; a symbol with a size
 * labels only the bytes it covers. So `&extensions[1]` is "extensions+0x10", a string literal
 * in .rodata that no symbol covers has no label, and no data address borrows the name of the
 * last function before it.
 */
import type { ElfFile } from '../machine/loaders/elf';
import { codeAddr, isCodeAddr } from './address';

const SHF_ALLOC = 2;

interface Sym { name: string; start: number; size: number; rank: number }

/** The labels of one ELF, loaded at an offset. */
export class AddressLabels {
  private readonly syms: Sym[] = [];
  /** Allocated sections as [start, end), sorted; empty when the file has no section headers. */
  private readonly sections: [number, number][] = [];

  constructor(elf: ElfFile, offset = 0) {
    const rank = { func: 2, object: 2, notype: 1 } as Record<string, number>;
    for (const s of elf.symbols) {
      if (!s.name || s.shndx === 0 || s.shndx >= 0xff00 || !rank[s.type]) continue;
      if (s.type === 'notype' && (s.name.startsWith('.L') || s.name.startsWith('$'))) continue;
      const start = codeAddr(s.value) + offset;
      if (isCodeAddr(start)) this.syms.push({ name: s.name, start, size: s.size, rank: rank[s.type] });
    }
    // At one address the last wins: a function or object over a label, then the larger.
    this.syms.sort((a, b) => a.start - b.start || a.rank - b.rank || a.size - b.size);
    for (const sec of elf.sections) {
      if (!(sec.flags & SHF_ALLOC) || sec.size === 0) continue;
      const start = codeAddr(sec.addr) + offset;
      if (isCodeAddr(start)) this.sections.push([start, start + sec.size]);
    }
    this.sections.sort((a, b) => a[0] - b[0]);
  }

  /** "name" or "name+0x10"; undefined when no symbol labels the address. */
  describe(addr: number): string | undefined {
    if (!isCodeAddr(addr)) return undefined;
    const sec = this.sectionAt(addr);
    if (this.sections.length && !sec) return undefined;
    const s = this.syms;
    let lo = 0, hi = s.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].start <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // A sized symbol that ends below the address refuses it; a label (no size) below it in
    // the same section is taken then, as gdb does.
    let zeroSized: Sym | undefined;
    for (let k = best; k >= 0 && k > best - 64; k--) {
      const sym = s[k];
      if (sec && sym.start < sec[0]) break;
      if (sym.size === 0) { zeroSized ??= sym; continue; }
      if (addr < sym.start + sym.size) return label(sym, addr);
      break;
    }
    if (zeroSized && (sec || addr - zeroSized.start <= 0x100000)) return label(zeroSized, addr);
    return undefined;
  }

  private sectionAt(addr: number): [number, number] | undefined {
    const xs = this.sections;
    let lo = 0, hi = xs.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid][0] <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Sections do not overlap, but a zero-sized one may share a start: look back a little.
    for (let k = best; k >= 0 && k > best - 4; k--) if (addr < xs[k][1]) return xs[k];
    return undefined;
  }
}

function label(sym: Sym, addr: number): string {
  const off = addr - sym.start;
  return off ? `${sym.name}+0x${off.toString(16)}` : sym.name;
}
