/**
 * The RISC-V hart: RV64IMAFDC + Zicsr + Zifencei + Zicntr + Sstc with the H extension,
 * privilege modes M, HS, U, VS and VU. It is the hardware: it knows nothing about VMs. A
 * trap that would enter HS-mode or M-mode while `hostTraps` is set stops `run()` with
 * HOST_TRAP instead of jumping to the trap vector; the host software (the hypervisor) reads
 * scause/stval/htval/htinst/sepc exactly as KVM does, handles it and resumes.
 *
 * The interpreter (TinyEMU style): run for a budget of instructions; the pc lives in
 * locals; memory accesses hit a per-mode TLB inline and fall back to a full translation;
 * every fault leaves through one path (`throw TRAP` caught once in `run`). 64-bit values
 * are int32 pairs: x[2*i] is the low word of register i, x[2*i+1] the high word.
 *
 * `run` holds only what most instructions need (fetch, decode, the integer, load, store and
 * branch instructions with their TLB hits); everything else is a call away, so the function
 * V8 compiles (and compiles again for on-stack replacement) stays small: the data paths'
 * misses in data-access.ts, A in atomic-instructions.ts, the privileged, H, F and D
 * instructions in cold-instructions.ts, CSRs and the privilege rules in system-instructions.ts.
 */
import { PhysMemory } from '../memory/phys-memory';
import type { HartArea } from '../memory/hart-area';
import { Access, Walker } from '../mmu/walker';
import { TlbSet, TLB_MASK } from '../mmu/tlb';
import { TlbContexts } from '../mmu/tlb-contexts';
import { Cause, EnvcfgHi, Irq, Mstatus, Priv } from './csr-numbers';
import { HartState, Slot } from './hart-state';
import { PendingTrap, TrapTarget, enterTrap, selectInterrupt, trapVector } from './trap';
import { TRAP, Translator } from './translate';
import { csrInstruction, doSret } from './system-instructions';
import { Cold, coldInstruction } from './cold-instructions';
import { Miss, WATCH_HIT, cacheable, decodeAt, fetchPage, instructionAt, loadMiss, storeMiss } from './data-access';
import { MIDELEG_FIXED } from './csr-file';
import { R, TWO32, mul64, mulDiv } from './int64';
import { Op, PAUSE } from './isa/opcodes';
import { modeBit } from './triggers';
import { BLOCK_TABLE_MASK, BlockCache } from './jit/block-cache';
import { Predecode } from './predecode';
import { FAST_OPS, FAST_OPS_SHARED, FastInterpreter, fastInterpreterOf, wasmInterpreterEnabled } from './jit/wasm/interpreter';
import { X_PC } from './jit/wasm/abi';
import { HartAia } from './aia/hart-aia';
import { fillArray, num, obj, type Saved } from '../state/persist';
import { SharedAtomics } from './shared-atomics';
import { POLL_SPAN, SPIN_YIELD_SWAPS, StopReason, TRAP_COST, type HartWatchpoint, type PhysBus } from './hart-types';

export { StopReason, POLL_SPAN, SPIN_YIELD_SWAPS, TRAP_COST, ABI_NAMES, type HartWatchpoint, type PhysBus } from './hart-types';

const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);

/** Whether `x` and every TLB array are views on `wasm`'s buffer. */
function inMemory(wasm: WebAssembly.Memory | null, x: Int32Array, tlbs: TlbContexts): boolean {
  if (wasm === null) return false;
  const buffer = wasm.buffer;
  if (x.buffer !== buffer) return false;
  for (const set of tlbs.allSets()) {
    for (const t of [set.read, set.write, set.fetch]) {
      if (t.tagLo.buffer !== buffer || t.tagHi.buffer !== buffer || t.off.buffer !== buffer) return false;
    }
  }
  return true;
}

/** One hart. */
export class Hart extends HartState {
  /** Integer registers as int32 pairs (in the hart's area when it has one: never replaced). */
  readonly x: Int32Array;
  /**
   * The hart's area of its memory's WebAssembly.Memory (memory/hart-area.ts), holding its TLB
   * arrays and `x`, with room left for more; null: plain arrays.
   */
  readonly area: HartArea | null;
  /**
   * `x` and every TLB array are views on `mem.wasm.buffer`: code compiled to WebAssembly over
   * that memory may read and write them. False: the JavaScript backend only.
   */
  readonly wasmReady: boolean;
  pcLo = 0;
  pcHi = 0;
  /** Traps into HS/M end `run()` (the hypervisor is host software) instead of vectoring. */
  hostTraps = false;
  /** Details of the last trap (for the host after HOST_TRAP). */
  readonly trap = new PendingTrap();
  /** Time source in ticks of the timebase; gets the number of retired instructions. */
  timeSource: (retired: number) => number = (r) => r;
  /** MMIO for physical accesses outside RAM; null when there is none (access fault). */
  bus: PhysBus | null = null;
  /** Debugger breakpoints by low word of the pc (high words in the value set). */
  readonly breakpoints = new Map<number, Set<number>>();
  /** Skip the breakpoint check for the first instruction of the next run (resuming from one). */
  resumeFromBreakpoint = false;
  /**
   * Debugger hook: a trap is being taken into VS-mode (a trap inside the guest); called after
   * the trap entry, only when set. Returning true stops `run()` with GUEST_TRAP.
   */
  onGuestTrap?: (cause: number, interrupt: boolean) => boolean;
  /** The access that stopped the last run with WATCHPOINT: the watchpoint's index and the access. */
  watchHit: { index: number; lo: number; hi: number; size: number; write: boolean } | null = null;
  /** Watchpoints; while any exist no load or store is cached in the TLB, so all take the slow path. */
  watches: HartWatchpoint[] | null = null;
  /** RAM, as its bytes and as a DataView (the data paths in data-access.ts use them too). */
  readonly mem: PhysMemory;
  private readonly u16: Uint16Array;
  readonly dv: DataView;
  /** Address translation of every access that misses the TLB. */
  readonly translator: Translator;
  /** The TLBs, one set per translation context. */
  readonly tlbs: TlbContexts;
  /** The page-table walker of every translation of this hart. */
  private readonly walker: Walker;
  /** Budget the last `run()` consumed: instructions retired plus TRAP_COST per trap taken. */
  lastRunCost = 0;
  /** Instructions retired so far by the running `run()` (for instret and time reads). */
  private executedInRun = 0;
  /** The last time CSR read (readTime) and retired() just after it; -1: none. */
  private timeReadValue = 0;
  private timeReadAt = -1;
  /**
   * TLB flushes so far: a copy of this hart's state made on another thread (a vCPU's exit
   * handled by the VM's thread) tells the hart running it to flush when this changed.
   */
  tlbFlushes = 0;
  /** LR/SC reservation: host offset, or -1 (compiled blocks clear it on a store too). */
  reservation = -1;
  /**
   * End `run()` early when the guest spins on a held test-and-set lock (an AMOSWAP that
   * leaves memory as it was) or waits in a loop with PAUSE hints (Zihintpause: Linux's
   * spinlocks), {@link SPIN_YIELD_SWAPS} times in one run, as pause-loop exiting does on
   * hardware: with several vCPUs taking turns on one host thread, the
   * holder only releases the lock in its own turn, so spinning out the whole budget
   * stalls everyone (xv6's acquire with the holder's turn ended inside its critical section).
   * Off for a VM of one vCPU, whom no one else could release a lock for.
   */
  yieldOnSpin = false;
  /** Failed test-and-set swaps and PAUSE hints since the hart last got its thread ({@link deschedule}). */
  spinSwaps = 0;
  /** Runs ended early because the guest spun ({@link yieldOnSpin}): a vCPU thread then gives its host CPU away for a moment. */
  spinYields = 0;
  /**
   * A word other threads change when they have something for this hart's thread (an
   * interrupt line, a fence, a state): `run()` ends at the next branch target once
   * `pollWord[pollIndex]` differs from `pollSeen`, as KVM kicks a running vCPU out of guest
   * mode with an IPI, and compiled code runs at most {@link POLL_SPAN} instructions between
   * looks. Null (one thread): nothing to look at.
   */
  pollWord: Int32Array | null = null;
  pollIndex = 0;
  pollSeen = 0;
  /** The hart's IMSIC and AIA CSRs (Ssaia), or null: the hart has no AIA ({@link enableAia}). */
  aia: HartAia | null = null;
  /** A-extension accesses through Atomics when RAM is shared with other threads; null: plain accesses. */
  shared: SharedAtomics | null = null;
  /** Compiled blocks of hot code, or null: the interpreter runs everything (`--no-jit`). */
  private jit: BlockCache | null = null;
  /** Instructions decoded before, by host page (predecode.ts): shared by the harts of this memory. */
  readonly predecode: Predecode;
  private jitAttached = false;
  /** Instructions the interpreter's WebAssembly fast path ran (jit/wasm/interpreter.ts), for `--stats` and tests. */
  fastInstructions = 0;
  /** Calls into that fast path (each a return to JavaScript after it), for tests. */
  fastCalls = 0;
  /** Whether runs use that fast path where they can (HYPERSCOPE_WASM_INTERPRETER=off: never). */
  wasmInterpreter = wasmInterpreterEnabled();
  /** The exit words after the registers (abi.ts: pc, reservation, a probe due), or null: no hart area. */
  private readonly exitWords: Int32Array | null;
  /** Scratch for slow-path values (a load's value, an AMO's old value). */
  readonly val = new Int32Array(2);
  private readonly pcOut = new Int32Array(2);

  /**
   * @param area where the registers and TLBs live: by default area `hartId` of `mem`'s
   *   WebAssembly.Memory when it has one free; null: plain arrays
   */
  constructor(hartId: number, mem: PhysMemory, area: HartArea | null = mem.claimHartArea(hartId)) {
    super(hartId);
    this.area = area;
    // The TLBs first, then x: the layout hart-area.ts describes.
    this.tlbs = new TlbContexts(area);
    this.x = area ? area.registers() : new Int32Array(64);
    this.wasmReady = inMemory(mem.wasm, this.x, this.tlbs);
    this.exitWords = this.wasmReady ? new Int32Array(this.x.buffer, this.x.byteOffset + X_PC, 4) : null;
    this.mem = mem;
    this.u16 = new Uint16Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.bytes.byteLength >>> 1);
    this.dv = mem.view;
    this.walker = new Walker(mem);
    this.translator = new Translator(this, this.trap, this.walker);
    this.tlbs.onFlushAll = (gStage) => (gStage ? this.translator.flushGStageCache() : this.translator.flushMmio());
    this.triggers.onDataModesChange = () => this.flushAllTlbs();
    this.counters.retired = () => this.retired();
    this.predecode = Predecode.of(mem);
    // A page turning into code (either cache), or claimed by another thread, loses this hart's write entries.
    mem.writeDroppers.push((pageOff) => this.tlbs.dropWritesTo(pageOff));
    this.c[Slot.MSTATUS * 2 + 1] = 0;
  }

  /** Resets to the reset state: M-mode, pc = resetPc, CSRs cleared. */
  reset(resetPcLo: number, resetPcHi = 0): void {
    this.c.fill(0);
    this.x.fill(0);
    this.fp.reset();
    this.priv = Priv.M;
    this.virt = false;
    this.medeleg = this.mie = this.mipSoft = 0;
    this.mideleg = MIDELEG_FIXED; // as the CSR reads: the VS-level bits are always delegated
    this.mcounteren = this.scounteren = this.hcounteren = 0;
    this.counters.reset();
    this.hedeleg = this.hideleg = this.hvip = this.hgeie = 0;
    // Signed 32-bit halves, as every other writer stores them: a pc stored once as 0x80000000
    // (not -2^31) makes V8 hold pcLo as a boxed double in every hart from then on, and the
    // interpreter loop, which reads it into a local, about a third slower.
    this.pcLo = resetPcLo | 0;
    this.pcHi = resetPcHi | 0;
    this.reservation = -1;
    this.timeReadAt = -1;
    this.triggers.reset();
    this.aia?.reset();
    // QEMU resets menvcfg.ADUE to 1 when it has Svadu: A/D bits are set in hardware, as the
    // guests built for QEMU 7 (which always did so) expect.
    if (this.svadu) this.set(Slot.MENVCFG, 0, EnvcfgHi.ADUE);
    this.flushAllTlbs();
  }

  /**
   * Gives the hart an IMSIC with a supervisor-level interrupt file and `geilen` guest
   * interrupt files, and the Ssaia CSRs (AIA 1.0). Without it those CSRs do not exist.
   */
  enableAia(geilen: number): HartAia {
    this.aia = new HartAia(this, geilen);
    return this.aia;
  }

  /**
   * The architectural state for a snapshot: registers, pc, privilege and V, every CSR (the H
   * extension's included), F/D and fcsr, PMP, counters, triggers, the LR/SC reservation and
   * the time a CSR read last saw. Debugger breakpoints and watchpoints are not the guest's
   * state and are not saved. Call between runs (at an instruction boundary).
   */
  save(): Saved {
    return {
      x: Array.from(this.x), pc: [this.pcLo, this.pcHi], priv: this.priv, virt: this.virt, c: Array.from(this.c),
      irq: [this.medeleg, this.mideleg, this.mie, this.mipSoft, this.mipLines, this.mcounteren, this.scounteren,
        this.hedeleg, this.hideleg, this.hvip, this.hgeie, this.hcounteren],
      svadu: this.svadu, instret: this.instret, fp: this.fp.save(), pmpcfg: Array.from(this.pmpcfg),
      pmpaddr: Array.from(this.pmpaddr), counters: this.counters.save(), triggers: this.triggers.save(),
      reservation: this.reservation, timeRead: [this.timeReadValue, this.timeReadAt],
    };
  }

  /** Puts back `save`'s state; the TLBs and translation caches start empty. */
  restore(state: Saved): void {
    const s = obj(state, `hart ${this.hartId}`);
    fillArray(this.x, s.x ?? null, 'x registers');
    const pc = [0, 0], irq = new Array<number>(12).fill(0), timeRead = [0, 0];
    fillArray(pc, s.pc ?? null, 'pc');
    [this.pcLo, this.pcHi] = pc;
    this.priv = num(s.priv, 'priv') as Priv;
    this.virt = s.virt === true;
    fillArray(this.c, s.c ?? null, 'CSRs');
    fillArray(irq, s.irq ?? null, 'interrupt CSRs');
    [this.medeleg, this.mideleg, this.mie, this.mipSoft, this.mipLines, this.mcounteren, this.scounteren,
      this.hedeleg, this.hideleg, this.hvip, this.hgeie, this.hcounteren] = irq;
    this.svadu = s.svadu !== false;
    this.instret = num(s.instret, 'instret');
    this.executedInRun = 0;
    this.fp.restore(s.fp ?? null);
    fillArray(this.pmpcfg, s.pmpcfg ?? null, 'pmpcfg');
    fillArray(this.pmpaddr, s.pmpaddr ?? null, 'pmpaddr');
    this.counters.restore(s.counters ?? null);
    this.triggers.restore(s.triggers ?? null);
    this.reservation = num(s.reservation, 'reservation');
    fillArray(timeRead, s.timeRead ?? null, 'time read');
    [this.timeReadValue, this.timeReadAt] = timeRead;
    this.watchHit = null;
    this.flushAllTlbs();
    this.translator.flushMmio();
  }

  /**
   * Turns block translation on or off (on by default in a VM; `--no-jit` turns it off). The
   * results are the same either way, to the instruction count of every exit.
   */
  setJit(on: boolean): void {
    this.jit = on ? BlockCache.of(this.mem) : null;
    if (on && !this.jitAttached) {
      this.jit!.attach(this.x);
      this.jitAttached = true;
    }
  }

  /**
   * The interpreter's WebAssembly fast path for this run, or null: it needs translation on,
   * regions dispatched from WebAssembly (whose block table it probes), and this hart's
   * registers, TLBs and this thread's interpreter area of the memory in one memory.
   */
  private fastInterpreter(): FastInterpreter | null {
    const jit = this.jit, area = this.mem.interpreterArea, wasm = this.mem.wasm;
    if (jit === null || !this.wasmInterpreter || area === null || wasm === null || !this.wasmReady ||
      jit.blockTableAt < 0 || this.predecode.cells !== area.cells) return null;
    return fastInterpreterOf(wasm, area);
  }

  /**
   * Makes LR/SC, AMOs and fences atomic across threads sharing RAM (vCPUs on host threads);
   * null returns to plain accesses (one thread, the deterministic default).
   */
  setSharedAtomics(atomics: SharedAtomics | null): void {
    this.shared = atomics;
  }

  /**
   * Host software declares the guest-physical addresses it never maps in the G-stage (devices):
   * a guest's access to one then leaves through the hart's MMIO page cache, without walks.
   */
  setDeviceGpa(isDevice: (gpa: number) => boolean): void {
    this.translator.isMmioGpa = isDevice;
  }

  /**
   * Drops every translated and predecoded instruction of this hart's memory: code changed
   * where this thread's stores could not see it (another thread, a restored snapshot).
   */
  flushCode(): void {
    this.jit?.flush();
    this.predecode.flush();
  }

  /**
   * FENCE.I or a remote fence_i on a vCPU thread: drops the translated and predecoded code of
   * the pages other threads wrote since the last one (memory/code-sharing.ts), or all of it
   * when this memory shares no code-page marks with the other threads.
   */
  syncCode(): void {
    if (!this.mem.syncCode()) this.flushCode();
  }

  /** The block cache when translation is on (statistics, tuning), else null. */
  get blockCache(): BlockCache | null {
    return this.jit;
  }

  // ---- services used by the CSR file ----

  /** Retired instructions so far (also cycle: one instruction per cycle). */
  retired(): number {
    return this.instret + this.executedInRun;
  }
  /** Sets minstret/mcycle. */
  setRetired(n: number): void {
    this.instret = n - this.executedInRun;
    this.timeReadAt = -1;
  }
  /** The time CSR (HS view) now. */
  timeNow(): number {
    return this.timeSource(this.retired());
  }
  /**
   * The time CSR as an instruction reads it. The instruction boundary right after the read
   * (until another instruction retires, even across `run()` calls) is the same instant: the
   * Sstc comparators are checked there against the value read, not a later clock sample, so
   * a guest never takes a timer interrupt right after reading a time before the comparator
   * (kvm-unit-tests' "timer delay honored" spins on rdtime and measured d-1 ticks).
   */
  readTime(): number {
    const t = this.timeNow();
    this.timeReadValue = t;
    this.timeReadAt = this.retired() + 1;
    return t;
  }
  /** Time for the Sstc comparators now: the last value read when no instruction retired since. */
  private comparatorTime(): number {
    return this.retired() === this.timeReadAt ? this.timeReadValue : this.timeNow();
  }
  /** The effective mip: software bits, interrupt lines, hvip and the Sstc comparators. */
  pendingInterrupts(): number {
    let p = this.mipSoft | this.mipLines | (this.hvip & VS_IRQS) | this.aiaLines;
    const stce = this.hi(Slot.MENVCFG) < 0;
    const henvStce = this.hi(Slot.HENVCFG) < 0;
    if (stce || henvStce) {
      const t = this.comparatorTime();
      if (stce) {
        p &= ~(1 << Irq.STI);
        if (t >= this.num(Slot.STIMECMP)) p |= 1 << Irq.STI;
      }
      if (henvStce) {
        const delta = this.hi(Slot.HTIMEDELTA) * TWO32 + (this.lo(Slot.HTIMEDELTA) >>> 0);
        if (t + delta >= this.num(Slot.VSTIMECMP)) p |= 1 << Irq.VSTI;
      }
    }
    return p;
  }
  /** Called when mstatus/sstatus/vsstatus change: MXR, MPRV and MPP affect translation. */
  onStatusWrite(oldLo: number, newLo: number): void {
    if ((oldLo ^ newLo) & (Mstatus.MXR | Mstatus.MPRV | Mstatus.MPP_MASK)) this.flushAllTlbs();
  }
  /**
   * Called when satp, vsatp or hgatp change: the TLB is not tagged with ASID/VMID.
   * @param gStage false for vsatp, which leaves G-stage translations as they were
   */
  onTranslationChange(gStage = true): void {
    this.flushAllTlbs(gStage);
  }
  /** PTE reads of this hart's page walks so far (both stages; the PMU's walks count walks, this their memory references). */
  get pteReads(): number {
    return this.walker.reads;
  }

  /** Address translations made so far (each a TLB refill or a faulting access). */
  get translations(): number {
    return this.translator.translations;
  }

  /**
   * Flushes every TLB (SFENCE.VMA, HFENCE.*, CSR changes).
   * @param gStage false when only VS-stage translations change (a VS-mode SFENCE.VMA,
   *   HFENCE.VVMA, a vsatp write): the G-stage cache stays, as the spec lets it (only
   *   HFENCE.GVMA and hgatp writes order G-stage translations)
   */
  flushAllTlbs(gStage = true): void {
    this.tlbFlushes++;
    // Write entries go: drops other threads asked for first (memory/code-sharing.ts).
    this.mem.processCodeDrops();
    this.tlbs.flushAll(gStage);
  }

  /** Flushes the entries for the page holding virtual address (lo, hi) in every context. */
  flushTlbPage(lo: number, hi: number): void {
    this.tlbFlushes++;
    this.mem.processCodeDrops();
    this.tlbs.flushPage(lo, hi);
    this.translator.flushMmio();
  }

  /** The effective external/timer/software interrupt lines (bits of mip) from devices. */
  setInterruptLine(irq: Irq, level: boolean): void {
    if (level) this.mipLines |= 1 << irq;
    else this.mipLines &= ~(1 << irq);
  }

  /** Sets a breakpoint at a 64-bit pc. */
  addBreakpoint(lo: number, hi: number): void {
    let s = this.breakpoints.get(lo | 0);
    if (!s) this.breakpoints.set(lo | 0, (s = new Set()));
    s.add(hi | 0);
  }
  /** Removes every breakpoint. */
  clearBreakpoints(): void {
    this.breakpoints.clear();
  }
  /** Replaces the watchpoints (an empty list restores the TLB fast path). */
  setWatchpoints(list: HartWatchpoint[]): void {
    this.watches = list.length > 0 ? list.slice() : null;
    this.flushAllTlbs();
  }

  /** The TLBs of the running mode (and sstatus.SUM). */
  tlbSet(): TlbSet {
    const status = this.virt ? this.lo(Slot.VSSTATUS) : this.lo(Slot.MSTATUS);
    return this.tlbs.set(this.virt, this.priv, (status & Mstatus.SUM) !== 0);
  }

  /** Fills the pending trap with an exception and throws TRAP. */
  raise(cause: number, tvalLo: number, tvalHi: number): never {
    this.setTrap(cause, tvalLo, tvalHi);
    throw TRAP;
  }

  /** Fills the pending trap with an exception (the caller takes it). */
  private setTrap(cause: number, tvalLo: number, tvalHi: number): void {
    const t = this.trap;
    t.cause = cause;
    t.interrupt = false;
    t.tvalLo = tvalLo;
    t.tvalHi = tvalHi;
    t.tval2 = 0;
    t.tinst = 0;
    t.gva = this.virt && (cause === Cause.MISALIGNED_LOAD || cause === Cause.MISALIGNED_STORE || cause === Cause.BREAKPOINT);
  }

  /**
   * Takes the pending trap at (pcLo, pcHi). Returns HOST_TRAP when it stops for the host
   * (HS/M with hostTraps), else sets pc to the vector and returns BUDGET (go on) or
   * GUEST_TRAP (the debugger's `onGuestTrap` asked to stop).
   */
  private takeTrap(pcLo: number, pcHi: number): StopReason {
    const target = enterTrap(this, this.trap, pcLo, pcHi);
    if (this.hostTraps && target !== TrapTarget.VS) {
      this.pcLo = pcLo;
      this.pcHi = pcHi;
      return StopReason.HOST_TRAP;
    }
    trapVector(this, target, this.trap, this.pcOut);
    this.pcLo = this.pcOut[0];
    this.pcHi = this.pcOut[1];
    if (target === TrapTarget.VS && this.onGuestTrap !== undefined && this.onGuestTrap(this.trap.cause, this.trap.interrupt)) {
      return StopReason.GUEST_TRAP;
    }
    return StopReason.BUDGET;
  }

  /** Checks for an interrupt to take now; takes it (sets pc) and returns true if one was. */
  private checkInterrupts(): boolean {
    const irq = selectInterrupt(this, this.pendingInterrupts());
    if (irq < 0) return false;
    const t = this.trap;
    t.cause = irq; t.interrupt = true; t.tvalLo = t.tvalHi = 0; t.tval2 = 0; t.tinst = 0; t.gva = false;
    return true;
  }

  /** True when an interrupt is pending and enabled in mie (WFI wake-up condition). */
  interruptPendingForWfi(): boolean {
    return (this.pendingInterrupts() & this.mie) !== 0;
  }

  /**
   * Returns from HS host software into the guest: like SRET executed in HS-mode
   * (V = hstatus.SPV, priv = sstatus.SPP, pc = sepc).
   */
  hostSret(): void {
    doSret(this);
    this.pcLo = this.lo(Slot.SEPC);
    this.pcHi = this.hi(Slot.SEPC);
  }

  /**
   * The hart leaves its host thread (its slice ended, or it exited to the hypervisor): the
   * LR/SC reservation is dropped, as a context switch on hardware drops it, and the spin
   * count starts again. A scheduler calls this where it deschedules, not at every `run()`: a
   * run cut short for a debugger (a breakpoint, a step, a stop at an instruction count) goes
   * on holding its reservation, so where a debugger stops never changes what the guest does,
   * and stepping through an LR/SC loop succeeds as running through it does.
   */
  deschedule(): void {
    this.reservation = -1;
    this.spinSwaps = 0;
  }

  /**
   * Runs at most `budget` instructions. Returns why it stopped; `pcLo/pcHi` and all state
   * are up to date on return.
   */
  run(budget: number): StopReason {
    const x = this.x, u16 = this.u16, dv = this.dv;
    let pcLo = this.pcLo, pcHi = this.pcHi;
    let n = 0, traps = 0; // budget consumed, and the part of it that traps consumed
    // An int32 from here on: the parameter itself was untagged and checked at every instruction
    // (706 M of the Linux boot's 28,899 M host instructions with translation off, cachegrind).
    // More than 2^31 - 1 in one run is not possible anyway (n is an int32).
    budget = Math.min(budget, 0x7fffffff) | 0;
    let stop = StopReason.BUDGET;
    this.executedInRun = 0;
    let checkBreakpoint = this.breakpoints.size > 0 && !this.resumeFromBreakpoint;
    this.resumeFromBreakpoint = false;
    const hasBreakpoints = this.breakpoints.size > 0;
    // Blocks run where the debugger needs no instruction boundary: watchpoints keep every
    // access out of the TLB (so blocks leave before each), pages with breakpoints are skipped.
    const jit = this.jit;
    const jitTable = jit?.table, jitHot = jit?.hot;
    // BlockCache.lookAt's thresholds, read once per run: as a call (too large to inline into
    // this loop) it ran at every entry of a start counting towards a deferred look.
    const lookFirst = jit?.threshold ?? 0, lookRegion = jit?.regionThreshold ?? 0, lookAlways = jit?.straightThreshold ?? 0;
    const predecode = this.predecode;
    const poll = this.pollWord, pollAt = this.pollIndex, pollSeen = this.pollSeen;
    // The pages with breakpoints: the per-instruction check looks a breakpoint up only there.
    const breakpointPages = hasBreakpoints ? new Set([...this.breakpoints.keys()].map((lo) => lo >>> 12)) : null;
    let bpPageTag = 1, bpPage = false;
    let probe = true;
    // The instruction at (pcLo, pcHi) raised the trap in this.trap: it is taken at the loop's top.
    let trapNow = false;
    // The WebAssembly fast path (jit/wasm/interpreter.ts): with translation through the
    // WebAssembly dispatcher, in a memory with an interpreter area for this thread.
    const fast = this.fastInterpreter();
    // The ops it runs: over RAM shared by vCPU threads, not FENCE or the A instructions.
    const fastOps = this.mem.sharedBuffer !== null ? FAST_OPS_SHARED : FAST_OPS;
    // Pages with breakpoints are the JavaScript loop's for this run (the fast path leaves them).
    const marked = fast !== null && breakpointPages !== null ? this.mem.interpreterArea!.breakpointPages : null;
    if (marked !== null) for (const page of breakpointPages!) marked[page] = 1;
    const table = jit?.blockTableAt ?? -1;
    // The fast path runs compiled regions itself (through the dispatcher) unless a breakpoint is set.
    const direct = breakpointPages === null ? 1 : 0;
    const dispatched = fast !== null ? this.mem.interpreterArea!.dispatched : null;
    // After a fast-path run, the pc's page is fetched again without probing it a second time.
    let fastRan = false;
    outer: for (;;) {
      if (trapNow) {
        trapNow = false;
        x[0] = 0; x[1] = 0;
        // A trap retires nothing but consumes budget, so a guest trapping in a loop still yields.
        n += TRAP_COST; traps += TRAP_COST;
        this.executedInRun = n - traps;
        const s = this.takeTrap(pcLo, pcHi);
        pcLo = this.pcLo; pcHi = this.pcHi;
        if (s !== StopReason.BUDGET) { stop = s; break; }
      }
      probe = true;
      this.pcLo = pcLo; this.pcHi = pcHi;
      this.executedInRun = n - traps;
      if (this.checkInterrupts()) {
        const s = this.takeTrap(pcLo, pcHi);
        pcLo = this.pcLo; pcHi = this.pcHi;
        if (s !== StopReason.BUDGET) { stop = s; break; }
      }
      const set = this.tlbSet();
      const rTag = set.read.tagLo, rTagHi = set.read.tagHi, rOff = set.read.off;
      const wTag = set.write.tagLo, wTagHi = set.write.tagHi, wOff = set.write.off;
      const fTag = set.fetch.tagLo, fTagHi = set.fetch.tagHi, fOff = set.fetch.off;
      const mprv = !cacheable(this, Access.READ);
      // Execute triggers armed in this mode (a mode changes only through this loop's top).
      const mode = modeBit(this.priv, this.virt);
      const execTrigger = (this.triggers.execModes & mode) !== 0;
      const perInstruction = hasBreakpoints || execTrigger;
      // Blocks need the TLB for data (no MPRV, no data triggers) and no execute trigger.
      const jitOn = jit !== null && !mprv && !execTrigger;
      let fetchTag = 1, fetchTagHi = 0, fetchBase = 0, pdBase = 0, pd = predecode.cells;
      const fastOn = fast !== null && !execTrigger && !mprv;
      const tlbAt = set.read.tagLo.byteOffset;
      try {
        while (n < budget) {
          if (perInstruction) {
            if (hasBreakpoints) {
              if (checkBreakpoint) {
                if ((pcLo & -4096) !== bpPageTag) { bpPageTag = pcLo & -4096; bpPage = breakpointPages!.has(pcLo >>> 12); }
                if (bpPage) {
                  const s = this.breakpoints.get(pcLo);
                  if (s !== undefined && s.has(pcHi)) { stop = StopReason.BREAKPOINT; break outer; }
                }
              }
              checkBreakpoint = true;
            }
            if (execTrigger && this.triggers.matchExecute(pcLo, pcHi, mode)) this.raise(Cause.BREAKPOINT, pcLo, pcHi);
          }
          // ---- fetch ----
          // `| 0` on what calls return to fetchBase, pdBase and meta: V8 keeps these locals as
          // int32s then, not as tagged values untagged and checked at every instruction (2,220 M
          // of the Linux boot's 31,744 M host instructions with translation off, cachegrind).
          if ((pcLo & ~0xfff) !== fetchTag || pcHi !== fetchTagHi) {
            const i = (pcLo >>> 12) & TLB_MASK;
            fetchBase = fTag[i] === (pcLo & ~0xfff) && fTagHi[i] === pcHi ? fOff[i] : fetchPage(this, pcLo, pcHi, true) | 0;
            if (fetchBase < 0) { trapNow = true; continue outer; } // a page fault, pending (no throw)
            fetchTag = pcLo & ~0xfff;
            fetchTagHi = pcHi;
            // A block never crosses a page: the next one may start here (the fast path has
            // said whether its probe is still due).
            if (fastRan) fastRan = false;
            else probe = true;
            const b = predecode.baseOf[fetchBase >>> 12];
            pdBase = b >= 0 ? b : predecode.slotBase(fetchBase >>> 12) | 0;
            pd = predecode.cells;
          }
          const foff = fetchBase + (pcLo & 0xfff);
          if (probe) {
            // A branch target: run compiled blocks from here (a start gets compiled once hot).
            probe = false;
            if (poll !== null && Atomics.load(poll, pollAt) !== pollSeen) break;
            if (jitOn) {
              // Most branch targets are neither compiled nor about to be: count those here,
              // without a call (what BlockCache.run would do with them).
              const slot = (foff >>> 1) & BLOCK_TABLE_MASK;
              const b = jitTable![slot], heat = jitHot![slot] + 1;
              const compiled = b.off === foff && b.pcLo === pcLo && b.pcHi === pcHi;
              if (compiled ? b.len <= budget - n : heat >= lookFirst && (heat === lookFirst || heat === lookRegion || heat >= lookAlways)) {
                const k = jit!.run(this, dv, foff, pcLo, pcHi, poll === null ? budget - n : Math.min(budget - n, POLL_SPAN), set, breakpointPages);
                if (k > 0) { n += k; pcLo = this.pcLo; pcHi = this.pcHi; continue; }
              } else if (!compiled) {
                jitHot![slot] = heat;
              }
            }
          }
          // ---- decode: predecoded, or fetched, expanded and decoded once ----
          const k = pdBase + (pcLo & 0xffe);
          // w: the immediate, or the instruction for instructions without one (predecode.ts).
          let meta = pd[k + 1], w = pd[k];
          if (meta === 0) {
            this.mem.claimCode(fetchBase >>> 12); // before its bytes are read (vCPU threads)
            meta = decodeAt(this, foff, pcLo, pcHi) | 0;
            w = this.val[0];
            // Not one across two pages: a write to its second page would not clear it.
            if ((meta & 2) !== 0 || (pcLo & 0xfff) !== 0xffe) predecode.fill(fetchBase >>> 12, k, w, meta);
            else probe = true; // no block holds it: one may start after it
          }
          const op: Op = (meta >> 2) & 0xff;
          // An instruction the fast path runs: it goes on from here (this pc's probe is done).
          // Called only then, so an instruction it leaves to JavaScript (an SBI call's ECALL, a
          // CSR) costs no call into it and back.
          if (fastOn && fastOps[op] === 1) {
            const exit = this.exitWords!;
            exit[0] = pcLo; exit[1] = pcHi; exit[2] = this.reservation;
            // On a vCPU thread, at most POLL_SPAN instructions between looks at the poll word.
            const left = poll === null ? budget - n : Math.min(budget - n, POLL_SPAN);
            const ran = fast(x.byteOffset, tlbAt, left, table, lookFirst, lookRegion, lookAlways, direct) | 0;
            this.fastCalls++;
            if (ran > 0) {
              // What it ran through the dispatcher goes to the block cache's counters, as BlockCache.run counts it.
              const d = dispatched![0];
              if (d !== 0) { jit!.counters.insns += d; jit!.counters.dispatches += dispatched![1]; dispatched![0] = 0; dispatched![1] = 0; }
              n += ran; this.fastInstructions += ran - d;
              pcLo = exit[0]; pcHi = exit[1]; this.reservation = exit[2];
              probe = exit[3] !== 0;
              fetchTag = 1; fastRan = true;
              if (n >= budget) break;
              if (poll !== null && Atomics.load(poll, pollAt) !== pollSeen) break;
              continue;
            }
          }
          const rd = (meta >> 10) & 63;
          const rs1 = (meta >> 16) & 63;
          const rs2 = meta >>> 22;
          // The slow paths below compute `compressed` themselves: as a boolean here, V8 branched
          // on it at every instruction to make a true or false: 698 M host instructions of that
          // boot, and a branch on a mix of compressed and full instructions (46 % compressed).
          const ilen = 4 - (meta & 2);
          let npcLo = (pcLo + ilen) | 0;
          let npcHi = (npcLo >>> 0) < ilen ? (pcHi + 1) | 0 : pcHi;
          let aLo = 0, aHi = 0, aSize = 0; // a load's or store's address and width
          // A carry out of the low words is +((sum >>> 0) < (a >>> 0)), which V8 compiles to a
          // compare and setc; `? 1 : 0` compiles to a branch, whose outcome follows the sign of
          // an immediate or offset (mixed in Linux code): about 200 M host instructions more in
          // that boot. The bit formula ((a & b) | ((a | b) & ~sum)) >>> 31 took about 500 M more.
          miss: {
          switch (op) {
            // ---- RV64I: upper immediates, jumps, branches ----
            case Op.LUI: x[rd] = w; x[rd + 1] = w >> 31; break;
            case Op.AUIPC: {
              const imm = w;
              const lo = (pcLo + imm) | 0;
              x[rd + 1] = (pcHi + (imm >> 31) + +((lo >>> 0) < (pcLo >>> 0))) | 0;
              x[rd] = lo;
              break;
            }
            case Op.JAL: {
              const imm = w;
              const lo = (pcLo + imm) | 0;
              const hi = (pcHi + (imm >> 31) + +((lo >>> 0) < (pcLo >>> 0))) | 0;
              x[rd] = npcLo; x[rd + 1] = npcHi;
              npcLo = lo; npcHi = hi; probe = true;
              break;
            }
            case Op.JALR: {
              const imm = w;
              const blo = x[rs1], bhi = x[rs1 + 1];
              const lo = (blo + imm) | 0;
              const hi = (bhi + (imm >> 31) + +((lo >>> 0) < (blo >>> 0))) | 0;
              x[rd] = npcLo; x[rd + 1] = npcHi;
              npcLo = lo & ~1; npcHi = hi; probe = true;
              break;
            }
            // One case per condition: a second switch inside would be a second dispatch per branch.
            // Taken or not, a branch's next pc is probed: a block start reached by falling through
            // is counted too, so straight code after a not-taken branch (most of an unrolled
            // function) gets compiled when hot (block-cache.ts). Probing only taken branches left
            // 19.6 M of the Linux boot's 20.1 M instructions in blake2s_compress_generic interpreted.
            case Op.BEQ:
              probe = true;
              if (x[rs1] === x[rs2] && x[rs1 + 1] === x[rs2 + 1]) {
                npcLo = (pcLo + w) | 0;
                npcHi = (pcHi + (w >> 31) + +((npcLo >>> 0) < (pcLo >>> 0))) | 0;
              }
              break;
            case Op.BNE:
              probe = true;
              if (x[rs1] !== x[rs2] || x[rs1 + 1] !== x[rs2 + 1]) {
                npcLo = (pcLo + w) | 0;
                npcHi = (pcHi + (w >> 31) + +((npcLo >>> 0) < (pcLo >>> 0))) | 0;
              }
              break;
            case Op.BLT:
              probe = true;
              if (x[rs1 + 1] < x[rs2 + 1] || (x[rs1 + 1] === x[rs2 + 1] && (x[rs1] >>> 0) < (x[rs2] >>> 0))) {
                npcLo = (pcLo + w) | 0;
                npcHi = (pcHi + (w >> 31) + +((npcLo >>> 0) < (pcLo >>> 0))) | 0;
              }
              break;
            case Op.BGE:
              probe = true;
              if (x[rs1 + 1] > x[rs2 + 1] || (x[rs1 + 1] === x[rs2 + 1] && (x[rs1] >>> 0) >= (x[rs2] >>> 0))) {
                npcLo = (pcLo + w) | 0;
                npcHi = (pcHi + (w >> 31) + +((npcLo >>> 0) < (pcLo >>> 0))) | 0;
              }
              break;
            case Op.BLTU:
              probe = true;
              if ((x[rs1 + 1] >>> 0) < (x[rs2 + 1] >>> 0) || (x[rs1 + 1] === x[rs2 + 1] && (x[rs1] >>> 0) < (x[rs2] >>> 0))) {
                npcLo = (pcLo + w) | 0;
                npcHi = (pcHi + (w >> 31) + +((npcLo >>> 0) < (pcLo >>> 0))) | 0;
              }
              break;
            case Op.BGEU:
              probe = true;
              if ((x[rs1 + 1] >>> 0) > (x[rs2 + 1] >>> 0) || (x[rs1 + 1] === x[rs2 + 1] && (x[rs1] >>> 0) >= (x[rs2] >>> 0))) {
                npcLo = (pcLo + w) | 0;
                npcHi = (pcHi + (w >> 31) + +((npcLo >>> 0) < (pcLo >>> 0))) | 0;
              }
              break;
            // ---- loads and stores: one case per width (no second dispatch); a TLB miss leaves
            // the switch for the slow path below it, with the address in (aLo, aHi) ----
            case Op.LB: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4095 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                const v = dv.getInt8(off); x[rd] = v; x[rd + 1] = v >> 31;
                break;
              }
              aSize = 1;
              break miss;
            }
            case Op.LH: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4094 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                const v = dv.getInt16(off, true); x[rd] = v; x[rd + 1] = v >> 31;
                break;
              }
              aSize = 2;
              break miss;
            }
            case Op.LW: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4092 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                const v = dv.getInt32(off, true); x[rd] = v; x[rd + 1] = v >> 31;
                break;
              }
              aSize = 4;
              break miss;
            }
            case Op.LD: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4088 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                x[rd] = dv.getInt32(off, true); x[rd + 1] = dv.getInt32(off + 4, true);
                break;
              }
              aSize = 8;
              break miss;
            }
            case Op.LBU: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4095 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                x[rd] = dv.getUint8(off); x[rd + 1] = 0;
                break;
              }
              aSize = 1;
              break miss;
            }
            case Op.LHU: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4094 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                x[rd] = dv.getUint16(off, true); x[rd + 1] = 0;
                break;
              }
              aSize = 2;
              break miss;
            }
            case Op.LWU: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (rTag[i] === (aLo & ~0xfff) && rTagHi[i] === aHi && (aLo & 0xfff) <= 4092 && !mprv) {
                const off = rOff[i] + (aLo & 0xfff);
                x[rd] = dv.getInt32(off, true); x[rd + 1] = 0;
                break;
              }
              aSize = 4;
              break miss;
            }
            case Op.SB: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (wTag[i] === (aLo & ~0xfff) && wTagHi[i] === aHi && (aLo & 0xfff) <= 4095 && !mprv) {
                const off = wOff[i] + (aLo & 0xfff);
                dv.setUint8(off, x[rs2] & 0xff);
                if (this.reservation >= 0 && (off & ~7) === (this.reservation & ~7)) this.reservation = -1;
                break;
              }
              aSize = 1;
              break miss;
            }
            case Op.SH: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (wTag[i] === (aLo & ~0xfff) && wTagHi[i] === aHi && (aLo & 0xfff) <= 4094 && !mprv) {
                const off = wOff[i] + (aLo & 0xfff);
                dv.setUint16(off, x[rs2] & 0xffff, true);
                if (this.reservation >= 0 && (off & ~7) === (this.reservation & ~7)) this.reservation = -1;
                break;
              }
              aSize = 2;
              break miss;
            }
            case Op.SW: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (wTag[i] === (aLo & ~0xfff) && wTagHi[i] === aHi && (aLo & 0xfff) <= 4092 && !mprv) {
                const off = wOff[i] + (aLo & 0xfff);
                dv.setInt32(off, x[rs2], true);
                if (this.reservation >= 0 && (off & ~7) === (this.reservation & ~7)) this.reservation = -1;
                break;
              }
              aSize = 4;
              break miss;
            }
            case Op.SD: {
              const blo = x[rs1];
              aLo = (blo + w) | 0;
              aHi = (x[rs1 + 1] + (w >> 31) + +((aLo >>> 0) < (blo >>> 0))) | 0;
              const i = (aLo >>> 12) & TLB_MASK;
              if (wTag[i] === (aLo & ~0xfff) && wTagHi[i] === aHi && (aLo & 0xfff) <= 4088 && !mprv) {
                const off = wOff[i] + (aLo & 0xfff);
                dv.setInt32(off, x[rs2], true); dv.setInt32(off + 4, x[rs2 + 1], true);
                if (this.reservation >= 0 && (off & ~7) === (this.reservation & ~7)) this.reservation = -1;
                break;
              }
              aSize = 8;
              break miss;
            }
            // ---- integer immediate ----
            case Op.ADDI: {
              const imm = w, blo = x[rs1];
              const lo = (blo + imm) | 0;
              x[rd + 1] = (x[rs1 + 1] + (imm >> 31) + +((lo >>> 0) < (blo >>> 0))) | 0;
              x[rd] = lo;
              break;
            }
            case Op.SLTI: {
              const imm = w, ahi = x[rs1 + 1], bhi = imm >> 31;
              x[rd] = ahi < bhi || (ahi === bhi && (x[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; x[rd + 1] = 0;
              break;
            }
            case Op.SLTIU: {
              const imm = w, ahi = x[rs1 + 1] >>> 0, bhi = (imm >> 31) >>> 0;
              x[rd] = ahi < bhi || (ahi === bhi && (x[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; x[rd + 1] = 0;
              break;
            }
            case Op.XORI: { const imm = w; x[rd + 1] = x[rs1 + 1] ^ (imm >> 31); x[rd] = x[rs1] ^ imm; break; }
            case Op.ORI: { const imm = w; x[rd + 1] = x[rs1 + 1] | (imm >> 31); x[rd] = x[rs1] | imm; break; }
            case Op.ANDI: { const imm = w; x[rd + 1] = x[rs1 + 1] & (imm >> 31); x[rd] = x[rs1] & imm; break; }
            // 64-bit shifts without a branch on the amount s (0..63; a JavaScript shift takes
            // s & 31): big is -1 when s >= 32, and (v >>> 1) >>> (~s & 31) is v >>> (32 - s),
            // 0 for s = 0. Calls to int64.ts's shiftLeft/shiftRight (V8 inlines neither here)
            // cost 359 M more host instructions of that boot, where 5.4 % of the instructions
            // are such shifts.
            case Op.SLLI: {
              const lo = x[rs1], big = -(w >>> 5);
              x[rd + 1] = (big & (lo << w)) | (~big & ((x[rs1 + 1] << w) | ((lo >>> 1) >>> (~w & 31))));
              x[rd] = ~big & (lo << w);
              break;
            }
            case Op.SRLI: {
              const hi = x[rs1 + 1], big = -(w >>> 5);
              x[rd] = (big & (hi >>> w)) | (~big & ((x[rs1] >>> w) | ((hi << 1) << (~w & 31))));
              x[rd + 1] = ~big & (hi >>> w);
              break;
            }
            case Op.SRAI: {
              const hi = x[rs1 + 1], big = -(w >>> 5);
              x[rd] = (big & (hi >> w)) | (~big & ((x[rs1] >>> w) | ((hi << 1) << (~w & 31))));
              x[rd + 1] = (big & (hi >> 31)) | (~big & (hi >> w));
              break;
            }
            // ---- integer register-register ----
            case Op.ADD: {
              const alo = x[rs1], blo = x[rs2], lo = (alo + blo) | 0;
              x[rd + 1] = (x[rs1 + 1] + x[rs2 + 1] + +((lo >>> 0) < (alo >>> 0))) | 0;
              x[rd] = lo;
              break;
            }
            case Op.SUB: {
              const alo = x[rs1], blo = x[rs2], lo = (alo - blo) | 0;
              x[rd + 1] = (x[rs1 + 1] - x[rs2 + 1] - +((alo >>> 0) < (blo >>> 0))) | 0;
              x[rd] = lo;
              break;
            }
            case Op.SLL: {
              const s = x[rs2] & 63, lo = x[rs1], big = -(s >>> 5);
              x[rd + 1] = (big & (lo << s)) | (~big & ((x[rs1 + 1] << s) | ((lo >>> 1) >>> (~s & 31))));
              x[rd] = ~big & (lo << s);
              break;
            }
            case Op.SRL: {
              const s = x[rs2] & 63, hi = x[rs1 + 1], big = -(s >>> 5);
              x[rd] = (big & (hi >>> s)) | (~big & ((x[rs1] >>> s) | ((hi << 1) << (~s & 31))));
              x[rd + 1] = ~big & (hi >>> s);
              break;
            }
            case Op.SRA: {
              const s = x[rs2] & 63, hi = x[rs1 + 1], big = -(s >>> 5);
              x[rd] = (big & (hi >> s)) | (~big & ((x[rs1] >>> s) | ((hi << 1) << (~s & 31))));
              x[rd + 1] = (big & (hi >> 31)) | (~big & (hi >> s));
              break;
            }
            case Op.SLT: {
              const ahi = x[rs1 + 1], bhi = x[rs2 + 1];
              x[rd] = ahi < bhi || (ahi === bhi && (x[rs1] >>> 0) < (x[rs2] >>> 0)) ? 1 : 0; x[rd + 1] = 0;
              break;
            }
            case Op.SLTU: {
              const ahi = x[rs1 + 1] >>> 0, bhi = x[rs2 + 1] >>> 0;
              x[rd] = ahi < bhi || (ahi === bhi && (x[rs1] >>> 0) < (x[rs2] >>> 0)) ? 1 : 0; x[rd + 1] = 0;
              break;
            }
            case Op.XOR: x[rd + 1] = x[rs1 + 1] ^ x[rs2 + 1]; x[rd] = x[rs1] ^ x[rs2]; break;
            case Op.OR: x[rd + 1] = x[rs1 + 1] | x[rs2 + 1]; x[rd] = x[rs1] | x[rs2]; break;
            case Op.AND: x[rd + 1] = x[rs1 + 1] & x[rs2 + 1]; x[rd] = x[rs1] & x[rs2]; break;
            // ---- 32-bit (W) operations: results sign-extended ----
            case Op.ADDIW: { const v = (x[rs1] + w) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SLLIW: { const v = x[rs1] << w; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SRLIW: { const v = (x[rs1] >>> w) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SRAIW: { const v = x[rs1] >> w; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.ADDW: { const v = (x[rs1] + x[rs2]) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SUBW: { const v = (x[rs1] - x[rs2]) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SLLW: { const v = x[rs1] << (x[rs2] & 31); x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SRLW: { const v = (x[rs1] >>> (x[rs2] & 31)) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.SRAW: { const v = x[rs1] >> (x[rs2] & 31); x[rd] = v; x[rd + 1] = v >> 31; break; }
            // ---- M ----
            case Op.MUL: mul64(x[rs1], x[rs1 + 1], x[rs2], x[rs2 + 1]); x[rd] = R[0]; x[rd + 1] = R[1]; break;
            case Op.MULW: { const v = Math.imul(x[rs1], x[rs2]); x[rd] = v; x[rd + 1] = v >> 31; break; }
            case Op.MULH: case Op.MULHSU: case Op.MULHU: case Op.DIV: case Op.DIVU: case Op.REM: case Op.REMU:
            case Op.DIVW: case Op.DIVUW: case Op.REMW: case Op.REMUW:
              mulDiv(op, x[rs1], x[rs1 + 1], x[rs2], x[rs2 + 1]); x[rd] = R[0]; x[rd + 1] = R[1]; break;
            // ---- fences ----
            case Op.FENCE:
              if (this.shared !== null) this.shared.fence();
              if (w === PAUSE && this.yieldOnSpin && ++this.spinSwaps >= SPIN_YIELD_SWAPS) { this.spinYields++; budget = n + 1; }
              break;
            case Op.FENCE_I:
              // Other threads' stores do not drop this thread's cached code at once: FENCE.I
              // drops the pages they wrote (and the page is fetched again through the loop's top).
              if (this.shared === null) break;
              this.shared.fence();
              this.syncCode();
              x[0] = 0; x[1] = 0; pcLo = npcLo; pcHi = npcHi; n++;
              continue outer;
            // ---- system ----
            case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
              this.executedInRun = n - traps;
              csrInstruction(this, op, w);
              x[0] = 0; x[1] = 0;
              pcLo = npcLo; pcHi = npcHi; n++;
              continue outer; // CSR writes may change interrupts and translation
            case Op.ECALL: {
              const cause = this.priv === Priv.M ? Cause.ECALL_M : this.priv === Priv.U ? Cause.ECALL_U
                : this.virt ? Cause.ECALL_VS : Cause.ECALL_S;
              // Taken at the loop's top like a thrown trap, without the cost of a throw: every
              // SBI call is an ECALL.
              this.setTrap(cause, 0, 0);
              trapNow = true;
              continue outer;
            }
            default: {
              // Everything else (A, privileged, H, F, D) in a function of its own (see there).
              if (op >= Op.FLW) this.executedInRun = n - traps;
              const compressed = (meta & 2) !== 0;
              const r = coldInstruction(this, op, w, compressed ? u16[foff >>> 1] : w, compressed, pcLo, pcHi);
              if (r === Cold.NEXT) { probe = true; break; } // no block holds it: one may start after it
              if (r === Cold.YIELD) { this.spinYields++; budget = n + 1; break; }
              x[0] = 0; x[1] = 0; n++;
              if (r === Cold.JUMP) { pcLo = this.pcLo; pcHi = this.pcHi; continue outer; }
              pcLo = npcLo; pcHi = npcHi;
              if (r === Cold.WFI) { stop = StopReason.WFI; break outer; }
              continue outer; // Cold.RECHECK
            }
          }
          // Only an instruction whose rd bits are 0 can have written x0 (every integer result
          // goes to bits 7-11's register, cold instructions' too). Clearing it after every
          // instruction took 1,143 M of the Linux boot's 28,193 M host instructions (JIT off).
          if (rd === 0) { x[0] = 0; x[1] = 0; }
          pcLo = npcLo; pcHi = npcHi;
          n++;
          continue;
          }
          // ---- a load or store the TLB did not hit: the slow path (data-access.ts) ----
          this.executedInRun = n - traps;
          const compressed = ilen === 2;
          const insn = instructionAt(this, foff, pcLo, pcHi, compressed);
          if (op <= Op.LWU) {
            const r = loadMiss(this, aLo, aHi, aSize, op, insn, compressed, mprv);
            if (r === Miss.TRAP) { trapNow = true; continue outer; }
            x[rd] = this.val[0]; x[rd + 1] = this.val[1];
            x[0] = 0; x[1] = 0;
            pcLo = npcLo; pcHi = npcHi; n++;
            if (r === Miss.MMIO) continue outer;
          } else {
            const r = storeMiss(this, aLo, aHi, aSize, x[rs2], x[rs2 + 1], insn, compressed, mprv);
            if (r === Miss.TRAP) { trapNow = true; continue outer; }
            pcLo = npcLo; pcHi = npcHi; n++;
            if (r === Miss.MMIO) continue outer;
          }
        }
        break;
      } catch (e) {
        if (e !== TRAP) {
          if (e !== WATCH_HIT) throw e;
          stop = StopReason.WATCHPOINT; // pc stays at the instruction, which has not executed
          break;
        }
        trapNow = true;
      }
    }
    this.pcLo = pcLo;
    this.pcHi = pcHi;
    this.instret += n - traps;
    this.lastRunCost = n;
    if (marked !== null) for (const page of breakpointPages!) marked[page] = 0;
    this.executedInRun = 0;
    return stop;
  }
}
