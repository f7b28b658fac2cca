/**
 * One VM of the daemon as the main thread sees it: its name, options and state, the worker
 * thread that owns it (vm-worker.ts), its console history. A worker that dies (an error inside
 * the hypervisor, out of memory) leaves this VM crashed and everything else running.
 */
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Duplex } from 'node:stream';
import type { RunOptions } from '../cli/args';
import type { BalloonStats, ExitStatsReport } from '../hypervisor/stats/report';
import { ApiError } from './api-error';
import { ConsoleLog } from './console-log';
import type { FromWorker, ToWorker, VmCounters, VmState, WorkerStart } from './protocol';
import type { MigrationReport } from '../state/migrate/send';
import { AckBatcher, type SwitchHub, type VmNetInfo, type VmNetPort } from './net-relay';
import type { DirtyLogAnswer, SnapshotAnswer } from './vm-state-ops';
import type { CreditScheduler } from '../hypervisor/threads/credit-scheduler';
import { DEFAULT_SCHED, type SchedAnswer, type SchedSettings } from './vm-sched';

/** Where a VM sits in the daemon's credit scheduler, with its weight and cap. */
export interface VmSchedPlace extends Partial<SchedSettings> {
  scheduler: CreditScheduler;
  /** Its row (kept across resets). */
  row: number;
}

/** The worker script: next to this file, in out/ (tsc) and in dist/ (the bundle) alike. */
export const VM_WORKER_FILE = path.join(__dirname, 'vm-worker.js');

/** How long a worker may take to close its files before it is terminated. */
const CLOSE_GRACE_MS = 2000;
/** How long a worker may take to answer a request (a batch of the run loop is far shorter). */
const REPLY_TIMEOUT_MS = 10_000;
/** How long a migration may take (its stream has its own guard against a silent peer). */
const MIGRATE_TIMEOUT_MS = 30 * 60_000;

/** Bytes a debugger's client may leave unread before its connection is cut. */
const DEBUG_UNREAD_MAX = 16 * 1024 * 1024;

/** What `vm info` and `vm list` show of a VM. */
export interface VmInfo {
  name: string;
  state: VmState;
  /** Why it is in that state (libvirt's state reason), when known. */
  reason?: string;
  vcpus: number;
  /** Guest RAM in bytes. */
  memory: number;
  kernel: string;
  clock: 'realtime' | 'icount';
  /** Guest instructions retired since the VM last booted (frozen while paused). */
  instructions: number;
  /** VM exits since the VM last booted. */
  exits: number;
  /**
   * The memory balloon (a VM created with `--balloon`): target and actual size, committed host
   * memory and the guest's statistics under libvirt's names (see BalloonStats).
   */
  balloon?: BalloonStats;
  /** Where a VM created with `--incoming` waits for its migration (127.0.0.1:PORT), until it arrives. */
  incoming?: string;
  /** The NIC of a VM on a switch of the daemon (`--net switch=NAME`): its MAC, switch and port. */
  net?: VmNetInfo;
  /** Its credit scheduler weight (default 256) and cap (percent of one host CPU, 0 = none), as `xl sched-credit`. */
  weight?: number;
  cap?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** Events: 'state' (state, reason) when the state changes. */
export class VmHost extends EventEmitter {
  readonly console = new ConsoleLog();
  private worker: Worker | null = null;
  private stateNow: VmState = 'running';
  private reasonNow: string | undefined = 'booted';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The counters last seen, for a VM whose worker is gone. */
  private lastCounters: VmCounters = { instructions: 0, exits: 0 };
  private closing = false;
  /** An incoming VM's listening address while it waits. */
  private incomingAt: string | undefined;
  /** The machine an incoming VM brought (its options name none). */
  private arrived: { vcpus: number; memory: number; clock: 'realtime' | 'icount' } | undefined;
  /** The connection of the attached debugger (one at a time), whose DAP bytes go to and from the worker. */
  private debugSocket: Duplex | null = null;

  /** Weight and cap (they outlive resets, as a domain's). */
  private sched: SchedSettings;

  private constructor(readonly name: string, readonly options: RunOptions, private readonly workerFile: string,
    private readonly switches: SwitchHub | null, private readonly net: VmNetPort | null, private readonly place: VmSchedPlace | null) {
    super();
    this.sched = { weight: place?.weight ?? DEFAULT_SCHED.weight, cap: place?.cap ?? DEFAULT_SCHED.cap };
  }

  /** The VM's row in the daemon's scheduler (-1: none). */
  get schedRow(): number {
    return this.place?.row ?? -1;
  }

  /** Its weight, cap and figures (`xl sched-credit -d NAME`). */
  schedInfo(): SchedAnswer {
    const p = this.place;
    const figures = p ? p.scheduler.vmInfo(p.row) : { units: 0, cpuMs: 0, waitMs: 0 };
    return { name: this.name, ...figures, ...this.sched, slots: p?.scheduler.slots ?? 0 };
  }

  /** Changes the weight and/or cap live; the next slot decisions use them. */
  setSched(change: Partial<SchedSettings>): SchedAnswer {
    this.sched = { ...this.sched, ...change };
    const p = this.place;
    p?.scheduler.setVm(p.row, this.sched.weight, this.sched.cap);
    return this.schedInfo();
  }

  /** The VM's threads are gone: the scheduler takes back whatever slots they held. */
  private leaveScheduler(forget: boolean): void {
    const p = this.place;
    p?.scheduler.evictVm(p.row, forget);
  }

  /**
   * Starts the VM in a new worker; resolves once it booted. A file it cannot use rejects with
   * ApiError 'bad-file', and nothing remains of the VM. A VM with `--net switch=NAME` gets its
   * port on that switch of `switches` first (its MAC is fixed there, for every boot).
   */
  static async create(name: string, options: RunOptions, workerFile = VM_WORKER_FILE, switches?: SwitchHub,
    place?: VmSchedPlace): Promise<VmHost> {
    let net: VmNetPort | null = null;
    if (options.net?.kind === 'switch') {
      if (!switches) throw new ApiError('bad-request', 'this daemon has no switches');
      net = switches.join(name, options.net);
      options = { ...options, net: { ...options.net, mac: net.macText } };
    }
    const host = new VmHost(name, options, workerFile, switches ?? null, net, place ?? null);
    try {
      await host.start();
    } catch (e) {
      if (net) switches!.leave(net);
      host.leaveScheduler(true);
      throw e;
    }
    return host;
  }

  /** The current state. */
  get state(): VmState {
    return this.stateNow;
  }

  /** Pauses a running VM; resolves once it retires no more instructions. */
  async pause(): Promise<void> {
    this.requireUndebugged('pause');
    this.require('running', 'pause');
    await this.stateChange({ type: 'pause' }, 'paused');
  }

  /** Resumes a paused VM. */
  async resume(): Promise<void> {
    if (this.incomingAt) throw new ApiError('wrong-state', `cannot resume VM '${this.name}': it waits for an incoming migration on ${this.incomingAt}`);
    this.requireUndebugged('resume');
    this.require('paused', 'resume');
    await this.stateChange({ type: 'resume' }, 'running');
  }

  /** Boots the VM afresh in a new worker, whatever its state (libvirt's reset, and start after shut off). */
  async reset(): Promise<void> {
    await this.stopWorker();
    this.console.append(new TextEncoder().encode('\r\n[hyperscope: VM reset]\r\n'));
    this.incomingAt = undefined;
    this.arrived = undefined;
    await this.start();
    if (this.incomingAt) this.emit('state', this.stateNow, this.reasonNow); // waiting again
    else this.setState('running', 'reset by the user');
  }

  /** Ends the VM for good: its worker closes its files and ends. */
  async destroy(): Promise<void> {
    this.closing = true;
    await this.stopWorker();
    this.leaveScheduler(true);
    if (this.net) this.switches?.leave(this.net);
  }

  /** Forwards console input; resolves to the bytes the guest's input queue took. */
  async input(bytes: Uint8Array): Promise<number> {
    if (!this.worker || (this.stateNow !== 'running' && this.stateNow !== 'paused')) {
      throw new ApiError('wrong-state', `VM '${this.name}' is ${this.stateNow}: its console takes no input`);
    }
    const r = await this.request<{ accepted: number }>((id) => ({ type: 'input', id, bytes }));
    return r.accepted;
  }

  /** The name, state, configuration and live counters. */
  async info(): Promise<VmInfo> {
    if (this.worker) {
      try {
        this.lastCounters = await this.request<VmCounters>((id) => ({ type: 'counters', id }));
      } catch {
        // The worker went away meanwhile: the last counters stand.
      }
    }
    const o = this.options;
    const m = this.arrived ?? o;
    const info: VmInfo = {
      name: this.name, state: this.stateNow, reason: this.reasonNow, vcpus: m.vcpus, memory: m.memory, kernel: o.kernel,
      clock: m.clock, ...this.lastCounters, weight: this.sched.weight, cap: this.sched.cap,
      ...(this.net ? { net: { mac: this.net.macText, switch: this.net.switchName, port: this.net.port.index } } : {}),
    };
    if (this.incomingAt) info.incoming = this.incomingAt;
    return info;
  }

  /** Saves the VM to `file` (an absolute path on this host) between two batches of its run loop. */
  async snapshot(file: string): Promise<SnapshotAnswer> {
    this.requireWorker('saved');
    return this.request<SnapshotAnswer>((id) => ({ type: 'snapshot', id, file }), MIGRATE_TIMEOUT_MS);
  }

  /**
   * Replaces the VM by the one saved in `file` (any state but waiting for a migration: it also
   * brings back a VM that is shut off or crashed); it runs from the snapshot's instant.
   */
  async restore(file: string, force: boolean): Promise<void> {
    this.requireUndebugged('restore');
    if (!this.worker || this.incomingAt) {
      throw new ApiError('wrong-state', `VM '${this.name}' ${this.incomingAt ? 'waits for an incoming migration' : 'has no running hypervisor (reset it first)'}: it cannot be restored`);
    }
    this.lastCounters = await this.request<VmCounters>((id) => ({ type: 'restore', id, file, force }), MIGRATE_TIMEOUT_MS);
  }

  /** Starts, fetches (and clears) or stops the VM's dirty log. */
  async dirtyLog(action: 'start' | 'fetch' | 'stop'): Promise<DirtyLogAnswer> {
    this.requireWorker('logged');
    return this.request<DirtyLogAnswer>((id) => ({ type: 'dirty-log', id, action }));
  }

  private requireWorker(what: string): void {
    if (!this.worker || (this.stateNow !== 'running' && this.stateNow !== 'paused') || this.incomingAt) {
      throw new ApiError('wrong-state', `VM '${this.name}' is ${this.incomingAt ? 'waiting for an incoming migration' : this.stateNow}: it cannot be ${what}`);
    }
  }

  /**
   * Sends the VM to a destination waiting with `--incoming` (live migration); resolves with the
   * figures once it runs there, and the VM here is shut off ('migrated'). Rejects with
   * 'migration-failed' when the stream breaks or the destination refuses: the VM runs on here.
   */
  async migrate(to: string): Promise<MigrationReport> {
    this.requireUndebugged('migrate');
    this.requireWorker('migrated');
    return this.request<MigrationReport>((id) => ({ type: 'migrate', id, to }), MIGRATE_TIMEOUT_MS);
  }

  /** Sets the balloon's target size in bytes (virsh setmem's counterpart); 'bad-request' without a balloon. */
  async setBalloon(bytes: number): Promise<void> {
    if (!this.worker || (this.stateNow !== 'running' && this.stateNow !== 'paused')) {
      throw new ApiError('wrong-state', `VM '${this.name}' is ${this.stateNow}: its balloon cannot change`);
    }
    this.lastCounters = await this.request<VmCounters>((id) => ({ type: 'balloon', id, bytes }));
  }

  /** The exit statistics (`hyperscope run --stats-json`'s report). */
  async stats(): Promise<ExitStatsReport> {
    if (!this.worker) throw new ApiError('wrong-state', `VM '${this.name}' is ${this.stateNow} and its statistics are gone`);
    const report = await this.request<ExitStatsReport>((id) => ({ type: 'stats', id }));
    const net = this.net;
    if (net && report.network) {
      // The worker knows its NIC; the switch and its ports live here.
      for (const n of report.network.nics) Object.assign(n, { switch: net.switchName, port: net.port.index });
      const sw = this.switches?.report(net.switchName);
      report.network.switches = sw ? [sw] : [];
    }
    return report;
  }

  /** True while a debugger is attached. */
  get debugged(): boolean {
    return this.debugSocket !== null;
  }

  /**
   * Attaches a debugger: `socket` carries DAP both ways between the client and the worker's
   * debug session until either side closes it. 'wrong-state' when the VM does not run or
   * another debugger is attached. A client that reads nothing is cut off (its unread bytes are bounded).
   */
  attachDebugger(socket: Duplex, head: Uint8Array): void {
    const worker = this.worker;
    if (!worker || (this.stateNow !== 'running' && this.stateNow !== 'paused')) {
      throw new ApiError('wrong-state', `VM '${this.name}' is ${this.stateNow}: there is nothing to debug`);
    }
    if (this.debugSocket) throw new ApiError('wrong-state', `VM '${this.name}' has a debugger attached already`);
    this.debugSocket = socket;
    worker.postMessage({ type: 'debug-open' } satisfies ToWorker);
    const toWorker = (bytes: Uint8Array) => { if (this.debugSocket === socket) this.worker?.postMessage({ type: 'debug-in', bytes } satisfies ToWorker); };
    if (head.length) toWorker(new Uint8Array(head));
    socket.on('data', (b: Buffer) => toWorker(new Uint8Array(b)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.debugSocket !== socket) return;
      this.debugSocket = null;
      this.worker?.postMessage({ type: 'debug-close' } satisfies ToWorker);
    });
  }

  /** DAP bytes from the worker's debug session to its client. */
  private toDebugger(bytes: Uint8Array): void {
    const socket = this.debugSocket;
    if (!socket) return;
    if (socket.writableLength > DEBUG_UNREAD_MAX) {
      socket.destroy(); // the client is not reading: its session ends, the VM runs on
      return;
    }
    socket.write(bytes);
  }

  /** The worker's debug session ended (or the worker went away): the connection closes. */
  private endDebugger(): void {
    const socket = this.debugSocket;
    this.debugSocket = null;
    socket?.end();
  }

  private requireUndebugged(action: string): void {
    const there = action === 'pause' || action === 'resume' ? `${action} it there` : 'detach it first';
    if (this.debugSocket) throw new ApiError('wrong-state', `cannot ${action} VM '${this.name}': a debugger is attached (${there})`);
  }

  private require(state: VmState, action: string): void {
    if (this.stateNow !== state) throw new ApiError('wrong-state', `cannot ${action} VM '${this.name}': it is ${this.stateNow}`);
  }

  private start(): Promise<void> {
    const p = this.place;
    p?.scheduler.addVm(p.row, this.sched.weight, this.sched.cap);
    const start: WorkerStart = { options: this.options, ...(p ? { sched: { buffers: p.scheduler.buffers, vm: p.row } } : {}) };
    const worker = new Worker(this.workerFile, { workerData: start });
    this.worker = worker;
    this.net?.setWorker((m, transfer) => worker.postMessage(m, transfer));
    const acks = new AckBatcher((m) => worker.postMessage(m));
    return new Promise<void>((resolve, reject) => {
      let booted = false;
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'booted':
            booted = true;
            this.stateNow = 'running';
            resolve();
            return;
          case 'waiting':
            // libvirt shows a domain waiting for an incoming migration as paused.
            booted = true;
            this.incomingAt = m.address;
            this.stateNow = 'paused';
            this.reasonNow = `waiting for an incoming migration on ${m.address}`;
            resolve();
            return;
          case 'machine':
            this.incomingAt = undefined;
            this.arrived = { vcpus: m.vcpus, memory: m.memory, clock: m.clock };
            return;
          case 'boot-error':
            this.worker = null;
            void worker.terminate();
            reject(new ApiError(m.code, m.message));
            return;
          case 'console':
            this.console.append(m.bytes);
            return;
          case 'state':
            this.setState(m.state, m.reason);
            return;
          case 'reply':
            this.settle(m.id)?.resolve(m.value);
            return;
          case 'refused':
            this.settle(m.id)?.reject(new ApiError(m.code, m.message));
            return;
          case 'net-frame':
            if (this.worker !== worker) return; // a stopped worker's last frames
            this.net?.fromVm(m.frame);
            acks.took();
            return;
          case 'net-ack':
            if (this.worker === worker) this.net?.acked(m.count);
            return;
          case 'debug-out':
            this.toDebugger(m.bytes);
            return;
          case 'debug-end':
            this.endDebugger();
            return;
        }
      });
      worker.on('error', (e) => {
        if (this.worker !== worker) return;
        if (!booted) {
          this.worker = null;
          reject(new ApiError('internal', `VM '${this.name}' failed to boot: ${e.message}`));
          return;
        }
        this.lost(`the hypervisor failed: ${e.message}`);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.leaveScheduler(false); // it may have ended holding a slot, or the lock
        if (!booted) {
          this.worker = null;
          reject(new ApiError('internal', `VM '${this.name}' ended before it booted (status ${code})`));
          return;
        }
        this.lost(`its thread ended (status ${code})`);
      });
    });
  }

  /** The worker died on its own: the VM crashed; requests waiting on it fail. */
  private lost(why: string): void {
    this.worker = null;
    this.net?.setWorker(null);
    this.endDebugger();
    this.failPending(why);
    if (!this.closing) this.setState('crashed', why);
  }

  /** The request waiting for answer `id`, taken off the list with its timer stopped (undefined if it timed out). */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ApiError('wrong-state', `VM '${this.name}': ${why}`));
    }
    this.pending.clear();
  }

  private setState(state: VmState, reason?: string): void {
    if (state === this.stateNow && reason === this.reasonNow) return;
    this.stateNow = state;
    this.reasonNow = reason;
    this.emit('state', state, reason);
  }

  /** Sends a control message and waits for the state it leads to. */
  private stateChange(message: ToWorker, want: VmState): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new ApiError('wrong-state', `VM '${this.name}' has no running hypervisor`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new ApiError('internal', `VM '${this.name}' did not answer`)), REPLY_TIMEOUT_MS);
      const onState = (state: VmState) => { if (state === want || state === 'crashed' || state === 'shut off') done(); };
      const done = (e?: Error) => {
        clearTimeout(timer);
        this.off('state', onState);
        if (e) reject(e);
        else resolve();
      };
      this.on('state', onState);
      worker.postMessage(message);
    });
  }

  private request<T>(make: (id: number) => ToWorker, timeoutMs = REPLY_TIMEOUT_MS): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new ApiError('wrong-state', `VM '${this.name}' has no running hypervisor`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError('internal', `VM '${this.name}' did not answer`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const message = make(id);
      // Console input is copied, not transferred: the caller's buffer stays its own.
      worker.postMessage(message);
    });
  }

  /** Asks the worker to close its files and end; terminates it if it does not in time. */
  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    this.net?.setWorker(null);
    this.endDebugger();
    this.failPending('it was stopped');
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
    this.leaveScheduler(false);
  }
}
