/**
 * Names the guest code behind each exit reason: fills the `function`, `symbol`, `file` and
 * `line` of a report's attribution sites from the guest's ELF symbols and DWARF (the debugger's
 * DebugSymbols), for `hyperscope run --stats-json` and the debugger's statistics. The
 * hypervisor counts pcs only; names come here, where the ELF is.
 */
import type { ExitSite, ExitStatsReport } from '../hypervisor/stats/report';
import { codeAddr } from './address';
import { DebugSymbols } from './debug-symbols';
import { isElf, parseElf } from '../machine/loaders/elf';
import { KernelFormatError } from '../machine/loaders/kernel';

/** Names kept per pc; reports come a few times a second with the same few pcs. */
const CACHE_LIMIT = 4096;

type SiteName = Pick<ExitSite, 'function' | 'symbol' | 'file' | 'line'>;

/** Adds symbol and source names to attribution sites, with a bounded cache. */
export class ExitSiteNamer {
  private readonly cache = new Map<string, SiteName>();

  /**
   * @param symbols the guest's symbol tables (first that knows a pc names it)
   * @param parseDwarf false: use DWARF (inlined functions, source lines) only once something
   *   else has parsed it, ELF symbols until then, so a report on a timer never waits seconds for
   *   a vmlinux's DWARF (the debugger); true: parse it on first use (the CLI, once at the end)
   */
  constructor(private readonly symbols: readonly DebugSymbols[], private readonly parseDwarf = true) {}

  /** The names of one pc ("0x80200776"); empty when no table knows it. */
  nameOf(pc: string): SiteName {
    const cached = this.cache.get(pc);
    if (cached !== undefined) return cached;
    const { names, complete } = this.lookUp(pc);
    // Names from the ELF alone are cheap to redo, and DWARF may come later: keep only complete ones.
    if (complete) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(pc, names);
    }
    return names;
  }

  /** Fills the names of every site of `report` in place and returns it. */
  name(report: ExitStatsReport): ExitStatsReport {
    for (const a of report.attribution ?? []) {
      for (const site of a.sites) Object.assign(site, this.nameOf(site.pc));
    }
    return report;
  }

  private lookUp(pc: string): { names: SiteName; complete: boolean } {
    let addr: number;
    try {
      addr = codeAddr(BigInt(pc));
    } catch {
      return { names: {}, complete: true };
    }
    let complete = true;
    for (const syms of this.symbols) {
      const dwarf = this.parseDwarf || syms.dwarfParsed;
      if (!dwarf) complete = false;
      const symbol = syms.describe(addr);
      const fn = (dwarf ? syms.functionAt(addr) : undefined) ?? syms.symbolAt(addr)?.name;
      const line = dwarf ? syms.lineAt(addr) : undefined;
      if (symbol === undefined && fn === undefined && line === undefined) continue;
      const out: SiteName = {};
      if (fn !== undefined) out.function = fn;
      if (symbol !== undefined) out.symbol = symbol;
      if (line) {
        out.file = line.path;
        out.line = line.line;
      }
      return { names: out, complete };
    }
    return { names: {}, complete };
  }
}

/**
 * The namer of a kernel image from its ELF symbols and DWARF (parsed on first use), or null for
 * a raw Image or an ELF that does not parse (it ran, so the latter cannot happen; no names then).
 */
export function kernelSiteNamer(kernel: Uint8Array): ExitSiteNamer | null {
  if (!isElf(kernel)) return null;
  try {
    return new ExitSiteNamer([new DebugSymbols(parseElf(kernel))]);
  } catch (e) {
    if (e instanceof KernelFormatError) return null;
    throw e;
  }
}

/**
 * The namer of the kernel a VM runs, kept while the kernel stays the same: a daemon answers
 * `vm stats` many times, and each would otherwise parse the kernel's DWARF again (about 95 ms
 * for a sample, seconds for a vmlinux).
 */
export class KernelSiteNames {
  private kernel: Uint8Array | null = null;
  private namer: ExitSiteNamer | null = null;

  /** The namer of `kernel`: the same one as last time when `kernel` is the same image. */
  namerOf(kernel: Uint8Array): ExitSiteNamer | null {
    if (kernel !== this.kernel) {
      this.kernel = kernel;
      this.namer = kernelSiteNamer(kernel);
    }
    return this.namer;
  }

  /** Fills the names of every site of `report` from `kernel` in place and returns it. */
  name(report: ExitStatsReport, kernel: Uint8Array): ExitStatsReport {
    return this.namerOf(kernel)?.name(report) ?? report;
  }
}
