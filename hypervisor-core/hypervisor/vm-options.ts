/**
 * What a VM is built with (VmOptions) and why its run stops (VmStop): the types the CLI, the
 * daemon, the debugger and the board share with vm.ts.
 */
import type { ClockKind } from './clock';
import type { MmuMode } from './memvirt/port';
import type { CpuVirtMode } from './cpuvirt/trap-emulate';
import type { ExitRecord } from './trace/exit-trace';

/** Why the VM stopped running. */
export type VmStop =
  | { kind: 'shutdown'; failure: boolean }
  | { kind: 'reboot' }
  | { kind: 'fatal'; message: string; vcpu: number; pc: bigint; scause: bigint; stval: bigint; htval: bigint; htinst: bigint }
  | { kind: 'idle' }
  /** A debugger stop in the hart: a code breakpoint, or (`cause`) a watchpoint or a trap into the guest. */
  | { kind: 'breakpoint'; vcpu: number; cause?: 'watchpoint' | 'guest-trap' }
  /** `onExit` asked to stop after this exit (the debugger's exit breakpoints). */
  | { kind: 'exit-breakpoint'; vcpu: number; record: ExitRecord }
  /** `onFaultLoop` asked to stop: the vCPU loops on a fault (`message` says which). */
  | { kind: 'fault-loop'; vcpu: number; message: string }
  | { kind: 'paused' };

/** VM configuration. */
export interface VmOptions {
  vcpus: number;
  /** Guest RAM in bytes (at GPA 0x80000000). */
  memory: number;
  clock: ClockKind;
  /** Guest console output (UART and SBI console). */
  console: (bytes: Uint8Array) => void;
  /**
   * icount only: while every vCPU waits for a timer, guest time follows host time and
   * `runFor` returns 'idle' so the caller sleeps (QEMU's `-icount sleep=on`: an idle guest
   * costs no host CPU). Off, guest time jumps to the deadline at once (`sleep=off`), which
   * batch runs and tests want. Either way the instructions and exits are the same run to run.
   */
  idleSleep?: boolean;
  /** Host time in milliseconds for `idleSleep` (default `performance.now`). */
  hostNow?: () => number;
  /**
   * Svadu: the harts set PTE A/D bits themselves (default true, as QEMU does). False keeps
   * the page faults on A = 0 or a store to D = 0 (QEMU's `-cpu rv64,svadu=off`).
   */
  svadu?: boolean;
  /**
   * Block translation: hot guest code runs as compiled JavaScript (default true). False runs
   * everything in the interpreter (`--no-jit`); the results are the same either way.
   */
  jit?: boolean;
  /**
   * 'default': the hypervisor is the guest's SBI firmware and the guest starts in S-mode.
   * 'none': no firmware, as QEMU's `-bios none`: every vCPU starts at the entry in its own
   * (emulated) M-mode, with the CLINT and the SiFive test device on the bus.
   */
  bios?: 'default' | 'none';
  /**
   * AIA instead of the PLIC (`--aia`): an emulated APLIC in MSI mode and, on every hart, an
   * IMSIC whose guest interrupt file is the vCPU's own, so device interrupts reach a running
   * guest without exits (see aia.ts). Default false: the PLIC.
   */
  aia?: boolean;
  /**
   * Memory virtualisation: 'two-stage' (default) lets the hart translate through the guest's
   * tables and the G-stage; 'shadow' keeps the hypervisor's own GVA -> HPA tables, filled on
   * the guest's page faults, with satp and SFENCE.VMA trapped (hstatus.VTVM).
   */
  mmu?: MmuMode;
  /**
   * CPU virtualisation: 'hardware' (default) runs the guest in VS/VU-mode with the H extension;
   * 'trap-emulate' runs it without, its kernel in U-mode, every sensitive instruction trapped
   * and emulated (cpuvirt/trap-emulate.ts), memory always through shadow tables.
   */
  cpuVirt?: CpuVirtMode;
  /**
   * Guest RAM, the G-stage tables and the clock in SharedArrayBuffers, so the vCPUs can run
   * on host threads (`--threads` above 1; see threads/vcpu-threads.ts). Default false.
   */
  sharedMemory?: boolean;
}

/** Table pages the shadow tables of one VM may hold together (16 MiB). */
export const SHADOW_POOL_PAGES = 4096;

