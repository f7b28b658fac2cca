/**
 * The messages between the daemon's main thread and the worker thread that hosts one VM.
 * The worker owns the VM (guest RAM, devices, vCPUs); the main thread only sees these.
 */
import type { RunOptions } from '../cli/args';
import type { SchedBuffers } from '../hypervisor/threads/credit-scheduler';
import type { BalloonStats, ExitStatsReport } from '../hypervisor/stats/report';
import type { MigrationReport } from '../state/migrate/send';
import type { NetMessage } from './net-relay';
import type { DirtyLogAnswer, SnapshotAnswer } from './vm-state-ops';

/** VM states, named as libvirt names them (virDomainState). */
export type VmState = 'running' | 'paused' | 'shut off' | 'crashed';

/** What the worker is started with (`workerData`). */
export interface WorkerStart {
  options: RunOptions;
  /** The daemon's credit scheduler and the VM's row in it (hypervisor/threads/credit-scheduler.ts). */
  sched?: { buffers: SchedBuffers; vm: number };
}

/** The live counters of a VM. */
export interface VmCounters {
  /** Guest instructions retired so far, all vCPUs (since the last boot). */
  instructions: number;
  /** VM exits so far, all vCPUs (since the last boot). */
  exits: number;
  /** The memory balloon's figures and the committed host memory, when the VM has a balloon. */
  balloon?: BalloonStats;
}

/** Main thread -> worker. `id` pairs a request with its reply. */
export type ToWorker =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'input'; id: number; bytes: Uint8Array }
  | { type: 'counters'; id: number }
  | { type: 'stats'; id: number }
  /** Set the balloon's target (bytes); the reply is the counters, or an error when the VM has no balloon. */
  | { type: 'balloon'; id: number; bytes: number }
  /** Send the VM to a destination waiting with --incoming (127.0.0.1:PORT); the reply is the MigrationReport. */
  | { type: 'migrate'; id: number; to: string }
  /** Save the VM to `file` (absolute path); the reply is a SnapshotAnswer. */
  | { type: 'snapshot'; id: number; file: string }
  /** Replace the VM by the one saved in `file`; the reply is the counters. */
  | { type: 'restore'; id: number; file: string; force: boolean }
  /** Start, fetch (and clear) or stop the dirty log; the reply is a DirtyLogAnswer. */
  | { type: 'dirty-log'; id: number; action: 'start' | 'fetch' | 'stop' }
  /** Release host resources (disk files and their locks) and end the thread. */
  | { type: 'close' }
  /** Frames from the VM's switch and acknowledgements of frames it sent (serve/net-relay.ts). */
  | NetMessage
  /** A debugger connected (routes/debug.ts): its DAP bytes follow as 'debug-in' until 'debug-close'. */
  | { type: 'debug-open' }
  | { type: 'debug-in'; bytes: Uint8Array }
  | { type: 'debug-close' };

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'booted' }
  /** An incoming VM (`--incoming`) listens on `address` (the port picked for port 0 included). */
  | { type: 'waiting'; address: string }
  /** The VM has another machine now (it arrived by migration or was restored from a snapshot). */
  | { type: 'machine'; vcpus: number; memory: number; clock: 'realtime' | 'icount' }
  /** The VM could not be built: a file is unusable (`bad-file`) or an option is refused. */
  | { type: 'boot-error'; code: 'bad-file' | 'bad-request'; message: string }
  | { type: 'console'; bytes: Uint8Array }
  | { type: 'state'; state: VmState; reason?: string }
  | { type: 'reply'; id: number; value: VmCounters | ExitStatsReport | { accepted: number } | MigrationReport | SnapshotAnswer | DirtyLogAnswer }
  /** DAP bytes for the debugger's connection; 'debug-end' closes it (the session ended). */
  | { type: 'debug-out'; bytes: Uint8Array }
  | { type: 'debug-end' }
  /** A request the worker refuses (`code` as the API names it). */
  | { type: 'refused'; id: number; code: 'wrong-state' | 'bad-request' | 'bad-file' | 'migration-failed'; message: string }
  /** Frames the VM sent to its switch and acknowledgements of frames it took (serve/net-relay.ts). */
  | NetMessage;
