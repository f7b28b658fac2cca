/**
 * The trigger module (RISC-V Debug Specification 1.0, chapter 5 "Sdtrig"): TRIGGER_COUNT
 * address/data triggers selected by tselect and programmed through tdata1..3, of type 2
 * (mcontrol) or 6 (mcontrol6); type 15 is a trigger that exists but is disabled. Execute,
 * load and store triggers compare the address (match 0 equal, 1 NAPOT (mcontrol6 only), 2 >=,
 * 3 <) or, with select = 1, the data of a load or store; chained triggers fire together. The
 * only action is 0, a breakpoint exception (cause 3, xtval = the address): there is no debug
 * mode, so dmode is 0. tcontrol.mte gates the triggers that would fire in M-mode (5.4
 * "Native M-mode triggers"): a trap into M-mode clears it, MRET restores it.
 *
 * tdata1 type 2 (mcontrol), RV64:          tdata1 type 6 (mcontrol6), RV64:
 *   63:60 type = 2   59 dmode = 0            63:60 type = 6   59 dmode = 0
 *   58:53 maskmax = 0 (no NAPOT)             25 hit1  24 vs  23 vu  22 hit0  21 select
 *   22:21 sizehi  20 hit  19 select          19:16 size
 *   18 timing = 0  17:16 sizelo              15:12 action = 0  11 chain  10:7 match
 *   15:12 action = 0  11 chain  10:7 match   6 m  4 s  3 u  2 execute  1 store  0 load
 *   6 m  4 s  3 u  2 execute  1 store  0 load
 *
 * Cost: the hart asks `execModes` / `dataModes` (masks of the modes, see `modeBit`, in which
 * some trigger is armed) once per block of instructions; nothing else runs while none is armed.
 */
import { arr, fillArray, num, obj, StateError, type Saved } from '../state/persist';
import { TWO32 } from './int64';

/** Number of triggers (QEMU's virt CPU has 2; OpenOCD and Linux cope with any number). */
export const TRIGGER_COUNT = 4;

/** tdata1 types. */
export const enum TriggerType { NONE = 0, MCONTROL = 2, MCONTROL6 = 6, DISABLED = 15 }

/** tinfo: version 1 (Sdtrig 1.0) in bits 31:24, the supported types as a bit mask below. */
export const TINFO = (1 << 24) | (1 << TriggerType.MCONTROL) | (1 << TriggerType.MCONTROL6) | (1 << TriggerType.DISABLED);

/** tcontrol bits: M-mode trigger enable and its copy saved on a trap into M-mode. */
export const enum Tcontrol { MTE = 1 << 3, MPTE = 1 << 7 }

/** Access kinds, as in tdata1's low bits. */
export const enum TriggerKind { LOAD = 1, STORE = 2, EXECUTE = 4 }

/**
 * The bit of a privilege mode in `execModes` / `dataModes`: U 1, S 2, M 8, VU 16, VS 32
 * (1 << priv, shifted 4 more with V = 1).
 */
export function modeBit(priv: number, virt: boolean): number {
  return virt ? 16 << priv : 1 << priv;
}

const M_BIT = 8;
/** Access sizes in bytes by the size field (0 = any; 4, the 48-bit instructions, is unsupported). */
const SIZE_BYTES = [0, 1, 2, 4, -1, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];

/** One trigger's registers and what they decode to. */
class Trigger {
  /** tdata1 as written after the WARL rules, and tdata2. */
  d1lo = 0; d1hi = TriggerType.DISABLED << 28;
  d2lo = 0; d2hi = 0;
  /** Decoded: TriggerKind bits, the modes (modeBit), match, select, chain, size in bytes. */
  kinds = 0; modes = 0; match = 0; select = false; chain = false; size = 0;
}

/** The hart's trigger module: the CSRs and the matching. */
export class Triggers {
  private readonly t: Trigger[] = [];
  /** tselect. */
  tselect = 0;
  /** tcontrol (mte, mpte). */
  tcontrol = 0;
  /** Modes in which some execute trigger is armed (bits of `modeBit`). */
  execModes = 0;
  /** Modes in which some load or store trigger is armed: those accesses must take the slow path. */
  dataModes = 0;
  /** Called when `dataModes` changes (the hart flushes its TLBs so the fast path stops or resumes). */
  onDataModesChange: () => void = () => {};

  constructor() {
    for (let i = 0; i < TRIGGER_COUNT; i++) this.t.push(new Trigger());
  }

  /** Every trigger disabled, tselect 0, tcontrol 0 (the reset state). */
  reset(): void {
    for (let i = 0; i < TRIGGER_COUNT; i++) this.writeData1(i, 0, 0), this.writeData2(i, 0, 0);
    this.tselect = 0;
    this.tcontrol = 0;
  }

  /** Every trigger's registers with what they decode to, tselect and tcontrol, for a snapshot. */
  save(): Saved {
    return {
      tselect: this.tselect, tcontrol: this.tcontrol,
      t: this.t.map((t) => [t.d1lo, t.d1hi, t.d2lo, t.d2hi, t.kinds, t.modes, t.match, t.select ? 1 : 0, t.chain ? 1 : 0, t.size]),
    };
  }

  /** Puts back `save`'s state (and the armed modes it implies). */
  restore(state: Saved): void {
    const s = obj(state, 'triggers');
    const list = arr(s.t, 'triggers');
    if (list.length !== this.t.length) throw new StateError(`the snapshot has ${list.length} triggers, the hart ${this.t.length}`);
    list.forEach((v, i) => {
      const f = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
      fillArray(f, v, 'trigger');
      const t = this.t[i];
      [t.d1lo, t.d1hi, t.d2lo, t.d2hi, t.kinds, t.modes, t.match] = f;
      t.select = f[7] !== 0;
      t.chain = f[8] !== 0;
      t.size = f[9];
    });
    this.tselect = num(s.tselect, 'tselect');
    this.tcontrol = num(s.tcontrol, 'tcontrol');
    this.recompute();
  }

  /** tselect write: WARL, an index past the last trigger leaves it unchanged. */
  select(lo: number, hi: number): void {
    if (hi === 0 && lo >= 0 && lo < TRIGGER_COUNT) this.tselect = lo;
  }

  /** tdata1 of trigger `i` as [lo, hi]. */
  data1(i: number): [number, number] {
    return [this.t[i].d1lo, this.t[i].d1hi];
  }

  /** tdata2 of trigger `i` as [lo, hi]. */
  data2(i: number): [number, number] {
    return [this.t[i].d2lo, this.t[i].d2hi];
  }

  /** Writes tdata1 of trigger `i` with the WARL rules of its type; an unsupported type disables it. */
  writeData1(i: number, lo: number, hi: number): void {
    const t = this.t[i];
    const type = hi >>> 28;
    let match = (lo >>> 7) & 15;
    const chain = i < TRIGGER_COUNT - 1 ? lo & (1 << 11) : 0; // the last trigger cannot chain
    if (type === TriggerType.MCONTROL) {
      if (match !== 0 && match !== 2 && match !== 3) match = 0; // maskmax = 0: no NAPOT
      let size = (((lo >>> 21) & 3) << 2) | ((lo >>> 16) & 3);
      if (SIZE_BYTES[size] < 0) size = 0;
      // Kept: hit (20), select (19), m, s, u, execute, store, load; timing and action stay 0.
      t.d1lo = (lo & ((1 << 20) | (1 << 19) | 0x5f)) | ((size & 3) << 16) | ((size >> 2) << 21) | (match << 7) | chain;
      t.d1hi = TriggerType.MCONTROL << 28;
      t.modes = (lo & (1 << 6) ? M_BIT : 0) | (lo & (1 << 4) ? 2 : 0) | (lo & (1 << 3) ? 1 : 0);
      t.select = (lo & (1 << 19)) !== 0;
      t.size = SIZE_BYTES[size];
    } else if (type === TriggerType.MCONTROL6) {
      if (match > 3) match = 0;
      let size = (lo >>> 16) & 15;
      if (SIZE_BYTES[size] < 0) size = 0;
      // Kept: hit1, vs, vu, hit0, select, m, s, u, execute, store, load; action stays 0.
      t.d1lo = (lo & ((1 << 25) | (1 << 24) | (1 << 23) | (1 << 22) | (1 << 21) | 0x5f)) | (size << 16) | (match << 7) | chain;
      t.d1hi = TriggerType.MCONTROL6 << 28;
      t.modes = (lo & (1 << 6) ? M_BIT : 0) | (lo & (1 << 4) ? 2 : 0) | (lo & (1 << 3) ? 1 : 0) |
        (lo & (1 << 24) ? 32 : 0) | (lo & (1 << 23) ? 16 : 0);
      t.select = (lo & (1 << 21)) !== 0;
      t.size = SIZE_BYTES[size];
    } else {
      t.d1lo = 0;
      t.d1hi = TriggerType.DISABLED << 28;
      t.modes = 0;
      t.select = false;
      t.size = 0;
      match = 0;
    }
    t.kinds = t.d1lo & 7;
    t.match = match;
    t.chain = (t.d1lo & (1 << 11)) !== 0;
    this.recompute();
  }

  /** Writes tdata2 (the address or data to compare, all 64 bits). */
  writeData2(i: number, lo: number, hi: number): void {
    this.t[i].d2lo = lo | 0;
    this.t[i].d2hi = hi | 0;
  }

  /** A trap into M-mode: mpte = mte, mte = 0. */
  trapToM(): void {
    this.tcontrol = this.tcontrol & Tcontrol.MTE ? Tcontrol.MPTE : 0;
  }

  /** MRET: mte = mpte. */
  mret(): void {
    this.tcontrol = (this.tcontrol & ~Tcontrol.MTE) | (this.tcontrol & Tcontrol.MPTE ? Tcontrol.MTE : 0);
  }

  /**
   * True when an execute trigger fires at pc (lo, hi) in the mode `mode` (a `modeBit`): the
   * instruction there must not execute; the hart raises a breakpoint with xtval = pc.
   */
  matchExecute(lo: number, hi: number, mode: number): boolean {
    return this.evaluate(TriggerKind.EXECUTE, lo, hi, 1, mode, 0, 0, 0);
  }

  /**
   * True when a load or store trigger fires for the access of `size` bytes at (lo, hi).
   * `phase` 0 is before the access (address triggers, and data triggers of a store, whose data
   * vlo/vhi are known), 1 after a load read vlo/vhi (the chains that compare load data).
   */
  matchData(kind: TriggerKind, lo: number, hi: number, size: number, mode: number, phase: 0 | 1, vlo: number, vhi: number): boolean {
    return this.evaluate(kind, lo, hi, size, mode, phase, vlo, vhi);
  }

  private evaluate(kind: number, lo: number, hi: number, size: number, mode: number, phase: number, vlo: number, vhi: number): boolean {
    // Native M-mode triggers only fire with tcontrol.mte (otherwise a handler would re-trigger).
    if (mode === M_BIT && (this.tcontrol & Tcontrol.MTE) === 0) return false;
    // The data compared is the accessed value, zero-extended.
    if (size <= 4) { vhi = 0; if (size < 4) vlo &= (1 << (8 * size)) - 1; }
    const isLoad = kind === TriggerKind.LOAD;
    let all = true, anySelect = false, first = 0;
    for (let i = 0; i < TRIGGER_COUNT; i++) {
      const t = this.t[i];
      if (all) {
        all = (t.kinds & kind) !== 0 && (t.modes & mode) !== 0;
        if (all && t.select) all = kind !== TriggerKind.EXECUTE && (!isLoad || phase === 1) && compareData(t, vlo, vhi);
        else if (all) all = (t.size === 0 || t.size === size || kind === TriggerKind.EXECUTE) && compareAddress(t, lo, hi, size);
      }
      if (t.select) anySelect = true;
      if (t.chain) continue;
      // The end of a chain (or a lone trigger): it fires when every member matched, once per access.
      const due = isLoad ? (phase === 1) === anySelect : phase === 0;
      if (all && due) {
        for (let j = first; j <= i; j++) setHit(this.t[j]);
        return true;
      }
      all = true; anySelect = false; first = i + 1;
    }
    return false;
  }

  private recompute(): void {
    let exec = 0, data = 0;
    for (const t of this.t) {
      if (t.kinds & TriggerKind.EXECUTE) exec |= t.modes;
      if (t.kinds & (TriggerKind.LOAD | TriggerKind.STORE)) data |= t.modes;
    }
    this.execModes = exec;
    if (data !== this.dataModes) {
      this.dataModes = data;
      this.onDataModesChange();
    }
  }
}

/**
 * An address trigger: does the access of `size` bytes at (lo, hi) touch tdata2 (equal), touch
 * the NAPOT range tdata2 encodes with its trailing ones, or lie at or above (>=) / below (<)
 * tdata2? Any byte of the access counts for equal and NAPOT (the spec allows it, and a
 * watchpoint on one byte of a word must see the word's store).
 */
function compareAddress(t: Trigger, lo: number, hi: number, size: number): boolean {
  if (t.match >= 2) return lessU(lo, hi, t.d2lo, t.d2hi) === (t.match === 3);
  let blo = t.d2lo, bhi = t.d2hi, len = 1;
  if (t.match === 1) {
    const bits = trailingOnes(blo, bhi) + 1; // the range is 2^bits bytes
    len = 2 ** bits;
    if (bits >= 64) { blo = 0; bhi = 0; }
    else if (bits >= 32) { blo = 0; bhi &= ~(2 ** (bits - 32) - 1); }
    else blo &= ~(2 ** bits - 1);
  }
  // Exact while the two addresses are within 2^53 of each other; farther apart never overlap.
  const diff = ((hi >>> 0) - (bhi >>> 0)) * TWO32 + ((lo >>> 0) - (blo >>> 0));
  return diff > -size && diff < len;
}

/** A data trigger: the value compared with tdata2 (equal, NAPOT-masked equal, >=, <). */
function compareData(t: Trigger, lo: number, hi: number): boolean {
  if (t.match >= 2) return lessU(lo, hi, t.d2lo, t.d2hi) === (t.match === 3);
  if (t.match === 0) return lo === t.d2lo && hi === t.d2hi;
  const bits = trailingOnes(t.d2lo, t.d2hi) + 1;
  const mlo = bits >= 32 ? 0 : ~(2 ** bits - 1), mhi = bits >= 64 ? 0 : bits <= 32 ? -1 : ~(2 ** (bits - 32) - 1);
  return (lo & mlo) === (t.d2lo & mlo) && (hi & mhi) === (t.d2hi & mhi);
}

/** Sets the trigger's hit bit (hit0 of mcontrol6, hit of mcontrol); software clears it. */
function setHit(t: Trigger): void {
  t.d1lo |= (t.d1hi >>> 28) === TriggerType.MCONTROL6 ? 1 << 22 : 1 << 20;
}

/** (alo, ahi) < (blo, bhi) as unsigned 64-bit numbers. */
function lessU(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return (ahi >>> 0) < (bhi >>> 0) || (ahi === bhi && (alo >>> 0) < (blo >>> 0));
}

/** Number of trailing one bits of a 64-bit value (0..64). */
function trailingOnes(lo: number, hi: number): number {
  if (lo === -1) return 32 + (hi === -1 ? 32 : 31 - Math.clz32(~hi & (hi + 1)));
  return 31 - Math.clz32(~lo & (lo + 1));
}
