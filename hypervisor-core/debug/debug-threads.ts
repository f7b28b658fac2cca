/**
 * How many host threads a debugged VM's vCPUs run on: by default as `hyperscope run` runs a
 * realtime multi-vCPU guest (the host's cores but one, at most the vCPUs), and one thread where a
 * debug feature or a VM option needs the deterministic round robin on the VM's own thread.
 */
import { defaultVcpuThreads } from '../hypervisor/threads/placement';
import { MAX_THREADS } from '../hypervisor/threads/shared-words';

/** What the thread count depends on (launch options, as DebugLaunchOptions has them). */
export interface ThreadChoice {
  vcpus: number;
  clock: 'realtime' | 'icount';
  bios?: 'default' | 'none';
  aia?: boolean;
  mmu?: 'two-stage' | 'shadow';
  cpuVirt?: 'hardware' | 'trap-emulate';
  balloon?: unknown;
  /** Asked for (launch attribute "threads", `--threads`); undefined for the default. */
  threads?: number;
}

/** Why this VM runs on one thread, or undefined when threads can run it. */
function oneThreadReason(o: ThreadChoice): string | undefined {
  if (o.clock === 'icount') return 'the icount clock (a reproducible run, and reverse debugging) runs';
  if (o.bios === 'none') return 'bios "none" runs';
  if (o.aia) return 'aia runs';
  if (o.cpuVirt === 'trap-emulate') return 'cpuVirt "trap-emulate" runs';
  if (o.mmu === 'shadow') return 'mmu "shadow" runs';
  if (o.balloon) return 'the balloon runs';
  return undefined;
}

/**
 * The thread count for a debugged VM and, when the one asked for cannot be had, a one-line
 * notice saying what runs instead and why.
 */
export function debugThreadCount(o: ThreadChoice): { threads: number; notice?: string } {
  const why = oneThreadReason(o);
  const most = Math.min(o.vcpus, MAX_THREADS);
  if (o.threads === undefined) return { threads: why ? 1 : defaultVcpuThreads(most) };
  if (o.threads > 1 && why) return { threads: 1, notice: `threads ${o.threads}: ${why} on one thread; the vCPUs take turns there` };
  if (o.threads > most) return { threads: most, notice: `threads ${o.threads}: at most one thread per vCPU, so ${most}` };
  return { threads: o.threads };
}
