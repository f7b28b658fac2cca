/**
 * An MMIO exit a vCPU thread answers itself (the UART's console path: uart-on-thread.ts; the
 * PLIC: plic-on-thread.ts): the access decoded as the VM's thread decodes it (exits.ts) and
 * finished as vcpu.ts's emulateMmio finishes it, so the guest cannot tell where it ran.
 */
import { Cause } from '../../hart/csr-numbers';
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import { decodeMmio, type MmioAccess } from '../exits';

const TWO32 = 4294967296;

/**
 * The load or store the hart's exit asks of a device: a load or store guest-page fault, the
 * access decoded from htinst (null: any other exit, or an access the VM's thread must see, an
 * AMO or an FP access, which it refuses).
 */
export function threadMmio(h: Hart): MmioAccess | null {
  const cause = h.lo(Slot.SCAUSE);
  if (h.hi(Slot.SCAUSE) < 0 || (cause !== Cause.LOAD_GUEST_PAGE_FAULT && cause !== Cause.STORE_GUEST_PAGE_FAULT)) return null;
  const htval = (h.hi(Slot.HTVAL) >>> 0) * TWO32 + (h.lo(Slot.HTVAL) >>> 0);
  const a = decodeMmio(h.lo(Slot.HTINST), htval * 4 + (h.lo(Slot.STVAL) & 3));
  return a !== null && a.write === (cause === Cause.STORE_GUEST_PAGE_FAULT) ? a : null;
}

/**
 * Ends access `a` as emulateMmio does: a load's `value` (the low `a.size` bytes, zero-extended)
 * into its register, sign-extended when the load asks; sepc past the instruction; back into
 * the guest. Accesses of 8 bytes are not answered on threads.
 */
export function finishThreadMmio(h: Hart, a: MmioAccess, value: number): void {
  if (!a.write && a.reg !== 0) {
    let lo = value, hi = 0;
    if (a.signed) {
      const shift = 32 - 8 * a.size;
      lo = a.size === 4 ? lo | 0 : (lo << shift) >> shift;
      hi = lo >> 31;
    }
    h.x[a.reg * 2] = lo;
    h.x[a.reg * 2 + 1] = hi;
  }
  const lo = (h.lo(Slot.SEPC) + a.length) | 0;
  h.set(Slot.SEPC, lo, (h.hi(Slot.SEPC) + ((lo >>> 0) < a.length ? 1 : 0)) | 0);
  h.hostSret();
}
