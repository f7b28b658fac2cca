/**
 * Console input from the client with back-pressure: keystrokes wait in the VM's bounded
 * console-input queue (hypervisor-core/devices/console-input.ts) until the guest reads
 * them. Text that does not fit in the room left is refused whole (never cut in the middle),
 * and the client tries again later.
 */
import type { Vm } from '../hypervisor-core/hypervisor/vm';

/** Delivers `bytes` to the guest console when they fit; false (nothing delivered) when they do not. */
export function offerConsoleInput(vm: Vm, bytes: Uint8Array): boolean {
  if (bytes.length > vm.input.room) return false;
  return vm.sendInput(bytes) === bytes.length;
}
