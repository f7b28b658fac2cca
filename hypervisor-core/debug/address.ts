/**
 * Code addresses of the debugger's symbol tables and breakpoints, as exact numbers.
 *
 * A 64-bit guest virtual address is kept as the signed value of its two's complement (the
 * address sign-extended, as RISC-V itself treats virtual addresses): a Linux kernel address
 * 0xffffffff80001234 is the number -0x7fffedcc, a user or physical address stays positive.
 * Every Sv39/Sv48 canonical address and every physical address below 2^53 is a safe
 * integer, so nothing is rounded; address + offset arithmetic, ordering inside one image and
 * Map keys all work on plain numbers (millions of DWARF rows stay cheap, no BigInt there).
 * A value that does not fit (an Sv57 upper-half address, a non-canonical value) converts
 * to NaN: it never matches a symbol or a breakpoint instead of matching a wrong one.
 *
 * Conversions: {@link codeAddr} (bigint -> number), {@link codeAddrLoHi} (the hart's
 * pcLo/pcHi words), {@link bigAddr} (number -> unsigned 64-bit bigint for memory reads),
 * {@link hexAddr} (display and DAP references).
 */

const TWO32 = 4294967296;
const MIN = BigInt(Number.MIN_SAFE_INTEGER);
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit address as its signed (sign-extended) value; see the module comment. */
export type CodeAddress = number;

/** A 64-bit value (unsigned or signed) as a code address; NaN when it is not exactly representable. */
export function codeAddr(v: bigint): CodeAddress {
  const s = BigInt.asIntN(64, v);
  return s < MIN || s > MAX ? NaN : Number(s);
}

/** The code address of a pair of 32-bit words (low, high), as the hart keeps its pc. */
export function codeAddrLoHi(lo: number, hi: number): CodeAddress {
  const h = hi | 0;
  // |hi| must stay below 2^21 for the result to be a safe integer.
  if (h >= 0x200000 || h < -0x200000) return NaN;
  return h * TWO32 + (lo >>> 0);
}

/** The low and high 32-bit words of a code address (signed words, as the hart stores them). */
export function loHiOf(a: CodeAddress): { lo: number; hi: number } {
  const hi = Math.floor(a / TWO32);
  return { lo: (a - hi * TWO32) | 0, hi: hi | 0 };
}

/** The unsigned 64-bit value of a code address (for memory reads and display). */
export function bigAddr(a: CodeAddress): bigint {
  return BigInt.asUintN(64, BigInt(a));
}

/** "0xffffffff80001234": the unsigned hex form of a code address. */
export function hexAddr(a: CodeAddress): string {
  return '0x' + bigAddr(a).toString(16);
}

/** True when `a` is a usable code address (a safe integer, not NaN). */
export function isCodeAddr(a: CodeAddress): boolean {
  return Number.isSafeInteger(a);
}
