/**
 * Looking addresses and names up across the loaded symbol files (the kernel's ELF and any
 * extra ones, such as a module or a user program at an offset): the first file that knows
 * an address or a name answers.
 */
import { codeAddr } from './address';
import type { DebugSymbols } from './debug-symbols';
import type { SourceResolver } from './source-resolver';

/** The symbols holding a code address (the first that knows it), else the first file. */
export function symbolsFor(symbols: readonly DebugSymbols[], addr: number): DebugSymbols | undefined {
  return symbols.find((s) => s.symbolAt(addr) || s.lineAt(addr)) ?? symbols[0];
}

/** "name+0x10" for an address (a code address, or a 64-bit value), or undefined. */
export function describeAddress(symbols: readonly DebugSymbols[], address: number | bigint): string | undefined {
  const addr = typeof address === 'bigint' ? codeAddr(address) : address;
  for (const s of symbols) {
    const d = s.describe(addr);
    if (d) return d;
  }
  return undefined;
}

/** Source file (a local path through `resolver`) and line of an address (a code address, or a 64-bit value). */
export function sourceAt(symbols: readonly DebugSymbols[], resolver: SourceResolver, address: number | bigint):
  { path: string; line: number; column: number } | undefined {
  const addr = typeof address === 'bigint' ? codeAddr(address) : address;
  for (const s of symbols) {
    const l = s.lineAt(addr);
    if (l) return { path: resolver.toLocal(l.path), line: l.line, column: l.column };
  }
  return undefined;
}

/** Address of a symbol in any symbol file. */
export function addressOfSymbol(symbols: readonly DebugSymbols[], name: string): number | undefined {
  for (const s of symbols) {
    const a = s.addressOf(name);
    if (a !== undefined) return a;
  }
  return undefined;
}
