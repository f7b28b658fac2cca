/**
 * The daemon's VMs by name, and the event stream of their changes (created, state, destroyed)
 * that `GET /v1/events` serves.
 */
import { EventEmitter } from 'node:events';
import type { RunOptions } from '../cli/args';
import { ApiError } from './api-error';
import type { VmState } from './protocol';
import { VmHost, VM_WORKER_FILE } from './vm-host';
import { SwitchHub } from './net-relay';
import { CreditScheduler, SCHED_VMS } from '../hypervisor/threads/credit-scheduler';
import type { SchedSettings } from './vm-sched';

/** VMs one daemon hosts at most. */
export const MAX_VMS = 16;

/** A change the event stream reports. */
export type VmEvent =
  | { type: 'created'; name: string; state: VmState }
  | { type: 'state'; name: string; state: VmState; reason?: string }
  | { type: 'destroyed'; name: string };

/** The VMs; emits 'event' (VmEvent). */
export class VmRegistry extends EventEmitter {
  private readonly vms = new Map<string, VmHost>();
  /** Names being created (a second create of the same name is refused meanwhile). */
  private readonly creating = new Set<string>();
  /** The switches the VMs' NICs share (`--net switch=NAME`). */
  readonly switches = new SwitchHub();

  /**
   * @param scheduler the daemon's credit scheduler: its host-CPU slots go to the VMs' threads
   *   by weight and cap (hypervisor/threads/credit-scheduler.ts)
   */
  constructor(private readonly workerFile = VM_WORKER_FILE, readonly scheduler = CreditScheduler.create(1)) {
    super();
    this.setMaxListeners(0); // one per event-stream client
  }

  /** The VMs, in creation order. */
  all(): VmHost[] {
    return [...this.vms.values()];
  }

  /** The VM called `name`; 'no-such-vm' otherwise. */
  get(name: string): VmHost {
    const vm = this.vms.get(name);
    if (!vm) throw new ApiError('no-such-vm', `no VM named '${name}'`);
    return vm;
  }

  /** Creates and starts a VM; refuses a taken name, a full daemon, or files it cannot use. */
  async create(name: string, options: RunOptions, sched?: Partial<SchedSettings>): Promise<VmHost> {
    if (this.vms.has(name) || this.creating.has(name)) throw new ApiError('vm-exists', `a VM named '${name}' exists already`);
    if (this.vms.size + this.creating.size >= MAX_VMS) throw new ApiError('too-many-vms', `the daemon hosts ${MAX_VMS} VMs at most`);
    const row = this.freeRow();
    this.creating.add(name);
    this.rows.add(row);
    let vm: VmHost;
    try {
      vm = await VmHost.create(name, options, this.workerFile, this.switches, { scheduler: this.scheduler, row, ...sched });
    } catch (e) {
      this.rows.delete(row);
      throw e;
    } finally {
      this.creating.delete(name);
    }
    this.vms.set(name, vm);
    vm.on('state', (state: VmState, reason?: string) => this.emit('event', { type: 'state', name, state, reason } satisfies VmEvent));
    this.emit('event', { type: 'created', name, state: vm.state } satisfies VmEvent);
    return vm;
  }

  /** Destroys a VM and forgets it. */
  async destroy(name: string): Promise<void> {
    const vm = this.get(name);
    this.vms.delete(name);
    vm.removeAllListeners('state');
    await vm.destroy();
    this.rows.delete(vm.schedRow);
    this.emit('event', { type: 'destroyed', name } satisfies VmEvent);
  }

  /** The scheduler rows in use (one per VM, kept across resets). */
  private readonly rows = new Set<number>();

  private freeRow(): number {
    for (let r = 0; r < SCHED_VMS; r++) if (!this.rows.has(r)) return r;
    throw new ApiError('too-many-vms', `the daemon hosts ${MAX_VMS} VMs at most`);
  }

  /** Destroys every VM (the daemon is ending). */
  async destroyAll(): Promise<void> {
    await Promise.all(this.all().map((vm) => this.destroy(vm.name)));
  }
}
