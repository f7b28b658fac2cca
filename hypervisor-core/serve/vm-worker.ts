/**
 * The worker thread that hosts one VM of `hyperscope serve`. The VM (guest RAM, devices,
 * vCPUs) lives in this thread's heap only, so no other VM and no client can reach it; the
 * main thread sees the messages of protocol.ts. The VM is built from run options exactly as
 * `hyperscope run` builds it and runs in the same run loop (hypervisor/runner.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../cli/args';
import { openDisks, readRunFiles, virtBootOptions } from '../cli/run-command';
import type { ConsoleSink } from '../devices/console-sink';
import type { FileBackend } from '../devices/virtio/block/backend';
import { KernelFormatError } from '../machine/loaders/kernel';
import { bootVirt } from '../machine/virt-board';
import type { Vm } from '../hypervisor/vm';
import { FinalStop, runUntilStop } from '../hypervisor/runner';
import type { FromWorker, ToWorker, VmCounters, VmState, WorkerStart } from './protocol';
import { balloonStats } from '../hypervisor/balloon-stats';
import { openMigratedDisks } from '../cli/incoming-command';
import { listenForMigration } from '../state/migrate/listen';
import { receiveVm, type IncomingOptions } from '../state/migrate/receive';
import { MigrationError } from '../state/migrate/wire';
import { networkReport } from '../hypervisor/stats/network-report';
import { VirtioNet } from '../devices/virtio/net/device';
import { parseMac } from '../net/ethernet';
import { AckBatcher, WorkerUplink } from './net-relay';
import { boardOfRun, migrateOut } from './vm-migration';
import { dirtyLogAction, restoreFromFile, snapshotToFile, stateRefusal, threadsFit, WorkerRefusal } from './vm-state-ops';
import { diskRecord, type BoardRecord } from '../machine/virt-snapshot';
import type { ElfFile } from '../machine/loaders/elf';
import { KernelSiteNames } from '../debug/exit-site-names';
import { DebugConnection, VmReturn, debugHost } from './debug-host';
import { threadsReportOf } from '../hypervisor/threads/vcpu-threads';

/** Console bytes held for the main thread between two flushes; past it the oldest go (a guest cannot grow it). */
const CONSOLE_PENDING_MAX = 1024 * 1024;

/** Output waiting for the next flush (the run loop yields to the event loop between batches). */
class ConsoleForwarder implements ConsoleSink {
  private pending: Uint8Array[] = [];
  private size = 0;
  private scheduled = false;
  /** An attached debugger's copy of the output. */
  tee: ((bytes: Uint8Array) => void) | undefined;

  constructor(private readonly post: (m: FromWorker) => void) {}

  write(bytes: Uint8Array): boolean {
    this.tee?.(bytes);
    this.pending.push(bytes.slice());
    this.size += bytes.length;
    while (this.size > CONSOLE_PENDING_MAX && this.pending.length > 1) this.size -= this.pending.shift()!.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  onceDrained(listener: () => void): void {
    queueMicrotask(listener);
  }

  /** Posts what is pending now (before a state change, so the output comes first). */
  flush(): void {
    this.scheduled = false;
    if (this.size === 0) return;
    const bytes = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.pending) {
      bytes.set(p, at);
      at += p.length;
    }
    this.pending = [];
    this.size = 0;
    this.post({ type: 'console', bytes });
  }
}

/** A debugger attached to the VM: `lend` is set while it waits for the run loop to let go of the VM, `back` while it holds it. */
interface AttachedDebugger {
  conn: DebugConnection;
  lend?: () => void;
  back?: Promise<VmReturn>;
  giveBack?: (r: VmReturn) => void;
}

/** The state a final stop leaves the VM in, with libvirt's reason. */
function endState(stop: FinalStop): { state: VmState; reason: string } {
  if (stop.kind === 'fatal') return { state: 'crashed', reason: `vCPU ${stop.vcpu}: ${stop.message} at pc 0x${stop.pc.toString(16)}` };
  // SBI SRST "system failure" is the guest's panic (libvirt: crashed, panicked).
  if (stop.kind === 'shutdown' && stop.failure) return { state: 'crashed', reason: 'the guest reported a system failure' };
  return { state: 'shut off', reason: 'the guest powered off' };
}

/** Boots and runs the VM; answers the main thread's messages until it is terminated. */
async function main(port: NonNullable<typeof parentPort>, start: WorkerStart): Promise<void> {
  const post = (m: FromWorker) => port.postMessage(m);
  const o = start.options;
  const consoleOut = new ConsoleForwarder(post);
  let files: { kernel: Uint8Array; initrd?: Uint8Array } = { kernel: new Uint8Array(0) };
  /** `vm stats` names exit sites from the kernel's DWARF, parsed once for all requests. */
  const siteNames = new KernelSiteNames();
  let disks: FileBackend[] = [];
  // Undefined only while an incoming VM (--incoming) has not arrived.
  let vm: Vm | undefined;
  /** What the VM was built from when it did not boot from the options (migrated in, restored). */
  let board: BoardRecord | null = null;
  // A NIC on a switch of the daemon: frames cross to the main thread (serve/net-relay.ts); each boot gets a fresh NIC.
  const uplink = o.net?.kind === 'switch' ? new WorkerUplink((m, transfer) => port.postMessage(m, transfer)) : null;
  const acks = new AckBatcher(post);
  let nic: VirtioNet | null = null;
  const newNic = (): VirtioNet[] | undefined => {
    if (!uplink || o.net?.mac === undefined) return undefined;
    nic = new VirtioNet({ mac: parseMac(o.net.mac), name: 'virtio-net0' });
    nic.connectLink(uplink);
    return [nic];
  };
  /** The booted kernel's ELF (a debugger's symbols); none for a VM restored or migrated in. */
  let elf: ElfFile | undefined;
  const boot = (): Vm => {
    const booted = bootVirt({ ...virtBootOptions(o, files.kernel, files.initrd, disks, consoleOut), nics: newNic() });
    elf = booted.kernel.elf ?? undefined;
    return booted.vm;
  };
  if (o.incoming === undefined) {
    try {
      files = readRunFiles(o);
      disks = openDisks(o);
      vm = boot();
    } catch (e) {
      for (const d of disks) d.close();
      if (e instanceof UsageError || e instanceof KernelFormatError) {
        const message = e instanceof KernelFormatError ? `${o.kernel}: ${e.message}` : e.message;
        post({ type: 'boot-error', code: 'bad-file', message });
        return;
      }
      throw e;
    }
  }

  let paused = false;
  let release: (() => void) | null = null;
  let held: Promise<void> | null = null;
  let state: VmState = vm ? 'running' : 'paused';
  let migrating = false;
  /** Where the VM went (`vm migrate` succeeded): the run loop ends and the VM is shut off. */
  let migratedTo: string | null = null;
  /** A VM that replaces the running one (`vm restore`) at the run loop's next turn. */
  let replacement: Vm | null = null;
  let loopRunning = false;
  /** A pause of a VM on vCPU threads, said once they have all parked. */
  let announcePause: (() => void) | null = null;
  /** Host threads the VM's vCPUs run on (a restored VM: as its snapshot allows). */
  let vmThreads = o.threads;
  /** A VM on vCPU threads: every thread has parked and each vCPU's state is here (until the hold ends). */
  let threadsParked = false;
  /** State operations waiting for the vCPU threads to park. */
  let parkWaiters: (() => void)[] = [];
  /** State operations holding the VM (on vCPU threads) now. */
  let stateOps = 0;
  /** The attached debugger, if any. */
  let debug = null as AttachedDebugger | null;
  const noVm = (id: number) => post({ type: 'refused', id, code: 'wrong-state', message: 'the VM has not arrived yet (it waits for an incoming migration)' });
  const setState = (s: VmState, reason?: string) => {
    state = s;
    consoleOut.flush();
    post({ type: 'state', state: s, reason });
  };
  const counters = (): VmCounters => {
    if (!vm) return { instructions: 0, exits: 0 };
    // On vCPU threads the harts here hold each vCPU's state as of its last exit: the threads' counts are current.
    const instructions = vm.remote ? vm.instructions : vm.vcpus.reduce((n, v) => n + v.hart.retired(), 0);
    const c: VmCounters = { instructions, exits: vm.stats.report().totalExits };
    const balloon = balloonStats(vm);
    if (balloon) c.balloon = balloon;
    return c;
  };
  /** Holds the run loop between two batches (once: a hold already there stays the one). */
  const hold = () => {
    if (paused) return;
    paused = true;
    held = new Promise((r) => { release = r; });
  };
  const unhold = () => {
    paused = false;
    held = null;
    threadsParked = false;
    release?.();
  };
  /** Says to the state operations waiting for it that the vCPU threads have parked (or let go of the VM). */
  const parkedNow = () => {
    for (const w of parkWaiters.splice(0)) w();
  };
  /**
   * Holds a VM on vCPU threads until every thread has parked with its vCPUs' state back here,
   * as a hypervisor pauses a multi-threaded VM before saving it; resolves at once for a VM
   * on one thread (its run loop is between two batches whenever this thread runs).
   */
  const holdParked = async (): Promise<void> => {
    hold();
    if (threadsOf() <= 1 || !loopRunning || threadsParked) return;
    if (debug?.back) throw new WorkerRefusal('wrong-state', 'a debugger holds the VM: detach it first');
    await new Promise<void>((r) => parkWaiters.push(r));
  };
  /** Runs a state operation with every vCPU at an instruction boundary and its state here. */
  const withParked = async <T>(op: () => T): Promise<T> => {
    stateOps++;
    try {
      if (threadsOf() > 1) await holdParked();
      return op();
    } finally {
      // The VM runs on unless the user paused it meanwhile (or another operation holds it).
      if (--stateOps === 0 && paused && state === 'running' && !migrating && !announcePause) unhold();
    }
  };
  /** Answers request `id` with `run()`'s value, or its WorkerRefusal. */
  const answer = (id: number, run: () => FromWorkerValue) => {
    withParked(run).then((value) => post({ type: 'reply', id, value }), (e) => {
      if (!(e instanceof WorkerRefusal)) throw e;
      post({ type: 'refused', id, code: e.code, message: e.message });
    });
  };

  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'pause':
        // Handled between two batches of the run loop: no instruction retires from here on.
        // vCPU threads run on meanwhile: the VM is paused once they have parked (onHold).
        if (state !== 'running' || announcePause) return;
        // A state operation may hold the VM already: its hold becomes the user's.
        hold();
        if (threadsOf() > 1 && loopRunning && !threadsParked) announcePause = () => setState('paused', 'paused by the user');
        else setState('paused', 'paused by the user');
        return;
      case 'resume':
        if (state !== 'paused' || !vm) return;
        unhold();
        setState('running', 'resumed by the user');
        return;
      case 'input':
        if (!vm) return noVm(m.id);
        post({ type: 'reply', id: m.id, value: { accepted: vm.input.push(m.bytes) } });
        return;
      case 'counters':
        post({ type: 'reply', id: m.id, value: counters() });
        return;
      case 'stats': {
        if (!vm) return noVm(m.id);
        const report = siteNames.name(vm.stats.report(), files.kernel);
        const balloon = balloonStats(vm);
        if (balloon) report.balloon = balloon;
        const network = networkReport(vm.virtio);
        if (network && uplink) for (const n of network.nics) n.linkDropped = uplink.sender.dropped;
        if (network) report.network = network;
        const threads = threadsReportOf(vm);
        if (threads) report.threads = threads;
        post({ type: 'reply', id: m.id, value: report });
        return;
      }
      case 'balloon':
        if (!vm) return noVm(m.id);
        if (!vm.balloon) {
          post({ type: 'refused', id: m.id, code: 'bad-request', message: 'the VM has no balloon (create it with --balloon)' });
          return;
        }
        if (m.bytes > vm.ram.size) {
          post({ type: 'refused', id: m.id, code: 'bad-request', message: `the balloon cannot hold more than the guest's RAM (${vm.ram.size} bytes)` });
          return;
        }
        vm.balloon.setTarget(m.bytes);
        post({ type: 'reply', id: m.id, value: counters() });
        return;
      case 'snapshot': {
        const v = vm;
        if (!v) return noVm(m.id);
        answer(m.id, () => {
          if (migrating) throw new WorkerRefusal('wrong-state', 'a migration of this VM is under way');
          return snapshotToFile(v, currentBoard(), m.file);
        });
        return;
      }
      case 'restore':
        if (!vm) return noVm(m.id);
        answer(m.id, () => {
          if (migrating) throw new WorkerRefusal('wrong-state', 'a migration of this VM is under way');
          // The snapshot's disks are usually these very images: give them up first, take
          // them back if the file cannot be restored.
          for (const d of disks) d.detach();
          let r;
          try {
            r = restoreFromFile(m.file, m.force, consoleOut, o.jit, o.threads);
          } catch (e) {
            for (const d of disks) {
              try {
                d.reattach();
              } catch {
                // The image went elsewhere meanwhile (a migrated VM's disk): it stays detached.
              }
            }
            throw e;
          }
          for (const d of disks) d.close();
          disks = r.disks;
          board = r.board;
          vmThreads = r.threads;
          migratedTo = null;
          // As a reset does: the console says where the old VM's output ends.
          consoleOut.write(new TextEncoder().encode(`\r\n[hyperscope: VM restored from ${m.file}]\r\n`));
          post({ type: 'machine', vcpus: r.board.vcpus, memory: r.board.memory, clock: r.board.clock });
          if (loopRunning) {
            replacement = r.vm;
            unhold();
          } else {
            vm = r.vm;
            void runLoop();
          }
          setState('running', `restored from ${m.file}`);
          return { instructions: r.vm.instructions, exits: 0 };
        });
        return;
      case 'dirty-log': {
        const v = vm;
        if (!v) return noVm(m.id);
        answer(m.id, () => {
          if (migrating) throw new WorkerRefusal('wrong-state', 'a migration of this VM is under way (it uses the dirty log)');
          return dirtyLogAction(v, m.action);
        });
        return;
      }
      case 'migrate': {
        if (!vm) return noVm(m.id);
        const why = stateRefusal(vm, 'migrated') ?? (vm.dirtyLog ? 'the dirty log is on: stop it first (vm dirty-log NAME stop)' : null);
        if (why || migrating || (state !== 'running' && state !== 'paused')) {
          post({ type: 'refused', id: m.id, code: why ? 'bad-request' : 'wrong-state', message: why ?? (migrating ? 'a migration of this VM is under way' : `the VM is ${state}`) });
          return;
        }
        migrating = true;
        const wasPaused = paused;
        migrateOut(vm, currentBoard(), disks, m.to, {
          // On vCPU threads the stop-and-copy waits until every thread has parked.
          hold: holdParked,
          release: () => { if (!wasPaused) unhold(); },
          paused: () => state === 'paused',
        }).then((report) => {
          migratedTo = m.to;
          post({ type: 'reply', id: m.id, value: report });
          release?.(); // the run loop sees migratedTo and ends
        }, (e: Error) => {
          post({ type: 'refused', id: m.id, code: 'migration-failed', message: e instanceof MigrationError ? e.message : `the migration failed: ${e.message}` });
        }).finally(() => { migrating = false; });
        return;
      }
      case 'net-frame':
        nic?.deliver(m.frame); // a frame it has no room for is counted by the NIC
        acks.took();
        return;
      case 'net-ack':
        uplink?.sender.acked(m.count);
        return;
      case 'debug-open':
        openDebugger();
        return;
      case 'debug-in':
        debug?.conn.input(m.bytes);
        return;
      case 'debug-close':
        debug?.conn.close();
        return;
      case 'close':
        for (const d of disks) d.close();
        process.exit(0); // in a worker: ends this thread only
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  });

  /** A debugger connected: its session borrows the VM from the run loop and gives it back. */
  function openDebugger(): void {
    const host = debugHost();
    if (!host || debug) {
      post({ type: 'debug-end' });
      return;
    }
    const session: AttachedDebugger = { conn: undefined! };
    debug = session;
    session.conn = host({
      send: (bytes) => post({ type: 'debug-out', bytes }),
      close: () => {
        if (debug === session) debug = null;
        consoleOut.tee = undefined;
        post({ type: 'debug-end' });
      },
      borrow: () => new Promise((resolve, reject) => {
        if (!vm || !loopRunning || (state !== 'running' && state !== 'paused')) return reject(new Error(`the VM is ${vm ? state : 'not there yet'}`));
        if (migrating) return reject(new Error('a migration of this VM is under way'));
        if (session.back || session.lend) return reject(new Error('the debugger holds the VM already'));
        session.back = new Promise<VmReturn>((r) => { session.giveBack = r; });
        session.lend = () => resolve({ vm: vm!, elf: board ? undefined : elf, options: o, sched: start.sched });
        // A VM paused by the user is let go of too: the debugger shows it stopped.
        if (paused) unhold();
      }),
      giveBack: (r) => {
        consoleOut.tee = undefined;
        session.giveBack?.(r);
      },
      setState: (s, reason) => { if (s !== state) setState(s, reason); },
      onConsole: (listener) => { consoleOut.tee = listener; },
    });
  }

  /** Lends the VM to the debugger that asked and waits until it is given back; the stop that ends the run, if any. */
  async function lendToDebugger(session: AttachedDebugger): Promise<FinalStop | 'terminate' | undefined> {
    const lend = session.lend!;
    session.lend = undefined;
    lend();
    const back = await session.back!;
    session.back = undefined;
    if (back.end === 'terminate') return 'terminate';
    if (back.end === 'reboot') return { kind: 'reboot' };
    if (back.end) return { kind: 'shutdown', failure: back.end === 'failure' };
    if (state !== 'running') setState('running', 'the debugger detached');
    return undefined;
  }

  /**
   * Host threads the VM's vCPUs run on: as asked for a VM booted from the options (its RAM is
   * shared then), or restored or migrated in when its board allows it (checked with
   * threadsFit), else 1.
   */
  function threadsOf(): number {
    return vmThreads;
  }

  /** The board of the VM now, its disks as they are now (a snapshot or migration records them). */
  function currentBoard(): BoardRecord {
    if (!board) return boardOfRun(o);
    return { ...board, disks: board.disks.map((d) => diskRecord(d.path, d.readOnly)) };
  }

  /** Runs the VM until it stops for good, is migrated away, or (between turns) is replaced by a restore. */
  async function runLoop(): Promise<void> {
    loopRunning = true;
    try {
      for (;;) {
        const end = await runUntilStop(vm!, {
          quit: () => migratedTo !== null || replacement !== null || debug?.lend !== undefined,
          hold: () => (paused && migratedTo === null && replacement === null ? held : null),
          threads: threadsOf(),
          sched: start.sched,
          onHold: () => {
            threadsParked = true;
            announcePause?.();
            announcePause = null;
            parkedNow();
          },
        });
        let stop = end.kind === 'stop' ? end.stop : undefined;
        if (end.kind === 'quit' && debug?.lend && migratedTo === null && replacement === null) {
          const back = await lendToDebugger(debug);
          if (back === 'terminate') {
            setState('shut off', 'ended by the debugger');
            return;
          }
          stop = back;
        }
        if (migratedTo !== null) {
          setState('shut off', `migrated to ${migratedTo}`);
          return;
        }
        if (replacement) {
          vm = replacement;
          replacement = null;
          continue;
        }
        if (!stop) continue; // no deadline is set; a debugger gave the VM back
        if (stop.kind === 'reboot' && board) {
          // As after --restore: the VM came from a snapshot or a migration, not a kernel file.
          setState('shut off', 'the guest rebooted; a restored or migrated VM has no kernel file to boot again');
          return;
        }
        if (stop.kind === 'reboot') {
          vm = boot(); // as QEMU: a guest reboot starts the board afresh, the console goes on
          if (state !== 'running') setState('running', 'the guest rebooted');
          continue;
        }
        const { state: s, reason } = endState(stop);
        setState(s, reason);
        return; // the thread stays to answer counters and stats until the daemon ends it
      }
    } finally {
      loopRunning = false;
      parkedNow(); // the VM is not running: nothing is left to park
    }
  }

  if (!vm) {
    const arrived = await arrive();
    if (!arrived) return;
    vm = arrived;
  } else {
    post({ type: 'booted' });
  }
  await runLoop();

  /** Waits for the incoming VM (`--incoming`); undefined when it could not arrive (the state says why). */
  async function arrive(): Promise<Vm | undefined> {
    let listener;
    try {
      listener = await listenForMigration(o.incoming!);
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      post({ type: 'boot-error', code: 'bad-request', message: e.message });
      return undefined;
    }
    const address = `127.0.0.1:${listener.port}`;
    post({ type: 'waiting', address });
    let socket;
    try {
      socket = await listener.accept();
    } finally {
      listener.close();
    }
    try {
      const options: IncomingOptions = {
        console: (b) => consoleOut.write(b), consoleSink: consoleOut, idleSleep: true, jit: o.jit, openDisks: openMigratedDisks,
        // --threads N: the migrated vCPUs run on N threads when its board allows it (RAM shared with them).
        checkBoard: (b) => {
          vmThreads = threadsFit(o.threads, b);
          options.sharedMemory = vmThreads > 1;
        },
      };
      const inc = await receiveVm(socket, options);
      disks = inc.disks as FileBackend[];
      board = inc.board;
      post({ type: 'machine', vcpus: inc.board.vcpus, memory: inc.board.memory, clock: inc.board.clock });
      if (inc.paused) {
        // As libvirt keeps a paused domain paused on the destination: it runs once resumed.
        hold();
        setState('paused', 'migrated (paused at the source)');
      } else setState('running', 'migrated');
      return inc.vm;
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      setState('shut off', `the incoming migration failed: ${e.message}`);
      return undefined;
    }
  }
}

/** What a reply carries. */
type FromWorkerValue = Extract<FromWorker, { type: 'reply' }>['value'];

if (parentPort) void main(parentPort, workerData as WorkerStart);
