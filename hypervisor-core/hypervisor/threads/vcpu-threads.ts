/**
 * A VM's vCPUs on host threads (`--threads N`): N worker threads share the VM's RAM and run
 * its vCPUs in parallel (vCPU i on thread i mod N); this thread, the VM's, keeps the devices,
 * SBI, the G-stage and the statistics, and handles every exit a vCPU thread hands it (with
 * the vCPU's state copied into the Vcpu here, then back), as QEMU's MTTCG vCPU threads take
 * the big lock for device emulation. Effects on other vCPUs go through shared words
 * (interrupt lines, fences) and messages (hart_start): see remote-vcpus.ts.
 *
 * Threads are not deterministic: reproducible runs use one thread (`--threads 1`, the VM's
 * own round robin) with the icount clock.
 *
 * Under a debugger (`debug`), all-stop: the threads start parked; `resumeDebug` hands them
 * every vCPU's state and the breakpoints, `parkDebug` stops them all at instruction
 * boundaries and brings every vCPU's state back here, where the debugger reads, writes and
 * single-steps them with the vCPUs on this thread (`Vm.remote` unset) while the VM is stopped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { DRAM_BASE, PLIC_BASE, PLIC_SIZE, UART0_BASE, UART0_IRQ } from '../../machine/memory-map';
import { UartFastPath } from '../../devices/uart-fast-path';
import { ExitRecorder, type ThreadMmioAccess } from '../exit-recording';
import { PLIC_NOTE_WIDTH, readPlicNote } from './plic-on-thread';
import { PAGE_SIZE } from '../../memory/address';
import { CodeSharing, CodeSharingBuffers, newCodeSharingBuffers } from '../../memory/code-sharing';
import type { Vcpu } from '../vcpu';
import type { Vm, VmStop } from '../vm';
import { restoreHart, saveHart } from './hart-transfer';
import { newThreadStats, ownTid, readThreadsReport, ThreadsReport } from './thread-stats';
import { CreditScheduler } from './credit-scheduler';
import { chooseVcpuThreadCompiler } from './compile-policy';
import { readWorkerCode, WORKER_BOOTSTRAP, workerCodeWritten } from '../../host/code-cache';
import type { RemoteVcpus } from './remote-vcpus';
import type { RunControl, RunEnd } from '../runner';
import { driveLine, FenceKind, fencesDone, MAX_THREADS, requestFence, RunState, ThreadDebugConfig, ToThread, ToVm, W, WorkerInit, newControlWords, ring, threadOf } from './shared-words';

/** Instructions a vCPU thread runs between looks at its mail, interrupts and fences when nothing rings it (a ring ends a slice early). */
export const THREAD_SLICE = 20_000;

/** Longest a synchronous flush of every vCPU thread's TLBs may take before the VM fails (a thread that hangs). */
const FENCE_WAIT_MS = 10_000;

/** The vCPU thread's script, next to this module (tsc's out/) or in the bundle's dist/. */
function workerScript(): string {
  for (const p of [join(__dirname, 'vcpu-worker.js'), join(__dirname, 'hypervisor', 'threads', 'vcpu-worker.js')]) {
    if (existsSync(p)) return p;
  }
  throw new Error(`the vCPU thread script vcpu-worker.js is missing next to ${__dirname}`);
}

/**
 * Starts a vCPU thread on `script` through a V8 code cache (host/code-cache.ts WORKER_BOOTSTRAP)
 * when there is a cache directory: each thread is an isolate of its own that compiled
 * vcpu-worker.js from source at every start (measured at load 1: 75 ms from the thread's start
 * to the end of its warm-up, 61 ms CPU, against 32-45 ms and 47 ms with the cache). Call
 * it after chooseVcpuThreadCompiler: the cache fits the flags the thread starts under.
 */
function newThread(script: string): Worker {
  const code = readWorkerCode(script);
  return code ? new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { code } }) : new Worker(script);
}

/** Longest the VM's thread waits for thread 0 to write the code cache of its script before it ends it. */
const CACHE_WRITE_WAIT_MS = 2000;

/** The VM thread's kernel thread id (for its CPU seconds). */
const vmTid = ownTid();
/** Each VM's threads report of its last run on threads, kept when the threads end. */
const lastReports = new WeakMap<Vm, ThreadsReport>();

/** The vCPU threads each VM runs on now (not a debugger's). */
const running = new WeakMap<Vm, VcpuThreads>();

/** What the vCPU threads of `vm` did so far in its run on threads, or in its last one (null: it never ran on threads). */
export function threadsReportOf(vm: Vm): ThreadsReport | null {
  return running.get(vm)?.report() ?? lastReports.get(vm) ?? null;
}

/** Threads started ahead of their VM (`prestartVcpuThreads`), still waiting for one. */
const spare: Worker[] = [];

/**
 * Starts `count` vCPU threads before their VM exists, so that their start (a Node.js
 * environment and the thread's script, a tenth of a second and more) overlaps reading the
 * kernel and building the VM instead of delaying the guest: the next `VcpuThreads.start`
 * takes them. Until then they do not keep the process alive.
 */
export function prestartVcpuThreads(count: number): void {
  const script = workerScript();
  chooseVcpuThreadCompiler(count);
  while (spare.length < Math.min(count, MAX_THREADS)) {
    const w = newThread(script);
    w.unref();
    // A thread that fails before it is used is dropped; its replacement starts on demand.
    const drop = (): void => {
      const i = spare.indexOf(w);
      if (i >= 0) spare.splice(i, 1);
    };
    w.once('error', drop);
    w.once('exit', drop);
    spare.push(w);
  }
}

/** How many prestarted threads wait for a VM. */
export function spareVcpuThreads(): number {
  return spare.length;
}

/** A started thread for a VM: a spare one, else a new one. */
function takeThread(script: string): Worker {
  const w = spare.shift();
  if (!w) return newThread(script);
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  w.ref();
  return w;
}

/**
 * The runner's loop (runner.ts) with the vCPUs on `threads` host threads: until the VM stops
 * for good, `quit`, or the deadline; a hold pauses every vCPU at an instruction boundary.
 */
export async function runOnThreads(vm: Vm, threads: number, control: RunControl): Promise<RunEnd> {
  const deadline = control.deadline ?? Infinity;
  const t = new VcpuThreads(vm, threads, false, control.sched);
  t.start();
  try {
    for (;;) {
      if (control.quit()) return { kind: 'quit' };
      const hold = control.hold?.();
      if (hold) {
        // Every vCPU's state comes back here: a snapshot, restore or migration sees it.
        await t.pause();
        control.onHold?.();
        await hold;
        if (control.quit()) return { kind: 'quit' };
        t.resume();
        continue;
      }
      const stop = await t.run(deadline, () => control.quit() || !!control.hold?.());
      if (stop === null) {
        if (control.quit() || control.hold?.()) continue;
        return { kind: 'timeout' };
      }
      if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') return { kind: 'stop', stop };
    }
  } finally {
    await t.terminate();
  }
}

/** How a threaded run ended early: the caller's quit or deadline (null), or the VM's stop. */
export type ThreadedRunEnd = VmStop | null;

/** The vCPU threads of one VM. */
export class VcpuThreads implements RemoteVcpus {
  readonly control: Int32Array;
  private readonly reservations: Int32Array;
  private readonly retired: Float64Array;
  /** ns each vCPU's thread waited for a scheduler slot while the vCPU was runnable, and how much of it the VM's statistics have. */
  private readonly steal: Float64Array;
  private readonly stealSeen: Float64Array;
  /**
   * SBI STA per vCPU, two doubles: where its structure is in host memory (-1: none) and how
   * much of `steal` its structure has; its thread adds the rest at each schedule-in.
   */
  private readonly sta: Float64Array;
  /** The STA registrations' version each vCPU's entry was published at (-1: never). */
  private readonly staVersion: Int32Array;
  private readonly stats: Float64Array;
  /** Each vCPU's instructions when the threads started (the run's share goes to the VM's statistics). */
  private readonly startRetired: Float64Array;
  /** Exits handled here for the threads. */
  private handled = 0;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** The vCPU whose exit is being handled here (-1: none). */
  private current = -1;
  private fences: [number, number][] = [];
  private readonly push = new Set<number>();
  /** Wakes the run loop early (a stop request, a thread's failure). */
  private wake: (() => void) | null = null;
  private failure: VmStop | null = null;
  private terminated = false;
  /**
   * Debug mode: decides on a stop in a vCPU thread's hart (a 'breakpoint' VmStop) or after an
   * exit handled here (exit filter, fault loop, shutdown); true stops every vCPU. The vCPU's
   * state is here meanwhile (its hart may be stepped or changed: the reply carries it back).
   */
  onDebugStop: ((stop: VmStop) => boolean) | null = null;
  /** Debug mode: a stop was decided since the last resume (the run loop parks the threads). */
  stopDecided = false;
  /** vCPUs whose hart stopped for the debugger after the stop was decided: not reported, hit again on resume. */
  readonly unreported = new Set<number>();
  /** The EPOCH of the last resume (or of the start; -1: a debugged VM not resumed yet): reports of other epochs are stale. */
  private epoch = -1;
  private parkedThreads = 0;
  private parkWaiter: (() => void) | null = null;
  /** The UART's THR writes and LSR reads the threads answer themselves (not under a debugger, which sees every exit). */
  private readonly uartFast: UartFastPath | null;
  /** Counts what the threads answered themselves (UART accesses, SBI calls) as the exits they are. */
  private readonly recorder: ExitRecorder;
  /** Reused for each PLIC access a thread noted. */
  private readonly plicNote: ThreadMmioAccess = { vcpu: 0, gpa: 0, size: 4, write: false, value: 0, pcLo: 0, pcHi: 0, stvalLo: 0, stvalHi: 0, htinst: 0, instret: 0, ns: 0 };
  /** The threads' shared code-page marks (memory/code-sharing.ts), fresh for each run on threads. */
  private readonly code: CodeSharingBuffers;

  /**
   * @param vm a VM created with `sharedMemory`, booted (vCPU 0 started), not yet run
   * @param threads host threads, 1..min(vCPUs, MAX_THREADS)
   * @param slice instructions a vCPU runs between looks at its thread's mail when nothing rings it
   */
  constructor(private readonly vm: Vm, readonly threads: number, private readonly debug = false,
    private readonly sched?: WorkerInit['sched'], private readonly slice = THREAD_SLICE) {
    const n = vm.vcpus.length;
    if (!vm.host.sharedBuffer) throw new Error('vCPU threads need a VM created with sharedMemory');
    if (vm.clock.kind !== 'realtime') throw new Error('vCPU threads need the realtime clock (icount runs on one thread)');
    if (vm.opts.bios === 'none') throw new Error('vCPU threads need the SBI firmware (bios none runs on one thread)');
    if ((vm.opts.mmu ?? 'two-stage') !== 'two-stage') throw new Error('vCPU threads translate through the G-stage (--mmu shadow runs on one thread)');
    if (vm.opts.aia) throw new Error('vCPU threads deliver interrupts through hvip words, not IMSIC files (--aia runs on one thread)');
    if (!(threads >= 1 && threads <= Math.min(n, MAX_THREADS))) throw new RangeError(`threads must be 1..${Math.min(n, MAX_THREADS)}`);
    this.control = newControlWords(n);
    this.reservations = new Int32Array(new SharedArrayBuffer(n * 4)).fill(-1);
    this.retired = new Float64Array(new SharedArrayBuffer(n * 8));
    this.steal = new Float64Array(new SharedArrayBuffer(n * 8));
    this.stealSeen = new Float64Array(n);
    this.sta = new Float64Array(new SharedArrayBuffer(n * 16));
    for (let i = 0; i < n; i++) this.sta[2 * i] = -1;
    this.staVersion = new Int32Array(n).fill(-1);
    this.stats = newThreadStats(threads);
    this.startRetired = new Float64Array(n);
    this.uartFast = debug ? null : new UartFastPath();
    this.recorder = new ExitRecorder(vm);
    this.code = newCodeSharingBuffers(vm.host.size / PAGE_SIZE, threads);
  }

  /** Starts the threads with every vCPU's current state; the VM's effects on vCPUs go through them from now on. */
  start(): void {
    const vm = this.vm;
    const n = vm.vcpus.length;
    for (let i = 0; i < n; i++) this.retired[i] = this.startRetired[i] = vm.vcpus[i].hart.instret;
    const script = workerScript();
    // Parked reports count from now on (a debugged VM's from its first resume on).
    if (!this.debug) this.epoch = Atomics.load(this.control, W.EPOCH);
    chooseVcpuThreadCompiler(this.threads);
    for (let t = 0; t < this.threads; t++) {
      const w = takeThread(script);
      w.on('message', (m: ToVm) => this.onMessage(t, m));
      w.on('error', (e) => this.fail(`vCPU thread ${t} failed: ${e.message}`));
      w.on('exit', (code) => {
        if (!this.terminated) this.fail(`vCPU thread ${t} ended (status ${code})`);
      });
      this.workers.push(w);
    }
    // The threads bootstrap meanwhile; they run nothing before their init message.
    this.mapAllRam();
    // This thread's writes to guest RAM (DMA, host writes, page-table A/D bits) reach the threads' code marks.
    vm.host.codeSharing = new CodeSharing(this.code, -1);
    if (this.uartFast) vm.uart.attachFastPath(this.uartFast, (a) => this.recorder.recordThreadUart(a, UART0_BASE, vm.uart.name));
    for (const v of vm.vcpus) this.publishSta(v.id);
    // The threads answer PLIC accesses over its shared state (not under a debugger, which sees every exit).
    const plic = !this.debug && vm.plic ? { state: vm.plic.share(), base: PLIC_BASE, size: PLIC_SIZE, sources: vm.plic.numSources } : undefined;
    // A debugged VM starts stopped: the threads park until the first resume.
    if (this.debug) Atomics.store(this.control, W.RUN, RunState.PAUSE);
    for (let t = 0; t < this.threads; t++) {
      const { port1, port2 } = new MessageChannel();
      const ids = vm.vcpus.map((v) => v.id).filter((id) => threadOf(id, this.threads) === t);
      const init: WorkerInit & { port: MessagePort } = {
        ram: vm.host.sharedBuffer!, hostBase: vm.host.base, hostSize: vm.host.size, wasm: vm.host.wasm, hartAreaBase: n,
        interpreterAreas: vm.host.interpreterAreas,
        ramBase: DRAM_BASE, ramSize: vm.opts.memory,
        control: this.control.buffer as SharedArrayBuffer, code: this.code, stats: this.stats.buffer as SharedArrayBuffer, reservations: this.reservations.buffer as SharedArrayBuffer,
        instret: this.retired.buffer as SharedArrayBuffer, clock: vm.clock.state.buffer as SharedArrayBuffer,
        timeOrigin: performance.timeOrigin, thread: t, vcpus: ids, harts: n, threads: this.threads, svadu: vm.opts.svadu ?? true,
        jit: vm.opts.jit ?? true, yieldOnSpin: n > 1, slice: this.slice, port: port2, debug: this.debug,
        sched: this.sched, steal: this.steal.buffer as SharedArrayBuffer, sta: this.sta.buffer as SharedArrayBuffer,
        uart: this.uartFast ? { fast: this.uartFast.buffer, base: UART0_BASE, irq: UART0_IRQ } : undefined, plic,
      };
      this.workers[t].postMessage(init, [port2]);
      this.ports.push(port1);
      for (const id of ids) this.send(id, 'state', -1);
    }
    if (!this.debug) {
      vm.remote = this;
      running.set(vm, this);
    }
  }

  /**
   * Maps all of guest RAM in the G-stage before the threads start: a guest page fault would
   * cost a round trip to this thread, and Linux boots with thousands (KVM's pre-faulted memory).
   */
  private mapAllRam(): void {
    const vm = this.vm;
    const pages = vm.opts.memory / PAGE_SIZE;
    // Under dirty logging each page is logged as it is mapped; otherwise one pass per leaf table.
    if (vm.dirtyLog) for (let i = 0; i < pages; i++) vm.mapGuestPage(DRAM_BASE + i * PAGE_SIZE);
    else vm.gstage.mapRange(DRAM_BASE, pages, (i) => vm.ram.backingPage(DRAM_BASE + i * PAGE_SIZE));
  }


  /**
   * Runs until the VM stops (its VmStop), or `quit` says so or the deadline passes (null).
   * Device work left over by a notify is serviced here between the vCPUs' exits.
   */
  async run(deadline: number, quit: () => boolean): Promise<ThreadedRunEnd> {
    const vm = this.vm;
    vm.clock.start();
    try {
      for (;;) {
        if (this.failure) return this.failure;
        if (vm.stopRequest) {
          const s = vm.stopRequest;
          vm.stopRequest = null;
          return s;
        }
        if (quit() || performance.now() >= deadline) return null;
        for (let i = 0; i < vm.vcpus.length; i++) this.syncSteal(i);
        // What the threads wrote to the UART reaches the console at least every 10 ms.
        vm.uart.flushFastPath();
        const busy = vm.serviceDevices() > 0;
        await new Promise<void>((r) => {
          this.wake = r;
          if (busy) setImmediate(r);
          else setTimeout(r, Math.max(0, Math.min(10, deadline - performance.now())));
        });
        this.wake = null;
      }
    } finally {
      vm.clock.stop();
    }
  }

  /**
   * Pauses every vCPU at an instruction boundary (between slices) and brings every vCPU's
   * state here, as KVM_GET_REGS of a paused VM: the Vcpus here are the VM's state until
   * `resume` (a snapshot, a restore, a migration's last copy read them); effects on vCPUs go
   * to them directly meanwhile (`Vm.remote` unset). Resolves once every thread has parked.
   */
  async pause(): Promise<void> {
    // A thread waiting for an exit's reply parks after it: this thread keeps answering meanwhile.
    await this.parkDebug();
    this.vm.uart.flushFastPath();
    for (let i = 0; i < this.vm.vcpus.length; i++) this.syncSteal(i);
    // The threads wrote the steal time into the STA structures: the VM's own reporting goes on from here.
    this.vm.staReportedByThreads();
  }

  /**
   * Resumes after pause(): every vCPU's state here goes back to its thread first, with the
   * thread's TLBs and cached code dropped (a restore or a migration may have rewritten RAM
   * in ways no code-page mark saw).
   */
  resume(): void {
    const vm = this.vm;
    for (const v of vm.vcpus) {
      this.retired[v.id] = v.hart.instret;
      this.send(v.id, 'state', -1, true);
      this.staVersion[v.id] = -1;
      this.publishSta(v.id);
    }
    this.parkedThreads = 0;
    this.epoch = Atomics.add(this.control, W.EPOCH, 1) + 1;
    vm.remote = this;
    vm.clock.start();
    Atomics.store(this.control, W.RUN, RunState.RUN);
    for (let t = 0; t < this.threads; t++) ring(this.control, t);
  }

  /** Whether `w` wrote its code cache (its 'cached' message) within CACHE_WRITE_WAIT_MS. */
  private cacheWritten(w: Worker): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), CACHE_WRITE_WAIT_MS);
      const onMessage = (m: { op?: string; written?: boolean }): void => {
        if (m.op === 'cached') done(m.written === true);
      };
      const onExit = (): void => done(false);
      const done = (written: boolean): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('exit', onExit);
        resolve(written);
      };
      w.on('message', onMessage);
      w.once('exit', onExit);
    });
  }

  /**
   * Ends the threads (the VM stopped, or its run loop let go of it); the Vcpus here hold each
   * vCPU's state as the threads parked (a failed thread's vCPUs: as of their last exit).
   */
  async terminate(): Promise<void> {
    if (this.terminated) return;
    if (!this.debug && !this.failure && this.vm.remote === this) await this.pause();
    this.terminated = true;
    this.wake?.();
    this.parkWaiter?.();
    // Read while the threads still exist (their /proc entries go with them).
    lastReports.set(this.vm, this.report());
    if (running.get(this.vm) === this) running.delete(this.vm);
    // Thread 0 writes its script's code cache as it quits when there was no good one: terminate() runs no exit handler.
    const cached = readWorkerCode(workerScript())?.cacheFile !== undefined && !this.failure ? this.cacheWritten(this.workers[0]) : null;
    Atomics.store(this.control, W.RUN, RunState.QUIT);
    for (let t = 0; t < this.threads; t++) ring(this.control, t);
    if (cached && await cached) workerCodeWritten(workerScript());
    await Promise.all(this.workers.map((w) => w.terminate()));
    if (this.uartFast) this.vm.uart.detachFastPath();
    // A thread ended while it held or waited for a slot of the daemon's scheduler: both go.
    if (this.sched) new CreditScheduler(this.sched.buffers).evictVm(this.sched.vm);
    for (const p of this.ports) p.close();
    for (let i = 0; i < this.vm.vcpus.length; i++) {
      this.vm.vcpus[i].hart.instret = this.retired[i];
      // The threads' instructions, counted where the VM's own round robin counts its slices.
      if (!this.debug) this.vm.stats.addGuestTime(i, 0, this.retired[i] - this.startRetired[i]);
    }
    this.vm.remote = null;
    this.vm.host.codeSharing = null;
  }

  /** What each thread did so far (CPU seconds, slices, exits, waits). */
  report(): ThreadsReport {
    const vcpusOf = Array.from({ length: this.threads }, (_, t) => this.vm.vcpus.map((v) => v.id).filter((id) => threadOf(id, this.threads) === t));
    return readThreadsReport(this.stats, vcpusOf, (id) => this.retired[id], vmTid, this.handled);
  }

  // ---- debug mode ----

  /**
   * Runs every vCPU (but `config.held`) from its state here, with the debugger's breakpoints
   * armed: their translated code and TLBs are flushed (the debugger may have written memory
   * or stepped them here).
   */
  resumeDebug(config: ThreadDebugConfig): void {
    const vm = this.vm;
    this.stopDecided = false;
    this.unreported.clear();
    for (const p of this.ports) p.postMessage({ op: 'debug', seq: -1, vcpu: -1, hart: {}, state: 'stopped', resume: false, fences: [], config } satisfies ToThread);
    for (const v of vm.vcpus) {
      this.retired[v.id] = v.hart.instret;
      this.send(v.id, 'state', -1, true);
    }
    this.parkedThreads = 0;
    this.epoch = Atomics.add(this.control, W.EPOCH, 1) + 1;
    vm.remote = this;
    vm.clock.start();
    Atomics.store(this.control, W.RUN, RunState.RUN);
    for (let t = 0; t < this.threads; t++) ring(this.control, t);
  }

  /**
   * Stops every vCPU at an instruction boundary (a thread finishes its slice; a vCPU whose
   * exit is being answered stops after it) and brings their states here; resolves once every
   * thread has reported (or failed).
   */
  async parkDebug(): Promise<void> {
    this.stopAll();
    if (this.parkedThreads < this.threads && !this.failure && !this.terminated) await new Promise<void>((r) => { this.parkWaiter = r; });
    this.parkWaiter = null;
    this.vm.remote = null;
    this.vm.clock.stop();
  }

  /** Wakes `run` to look at its `quit` at once (a debugger's pause), not at its next poll. */
  interrupt(): void {
    this.wake?.();
  }

  /** The failure that stopped the threads, if any (a thread that died). */
  get failed(): VmStop | null {
    return this.failure;
  }

  /** Turns RUN to PAUSE: no thread starts another slice. */
  private stopAll(): void {
    Atomics.store(this.control, W.RUN, RunState.PAUSE);
    for (let t = 0; t < this.threads; t++) ring(this.control, t);
  }

  /** A thread's parked report: its vCPUs' states, loaded here (this thread's TLBs and translated code dropped: they may be stale). */
  private onParked(m: ToVm): void {
    if (m.epoch !== this.epoch) return; // a report from before the last resume
    for (const p of m.parked ?? []) {
      const v = this.vm.vcpus[p.vcpu];
      if (!v) continue;
      restoreHart(v.hart, p.hart);
      v.state = p.state;
      v.hart.flushAllTlbs();
      v.hart.flushCode();
    }
    if (++this.parkedThreads >= this.threads) this.parkWaiter?.();
  }

  /**
   * Tells vCPU `id`'s thread where its STA structure is now, when a registration changed (an
   * exit of it set or cleared its shared memory, HSM restarted it): its steal time so far
   * counts as reported, as set_shmem counts it.
   */
  private publishSta(id: number): void {
    const r = this.vm.staRecord(id);
    if (r.version === this.staVersion[id]) return;
    this.staVersion[id] = r.version;
    this.sta[2 * id + 1] = this.steal[id];
    this.sta[2 * id] = r.hostOffset;
  }

  /** Moves the slot waits vCPU `id`'s thread counted into the VM's wait (steal) time. */
  private syncSteal(id: number): void {
    const now = this.steal[id];
    if (now === this.stealSeen[id]) return;
    this.vm.stats.times.addWait(id, now - this.stealSeen[id]);
    this.stealSeen[id] = now;
  }

  /** Offers a debugger stop to the hook; stops every thread when it says so. */
  private decide(stop: VmStop | null): void {
    if (!stop || !this.onDebugStop) return;
    if (this.stopDecided) {
      // Reported at the next resume: a hart's stop by hitting it again, the VM's own stop as its stop request.
      if (stop.kind === 'breakpoint') this.unreported.add(stop.vcpu);
      else if (stop.kind === 'shutdown' || stop.kind === 'reboot' || stop.kind === 'fatal') this.vm.requestStop(stop);
      return;
    }
    if (!this.onDebugStop(stop)) return;
    this.stopDecided = true;
    this.stopAll();
    this.wake?.();
  }

  // ---- RemoteVcpus ----

  isCurrent(vcpu: number): boolean {
    return vcpu === this.current;
  }

  setIrq(vcpu: number, irq: number, level: boolean): void {
    driveLine(this.control, vcpu, irq, level, this.threads);
  }

  fence(vcpu: number, icache: boolean): void {
    this.fences.push([vcpu, this.requestFence(vcpu, icache ? FenceKind.CODE : FenceKind.TLB)]);
  }

  /** Asks vCPU `vcpu`'s thread for a fence of `kind`; the generation its fenceDone word reaches once done. */
  private requestFence(vcpu: number, kind: FenceKind): number {
    return requestFence(this.control, vcpu, kind, this.threads);
  }

  started(vcpu: number): void {
    if (vcpu !== this.current) this.push.add(vcpu);
  }

  flushTlbsNow(): void {
    const gens = this.vm.vcpus.map((v): [number, number] => [v.id, this.requestFence(v.id, FenceKind.TLB)]);
    // Every thread answers fences between slices, while it waits for a reply, a slot or a
    // wake-up, and while parked: the wait ends within a slice unless a thread died.
    const started = performance.now();
    for (;;) {
      const bell = Atomics.load(this.control, W.FENCE_BELL);
      if (fencesDone(this.control, gens)) return;
      if (this.failure || this.terminated || performance.now() - started > FENCE_WAIT_MS) {
        this.fail(`the vCPU threads did not flush their TLBs within ${FENCE_WAIT_MS} ms`);
        return;
      }
      Atomics.wait(this.control, W.FENCE_BELL, bell, 1);
    }
  }

  instructions(): number {
    let n = 0;
    for (let i = 0; i < this.retired.length; i++) n += this.retired[i];
    return n;
  }

  // ---- exits ----

  /** A vCPU thread's request: handle the exit (or wake-up) on the Vcpu here, reply with its new state. */
  private onMessage(thread: number, m: ToVm): void {
    if (this.terminated) return;
    if (m.op === 'parked') {
      this.onParked(m);
      return;
    }
    if (m.op === 'notes') {
      const w = m.wfis ?? [];
      for (let i = 0; i + 2 < w.length; i += 3) {
        const v = this.vm.vcpus[w[i]];
        if (v) this.vm.countThreadWfi(v, w[i + 1], w[i + 2]);
      }
      const p = m.plic ?? [];
      const device = this.vm.plic?.name ?? 'plic';
      for (let i = 0; i < p.length / PLIC_NOTE_WIDTH; i++) this.recorder.recordThreadMmio(readPlicNote(p, i, this.plicNote), device);
      return;
    }
    const v = this.vm.vcpus[m.vcpu];
    if (!v) return;
    if (m.op === 'sbi' && m.sbi) {
      this.recorder.recordThreadSbi(v.id, m.sbi);
      return;
    }
    restoreHart(v.hart, m.hart);
    v.state = m.state;
    this.current = v.id;
    if (m.op === 'exit') this.handled++;
    // The UART's bytes from the threads come out before anything this exit prints.
    this.vm.uart.flushFastPath();
    this.fences = [];
    try {
      if (m.op === 'exit') {
        this.syncSteal(v.id);
        this.vm.handleThreadExit(v);
        if (this.debug) this.decide(this.vm.takeExitBreak() ?? this.takeFinalStop());
      } else if (m.op === 'debug') {
        v.hart.watchHit = m.watchHit ?? null;
        this.decide({ kind: 'breakpoint', vcpu: v.id, cause: m.cause === 'breakpoint' ? undefined : m.cause });
      } else v.tryWake();
    } catch (e) {
      this.fail(`vCPU ${v.id}: ${(e as Error).message}`);
    } finally {
      this.current = -1;
    }
    this.publishSta(v.id);
    this.send(v.id, 'reply', m.seq);
    for (const id of this.push) {
      this.publishSta(id);
      this.send(id, 'state', -1);
    }
    this.push.clear();
    if (this.vm.stopRequest) this.wake?.();
  }

  /** Debug mode: the VM's own stop (shutdown, reboot, fatal) goes to the hook like the others. */
  private takeFinalStop(): VmStop | null {
    const s = this.vm.stopRequest;
    this.vm.stopRequest = null;
    return s;
  }

  /** Sends vCPU `id`'s state to its thread (a reply to `seq`, or a pushed state; `flush`: its TLBs and code). */
  private send(id: number, op: ToThread['op'], seq: number, flush = false): void {
    const v: Vcpu = this.vm.vcpus[id];
    const t = threadOf(id, this.threads);
    const msg: ToThread = {
      op, seq, vcpu: id, hart: saveHart(v.hart), state: v.state, resume: v.resumeAt !== null,
      fences: op === 'reply' ? this.fences : [], flush,
    };
    this.ports[t].postMessage(msg);
    ring(this.control, t);
  }

  private fail(message: string): void {
    if (this.terminated) return;
    this.failure ??= { kind: 'fatal', message, vcpu: Math.max(0, this.current), pc: 0n, scause: 0n, stval: 0n, htval: 0n, htinst: 0n };
    this.wake?.();
    this.parkWaiter?.();
  }
}
