/**
 * An MMIO exit a vCPU thread answers itself (the UART's console path: uart-on-thread.ts; the
 * PLIC: plic-on-thread.ts): the access decoded as the VM's thread decodes it (exits.ts); it is
 * finished as there too (exit-completion.ts finishMmio), so the guest cannot tell where it ran.
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
