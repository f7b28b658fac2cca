/**
 * An SBI call as the guest made it: a0..a5 kept as the int32 pairs of the hart's registers.
 * The extensions read the arguments as numbers (`argWord`) or bigints (`arg`); the bigint
 * array `args` is built only when something asks for it (an extension that wants it, the
 * exit trace, the debugger), so an ordinary call allocates no bigint for its arguments.
 */
import { toBigU64 } from '../../hart/int64';
import type { SbiCall } from './sbi-host';

/** One SBI call read from the registers, with its result once handled (for the exit trace). */
export class RegisterCall implements SbiCall {
  /** a0..a5 as (lo, hi) pairs: a<i> is words[2i], words[2i+1]. */
  private readonly words: number[];
  private built: bigint[] | null = null;
  /** SBI error code returned in a0 (set after handling). */
  error = 0;
  /** Value returned in a1 (set after handling). */
  value = 0n;

  /** Reads a0..a5 from `x` (the hart's registers as int32 pairs). */
  constructor(readonly hartId: number, readonly eid: number, readonly fid: number, x: Int32Array) {
    this.words = [x[20], x[21], x[22], x[23], x[24], x[25], x[26], x[27], x[28], x[29], x[30], x[31]];
  }

  /** a0..a5 as unsigned 64-bit values. */
  get args(): bigint[] {
    if (this.built === null) this.built = [0, 1, 2, 3, 4, 5].map((i) => this.arg(i));
    return this.built;
  }

  /** Argument a<i> as an unsigned 64-bit value. */
  arg(i: number): bigint {
    return toBigU64(this.words[2 * i], this.words[2 * i + 1]);
  }

  /** Low 32 bits of a<i>, unsigned. */
  lo(i: number): number {
    return this.words[2 * i] >>> 0;
  }

  /** High 32 bits of a<i>, unsigned. */
  hi(i: number): number {
    return this.words[2 * i + 1] >>> 0;
  }
}
