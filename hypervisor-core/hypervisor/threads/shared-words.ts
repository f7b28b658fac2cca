/**
 * The words the VM's thread and its vCPU threads share (one Int32Array over a
 * SharedArrayBuffer), written and read with Atomics:
 * - RUN: what the threads do (run, pause, quit) and PARKED: how many have paused; EPOCH,
 *   bumped at each resume, so a thread that slept through a short resume still parks anew;
 * - FENCE_BELL, bumped and notified at each fence request and each fence done, so a thread
 *   waiting for remote fences wakes as soon as they are done (or when it is asked for one);
 * - a doorbell per thread: whoever wants it to look again (a reply, an interrupt, a fence)
 *   bumps it and notifies; the thread waits on it when it has nothing to run;
 * - per vCPU: the interrupt lines the VM drives into its hvip (LINES, the level, and DIRTY,
 *   the bits changed since the vCPU's thread last looked) and its fence requests (FENCE_REQ,
 *   a generation count, FENCE_KIND, what to flush, FENCE_DONE, the generation flushed).
 */
import type { CodeSharingBuffers } from '../../memory/code-sharing';
import type { Hart, HartWatchpoint } from '../../hart/hart';
import type { SchedBuffers } from './credit-scheduler';
import type { ThreadSbiCall } from './sbi-on-thread';

/** Values of RUN. */
export const enum RunState { RUN = 0, PAUSE = 1, QUIT = 2 }

/** Bits of FENCE_KIND. */
export const enum FenceKind { TLB = 1, CODE = 2 }

/** Most threads a VM uses (one per vCPU at most). */
export const MAX_THREADS = 32;

const RUN = 0;
const PARKED = 1;
const EPOCH = 2;
const FENCE_BELL = 3;
const DOORS = 4;
const VCPUS = DOORS + MAX_THREADS;
const PER_VCPU = 5;
const enum V { LINES, DIRTY, FENCE_REQ, FENCE_KIND, FENCE_DONE }

/** Index helpers over the shared control words. */
export const W = {
  RUN, PARKED, EPOCH, FENCE_BELL,
  door: (thread: number): number => DOORS + thread,
  lines: (vcpu: number): number => VCPUS + vcpu * PER_VCPU + V.LINES,
  dirty: (vcpu: number): number => VCPUS + vcpu * PER_VCPU + V.DIRTY,
  fenceReq: (vcpu: number): number => VCPUS + vcpu * PER_VCPU + V.FENCE_REQ,
  fenceKind: (vcpu: number): number => VCPUS + vcpu * PER_VCPU + V.FENCE_KIND,
  fenceDone: (vcpu: number): number => VCPUS + vcpu * PER_VCPU + V.FENCE_DONE,
};

/** The control words for a VM of `vcpus` vCPUs. */
export function newControlWords(vcpus: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((VCPUS + vcpus * PER_VCPU) * 4));
}

/** Rings a thread's doorbell: it looks at its vCPUs, mail and control words again. */
export function ring(ctl: Int32Array, thread: number): void {
  Atomics.add(ctl, W.door(thread), 1);
  Atomics.notify(ctl, W.door(thread));
}

/**
 * Drives interrupt line `irq` of vCPU `vcpu` (of a VM on `threads` threads) into its hvip:
 * the level first, then the dirty bit, then its thread's doorbell (its thread reads dirty,
 * then the level, between slices).
 */
export function driveLine(ctl: Int32Array, vcpu: number, irq: number, level: boolean, threads: number): void {
  const bit = 1 << irq;
  if (level) Atomics.or(ctl, W.lines(vcpu), bit);
  else Atomics.and(ctl, W.lines(vcpu), ~bit);
  Atomics.or(ctl, W.dirty(vcpu), bit);
  ring(ctl, threadOf(vcpu, threads));
}

/**
 * Asks vCPU `vcpu`'s thread (of `threads`) for a fence of `kind`; returns the generation its
 * FENCE_DONE word reaches once it is done.
 */
export function requestFence(ctl: Int32Array, vcpu: number, kind: FenceKind, threads: number): number {
  Atomics.or(ctl, W.fenceKind(vcpu), kind);
  const gen = Atomics.add(ctl, W.fenceReq(vcpu), 1) + 1;
  ring(ctl, threadOf(vcpu, threads));
  ringFenceBell(ctl);
  return gen;
}

/** vCPU `vcpu`'s thread did its fences up to generation `req`: whoever waits for them wakes. */
export function completeFence(ctl: Int32Array, vcpu: number, req: number): void {
  Atomics.store(ctl, W.fenceDone(vcpu), req);
  ringFenceBell(ctl);
}

/** Whether every listed fence ([vcpu, generation]) is done. */
export function fencesDone(ctl: Int32Array, fences: [number, number][]): boolean {
  return fences.every(([id, gen]) => Atomics.load(ctl, W.fenceDone(id)) - gen >= 0);
}

function ringFenceBell(ctl: Int32Array): void {
  Atomics.add(ctl, FENCE_BELL, 1);
  Atomics.notify(ctl, FENCE_BELL);
}

/** The thread that runs vCPU `id` of a VM on `threads` threads. */
export function threadOf(id: number, threads: number): number {
  return id % threads;
}

/** What a vCPU thread gets at its start (structured-clonable, with shared buffers). */
export interface WorkerInit {
  /**
   * The VM's host RAM (guest RAM and G-stage tables): its first `hostSize` bytes, at host
   * address `hostBase`. With `wasm` it is that memory's buffer, hart areas after RAM.
   */
  ram: SharedArrayBuffer;
  hostBase: number;
  hostSize: number;
  /**
   * The shared WebAssembly.Memory holding `ram` and the hart areas (memory/hart-area.ts), or
   * null: RAM is a SharedArrayBuffer of its own and the thread's harts keep plain arrays.
   */
  wasm: WebAssembly.Memory | null;
  /** Interpreter areas at the end of `wasm`, one a thread: this thread takes area `thread`. */
  interpreterAreas: number;
  /** The hart area of this thread's vCPU `id` is `hartAreaBase + id` (the VM's thread has 0..vCPUs-1). */
  hartAreaBase: number;
  /** Guest RAM's GPA range (everything else is a device). */
  ramBase: number;
  ramSize: number;
  /** The control words (shared-words.ts). */
  control: SharedArrayBuffer;
  /** Which pages each thread caches code of, and the writes and drops between them (memory/code-sharing.ts). */
  code: CodeSharingBuffers;
  /** Each thread's row of statistics (thread-stats.ts). */
  stats: SharedArrayBuffer;
  /** LR/SC reservations, one word per vCPU. */
  reservations: SharedArrayBuffer;
  /** Instructions retired, one double per vCPU (written by its thread). */
  instret: SharedArrayBuffer;
  /** The VM clock's state (clock.ts) and the VM thread's performance.timeOrigin. */
  clock: SharedArrayBuffer;
  timeOrigin: number;
  /** This thread's index and its vCPUs; the VM's vCPUs and threads. */
  thread: number;
  vcpus: number[];
  harts: number;
  threads: number;
  svadu: boolean;
  jit: boolean;
  yieldOnSpin: boolean;
  /** Instructions a vCPU runs before its thread looks at its mail, interrupts and fences. */
  slice: number;
  /**
   * Under a debugger: a thread reports its vCPUs' states each time it parks, hands every
   * exit (WFI too) to the VM's thread, and stops in the hart for the debugger's breakpoints.
   */
  debug: boolean;
  /** A daemon's credit scheduler and the VM's row: each slice runs only while the thread holds a host-CPU slot (credit-scheduler.ts). */
  sched?: { buffers: SchedBuffers; vm: number };
  /** With `sched`: ns each vCPU waited for a slot while runnable, one double per vCPU (written by its thread): its steal. */
  steal?: SharedArrayBuffer;
  /**
   * SBI STA, two doubles per vCPU: its structure's offset in `ram` (-1: none) and the part of
   * `steal` written into it. The thread adds the rest each time the vCPU is scheduled in
   * (KVM's kvm_riscv_vcpu_record_steal_time at vcpu_load); the VM's thread changes an entry
   * only while the vCPU is in an exit or parked.
   */
  sta?: SharedArrayBuffer;
  /**
   * The UART's shared registers (devices/uart-fast-path.ts), its guest physical address and
   * its PLIC source: the thread answers its byte accesses itself (uart-on-thread.ts), but
   * for what needs the host's side. Absent under a debugger, which sees every exit.
   */
  uart?: { fast: SharedArrayBuffer; base: number; irq: number };
  /**
   * The PLIC's shared state (devices/plic.ts `share()`), its guest physical window and its
   * sources: the thread answers 32-bit PLIC accesses itself. Absent under a debugger.
   */
  plic?: { state: SharedArrayBuffer; base: number; size: number; sources: number };
}

/** What a debugger arms in every vCPU thread's harts (sent at each resume). */
export interface ThreadDebugConfig {
  /** Code breakpoints as the hart holds them: [lo, hi] of each address. */
  breakpoints: [number, number][];
  watches: HartWatchpoint[];
  /** Stop at traps taken into the guest (the VM's thread evaluates the filters). */
  guestExceptions: boolean;
  guestInterrupts: boolean;
  /** vCPUs that stay stopped while the others run (gdb's vCont with a thread). */
  held: number[];
}

/** A debugger stop in a vCPU thread's hart. */
export type HartDebugCause = 'breakpoint' | 'watchpoint' | 'guest-trap';

/** A parked vCPU's state, as a thread reports it. */
export interface ParkedVcpu { vcpu: number; hart: Record<string, unknown>; state: ThreadVcpuState }

/** vCPU lifecycle on its thread (as Vcpu.state). */
export type ThreadVcpuState = 'stopped' | 'runnable' | 'blocked';

/**
 * A message from a vCPU thread to the VM's thread: handle this vCPU's exit, or wake it, or
 * decide on a debugger stop in its hart (all three answered), or count the WFI exits and PLIC
 * accesses the thread handled itself (`notes`), or count an SBI call it answered itself
 * (`sbi`), or (debug) the states of its parked vCPUs.
 */
export interface ToVm {
  op: 'exit' | 'wake' | 'notes' | 'sbi' | 'debug' | 'parked';
  seq: number;
  vcpu: number;
  hart: Record<string, unknown>;
  state: ThreadVcpuState;
  /** 'debug': what stopped the hart, and for a watchpoint the access. */
  cause?: HartDebugCause;
  watchHit?: Hart['watchHit'];
  /** 'parked': the EPOCH it parked in, and every vCPU of the thread. */
  epoch?: number;
  parked?: ParkedVcpu[];
  /** 'sbi': the call (threads/sbi-on-thread.ts). */
  sbi?: ThreadSbiCall;
  /** 'notes': the WFIs the thread handled since its last note, as (vCPU, pcLo, pcHi) triples. */
  wfis?: number[];
  /** 'notes': the PLIC accesses it answered since its last note (plic-on-thread.ts, PLIC_NOTE_WIDTH numbers each). */
  plic?: number[];
}

/**
 * A message from the VM's thread: the reply to `seq`, or a new state for a vCPU (HSM start, a
 * debugger's resume), or the debugger's breakpoints for every vCPU of the thread.
 */
export interface ToThread {
  op: 'reply' | 'state' | 'debug';
  seq: number;
  vcpu: number;
  hart: Record<string, unknown>;
  state: ThreadVcpuState;
  /** A non-retentive suspend: waking goes through the VM's thread (it restarts the vCPU). */
  resume: boolean;
  /** Fences to wait for before resuming: [vcpu, generation]. */
  fences: [number, number][];
  /** Flush the vCPU's TLBs and translated code (the debugger stepped it or wrote memory on the VM's thread). */
  flush?: boolean;
  /** 'debug': what to arm. */
  config?: ThreadDebugConfig;
}
