/**
 * Runs a guest to completion in-process on the hypervisor with the icount clock, collecting
 * its console output. Shared by the guest tests.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import type { Vm, VmStop } from '../../hypervisor-core/hypervisor/vm';

/** The repository root (tests run from out/test/...). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Result of a guest run. */
export interface GuestRun {
  output: string;
  stop: VmStop;
  vm: Vm;
}

/** Boots `elf` (a path relative to the repo root) and runs it until it stops. */
export function runGuest(elf: string, vcpus = 1, maxInstructions = 2_000_000_000, board: { aia?: boolean; jit?: boolean; mmu?: 'two-stage' | 'shadow'; cpuVirt?: 'hardware' | 'trap-emulate'; bios?: 'default' | 'none' } = {}): GuestRun {
  let output = '';
  const decoder = new TextDecoder();
  const { vm } = bootVirt({
    kernel: readFileSync(path.join(ROOT, elf)), vcpus, memory: 128 * 1024 * 1024, clock: 'icount',
    console: (b) => { output += decoder.decode(b, { stream: true }); }, ...board,
  });
  let done = 0;
  for (;;) {
    const stop = vm.runFor(10_000_000);
    done += 10_000_000;
    if (stop && stop.kind !== 'idle') return { output, stop, vm };
    if (stop?.kind === 'idle' || done > maxInstructions) return { output, stop: stop ?? { kind: 'idle' }, vm };
  }
}

/** Console text as the expected files have it: no CR, without lines that differ by firmware. */
export function comparable(text: string): string {
  return text.replace(/\r/g, '').split('\n')
    .filter((l) => !/^(sbi:|instret:|timer: sstc)/.test(l))
    .join('\n');
}
