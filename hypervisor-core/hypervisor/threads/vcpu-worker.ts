/**
 * A vCPU thread (worker_threads): started before its VM is ready (see prestartVcpuThreads), it
 * waits for its init message, then runs its vCPUs' harts over the VM's shared RAM, round robin
 * in slices, and hands every VM exit to the VM's thread, which owns the devices, SBI and the
 * G-stage (as QEMU's vCPU threads take the BQL for MMIO): it posts the hart's state, waits
 * for the reply with Atomics.wait and resumes from the state it gets back.
 *
 * WFI, the UART's registers (uart-on-thread.ts, all but what needs the host's side), the PLIC's registers (plic-on-thread.ts), SBI IPIs and remote fences
 * (sbi-on-thread.ts) it handles itself. Between slices it applies the interrupt lines the VM
 * drove (shared LINES/DIRTY words), flushes what remote fences asked for, and reads its mail
 * (HSM start of its vCPUs). Whoever changes any of these rings the thread's door word, which
 * the running hart polls (Hart.pollWord): the slice ends at the next branch target, so an
 * IPI or a fence waits for a few instructions, not for the rest of a slice. A vCPU in WFI waits on the thread's doorbell until an interrupt or
 * its timer deadline.
 *
 * Under a debugger (`debug`), a hart stopping at a breakpoint, watchpoint or guest trap asks
 * the VM's thread whether to stop (it evaluates conditions and filters there); when anything
 * stops the VM, RUN turns to PAUSE, no new slice starts, and every thread reports its
 * vCPUs' states as it parks, so the debugger reads and steps them on the VM's thread.
 */
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { writeWorkerCodeCache, type WorkerCode } from '../../host/code-cache';
import { Hart, StopReason } from '../../hart/hart';
import { warmUpInterpreter } from '../../hart/warm-up';
import { Slot } from '../../hart/hart-state';
import { SharedAtomics } from '../../hart/shared-atomics';
import { PhysMemory } from '../../memory/phys-memory';
import { CodeSharing } from '../../memory/code-sharing';
import { TIMEBASE_HZ } from '../../machine/memory-map';
import { realtimeTicks } from '../clock';
import { ownTid, TS } from './thread-stats';
import { guestInterruptPending, guestTimerDeadline } from '../vcpu';
import { isGuestWfi } from '../exits';
import { restoreHart, saveHart } from './hart-transfer';
import { CreditScheduler, SchedUnit, THREAD_EXIT_UNITS } from './credit-scheduler';
import { Uart16550 } from '../../devices/uart16550';
import { uartOnThread } from './uart-on-thread';
import { sbiOnThread } from './sbi-on-thread';
import { plicOnThread } from './plic-on-thread';
import { advanceSepc } from '../exit-completion';
import { Plic } from '../../devices/plic';
import { Irq } from '../../hart/csr-numbers';
import type { IrqLine } from '../../devices/irq-line';
import { completeFence, driveLine, FenceKind, fencesDone, HartDebugCause, RunState, ThreadDebugConfig, ThreadVcpuState, ToThread, ToVm, W, WorkerInit } from './shared-words';

/** Longest wait on the doorbell before the control word is looked at again (ms). */
const MAX_WAIT_MS = 100;
/**
 * How long a thread whose vCPUs all spun on a lock (Hart.yieldOnSpin) leaves its host CPU to
 * the others (ms): the lock's holder and the VM's thread answering its exits (a Linux console
 * write holds a spinlock across many UART exits). Its doorbell ends the pause early.
 */
const SPIN_WAIT_MS = 0.1;

interface Local {
  id: number;
  hart: Hart;
  state: ThreadVcpuState;
  resume: boolean;
}

let d: WorkerInit;
let port: MessagePort;
let ctl: Int32Array;
let instret: Float64Array;
let clock: Float64Array;
let originDelta = 0;
let door = 0;
let seq = 0;
let vcpus: Local[] = [];
/** This thread's view of the VM's RAM (its harts' code caches and code-page marks). */
let mem: PhysMemory;
let byId = new Map<number, Local>();
/** This thread's row of the threads' statistics (thread-stats.ts), and where it starts. */
let stats: Float64Array = new Float64Array(TS.WIDTH);
let row = 0;
const now = (): number => realtimeTicks(clock, performance.now() + originDelta);

/** Builds this thread's harts over the VM's shared RAM from its init message. */
function setup(init: WorkerInit & { port: MessagePort }): void {
  d = init;
  port = init.port;
  ctl = new Int32Array(d.control);
  instret = new Float64Array(d.instret);
  clock = new Float64Array(d.clock);
  const reservations = new Int32Array(d.reservations);
  originDelta = performance.timeOrigin - d.timeOrigin;
  door = W.door(d.thread);
  stats = new Float64Array(d.stats);
  row = d.thread * TS.WIDTH;
  stats[row + TS.TID] = ownTid();
  mem = new PhysMemory(d.hostBase, d.hostSize, d.wasm ?? d.ram, 0, d.wasm !== null ? d.interpreterAreas : 0);
  // Before the harts: their predecode and block caches keep their tables in it.
  mem.claimInterpreterArea(d.thread);
  mem.codeSharing = new CodeSharing(d.code, d.thread);
  vcpus = d.vcpus.map((id) => {
    // An area of its own: the VM's thread keeps a copy of this vCPU in area `id`.
    const hart = new Hart(id, mem, mem.claimHartArea(d.hartAreaBase + id));
    hart.svadu = d.svadu;
    hart.setJit(d.jit);
    hart.yieldOnSpin = d.yieldOnSpin;
    hart.hostTraps = true;
    // Anything rung for this thread (a line, a fence, a state) ends a running slice at once.
    hart.pollWord = ctl;
    hart.pollIndex = door;
    hart.timeSource = now;
    hart.setDeviceGpa((gpa) => !(gpa >= d.ramBase && gpa + 1 <= d.ramBase + d.ramSize));
    hart.setSharedAtomics(new SharedAtomics(d.ram, reservations, id));
    return { id, hart, state: 'stopped', resume: false };
  });
  byId = new Map(vcpus.map((v) => [v.id, v]));
  unit = d.sched ? new CreditScheduler(d.sched.buffers).unit(d.sched.vm, d.thread) : null;
  steal = d.steal ? new Float64Array(d.steal) : null;
  sta = d.sta ? new Float64Array(d.sta) : null;
  plic = d.plic ? { plic: threadPlic(d.plic.state, d.plic.sources), base: d.plic.base, size: d.plic.size } : null;
  // The UART drives its PLIC source from here too; without the PLIC it answers only what leaves its line low.
  uart = d.uart ? { uart: Uart16550.onThread(d.uart.fast, plic ? plic.plic.source(d.uart.irq) : null), base: d.uart.base } : null;
  ram32 = new Int32Array(d.ram, 0, d.hostSize >>> 2);
  ram64 = new BigInt64Array(d.ram, 0, d.hostSize >>> 3);
}
/**
 * This thread's view of the VM's PLIC (WorkerInit.plic): the VM's contexts, M then S of each
 * hart; the S context drives the vCPU's VSEIP through the shared line words, as the VM's
 * thread does (Vm.setGuestIrq), and the M context nothing (vCPU threads run with the SBI
 * firmware, whose M-mode takes no PLIC interrupt).
 */
function threadPlic(state: SharedArrayBuffer, sources: number): Plic {
  const contexts: IrqLine[] = [];
  for (let i = 0; i < d.harts; i++) {
    contexts.push({ set: () => undefined });
    contexts.push({ set: (level: boolean) => driveLine(ctl, i, Irq.VSEI, level, d.threads) });
  }
  return new Plic({ contexts, numSources: sources, shared: state });
}
/** The PLIC the thread answers accesses to (WorkerInit.plic), or null: they go to the VM's thread. */
let plic: { plic: Plic; base: number; size: number } | null = null;
/** This thread's view of the UART (WorkerInit.uart), or null: every UART access goes to the VM's thread. */
let uart: { uart: Uart16550; base: number } | null = null;
/** SBI STA entries (shared-words.ts WorkerInit.sta), and guest RAM as words to write the structures with. */
let sta: Float64Array | null = null;
let ram32: Int32Array<ArrayBufferLike> = new Int32Array(0);
let ram64: BigInt64Array<ArrayBufferLike> = new BigInt64Array(0);

/**
 * The vCPU is scheduled in: the steal time since its structure was last written goes into it
 * (SBI v2.0 STA; KVM's kvm_riscv_vcpu_record_steal_time), with `sequence` odd meanwhile so a
 * guest reading concurrently retries.
 */
function recordSteal(v: Local): void {
  if (!sta || !steal) return;
  const at = sta[2 * v.id];
  const delta = Math.round(steal[v.id] - sta[2 * v.id + 1]);
  if (at < 0 || delta <= 0) return;
  sta[2 * v.id + 1] += delta;
  const seq = at >>> 2;
  const s = Atomics.load(ram32, seq);
  Atomics.store(ram32, seq, (s + 1) | 0);
  Atomics.add(ram64, (at + 8) >>> 3, BigInt(delta));
  Atomics.store(ram32, seq, (s + 2) | 0);
}
/** ns each vCPU waited for a slot (the VM's thread reports it as wait time and to SBI STA). */
let steal: Float64Array | null = null;
/** Under a daemon's credit scheduler: this thread's unit, which holds a host-CPU slot for each slice. */
let unit: SchedUnit | null = null;
const notRunning = (): boolean => Atomics.load(ctl, W.RUN) !== RunState.RUN;
/** vCPUs a debugger keeps stopped while the others run. */
let held = new Set<number>();

/** Loads a state the VM's thread sent; flushes the TLBs when it flushed its copy. */
function install(v: Local, m: ToThread): void {
  const flushes = v.hart.tlbFlushes;
  restoreHart(v.hart, m.hart);
  if (v.hart.tlbFlushes !== flushes || m.flush) v.hart.flushAllTlbs();
  if (m.flush) v.hart.flushCode();
  v.state = m.state;
  v.resume = m.resume;
}

/** Arms the debugger's breakpoints, watchpoints and guest trap stops in every hart here. */
function armDebug(c: ThreadDebugConfig): void {
  held = new Set(c.held);
  const trapHook = c.guestExceptions || c.guestInterrupts
    ? (_cause: number, interrupt: boolean) => (interrupt ? c.guestInterrupts : c.guestExceptions) : undefined;
  for (const v of vcpus) {
    v.hart.clearBreakpoints();
    for (const [lo, hi] of c.breakpoints) v.hart.addBreakpoint(lo, hi);
    v.hart.setWatchpoints(c.watches);
    v.hart.onGuestTrap = trapHook;
  }
}

/** A state pushed by the VM's thread (hart_start of a stopped vCPU, a debugger's resume), or the debugger's breakpoints. */
function onMail(m: ToThread): void {
  if (m.op === 'debug' && m.config) {
    armDebug(m.config);
    return;
  }
  const v = byId.get(m.vcpu);
  if (v && m.op === 'state') install(v, m);
}

/** Reads every queued message. */
function drainMail(): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) onMail(m.message as ToThread);
}

/**
 * Does the flushes remote fences asked of this thread's vCPUs, and the write-TLB drops other
 * threads' code claims asked of its harts (memory/code-sharing.ts).
 */
function ackFences(): void {
  mem.processCodeDrops();
  for (const v of vcpus) {
    const req = Atomics.load(ctl, W.fenceReq(v.id));
    if (req === Atomics.load(ctl, W.fenceDone(v.id))) continue;
    const kind = Atomics.exchange(ctl, W.fenceKind(v.id), 0);
    if (kind & FenceKind.TLB) v.hart.flushAllTlbs();
    // Only the pages other threads wrote since the last fence.
    if (kind & FenceKind.CODE) v.hart.syncCode();
    completeFence(ctl, v.id, req);
  }
}

/** Applies the interrupt lines the VM changed since the last look to the hart's hvip. */
function takeIrqs(v: Local): void {
  const dirty = Atomics.exchange(ctl, W.dirty(v.id), 0);
  if (dirty === 0) return;
  const level = Atomics.load(ctl, W.lines(v.id));
  v.hart.hvip = (v.hart.hvip & ~dirty) | (level & dirty);
}

const quitting = (): boolean => Atomics.load(ctl, W.RUN) === RunState.QUIT;

/**
 * Waits until every listed fence is done, flushing this thread's own meanwhile: the fence bell
 * wakes it at each fence done and each fence asked of anyone (two threads may wait for each
 * other's); the 1 ms bound only lets it see a quit.
 */
function waitFences(fences: [number, number][]): void {
  const t0 = performance.now();
  for (;;) {
    const bell = Atomics.load(ctl, W.FENCE_BELL);
    ackFences();
    if (fencesDone(ctl, fences) || quitting()) break;
    Atomics.wait(ctl, W.FENCE_BELL, bell, 1);
  }
  stats[row + TS.FENCE_WAIT_MS] += performance.now() - t0;
}

/**
 * Hands vCPU `v` to the VM's thread (an exit to handle, or a wake-up that restarts it) and
 * waits for its new state. False when the VM quit meanwhile.
 */
function callVm(v: Local, op: ToVm['op'], cause?: HartDebugCause): boolean {
  const mine = ++seq;
  const msg: ToVm = { op, seq: mine, vcpu: v.id, hart: saveHart(v.hart), state: v.state };
  if (cause) {
    msg.cause = cause;
    msg.watchHit = v.hart.watchHit;
    v.hart.watchHit = null;
  }
  // Counted before it is posted: the VM thread may handle it (a shutdown) and read the
  // statistics before this thread runs again.
  if (op === 'exit') stats[row + TS.EXITS]++;
  post(msg);
  const posted = performance.now();
  try {
    return awaitReply(v, mine);
  } finally {
    stats[row + TS.REPLY_WAIT_MS] += performance.now() - posted;
  }
}

/** Waits for the VM thread's reply `mine` about vCPU `v` (other mail is read meanwhile); false when the VM quit. */
function awaitReply(v: Local, mine: number): boolean {
  for (;;) {
    const bell = Atomics.load(ctl, door);
    const r = receiveMessageOnPort(port);
    if (r) {
      const m = r.message as ToThread;
      if (m.op === 'reply' && m.seq === mine && m.vcpu === v.id) {
        install(v, m);
        if (m.fences.length > 0) waitFences(m.fences);
        return true;
      }
      onMail(m);
      continue;
    }
    if (quitting()) return false;
    ackFences(); // another thread may wait for this one's fences meanwhile
    Atomics.wait(ctl, door, bell, MAX_WAIT_MS);
  }
}

/**
 * An SBI IPI or remote fence answered here (sbi-on-thread.ts; not under a debugger, which sees
 * every exit); the VM's thread counts it from the note posted after it.
 */
function sbiHere(v: Local): boolean {
  if (d.debug) return false;
  const call = sbiOnThread(v.hart, v.id, ctl, d.harts, d.threads, waitFences);
  if (!call) return false;
  stats[row + TS.SBI_HERE]++;
  const note: ToVm = { op: 'sbi', seq: 0, vcpu: v.id, hart: {}, state: v.state, sbi: call };
  post(note);
  return true;
}

/** A PLIC access answered here (not under a debugger, which gets no `plic`), noted for the VM's thread. */
function plicHere(v: Local): boolean {
  const p = plic!;
  const first = !unnoted();
  if (!plicOnThread(v.hart, v.id, p.plic, p.base, p.size, plicNotes)) return false;
  if (first) notesSince = performance.now();
  return true;
}

/**
 * WFI handled here, as the VM's thread would (vcpu.ts): past the instruction, back into the
 * guest, blocked unless an interrupt is pending; the VM's thread only counts it.
 */
function wfi(v: Local): void {
  const h = v.hart;
  const pcLo = h.pcLo, pcHi = h.pcHi;
  advanceSepc(h, 4);
  h.hostSret();
  stats[row + TS.WFI]++;
  if (!guestInterruptPending(h)) v.state = 'blocked';
  if (!unnoted()) notesSince = performance.now();
  wfis.push(v.id, pcLo, pcHi);
}

/**
 * WFIs handled here that the VM's thread has not counted yet: vCPU, pcLo, pcHi each. They go
 * in one note before any other message (so the VM's thread sees this thread's exits in
 * order) or once the oldest note is NOTE_MS old: a Linux boot on 2 vCPUs makes some 5,700
 * WFIs, and a message each cost the thread and the VM's thread a wake-up each time.
 */
let wfis: number[] = [];
/** When the oldest WFI or PLIC access not counted yet was handled (performance.now()). */
let notesSince = 0;
/** The longest a WFI or PLIC access waits to be counted by the VM's thread while this thread runs (ms). */
const NOTE_MS = 50;

/**
 * PLIC accesses answered here that the VM's thread has not counted yet (plic-on-thread.ts);
 * they go with the WFIs, in the same note.
 */
let plicNotes: number[] = [];

/** Whether WFIs or PLIC accesses handled here wait to be counted by the VM's thread. */
function unnoted(): boolean {
  return wfis.length > 0 || plicNotes.length > 0;
}

/** Posts the WFIs and PLIC accesses not counted yet (when any). */
function postNotes(): void {
  if (!unnoted()) return;
  const note: ToVm = { op: 'notes', seq: 0, vcpu: -1, hart: {}, state: 'stopped', wfis, plic: plicNotes };
  wfis = [];
  plicNotes = [];
  parentPort!.postMessage(note);
}

/** Posts a message to the VM's thread, after the WFIs it has not counted. */
function post(msg: ToVm): void {
  postNotes();
  parentPort!.postMessage(msg);
}

/**
 * Parks while the VM is paused (fences still answered, so no thread waits forever), until it
 * runs again or a new epoch begins (a resume this thread slept through: it parks anew). It
 * first reports its vCPUs' states (with the states the VM's thread sent): the VM's thread
 * holds them while the VM is paused (a debugger, a snapshot, a migration read them there).
 */
function parkWhilePaused(): void {
  const epoch = Atomics.load(ctl, W.EPOCH);
  drainMail();
  for (const v of vcpus) takeIrqs(v);
  const parked = vcpus.map((v) => ({ vcpu: v.id, hart: saveHart(v.hart), state: v.state }));
  const report: ToVm = { op: 'parked', seq: 0, vcpu: -1, hart: {}, state: 'stopped', epoch, parked };
  post(report);
  unit?.block();
  Atomics.add(ctl, W.PARKED, 1);
  Atomics.notify(ctl, W.PARKED);
  for (;;) {
    ackFences();
    const bell = Atomics.load(ctl, door);
    if (Atomics.load(ctl, W.RUN) !== RunState.PAUSE || Atomics.load(ctl, W.EPOCH) !== epoch) break;
    Atomics.wait(ctl, door, bell, MAX_WAIT_MS);
  }
  Atomics.sub(ctl, W.PARKED, 1);
}

/** The debugger stop a hart's run ended with, if any. */
function debugCause(stop: StopReason): HartDebugCause | undefined {
  return stop === StopReason.BREAKPOINT ? 'breakpoint' : stop === StopReason.WATCHPOINT ? 'watchpoint'
    : stop === StopReason.GUEST_TRAP ? 'guest-trap' : undefined;
}

/** The thread's loop: until the VM quits. */
function main(): void {
  for (;;) {
    const run = Atomics.load(ctl, W.RUN);
    if (run === RunState.QUIT) return;
    if (run === RunState.PAUSE) {
      parkWhilePaused();
      continue;
    }
    const bell = Atomics.load(ctl, door);
    drainMail();
    ackFences();
    let ran = false;
    /** Every vCPU that ran this round ended its slice spinning on a lock. */
    let spun = true;
    let deadline = Infinity;
    for (const v of vcpus) {
      // All-stop: once the VM pauses (a debugger stop) no new slice starts.
      if (Atomics.load(ctl, W.RUN) !== RunState.RUN) break;
      takeIrqs(v);
      if (held.has(v.id)) continue;
      if (v.state === 'blocked' && guestInterruptPending(v.hart)) {
        if (v.resume) {
          if (!callVm(v, 'wake')) return;
        } else v.state = 'runnable';
      }
      if (v.state === 'blocked') deadline = Math.min(deadline, guestTimerDeadline(v.hart));
      if (v.state !== 'runnable') continue;
      ran = true;
      if (unit) {
        // Fences are answered while the slot is awaited (the VM's thread may wait for them).
        if (!unit.acquire(() => { ackFences(); return notRunning(); })) break;
        if (unit.waited && steal) {
          steal[v.id] += unit.waitedMs * 1e6;
          recordSteal(v);
        }
      }
      const before = v.hart.instret;
      const yields = v.hart.spinYields;
      // What was rung before `bell` was read is taken this round; anything later ends the slice.
      v.hart.pollSeen = bell;
      v.hart.deschedule(); // each slice is a turn of its own: threads make no run repeatable anyway
      const stop = v.hart.run(d.slice);
      if (v.hart.spinYields === yields) spun = false;
      stats[row + TS.SLICES]++;
      stats[row + TS.COMPILED] = v.hart.blockCache?.counters.compiled ?? 0;
      unit?.release(v.hart.instret - before + (stop === StopReason.HOST_TRAP ? THREAD_EXIT_UNITS : 0), true);
      instret[v.id] = v.hart.instret;
      const cause = debugCause(stop);
      if (cause) {
        if (!callVm(v, 'debug', cause)) return;
        continue;
      }
      if (stop !== StopReason.HOST_TRAP) continue;
      // A debugger sees every exit (its exit filters and trace), WFI too.
      if (isGuestWfi(v.hart) && !d.debug) wfi(v);
      else if (uart && uartOnThread(v.hart, v.id, uart.uart, uart.base)) stats[row + TS.UART_HERE]++;
      else if (plic && plicHere(v)) stats[row + TS.PLIC_HERE]++;
      else if (!sbiHere(v) && !callVm(v, 'exit')) return;
    }
    if (unnoted() && performance.now() - notesSince >= NOTE_MS) postNotes();
    if (ran) {
      if (spun) {
        Atomics.wait(ctl, door, bell, SPIN_WAIT_MS);
        stats[row + TS.SPIN_WAITS]++;
      }
      continue;
    }
    unit?.block();
    // Nothing to run: sleep until the doorbell or the earliest timer deadline.
    const ms = deadline === Infinity ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.max(0, (deadline - now()) / (TIMEBASE_HZ / 1000)));
    if (ms > 0) {
      const t0 = performance.now();
      Atomics.wait(ctl, door, bell, ms);
      stats[row + TS.IDLE_WAITS]++;
      stats[row + TS.IDLE_MS] += performance.now() - t0;
    }
  }
}

// The thread starts before its VM exists (it bootstraps while the VM is built and its RAM
// mapped) and runs from its first message on; main() never returns to the event loop.
warmUpInterpreter({ threads: true }); // while the VM is still being built: off the guest's path
parentPort!.once('message', (init: WorkerInit & { port: MessagePort }) => {
  setup(init);
  main();
  // Started through a code cache that did not fit (host/code-cache.ts): thread 0 writes a fresh one, with all it compiled.
  const code = (workerData as { code?: WorkerCode } | null)?.code;
  if (d.thread === 0 && code?.cacheFile) parentPort!.postMessage({ op: 'cached', written: writeWorkerCodeCache(code) });
});
