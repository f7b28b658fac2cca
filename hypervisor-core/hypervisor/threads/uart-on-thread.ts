/**
 * A vCPU thread answers the guest's byte accesses to the UART itself, over the registers the
 * VM's thread shares with it (devices/uart-fast-path.ts): a Linux console line costs two MMIO
 * exits per character, its interrupt-driven tty output after `Run /init` some 700 more, and a
 * round trip to the VM's thread for each took ~150 us on a loaded 2-core host, against a few
 * microseconds here. The access is decoded and finished as vcpu.ts's emulateMmio does
 * (thread-mmio.ts, exit-completion.ts); the VM's thread counts it when it replays the ring.
 */
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import type { Uart16550 } from '../../devices/uart16550';
import { threadMmio } from './thread-mmio';
import { finishMmio } from '../exit-completion';

/** Registers of the UART (reg-shift 0): offsets 0..7 of its window. */
const UART_REGISTERS = 8;

/**
 * Handles the exit `h` stopped with when it is a byte-wide access to the UART at guest
 * physical `base` and the thread's view `uart` takes it; false leaves the exit for the VM's thread.
 */
export function uartOnThread(h: Hart, vcpu: number, uart: Uart16550, base: number): boolean {
  const t0 = performance.now();
  const a = threadMmio(h);
  if (a === null || a.size !== 1 || a.gpa < base || a.gpa >= base + UART_REGISTERS) return false;
  const value = a.write ? h.x[a.reg * 2] & 0xff : 0;
  const ns = Math.round((performance.now() - t0) * 1e6);
  const got = uart.threadAccess(a.gpa - base, a.write, value, vcpu, h.lo(Slot.SEPC), h.hi(Slot.SEPC),
    h.lo(Slot.STVAL), h.hi(Slot.STVAL), h.lo(Slot.HTINST), h.instret, ns);
  if (got < 0) return false;
  finishMmio(h, a, got, 0);
  return true;
}
