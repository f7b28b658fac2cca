/**
 * The hart's data paths off the interpreter's fast path: the slow path of a load or a store
 * (translation, a page-crossing access byte by byte, MMIO on the bare machine, watchpoints,
 * load and store triggers), the fetch TLB's refill, and the TLB-or-slow-path accesses of the
 * FPU. They are functions of their own, outside `Hart.run`, so that the loop V8 compiles
 * holds only the TLB hits. Faults throw TRAP (translate.ts) and watchpoint hits WATCH_HIT,
 * both caught once in `Hart.run`.
 */
import { Access } from '../mmu/walker';
import { TLB_MASK } from '../mmu/tlb';
import { Cause, Mstatus, Priv } from './csr-numbers';
import { Slot } from './hart-state';
import { TriggerKind, modeBit } from './triggers';
import { Op } from './isa/opcodes';
import { decode, expandCompressed } from './isa/decoder';
import { metaOf, operandOf } from './predecode';
import type { Hart } from './hart';
import { TWO32 } from './int64';
import { FAULTED } from './translate';

/** What the interpreter does after a load or store that missed the TLB. */
export const enum Miss {
  /** RAM was accessed (a load's value, extended, in h.val): go on. */
  RAM,
  /** A device was accessed: interrupts may have changed, go on through the loop's top. */
  MMIO,
  /**
   * A trap is pending: a page fault (Translator.tryTranslate), or a device's guest page fault
   * (MMIO page cache, without a walk). Take it, without a throw.
   */
  TRAP,
}

/** Thrown by the slow paths when an access touches a watchpoint (caught once in `Hart.run`). */
export const WATCH_HIT = { watchpoint: true };

/**
 * Translates an address for an access by the current mode; a fault throws TRAP, or with
 * `quiet` returns FAULTED with the trap pending (Translator.tryTranslate).
 */
export function translateOrTrap(h: Hart, lo: number, hi: number, access: Access, insn: number, compressed: boolean, quiet = false): number {
  return quiet ? h.translator.tryTranslate(lo, hi, access, insn, compressed) : h.translator.translate(lo, hi, access, insn, compressed, false, Priv.U);
}

/** Cacheable in the per-mode TLB: not an MPRV-modified M-mode access. */
export function cacheable(h: Hart, access: Access): boolean {
  return h.watches === null && (access === Access.FETCH || (h.triggers.dataModes & modeBit(h.priv, h.virt)) === 0) && !(h.priv === Priv.M && access !== Access.FETCH && (h.lo(Slot.MSTATUS) & Mstatus.MPRV) !== 0);
}

/** Notes that a TLB entry for (lo, hi) was filled from the last translation's leaf. */
export function noteLeaf(h: Hart, lo: number, hi: number): void {
  h.tlbs.noteLeaf(lo, hi, h.translator.leafSize);
}

/** Throws WATCH_HIT when [lo/hi, +size) overlaps a watchpoint of this access kind (1 read, 2 write, 3 both). */
export function checkWatch(h: Hart, lo: number, hi: number, size: number, kind: number): void {
  const w = h.watches!;
  for (let i = 0; i < w.length; i++) {
    const e = w[i];
    if (!((kind & 1 && e.read) || (kind & 2 && e.write))) continue;
    // Exact while the two addresses are within 2^53 of each other; far apart never overlap.
    const diff = ((hi >>> 0) - (e.hi >>> 0)) * TWO32 + ((lo >>> 0) - (e.lo >>> 0));
    if (diff > -size && diff < e.length) {
      h.watchHit = { index: i, lo, hi, size, write: (kind & 2) !== 0 };
      throw WATCH_HIT;
    }
  }
}

/**
 * Raises a breakpoint exception (xtval = the address) when a load or store trigger fires
 * (`phase` 0 before the access, 1 with the data a load read).
 */
export function dataTrigger(h: Hart, kind: TriggerKind, lo: number, hi: number, size: number, phase: 0 | 1, vlo: number, vhi: number): void {
  if (h.triggers.matchData(kind, lo, hi, size, modeBit(h.priv, h.virt), phase, vlo, vhi)) h.raise(Cause.BREAKPOINT, lo, hi);
}

/**
 * Host offset of the page holding (lo, hi) for fetch; fills the fetch TLB. A page fault
 * throws TRAP, or with `quiet` returns FAULTED (-1) with the trap pending.
 */
export function fetchPage(h: Hart, lo: number, hi: number, quiet = false): number {
  const set = h.tlbSet();
  const i = (lo >>> 12) & TLB_MASK;
  const t = set.fetch;
  if (t.tagLo[i] === (lo & ~0xfff) && t.tagHi[i] === hi) return t.off[i];
  h.counters.itlbMisses++;
  const pa = translateOrTrap(h, lo, hi, Access.FETCH, 0, false, quiet);
  if (pa === FAULTED) return FAULTED;
  const page = pa - (pa % 4096);
  if (!h.mem.contains(page, 4096)) h.translator.accessFault(Access.FETCH, lo, hi);
  // An int32 like the TLB's entries. The difference of two addresses past 2^31 is a heap
  // number: returned as one, it made V8 compile the interpreter loop's fetch offset (and all
  // that derives from it) as a double, and deoptimise the loop at its check of the result.
  // The Linux boot took 1,678 M fewer host instructions of 34,485 M with translation off,
  // 806 M fewer of 26,587 M with it (cachegrind), with this alone.
  const off = (page - h.mem.base) | 0;
  t.fill(lo, hi, off);
  noteLeaf(h, lo, hi);
  return off;
}

/**
 * Fetches, expands and decodes the instruction at host offset `foff` (pc lo/hi) for an
 * instruction the predecode cache does not hold: returns its meta word, with its operand word
 * in h.val[0] (predecode.ts). An illegal compressed instruction throws TRAP.
 */
export function decodeAt(h: Hart, foff: number, pcLo: number, pcHi: number): number {
  const half = h.dv.getUint16(foff, true);
  const compressed = (half & 3) !== 3;
  const insn = instructionAt(h, foff, pcLo, pcHi, compressed);
  if (insn === 0) h.raise(Cause.ILLEGAL_INSTRUCTION, half, 0); // only an illegal compressed one expands to 0
  const op = decode(insn);
  h.val[0] = operandOf(op, insn);
  return metaOf(op, insn, compressed);
}

/**
 * The instruction at host offset `foff` (pc lo/hi), a compressed one expanded (0 when it is
 * illegal): what decodeAt decodes, and the word the slow paths report (htinst) for an
 * instruction the interpreter ran from its predecoded form, which keeps only the immediate.
 * Read again from memory, which the predecode cache keeps exact; for htinst, a 32-bit
 * instruction across two pages was fetched a moment ago, so its second page translates again
 * without a fault.
 */
export function instructionAt(h: Hart, foff: number, pcLo: number, pcHi: number, compressed: boolean): number {
  const dv = h.dv;
  if (compressed) return expandCompressed(dv.getUint16(foff, true));
  if ((pcLo & 0xfff) !== 0xffe) return dv.getInt32(foff, true);
  const nlo = (pcLo + 2) | 0;
  const nhi = (pcHi + (nlo === 0 ? 1 : 0)) | 0;
  return dv.getUint16(foff, true) | (dv.getUint16(fetchPage(h, nlo, nhi), true) << 16);
}

/**
 * Slow-path load of `size` bytes: translation, page-crossing, MMIO. Result in h.val
 * (sign/zero extension is the caller's). Returns whether RAM or a device was accessed; a
 * fault throws TRAP, or with `quiet` (an access within a page) returns Miss.TRAP.
 */
export function loadSlow(h: Hart, lo: number, hi: number, size: number, insn: number, compressed: boolean, split = false,
  quiet = false): Miss {
  const trig = !split && (h.triggers.dataModes & modeBit(h.priv, h.virt)) !== 0;
  if (trig) dataTrigger(h, TriggerKind.LOAD, lo, hi, size, 0, 0, 0);
  if (!split) h.counters.dtlbReadMisses++;
  if ((lo & 0xfff) + size > 4096) {
    // Crosses a page: byte by byte (each byte translated).
    let vlo = 0, vhi = 0;
    for (let b = 0; b < size; b++) {
      const blo = (lo + b) | 0;
      const bhi = (hi + ((blo >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      loadSlow(h, blo, bhi, 1, insn, compressed, true);
      const byte = h.val[0] & 0xff;
      if (b < 4) vlo |= byte << (8 * b); else vhi |= byte << (8 * (b - 4));
    }
    h.val[0] = vlo; h.val[1] = vhi;
    if (trig) dataTrigger(h, TriggerKind.LOAD, lo, hi, size, 1, vlo, vhi);
    return Miss.RAM;
  }
  const pa = translateOrTrap(h, lo, hi, Access.READ, insn, compressed, quiet);
  if (pa === FAULTED) return Miss.TRAP;
  if (h.watches !== null) checkWatch(h, lo, hi, size, 1);
  if (h.mem.contains(pa, size)) {
    const off = (pa - h.mem.base) | 0; // an int32, as in fetchPage
    if (cacheable(h, Access.READ)) {
      h.tlbSet().read.fill(lo, hi, off - (off & 0xfff));
      noteLeaf(h, lo, hi);
    }
    readRam(h, off, size);
    if (trig) dataTrigger(h, TriggerKind.LOAD, lo, hi, size, 1, h.val[0], h.val[1]);
    return Miss.RAM;
  }
  const v = h.bus?.read(pa, size as 1 | 2 | 4 | 8);
  if (v === undefined) h.translator.accessFault(Access.READ, lo, hi);
  h.val[0] = v!;
  h.val[1] = size === 8 ? h.bus!.hi : 0;
  if (trig) dataTrigger(h, TriggerKind.LOAD, lo, hi, size, 1, h.val[0], h.val[1]);
  return Miss.MMIO;
}

export function readRam(h: Hart, off: number, size: number): void {
  const dv = h.dv;
  switch (size) {
    case 1: h.val[0] = dv.getUint8(off); h.val[1] = 0; break;
    case 2: h.val[0] = dv.getUint16(off, true); h.val[1] = 0; break;
    case 4: h.val[0] = dv.getInt32(off, true); h.val[1] = 0; break;
    default: h.val[0] = dv.getInt32(off, true); h.val[1] = dv.getInt32(off + 4, true);
  }
}

/** Slow-path store: as {@link loadSlow}. */
export function storeSlow(h: Hart, lo: number, hi: number, size: number, vlo: number, vhi: number, insn: number, compressed: boolean,
  split = false, quiet = false): Miss {
  if (!split) {
    if ((h.triggers.dataModes & modeBit(h.priv, h.virt)) !== 0) dataTrigger(h, TriggerKind.STORE, lo, hi, size, 0, vlo, vhi);
    h.counters.dtlbWriteMisses++;
  }
  if ((lo & 0xfff) + size > 4096) {
    // Translate both pages first so a fault leaves memory untouched.
    const end = (lo + size - 1) | 0;
    const endHi = (hi + ((end >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
    translateOrTrap(h, lo, hi, Access.WRITE, insn, compressed);
    translateOrTrap(h, end, endHi, Access.WRITE, insn, compressed);
    if (h.watches !== null) checkWatch(h, lo, hi, size, 2); // before any byte is written
    for (let b = 0; b < size; b++) {
      const blo = (lo + b) | 0;
      const bhi = (hi + ((blo >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      const byte = b < 4 ? (vlo >>> (8 * b)) & 0xff : (vhi >>> (8 * (b - 4))) & 0xff;
      storeSlow(h, blo, bhi, 1, byte, 0, insn, compressed, true);
    }
    return Miss.RAM;
  }
  const pa = translateOrTrap(h, lo, hi, Access.WRITE, insn, compressed, quiet);
  if (pa === FAULTED) return Miss.TRAP;
  if (h.watches !== null) checkWatch(h, lo, hi, size, 2);
  if (h.mem.contains(pa, size)) {
    const off = (pa - h.mem.base) | 0; // an int32, as in fetchPage
    if (cacheable(h, Access.WRITE)) {
      // Other threads' drops before the entry this one replaces is lost (memory/code-sharing.ts),
      // and no entry for a page whose code another thread caches: its stores must stay reported.
      h.mem.processCodeDrops();
      if (h.mem.writeMappable(off >>> 12)) {
        h.tlbSet().write.fill(lo, hi, off - (off & 0xfff));
        noteLeaf(h, lo, hi);
      }
    }
    writeRam(h, off, size, vlo, vhi);
    return Miss.RAM;
  }
  if (!h.bus?.write(pa, size as 1 | 2 | 4 | 8, vlo, vhi)) h.translator.accessFault(Access.WRITE, lo, hi);
  return Miss.MMIO;
}

export function writeRam(h: Hart, off: number, size: number, vlo: number, vhi: number): void {
  const dv = h.dv;
  switch (size) {
    case 1: dv.setUint8(off, vlo & 0xff); break;
    case 2: dv.setUint16(off, vlo & 0xffff, true); break;
    case 4: dv.setInt32(off, vlo, true); break;
    default: dv.setInt32(off, vlo, true); dv.setInt32(off + 4, vhi, true);
  }
  if (h.mem.codePages[off >>> 12] !== 0 || h.mem.codeSharing !== null) h.mem.noteWrite(off, size);
  if (off === h.reservation || off - 4 === h.reservation || off + 4 === h.reservation) h.reservation = -1;
}

/** A load for the FPU: TLB hit or slow path; the value in h.val. True when MMIO. */
export function loadData(h: Hart, lo: number, hi: number, size: number, insn: number, compressed: boolean): boolean {
  const t = h.tlbSet().read, i = (lo >>> 12) & TLB_MASK;
  if (t.tagLo[i] === (lo & ~0xfff) && t.tagHi[i] === hi && (lo & 0xfff) <= 4096 - size && cacheable(h, Access.READ)) {
    readRam(h, t.off[i] + (lo & 0xfff), size);
    return false;
  }
  return loadSlow(h, lo, hi, size, insn, compressed) === Miss.MMIO;
}

/** A store for the FPU: TLB hit or slow path. True when MMIO. */
export function storeData(h: Hart, lo: number, hi: number, size: number, vlo: number, vhi: number, insn: number, compressed: boolean): boolean {
  const t = h.tlbSet().write, i = (lo >>> 12) & TLB_MASK;
  if (t.tagLo[i] === (lo & ~0xfff) && t.tagHi[i] === hi && (lo & 0xfff) <= 4096 - size && cacheable(h, Access.WRITE)) {
    writeRam(h, t.off[i] + (lo & 0xfff), size, vlo, vhi);
    return false;
  }
  return storeSlow(h, lo, hi, size, vlo, vhi, insn, compressed) === Miss.MMIO;
}

/**
 * A load (LB..LWU) the TLB did not hit: the MMIO page cache's guest page fault, or the slow
 * path; the value, sign or zero extended as `op` says, in h.val. `mprv`: M-mode accesses
 * translated as another mode (no MMIO page cache).
 */
export function loadMiss(h: Hart, lo: number, hi: number, size: number, op: Op, insn: number, compressed: boolean, mprv: boolean): Miss {
  if (!mprv && h.translator.mmioFault(lo, hi, size, Access.READ, insn, compressed)) return Miss.TRAP;
  const r = loadSlow(h, lo, hi, size, insn, compressed, false, true);
  if (r === Miss.TRAP) return r;
  const v = h.val;
  switch (op) {
    case Op.LB: v[0] = (v[0] << 24) >> 24; v[1] = v[0] >> 31; break;
    case Op.LH: v[0] = (v[0] << 16) >> 16; v[1] = v[0] >> 31; break;
    case Op.LW: v[1] = v[0] >> 31; break;
    case Op.LBU: v[0] &= 0xff; v[1] = 0; break;
    case Op.LHU: v[0] &= 0xffff; v[1] = 0; break;
    case Op.LWU: v[1] = 0; break;
  }
  return r;
}

/** A store (SB..SD) the TLB did not hit: as {@link loadMiss}. */
export function storeMiss(h: Hart, lo: number, hi: number, size: number, vlo: number, vhi: number, insn: number, compressed: boolean,
  mprv: boolean): Miss {
  if (!mprv && h.translator.mmioFault(lo, hi, size, Access.WRITE, insn, compressed)) return Miss.TRAP;
  return storeSlow(h, lo, hi, size, vlo, vhi, insn, compressed, false, true);
}
