/**
 * How a handled exit goes back into the guest, wherever it was handled (the VM's thread:
 * vcpu.ts; a vCPU thread: threads/thread-mmio.ts, vcpu-worker.ts): sepc past the trapping
 * instruction and, for an MMIO load, the device's value in the load's register, extended as
 * the load asks.
 */
import type { Hart } from '../hart/hart';
import { Slot } from '../hart/hart-state';
import type { MmioAccess } from './exits';

/** sepc += n (the trapping instruction is done). */
export function advanceSepc(h: Hart, n: number): void {
  const lo = (h.lo(Slot.SEPC) + n) | 0;
  h.set(Slot.SEPC, lo, (h.hi(Slot.SEPC) + ((lo >>> 0) < n ? 1 : 0)) | 0);
}

/**
 * Ends MMIO access `a`: a load's value (`lo`, and `hi` for 8 bytes; the low `a.size` bytes,
 * zero-extended) into its register, sign-extended when the load asks; sepc past the
 * instruction; back into the guest.
 */
export function finishMmio(h: Hart, a: MmioAccess, lo: number, hi: number): void {
  if (!a.write && a.reg !== 0) {
    if (a.signed && a.size < 8) {
      const shift = 32 - 8 * a.size;
      lo = a.size === 4 ? lo | 0 : (lo << shift) >> shift;
      hi = lo >> 31;
    }
    h.x[a.reg * 2] = lo;
    h.x[a.reg * 2 + 1] = hi;
  }
  advanceSepc(h, a.length);
  h.hostSret();
}
