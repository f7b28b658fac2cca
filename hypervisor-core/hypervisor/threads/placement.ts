/**
 * How many host threads a multi-vCPU VM's vCPUs get when none is asked for.
 *
 * Besides its vCPU threads a VM keeps its own thread busy (devices, the exits the vCPU
 * threads hand over, the event loop) and V8 compiles on background threads. So the vCPUs get
 * one thread per core but one, and never more than one per vCPU; with fewer threads than
 * vCPUs they take turns on them, as QEMU's single-threaded TCG runs every vCPU on one thread.
 * Measured on a 2-core host, the Linux sample on 2 vCPUs reached its prompt about 1.1 s later
 * on 2 threads than on one (1.2 CPU s more; 8 interleaved rounds, every round the same way):
 * the two vCPU threads took both cores from the VM's thread and the compilers.
 */
import { availableParallelism } from 'node:os';

/**
 * The default vCPU thread count of a VM of `vcpus` vCPUs on a host of `cores` cores: the
 * cores but one, at most the vCPUs, at least 1.
 */
export function defaultVcpuThreads(vcpus: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(vcpus, cores - 1));
}
