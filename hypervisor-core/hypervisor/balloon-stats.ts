/**
 * The balloon part of a VM's statistics report (`--stats-json`, the debugger's report, `vm info
 * --json`): the device's figures with the host memory the VM commits, under libvirt's names.
 */
import type { Vm } from './vm';
import type { BalloonStats } from './stats/report';

/** The VM's balloon statistics, or undefined when it has no balloon. */
export function balloonStats(vm: Vm): BalloonStats | undefined {
  const b = vm.balloon?.report();
  if (!b) return undefined;
  const committedBytes = vm.ram.committedBytes;
  return {
    ramBytes: vm.ram.size, targetBytes: b.targetBytes, actualBytes: b.actualBytes, committedBytes,
    // libvirt: "actual" is the balloon's current value, the memory the guest keeps (KiB); "rss" the host's resident memory.
    guest: { ...b.guest, actual: Math.floor((vm.ram.size - b.actualBytes) / 1024), rss: Math.floor(committedBytes / 1024) },
  };
}
