/**
 * A vCPU thread answers the UART's THR writes and LSR reads itself while the UART allows it
 * (devices/uart-fast-path.ts): a Linux console line costs two MMIO exits per character, and a
 * round trip to the VM's thread for each took ~150 us on a loaded 2-core host, against about
 * 1 us here. The access is decoded and finished as vcpu.ts's emulateMmio does (thread-mmio.ts, exit-completion.ts).
 */
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import { UART_LSR, UART_THR, UartFastKind, type UartFastPath } from '../../devices/uart-fast-path';
import { threadMmio } from './thread-mmio';
import { finishMmio } from '../exit-completion';

/**
 * Handles the exit `h` stopped with when it is a byte-wide THR write or LSR read of the UART
 * at guest physical `base` and the fast path takes it; false leaves the exit for the VM's thread.
 */
export function uartOnThread(h: Hart, vcpu: number, fast: UartFastPath, base: number): boolean {
  const t0 = performance.now();
  const a = threadMmio(h);
  if (a === null || a.size !== 1 || a.gpa - base !== (a.write ? UART_THR : UART_LSR)) return false;
  const value = a.write ? h.x[a.reg * 2] & 0xff : 0;
  const ns = Math.round((performance.now() - t0) * 1e6);
  const got = fast.tryAccess(a.write ? UartFastKind.THR_WRITE : UartFastKind.LSR_READ, value, vcpu, h.lo(Slot.SEPC), h.hi(Slot.SEPC),
    h.lo(Slot.STVAL), h.hi(Slot.STVAL), h.lo(Slot.HTINST), h.instret, ns);
  if (got < 0) return false;
  finishMmio(h, a, got, 0);
  return true;
}
