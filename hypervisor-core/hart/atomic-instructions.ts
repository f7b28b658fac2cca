/**
 * The A extension in the interpreter: LR/SC and the AMOs, on RAM only (an atomic access
 * outside RAM is an access fault), through the data TLB of loads and stores. With RAM shared
 * by vCPU threads they go through Atomics (shared-atomics.ts); alone, plain accesses are
 * atomic already. The LR reservation is a host offset; any store to its doubleword by this
 * hart clears it, as does every `run()` (a reservation never survives a descheduling).
 */
import { Access } from '../mmu/walker';
import { TLB_MASK } from '../mmu/tlb';
import { Cause } from './csr-numbers';
import { Op } from './isa/opcodes';
import { TriggerKind, modeBit } from './triggers';
import { AmoOp } from './shared-atomics';
import { cacheable, checkWatch, dataTrigger, noteLeaf, translateOrTrap } from './data-access';
import { SPIN_YIELD_SWAPS } from './hart-types';
import type { Hart } from './hart';

/** The AmoOp of each AMO, by its offset from AMOSWAP_W (or AMOSWAP_D) in the Op enum: both run in this order. */
const AMO_OPS = [AmoOp.SWAP, AmoOp.ADD, AmoOp.XOR, AmoOp.AND, AmoOp.OR, AmoOp.MIN, AmoOp.MAX, AmoOp.MINU, AmoOp.MAXU];

/** Host offset of an aligned atomic access (AMO, LR, SC); raises misaligned/faults. */
export function atomicOffset(h: Hart, lo: number, hi: number, size: number, insn: number, write: boolean): number {
  if ((h.triggers.dataModes & modeBit(h.priv, h.virt)) !== 0) {
    // LR is a load, SC a store, an AMO both; the data compared is what is stored.
    if (!write || insn >>> 27 !== 3) dataTrigger(h, TriggerKind.LOAD, lo, hi, size, 0, 0, 0);
    if (write) dataTrigger(h, TriggerKind.STORE, lo, hi, size, 0, h.x[(insn >> 19) & 62], h.x[((insn >> 19) & 62) + 1]);
  }
  if ((lo & (size - 1)) !== 0) h.raise(write ? Cause.MISALIGNED_STORE : Cause.MISALIGNED_LOAD, lo, hi);
  const access = write ? Access.WRITE : Access.READ;
  // The TLB the loads and stores use: a write entry was filled by a translation that allowed
  // the write (and so the read: W without R is reserved) and set D; aligned, the access stays
  // in the page. Not cacheable (watchpoints, data triggers, MPRV): translated every time.
  const cached = cacheable(h, access);
  const t = write ? h.tlbSet().write : h.tlbSet().read, i = (lo >>> 12) & TLB_MASK;
  let off: number;
  if (cached && t.tagLo[i] === (lo & ~0xfff) && t.tagHi[i] === hi) {
    off = t.off[i] + (lo & 0xfff);
  } else {
    if (write) h.counters.dtlbWriteMisses++; else h.counters.dtlbReadMisses++;
    const pa = translateOrTrap(h, lo, hi, access, insn, false);
    if (!h.mem.contains(pa, size)) h.translator.accessFault(access, lo, hi);
    if (h.watches !== null) checkWatch(h, lo, hi, size, !write ? 1 : insn >>> 27 === 3 ? 2 : 3); // LR, SC, AMO
    off = (pa - h.mem.base) | 0; // an int32 like the hit's (data-access.ts fetchPage)
    // As a store's fill (data-access.ts): other threads' drops first, no entry for their code.
    if (write && cached) h.mem.processCodeDrops();
    if (cached && (!write || h.mem.writeMappable(off >>> 12))) {
      t.fill(lo, hi, off - (off & 0xfff));
      noteLeaf(h, lo, hi);
    }
  }
  if (write && (h.mem.codePages[off >>> 12] !== 0 || h.mem.codeSharing !== null)) h.mem.noteWrite(off, size);
  return off;
}

/**
 * After an atomic write on a vCPU thread: marks the page again for the other threads caching
 * its code (atomicOffset marked it before the write, which a thread's fence in between may
 * have taken before the write landed; code-sharing.ts).
 */
function writtenElsewhere(h: Hart, off: number): void {
  if (h.mem.codeSharing !== null) h.mem.codeSharing.written(off >>> 12);
}

/**
 * Executes LR, SC or an AMO (`op` one of them). Returns true when the run should end after it:
 * a test-and-set swap that failed for the SPIN_YIELD_SWAPS-th time ({@link Hart.yieldOnSpin}).
 */
export function atomicInstruction(h: Hart, op: Op, insn: number): boolean {
  const x = h.x, dv = h.dv;
  const rd = (insn >> 6) & 62, rs1 = (insn >> 14) & 62, rs2 = (insn >> 19) & 62;
  switch (op) {
    case Op.LR_W: case Op.LR_D: {
      const size = op === Op.LR_W ? 4 : 8;
      const off = atomicOffset(h, x[rs1], x[rs1 + 1], size, insn, false);
      if (h.shared !== null) {
        h.shared.lr(off, size, h.val);
        h.reservation = off | 0;
        x[rd] = h.val[0]; x[rd + 1] = h.val[1];
        return false;
      }
      const v = dv.getInt32(off, true);
      x[rd + 1] = size === 4 ? v >> 31 : dv.getInt32(off + 4, true);
      x[rd] = v;
      // An int32, as the field's -1: one double stored here (an offset computed from a
      // boxed address) makes V8 box the field in every hart, and every store reads it.
      h.reservation = off | 0;
      return false;
    }
    case Op.SC_W: case Op.SC_D: {
      const size = op === Op.SC_W ? 4 : 8;
      const off = atomicOffset(h, x[rs1], x[rs1 + 1], size, insn, true);
      if (h.shared !== null) {
        x[rd] = h.shared.sc(off, size, x[rs2], x[rs2 + 1], h.reservation === off) ? 0 : 1;
        x[rd + 1] = 0;
        writtenElsewhere(h, off);
        h.reservation = -1;
        return false;
      }
      if (h.reservation === off) {
        dv.setInt32(off, x[rs2], true);
        if (size === 8) dv.setInt32(off + 4, x[rs2 + 1], true);
        x[rd] = 0;
      } else {
        x[rd] = 1;
      }
      x[rd + 1] = 0;
      h.reservation = -1;
      return false;
    }
    case Op.AMOSWAP_W: case Op.AMOADD_W: case Op.AMOXOR_W: case Op.AMOAND_W: case Op.AMOOR_W:
    case Op.AMOMIN_W: case Op.AMOMAX_W: case Op.AMOMINU_W: case Op.AMOMAXU_W: {
      const off = atomicOffset(h, x[rs1], x[rs1 + 1], 4, insn, true);
      if (h.shared !== null) {
        const old = h.shared.amo32(AMO_OPS[op - Op.AMOSWAP_W], off, x[rs2]);
        writtenElsewhere(h, off);
        if ((off & ~7) === (h.reservation & ~7)) h.reservation = -1;
        x[rd] = old; x[rd + 1] = old >> 31;
        if (op === Op.AMOSWAP_W && x[rs2] === old && h.yieldOnSpin && ++h.spinSwaps >= SPIN_YIELD_SWAPS) return true;
        return false;
      }
      const old = dv.getInt32(off, true), b = x[rs2];
      let v: number;
      switch (op) {
        case Op.AMOSWAP_W: v = b; break;
        case Op.AMOADD_W: v = (old + b) | 0; break;
        case Op.AMOXOR_W: v = old ^ b; break;
        case Op.AMOAND_W: v = old & b; break;
        case Op.AMOOR_W: v = old | b; break;
        case Op.AMOMIN_W: v = old < b ? old : b; break;
        case Op.AMOMAX_W: v = old > b ? old : b; break;
        case Op.AMOMINU_W: v = (old >>> 0) < (b >>> 0) ? old : b; break;
        default: v = (old >>> 0) > (b >>> 0) ? old : b;
      }
      dv.setInt32(off, v, true);
      if ((off & ~7) === (h.reservation & ~7)) h.reservation = -1;
      x[rd] = old; x[rd + 1] = old >> 31;
      if (op === Op.AMOSWAP_W && v === old && h.yieldOnSpin && ++h.spinSwaps >= SPIN_YIELD_SWAPS) return true;
      return false;
    }
    case Op.AMOSWAP_D: case Op.AMOADD_D: case Op.AMOXOR_D: case Op.AMOAND_D: case Op.AMOOR_D:
    case Op.AMOMIN_D: case Op.AMOMAX_D: case Op.AMOMINU_D: case Op.AMOMAXU_D: {
      const off = atomicOffset(h, x[rs1], x[rs1 + 1], 8, insn, true);
      if (h.shared !== null) {
        const blo = x[rs2], bhi = x[rs2 + 1];
        h.shared.amo64(AMO_OPS[op - Op.AMOSWAP_D], off, blo, bhi, h.val);
        writtenElsewhere(h, off);
        if ((off & ~7) === (h.reservation & ~7)) h.reservation = -1;
        x[rd] = h.val[0]; x[rd + 1] = h.val[1];
        if (op === Op.AMOSWAP_D && blo === h.val[0] && bhi === h.val[1] && h.yieldOnSpin && ++h.spinSwaps >= SPIN_YIELD_SWAPS) return true;
        return false;
      }
      const olo = dv.getInt32(off, true), ohi = dv.getInt32(off + 4, true);
      const blo = x[rs2], bhi = x[rs2 + 1];
      let vlo = blo, vhi = bhi;
      switch (op) {
        case Op.AMOSWAP_D: break;
        case Op.AMOADD_D: vlo = (olo + blo) | 0; vhi = (ohi + bhi + ((vlo >>> 0) < (olo >>> 0) ? 1 : 0)) | 0; break;
        case Op.AMOXOR_D: vlo = olo ^ blo; vhi = ohi ^ bhi; break;
        case Op.AMOAND_D: vlo = olo & blo; vhi = ohi & bhi; break;
        case Op.AMOOR_D: vlo = olo | blo; vhi = ohi | bhi; break;
        default: {
          const signed = op === Op.AMOMIN_D || op === Op.AMOMAX_D;
          const less = signed ? ohi < bhi || (ohi === bhi && (olo >>> 0) < (blo >>> 0))
            : (ohi >>> 0) < (bhi >>> 0) || (ohi === bhi && (olo >>> 0) < (blo >>> 0));
          const takeOld = op === Op.AMOMIN_D || op === Op.AMOMINU_D ? less : !less;
          if (takeOld) { vlo = olo; vhi = ohi; }
        }
      }
      dv.setInt32(off, vlo, true); dv.setInt32(off + 4, vhi, true);
      if ((off & ~7) === (h.reservation & ~7)) h.reservation = -1;
      x[rd] = olo; x[rd + 1] = ohi;
      if (op === Op.AMOSWAP_D && vlo === olo && vhi === ohi && h.yieldOnSpin && ++h.spinSwaps >= SPIN_YIELD_SWAPS) return true;
      return false;
    }
  }
  return false; // only the A instructions come here
}
