/**
 * The debugger facade's vocabulary: how a debug session starts its guest, and the events it
 * reports (a stop and why, a log line). No DAP types: the adapter and the gdb stub map them.
 */
import type { SchedBuffers } from '../hypervisor/threads/credit-scheduler';
import type { BlockBackend } from '../devices/virtio/block/backend';
import type { ClockKind } from '../hypervisor/clock';
import type { ExitRecord } from '../hypervisor/trace/exit-trace';
import type { ElfFile } from '../machine/loaders/elf';
import type { VmNetwork } from '../net/net-config';
import type { GuestTrap } from './guest-trap-breakpoints';
import type { PathSubstitution } from './source-resolver';
import type { WatchAccess } from './watchpoints';

/** How to start the guest. */
export interface DebugLaunchOptions {
  kernel: Uint8Array;
  /** Path of the program (relative source paths are searched from its folder). */
  programPath: string;
  initrd?: Uint8Array;
  bootargs?: string;
  vcpus: number;
  memory: number;
  clock: ClockKind;
  cwd: string;
  substitutePath?: PathSubstitution[];
  /** Extra symbol files (user programs) with their load offsets. */
  extraSymbols?: { elf: ElfFile; offset: number }[];
  /** Virtio block disks (the caller opens and closes them) and an entropy device, as bootVirt takes them. */
  disks?: BlockBackend[];
  rng?: boolean;
  /** False: PTEs without A/D fault (QEMU's svadu=off), as `hyperscope run --no-svadu`. */
  svadu?: boolean;
  /** Add a virtio console, as `hyperscope run --virtio-console`. */
  virtioConsole?: boolean;
  /** False: interpret every instruction (no block translation), as `hyperscope run --no-jit`. */
  jit?: boolean;
  /** 'none': the kernel starts in its own M-mode, as `hyperscope run --bios none`. */
  bios?: 'default' | 'none';
  /** AIA (APLIC + IMSICs) instead of the PLIC, as `hyperscope run --aia`. */
  aia?: boolean;
  /** A virtio memory balloon with its initial target in bytes, as `hyperscope run --balloon-target`. */
  balloon?: { target?: number };
  /** 'shadow': the hypervisor's shadow page tables instead of the G-stage, as `hyperscope run --mmu shadow`. */
  mmu?: 'two-stage' | 'shadow';
  /** 'trap-emulate': no H extension, the guest kernel deprivileged in U-mode, as `hyperscope run --cpu-virt trap-emulate`. */
  cpuVirt?: 'hardware' | 'trap-emulate';
  /** A virtio network device on this network (the caller creates and closes it), as `hyperscope run --net`. */
  network?: VmNetwork;
  /**
   * Host threads the vCPUs run on (debug-threads.ts picks it; default 1). Above 1, all-stop
   * across threads: a stop on any vCPU parks the others at their next slice boundary.
   */
  threads?: number;
  /**
   * A VM attached in a daemon: the daemon's credit scheduler and the VM's row in it. Each slice
   * of a run then holds one of the daemon's host-CPU slots, as the VM's own run loop does; a
   * stopped debuggee holds none.
   */
  sched?: { buffers: SchedBuffers; vm: number };
}

/** Why the VM stopped, for the adapter's stopped event. */
export type StopKind = 'entry' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint' | 'step' | 'pause' | 'exception' | 'goto';

/** A stop. */
export interface StopEvent {
  reason: StopKind;
  /** The vCPU that stopped (all others stop too). */
  vcpu: number;
  /** Short text for the UI. */
  description: string;
  /** Longer text (exit details, condition errors). */
  text?: string;
  /** The code breakpoints that were hit. */
  breakpointIds?: number[];
  /** For exit breakpoints: the filter and the exit. */
  exit?: { filter: string; record: ExitRecord };
  /** For guest trap breakpoints: the filter and the trap. */
  guestTrap?: { filter: string; trap: GuestTrap };
  /** For a fatal VM error. */
  fatal?: string;
  /** For a watchpoint: the access that hit (not yet performed) and the watched range. */
  watch?: { address: bigint; size: number; write: boolean; watched: bigint; access: WatchAccess };
}

/** A line for the Debug Console that is not guest output: a logpoint's message, an exit logged or counted. */
export interface LogEvent {
  /** The text, ending with a newline. */
  text: string;
  /** Where a logpoint is (local source path and line). */
  source?: { path: string; line: number; column: number };
}
