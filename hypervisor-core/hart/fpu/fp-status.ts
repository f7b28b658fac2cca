/**
 * mstatus.FS / vsstatus.FS for the FPU (privileged spec "Extension Context Status in mstatus
 * Register", H extension "Virtual Supervisor Status Register").
 *
 * FS: 0 Off, 1 Initial, 2 Clean, 3 Dirty. With FS = Off, FP instructions and fcsr accesses
 * raise illegal instruction. When V = 1 both mstatus.FS (the hypervisor's) and vsstatus.FS
 * (the guest's) must be non-Off, and a change of FP state sets both to Dirty. SD (bit 63) is
 * computed when the status register is read (csr-file.ts).
 */
import { Mstatus } from '../csr-numbers';
import { HartState, Slot } from '../hart-state';

/** True when FP instructions and fcsr are usable in the current mode. */
export function fpEnabled(h: HartState): boolean {
  if ((h.c[Slot.MSTATUS * 2] & Mstatus.FS_MASK) === 0) return false;
  return !h.virt || (h.c[Slot.VSSTATUS * 2] & Mstatus.FS_MASK) !== 0;
}

/** Sets FS to Dirty (both levels when V = 1): FP registers or fcsr changed. */
export function markFpDirty(h: HartState): void {
  h.c[Slot.MSTATUS * 2] |= Mstatus.FS_MASK;
  if (h.virt) h.c[Slot.VSSTATUS * 2] |= Mstatus.FS_MASK;
}

/** SD for a status word: FS, VS or XS is Dirty (as a high-word bit). */
export function sdBit(statusLo: number): number {
  return (statusLo & Mstatus.FS_MASK) === Mstatus.FS_MASK || (statusLo & Mstatus.XS_MASK) === Mstatus.XS_MASK
    || (statusLo & Mstatus.VS_MASK) === Mstatus.VS_MASK ? Mstatus.HI_SD : 0;
}
