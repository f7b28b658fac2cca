/**
 * The hart mask of the v0.2+ IPI and RFENCE calls (SBI v2.0 section 3.1, "Hart list
 * parameter"): `hart_mask` is a bit vector of harts starting at `hart_mask_base`; a base of
 * -1 (all ones) means every hart and the mask is ignored.
 */
import { SbiHost } from './sbi-host';

const ALL_ONES = (1n << 64n) - 1n;

/**
 * The harts selected by (hart_mask, hart_mask_base), or null when a bit names a hart that
 * does not exist (the caller returns SBI_ERR_INVALID_PARAM). Unlike KVM, which signals the
 * valid harts and then reports the error, nothing is selected when any bit is invalid, so an
 * invalid call has no side effect (the spec allows either: it only defines the error).
 */
export function decodeHartMask(host: SbiHost, mask: bigint, base: bigint): number[] | null {
  const n = host.hartCount;
  const harts: number[] = [];
  if (base === ALL_ONES) {
    for (let h = 0; h < n; h++) harts.push(h);
    return harts;
  }
  for (let bit = 0; mask !== 0n; bit++, mask >>= 1n) {
    if ((mask & 1n) === 0n) continue;
    const hart = base + BigInt(bit);
    if (hart >= BigInt(n)) return null;
    harts.push(Number(hart));
  }
  return harts;
}
