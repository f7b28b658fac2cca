/**
 * A vCPU thread answers the UART's THR writes and LSR reads itself while the UART allows it
 * (devices/uart-fast-path.ts): a Linux console line costs two MMIO exits per character, and a
 * round trip to the VM's thread for each took ~150 us on a loaded 2-core host, against about
 * 1 us here. The access is emulated as vcpu.ts's emulateMmio does (the loaded value
 * sign-extended as the instruction asks, sepc past the instruction, back into the guest).
 */
import { Cause } from '../../hart/csr-numbers';
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import { UART_LSR, UART_THR, UartFastKind, type UartFastPath } from '../../devices/uart-fast-path';
import { decodeMmio } from '../exits';

const TWO32 = 4294967296;

/**
 * Handles the exit `h` stopped with when it is a byte-wide THR write or LSR read of the UART
 * at guest physical `base` and the fast path takes it; false leaves the exit for the VM's thread.
 */
export function uartOnThread(h: Hart, vcpu: number, fast: UartFastPath, base: number): boolean {
  const cause = h.lo(Slot.SCAUSE);
  if (h.hi(Slot.SCAUSE) < 0 || (cause !== Cause.LOAD_GUEST_PAGE_FAULT && cause !== Cause.STORE_GUEST_PAGE_FAULT)) return false;
  const htval = (h.hi(Slot.HTVAL) >>> 0) * TWO32 + (h.lo(Slot.HTVAL) >>> 0);
  const offset = htval * 4 + (h.lo(Slot.STVAL) & 3) - base;
  const write = cause === Cause.STORE_GUEST_PAGE_FAULT;
  if (offset !== (write ? UART_THR : UART_LSR)) return false;
  const t0 = performance.now();
  const htinst = h.lo(Slot.HTINST);
  const a = decodeMmio(htinst, base + offset);
  if (a === null || a.size !== 1 || a.write !== write) return false;
  const value = write ? h.x[a.reg * 2] & 0xff : 0;
  const ns = Math.round((performance.now() - t0) * 1e6);
  const got = fast.tryAccess(write ? UartFastKind.THR_WRITE : UartFastKind.LSR_READ, value, vcpu, h.lo(Slot.SEPC), h.hi(Slot.SEPC),
    h.lo(Slot.STVAL), h.hi(Slot.STVAL), htinst, h.instret, ns);
  if (got < 0) return false;
  if (!write && a.reg !== 0) {
    const lo = a.signed ? (got << 24) >> 24 : got;
    h.x[a.reg * 2] = lo;
    h.x[a.reg * 2 + 1] = lo >> 31;
  }
  const lo = (h.lo(Slot.SEPC) + a.length) | 0;
  h.set(Slot.SEPC, lo, (h.hi(Slot.SEPC) + ((lo >>> 0) < a.length ? 1 : 0)) | 0);
  h.hostSret();
  return true;
}
