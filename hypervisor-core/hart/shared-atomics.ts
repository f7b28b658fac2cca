/**
 * The A extension over RAM that other threads share (vCPUs on host threads): LR/SC and AMOs
 * through JavaScript Atomics, so each is one atomic read-modify-write for every hart, and
 * FENCE as a sequentially consistent access.
 *
 * Reservations (the RVWMO reservation set): each hart's reserved 8-byte granule sits in a
 * shared Int32Array, one word per hart (-1: none). An SC succeeds only if its own word still
 * holds the granule and memory still holds the value its LR read (a compare-and-exchange,
 * the way QEMU's MTTCG implements SC); another hart's SC or AMO to the granule clears the
 * word, and another hart's plain store that changes the value makes the exchange fail. A
 * plain store that writes back the very value LR read is not seen (as on QEMU): the SC
 * succeeds as if it had come before that store, which LR/SC loops cannot tell apart.
 *
 * The host is little-endian (x86-64, AArch64), so Int32Array/BigInt64Array elements have the
 * byte order of the guest's DataView accesses.
 */

/** AMO operations, in the order of funct5 decoding in the hart. */
export const enum AmoOp { SWAP, ADD, XOR, AND, OR, MIN, MAX, MINU, MAXU }

/** The new memory value of a 32-bit AMO. */
function amo32Value(op: AmoOp, old: number, b: number): number {
  switch (op) {
    case AmoOp.SWAP: return b;
    case AmoOp.ADD: return (old + b) | 0;
    case AmoOp.XOR: return old ^ b;
    case AmoOp.AND: return old & b;
    case AmoOp.OR: return old | b;
    case AmoOp.MIN: return old < b ? old : b;
    case AmoOp.MAX: return old > b ? old : b;
    case AmoOp.MINU: return (old >>> 0) < (b >>> 0) ? old : b;
    default: return (old >>> 0) > (b >>> 0) ? old : b;
  }
}

/** The new memory value of a 64-bit AMO (signed 64-bit BigInts). */
function amo64Value(op: AmoOp, old: bigint, b: bigint): bigint {
  switch (op) {
    case AmoOp.SWAP: return b;
    case AmoOp.ADD: return BigInt.asIntN(64, old + b);
    case AmoOp.XOR: return old ^ b;
    case AmoOp.AND: return old & b;
    case AmoOp.OR: return old | b;
    case AmoOp.MIN: return old < b ? old : b;
    case AmoOp.MAX: return old > b ? old : b;
    case AmoOp.MINU: return BigInt.asUintN(64, old) < BigInt.asUintN(64, b) ? old : b;
    default: return BigInt.asUintN(64, old) > BigInt.asUintN(64, b) ? old : b;
  }
}

/**
 * A doubleword seen as a BigInt and as two int32 halves (the host is little-endian): a
 * BigInt made from its halves and split into them through these arrays costs one BigInt
 * allocation, against five with BigInt arithmetic (`(BigInt(hi) << 32n) | BigInt(lo >>> 0)`,
 * `BigInt.asIntN(32, v)`, `v >> 32n`): 45 ns against 280 ns a round trip at load 7.
 */
const pair64 = new BigInt64Array(1);
const pair32 = new Int32Array(pair64.buffer);

/** A 64-bit value from int32 halves, as a signed BigInt. */
function big(lo: number, hi: number): bigint {
  pair32[0] = lo;
  pair32[1] = hi;
  return pair64[0];
}

/** Splits the 64-bit `v` into out[0], out[1] (low, high). */
function split(v: bigint, out: Int32Array): void {
  pair64[0] = v;
  out[0] = pair32[0];
  out[1] = pair32[1];
}

/** One hart's atomic accesses to shared RAM. */
export class SharedAtomics {
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  /** What the last LR read (compared by SC). */
  private lrLo = 0;
  private lrHi = 0;
  /** A word every FENCE touches atomically (a full barrier for this thread's accesses). */
  private readonly fenceWord = new Int32Array(new SharedArrayBuffer(4));

  /**
   * @param ram the RAM's SharedArrayBuffer (host offsets index it)
   * @param reservations one word per hart: the granule (host offset & ~7) it holds reserved, or -1
   * @param hartId this hart's index in `reservations`
   */
  constructor(ram: SharedArrayBuffer, private readonly reservations: Int32Array, private readonly hartId: number) {
    this.i32 = new Int32Array(ram, 0, ram.byteLength >>> 2);
    this.i64 = new BigInt64Array(ram, 0, ram.byteLength >>> 3);
  }

  /** LR at host offset `off` (aligned); the value goes to out[0], out[1] (low, high). */
  lr(off: number, size: number, out: Int32Array): void {
    if (size === 4) {
      out[0] = Atomics.load(this.i32, off >>> 2);
      out[1] = out[0] >> 31;
    } else {
      const v = Atomics.load(this.i64, off >>> 3);
      split(v, out);
    }
    this.lrLo = out[0];
    this.lrHi = out[1];
    Atomics.store(this.reservations, this.hartId, off & ~7);
  }

  /**
   * SC at `off`: stores (lo, hi) if this hart still holds the reservation (`reserved`: the
   * hart's own record agrees) and memory holds what LR read. Returns whether it stored.
   */
  sc(off: number, size: number, lo: number, hi: number, reserved: boolean): boolean {
    const granule = off & ~7;
    const held = reserved && Atomics.compareExchange(this.reservations, this.hartId, granule, -1) === granule;
    if (!held) {
      Atomics.store(this.reservations, this.hartId, -1);
      return false;
    }
    let ok: boolean;
    if (size === 4) ok = Atomics.compareExchange(this.i32, off >>> 2, this.lrLo, lo) === this.lrLo;
    else {
      const expected = big(this.lrLo, this.lrHi);
      ok = Atomics.compareExchange(this.i64, off >>> 3, expected, big(lo, hi)) === expected;
    }
    if (ok) this.breakOthers(granule);
    return ok;
  }

  /** A 32-bit AMO at `off`; returns the old value. */
  amo32(op: AmoOp, off: number, b: number): number {
    const i = off >>> 2, a = this.i32;
    let old: number;
    switch (op) {
      case AmoOp.SWAP: old = Atomics.exchange(a, i, b); break;
      case AmoOp.ADD: old = Atomics.add(a, i, b); break;
      case AmoOp.XOR: old = Atomics.xor(a, i, b); break;
      case AmoOp.AND: old = Atomics.and(a, i, b); break;
      case AmoOp.OR: old = Atomics.or(a, i, b); break;
      default: {
        // min/max: a compare-and-exchange loop; each failed round means another hart's
        // write succeeded, so the harts together always progress (lock-free).
        old = Atomics.load(a, i);
        for (;;) {
          const seen = Atomics.compareExchange(a, i, old, amo32Value(op, old, b));
          if (seen === old) break;
          old = seen;
        }
      }
    }
    this.breakOthers(off & ~7);
    return old;
  }

  /** A 64-bit AMO at `off`; the old value goes to out[0], out[1]. */
  amo64(op: AmoOp, off: number, blo: number, bhi: number, out: Int32Array): void {
    const i = off >>> 3, a = this.i64, b = big(blo, bhi);
    let old: bigint;
    switch (op) {
      case AmoOp.SWAP: old = Atomics.exchange(a, i, b); break;
      case AmoOp.ADD: old = Atomics.add(a, i, b); break;
      case AmoOp.XOR: old = Atomics.xor(a, i, b); break;
      case AmoOp.AND: old = Atomics.and(a, i, b); break;
      case AmoOp.OR: old = Atomics.or(a, i, b); break;
      default: {
        old = Atomics.load(a, i);
        for (;;) {
          const seen = Atomics.compareExchange(a, i, old, amo64Value(op, old, b));
          if (seen === old) break;
          old = seen;
        }
      }
    }
    split(old, out);
    this.breakOthers(off & ~7);
  }

  /** FENCE: an atomic access orders this thread's earlier and later accesses to RAM. */
  fence(): void {
    Atomics.add(this.fenceWord, 0, 1);
  }

  /** Drops this hart's reservation (a trap, a descheduling). */
  clearReservation(): void {
    Atomics.store(this.reservations, this.hartId, -1);
  }

  /** Clears every other hart's reservation on `granule` (their SC must fail). */
  private breakOthers(granule: number): void {
    const r = this.reservations;
    for (let j = 0; j < r.length; j++) {
      if (j !== this.hartId && Atomics.load(r, j) === granule) Atomics.compareExchange(r, j, granule, -1);
    }
  }
}
