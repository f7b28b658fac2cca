/**
 * Where the debugger's requests land in the guest: source lines and function names as code
 * addresses (from every symbol file), code addresses as the hart's breakpoints, and a trap
 * the hart took into the guest as the fields guest trap filters see. Used by the debugger on
 * the VM's thread and, for the harts of vCPU threads, with the same lists.
 */
import type { Hart } from '../hart/hart';
import { Slot } from '../hart/hart-state';
import { bigAddr, codeAddrLoHi, codeAddr, isCodeAddr, loHiOf } from './address';
import type { DebugSymbols } from './debug-symbols';
import type { GuestTrap } from './guest-trap-breakpoints';
import type { SourceResolver } from './source-resolver';

/** Per requested line of a local file: the line used and its code addresses (none: no code there). */
export function placeSourceLines(symbols: DebugSymbols[], resolver: SourceResolver, localPath: string, lines: number[]):
  { line: number; addresses: number[] }[] {
  // Which recorded paths are this file: once per request, not once per breakpoint.
  const recordedIn = symbols.map((s) => ({ s, paths: resolver.matching(localPath, s.files) }));
  return lines.map((line) => {
    for (const { s, paths } of recordedIn) {
      for (const recorded of paths) {
        const hit = s.addressesForLine(recorded, line);
        if (hit) return { line: hit.line, addresses: hit.addresses };
      }
    }
    return { line, addresses: [] as number[] };
  });
}

/** Code addresses of a function (ELF symbols, DWARF functions and their inlined copies), or of a number given as the name. */
export function functionAddresses(symbols: DebugSymbols[], name: string): number[] {
  const out: number[] = [];
  const n = name.trim();
  for (const s of symbols) out.push(...s.functionAddresses(n));
  if (out.length === 0 && /^(0x[0-9a-f]+|\d+)$/i.test(n)) out.push(codeAddr(BigInt(n)));
  return out;
}

/** Replaces a hart's code breakpoints with these code addresses. */
export function armBreakpoints(h: Hart, addrs: Iterable<number>): void {
  h.clearBreakpoints();
  for (const a of addrs) {
    if (!isCodeAddr(a)) continue;
    const { lo, hi } = loHiOf(a);
    h.addBreakpoint(lo, hi);
  }
}

/**
 * The trap a hart has just taken into VS-mode, as the guest sees it: its vscause, vstval and
 * vsepc (H extension 9.2.5-9.2.8), the handler's address (the pc now) and sstatus.SPP.
 */
export function guestTrapOf(h: Hart, vcpu: number, interrupt: boolean): GuestTrap {
  const big = (slot: Slot) => (BigInt(h.hi(slot) >>> 0) << 32n) | BigInt(h.lo(slot) >>> 0);
  return {
    vcpu, cause: big(Slot.VSCAUSE) & ((1n << 63n) - 1n), interrupt, tval: big(Slot.VSTVAL), epc: big(Slot.VSEPC),
    pc: bigAddr(codeAddrLoHi(h.pcLo, h.pcHi)), fromUser: (h.lo(Slot.VSSTATUS) & 0x100) === 0,
  };
}
