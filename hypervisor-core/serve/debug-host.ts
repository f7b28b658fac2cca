/**
 * The seam between a daemon VM's worker (vm-worker.ts) and a debugger attached to that VM.
 * The worker owns the VM and its run loop; a debug host (the DAP session of the debug adapter,
 * registered by the worker entry point that bundles it: debug-adapter/daemon-vm-worker.ts)
 * borrows the VM for as long as the debugger stays attached. The core never sees DAP: it only
 * carries the connection's bytes and hands the VM over and back.
 */
import type { ElfFile } from '../machine/loaders/elf';
import type { Vm } from '../hypervisor/vm';
import type { RunOptions } from '../cli/args';
import type { VmState } from './protocol';
import type { SchedBuffers } from '../hypervisor/threads/credit-scheduler';

/** What the worker lends the debugger: the VM, taken out of its run loop. */
export interface LentVm {
  vm: Vm;
  /** The kernel's ELF (symbols and lines), when the kernel is one. */
  elf?: ElfFile;
  /** The options the VM was created with (kernel path, vCPUs, clock...). */
  options: RunOptions;
  /** The daemon's credit scheduler and the VM's row: a debugger's runs hold its slots as the VM's run loop does. */
  sched?: { buffers: SchedBuffers; vm: number };
}

/** How the debugger gives the VM back. */
export interface VmReturn {
  /** The debugger saw the guest end (power off, reboot request) or asked to end it: the worker's loop takes it from there. */
  end?: 'shutdown' | 'failure' | 'reboot' | 'terminate';
}

/** What the worker offers one debugger connection. */
export interface DebugLink {
  /** Bytes for the debugger's client. */
  send(bytes: Uint8Array): void;
  /** Ends the connection (the session is over). */
  close(): void;
  /** Takes the VM out of the worker's run loop; resolves between two batches. Rejects when the VM no longer runs. */
  borrow(): Promise<LentVm>;
  /** Gives the VM back to the worker's run loop. */
  giveBack(r: VmReturn): void;
  /** The VM's state as the daemon shows it while the debugger holds it (stopped: paused; running). */
  setState(state: Extract<VmState, 'running' | 'paused'>, reason: string): void;
  /** Guest console output while the debugger holds the VM (it still goes to the daemon's console too). */
  onConsole(listener: ((bytes: Uint8Array) => void) | undefined): void;
}

/** One attached debugger, as the worker drives it. */
export interface DebugConnection {
  /** Bytes from the debugger's client. */
  input(bytes: Uint8Array): void;
  /** The client went away: give the VM back (running) and end. */
  close(): void;
}

/** Makes the debugger of one connection. */
export type DebugHost = (link: DebugLink) => DebugConnection;

let host: DebugHost | undefined;

/** Registers the debug host of this worker (done by the worker entry point before any VM boots). */
export function setDebugHost(h: DebugHost): void {
  host = h;
}

/** The registered debug host, if this worker was built with one. */
export function debugHost(): DebugHost | undefined {
  return host;
}
