/**
 * A stopped debug session's VM as a snapshot file that `hyperscope run --restore` continues:
 * at a stop every vCPU is at an instruction boundary (on one thread or parked threads alike).
 */
import { writeFileSync } from 'node:fs';
import type { Vm } from '../hypervisor/vm';
import { diskRecord, snapshotVirt } from '../machine/virt-snapshot';
import type { DebugLaunchOptions } from './guest-debugger';
import { TimeTravelError } from './time-travel';

/**
 * Writes the VM to `path`; returns the file's size and the VM's instructions. Throws
 * TimeTravelError (one line) for a disk that is not a file. Under shadow paging the shadow
 * tables are emptied (a cache, refilled on the guest's next accesses; vm-state.ts).
 */
export function saveDebugSnapshot(vm: Vm, o: DebugLaunchOptions, path: string): { bytes: number; instructions: number } {
  const disks = (o.disks ?? []).map((d) => {
    const p = (d as { path?: string }).path;
    if (p === undefined) throw new TimeTravelError('a disk that is not a file cannot be recorded in a snapshot');
    return diskRecord(p, d.readOnly);
  });
  const file = snapshotVirt(vm, {
    vcpus: o.vcpus, memory: o.memory, clock: o.clock, bios: o.bios ?? 'default', svadu: o.svadu ?? true,
    virtioConsole: o.virtioConsole ?? false, rng: o.rng ?? false, disks,
  });
  writeFileSync(path, file);
  return { bytes: file.length, instructions: vm.instructions };
}
