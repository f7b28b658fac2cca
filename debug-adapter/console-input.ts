/**
 * Console input from the client with back-pressure: keystrokes wait in the UART's host-side
 * queue until the guest reads them, so a client that types faster than the guest reads (or
 * into a stopped guest) would grow that queue without bound. Input that does not fit under
 * CONSOLE_INPUT_LIMIT is refused whole, and the client tries again later.
 */
import type { Vm } from '../hypervisor-core/hypervisor/vm';

/** Bytes that may wait for the guest (the UART's host-side queue; the guest console is ttyS0). */
export const CONSOLE_INPUT_LIMIT = 64 * 1024;

/** Delivers `bytes` to the guest console when they fit; false (nothing delivered) when they do not. */
export function offerConsoleInput(vm: Vm, bytes: Uint8Array): boolean {
  if (vm.uart.pendingInput + bytes.length > CONSOLE_INPUT_LIMIT) return false;
  vm.sendInput(bytes);
  return true;
}
