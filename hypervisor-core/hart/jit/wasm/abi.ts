/**
 * How WebAssembly regions and their dispatcher meet the hart's state in memory
 * (memory/hart-area.ts lays it out): a region's `run(x, tlb, left, entry)` gets the byte
 * address of the register file and of the current translation context's first TLB array,
 * reaches the other eight arrays at constant offsets from it ({@link tlbArray}) and RAM
 * from byte 0, and leaves the next pc and the reservation in the exit words after the
 * registers. The JavaScript side writes the reservation there before a call and reads the
 * three words back after it.
 */
import { TLB_SIZE } from '../../../mmu/tlb';
import { arrayStride } from '../../../memory/hart-area';

/** Parameters of a region's `run` (all i32): x, tlb, left, entry. */
export const REGION_PARAMS = 4;

/** Byte offsets from `x` of the exit words (memory/hart-area.ts EXIT_WORDS): the next pc (i64), the reservation, the dispatcher's `why`. */
export const X_PC = 256;
export const X_RESV = 264;
export const X_WHY = 268;

/** The TLB arrays of one translation context, in the order a hart area holds them (mmu/tlb.ts TlbSet: read, write, fetch). */
export const enum T { R_TAG, R_TAG_HI, R_OFF, W_TAG, W_TAG_HI, W_OFF, F_TAG, F_TAG_HI, F_OFF }

/** Byte offset of TLB array `t` from the context's first array (the `tlb` parameter). */
export function tlbArray(t: T): number {
  return t * arrayStride(TLB_SIZE);
}
