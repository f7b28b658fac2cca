/**
 * DAP memory references: "0x80200000" is a guest virtual address of the stopped vCPU (what
 * the guest's own loads would see), "phys:0x80200000" a guest physical address. Offsets are
 * added by the requests.
 */

/** A parsed memory reference. */
export interface MemoryRef {
  space: 'virtual' | 'physical';
  address: bigint;
}

/** The prefix of guest-physical memory references. */
export const PHYS_PREFIX = 'phys:';

/** Parses a memory reference; undefined when malformed or beyond 64 bits. The offset wraps modulo 2^64. */
export function parseMemoryReference(ref: string, offset = 0): MemoryRef | undefined {
  let t = ref.trim();
  let space: MemoryRef['space'] = 'virtual';
  if (t.startsWith(PHYS_PREFIX)) {
    space = 'physical';
    t = t.slice(PHYS_PREFIX.length);
  }
  if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(t)) return undefined;
  const base = BigInt(t);
  if (base >= 1n << 64n) return undefined; // not an address: refused, not wrapped
  const address = BigInt.asUintN(64, base + BigInt(offset));
  return { space, address };
}

/** Formats an address (a 64-bit value, or a code address: negative numbers are sign-extended kernel addresses) as a memory reference. */
export function memoryReference(address: bigint | number, space: MemoryRef['space'] = 'virtual'): string {
  return (space === 'physical' ? PHYS_PREFIX : '') + '0x' + BigInt.asUintN(64, BigInt(address)).toString(16);
}
