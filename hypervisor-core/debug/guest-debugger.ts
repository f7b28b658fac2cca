/**
 * The debugger facade (vscode-mock-debug's "runtime"): boots a guest on the virt board and
 * drives it for a debugger, with no DAP types. All-stop: the VM runs in batches between
 * visits to the event loop, so `pause` and other requests are answered within a few
 * milliseconds even when the guest spins; when one vCPU stops, all stop.
 *
 * Events: 'stopped' (StopEvent), 'output' (guest console text), 'log' (LogEvent: logpoints,
 * exit filters in log/count mode), 'stats' (ExitStatsReport, at most 4 per second while running
 * and one per stop), 'exited' (exit code), 'terminated'.
 */
import { EventEmitter } from 'node:events';
import { dirname, resolve } from 'node:path';
import { TimeTravel, TimeTravelError } from './time-travel';
import { ReverseHost, goToExit, goToExitProblem, reverseContinue, reverseProblem, stepBack } from './reverse-steps';
import { bootVirt } from '../machine/virt-board';
import type { ElfFile } from '../machine/loaders/elf';
import type { Vm, VmStop } from '../hypervisor/vm';
import type { ExitStatsReport } from '../hypervisor/stats/report';
import { formatExitRecord } from '../hypervisor/trace/format';
import { addressOfSymbol, describeAddress, sourceAt, symbolsFor } from './symbol-lookup';
import type { Hart } from '../hart/hart';
import { BreakpointSet } from './breakpoints';
import { DebugSymbols } from './debug-symbols';
import { bigAddr, codeAddrLoHi } from './address';
import { DebugThreads } from './thread-runs';
import { schedulerGate } from '../hypervisor/threads/sched-gate';
import { RunHost, runLoop } from './run-loop';
import { ExitBreakpoints, ExitFilterSpec } from './exit-breakpoints';
import { CompiledExpr, ExprEnv } from './expression';
import { parseC } from './c-parser';
import { conditionTest } from './c-console';
import { GuestMemory } from './guest-memory';
import { registerGuestCpuViews } from './guest-cpu';
import { registerByName } from './registers';
import { SourceResolver } from './source-resolver';
import type { StackFrame } from './unwind';
import { DisplayFrame, StackHost, callStack, readInsn, stackPcsAt, stackTrace } from './call-stacks';
export type { DisplayFrame } from './call-stacks';
import { WatchRequest, WatchpointSet } from './watchpoints';
import { GuestTrap, GuestTrapBreakpoints, guestTrapName } from './guest-trap-breakpoints';
import { FilterActions } from './filter-actions';
import { CodeBreakpoint } from './breakpoints';
import { armBreakpoints, guestTrapOf } from './breakpoint-placement';
import { formatLogMessage } from './logpoints';
import { BreakpointOptions, exitFilters, functionBreakpoints, instructionBreakpoints, sourceBreakpoints } from './breakpoint-requests';
import { saveDebugSnapshot } from './debug-snapshot';
import { evaluateConsole } from './console-commands';
import { ExitSiteNamer } from './exit-site-names';
import { ExitStackSampler } from './exit-stacks';
import { balloonStats } from '../hypervisor/balloon-stats';
import { RunOutcome, RunTarget, StepHost, stepLine, stepOut } from './line-steps';
import { StopHost, decideStop } from './stop-decisions';
import { ExitFlameGraph, FlameFrameNamer, exitFlameGraph } from './exit-flame';


export { DEBUG_BATCH } from './run-loop';
/** Minimum milliseconds between two 'stats' events while running. */
export const STATS_INTERVAL_MS = 250;

import type { DebugLaunchOptions, LogEvent, StopEvent } from './debugger-types';
export type { DebugLaunchOptions, LogEvent, StopEvent, StopKind } from './debugger-types';

// Code addresses (./address.ts): exact signed numbers, kernel addresses 0xffffffff8... included.
const pcOf = (h: Hart): number => codeAddrLoHi(h.pcLo, h.pcHi);
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** One debugged VM. */
export class GuestDebugger extends EventEmitter {
  /** The VM (a new one after `restart`). */
  vm!: Vm;
  readonly symbols: DebugSymbols[] = [];
  /**
   * Names the exit attribution's pcs (reads `symbols` as it is when a report is made); DWARF
   * names once the first stop has parsed it, so a running guest's reports never wait for it.
   */
  private readonly siteNamer = new ExitSiteNamer(this.symbols, false);
  readonly resolver: SourceResolver;
  /** Guest call stacks sampled at exits of one reason, for the flame graph (`exitFlameGraph`). */
  readonly exitStacks = new ExitStackSampler();
  private flameNamer?: FlameFrameNamer;
  /** Memory access of the current VM. */
  memory!: GuestMemory;
  /** Code breakpoints; their conditions are C expressions in the frame that hits (c-console.ts). */
  readonly breakpoints = new BreakpointSet((src) => this.compileCondition(src));
  readonly exitBreakpoints = new ExitBreakpoints();
  readonly watchpoints = new WatchpointSet(() => this.nextWatchId++);
  readonly guestTraps = new GuestTrapBreakpoints();
  /** 'stopped' after launch; 'running' while the VM runs; 'ended' after shutdown/terminate. */
  state: 'stopped' | 'running' | 'ended' = 'stopped';
  /** The last stop, for exceptionInfo and the VM exit scope. */
  lastStop?: StopEvent;
  private pauseRequested = false;
  private fatal?: string;
  private lastStatsAt = 0;
  private readonly decoder = new TextDecoder();
  /** Incremented by `restart`: loops of an older VM stop when they see it change. */
  private generation = 0;
  /** Checkpoints and replay for stepBack and reverseContinue. */
  readonly travel = new TimeTravel(() => this.vm);
  /** A replay is running: the guest's console output was shown the first time. */
  private replaying = false;
  /** Watchpoint ids, apart from the code breakpoints' ids. */
  private nextWatchId = 1_000_000;
  /** vCPUs stopped before an access to a watchpoint: their next instruction runs unwatched. */
  private readonly watchSkip = new Set<number>();
  /** The guest trap that stopped the hart (set by the onGuestTrap hook). */
  private guestTrapHit?: { filter: string; trap: GuestTrap };
  /** Per stopped vCPU, the inlined levels at the top of its stack shown as their calls (inline-frames.ts). */
  private readonly inlineHidden = new Map<number, number>();
  /** The vCPU threads (`threads` above 1), started at the first run of the VM. */
  private vcpuThreads?: DebugThreads;
  /** Set while the vCPU threads run: a stop decided there is reported once every vCPU is parked. */
  private deferred?: { e: StopEvent; hidden: number } | null;
  /** vCPUs that stay stopped while the others run (gdb's vCont naming threads); none by default. */
  private held: ReadonlySet<number> | null = null;
  /** Exception filters in log or count mode (filter-actions.ts). */
  readonly filterActions = new FilterActions((line) => this.emit('log', { text: line + '\n' } satisfies LogEvent));

  private constructor(private readonly options: DebugLaunchOptions, attachTo?: { vm: Vm; elf?: ElfFile }) {
    super();
    this.attached = attachTo !== undefined;
    const elf = attachTo ? this.instrument(attachTo.vm, attachTo.elf) : this.boot();
    if (elf) this.symbols.push(new DebugSymbols(elf));
    for (const s of options.extraSymbols ?? []) this.symbols.push(new DebugSymbols(s.elf, s.offset));
    this.resolver = new SourceResolver(dirname(resolve(options.cwd, options.programPath)), options.cwd, options.substitutePath);
  }

  /** Boots a new VM from the launch options, with the debugger's hooks and breakpoints; returns the kernel's ELF. */
  private boot(): ElfFile | undefined {
    const o = this.options;
    const booted = bootVirt({
      kernel: o.kernel, initrd: o.initrd, bootargs: o.bootargs, vcpus: o.vcpus, memory: o.memory, clock: o.clock,
      disks: o.disks, rng: o.rng, svadu: o.svadu, virtioConsole: o.virtioConsole, jit: o.jit, bios: o.bios, aia: o.aia, balloon: o.balloon, mmu: o.mmu, cpuVirt: o.cpuVirt,
      nics: o.network ? [o.network.nic()] : undefined, sharedMemory: (o.threads ?? 1) > 1,
      idleSleep: true, // an idle guest waits in host time, costing no CPU
      console: (b) => { if (!this.replaying) this.emit('output', this.decoder.decode(b, { stream: true })); },
    });
    const elf = this.instrument(booted.vm, booted.kernel.elf ?? undefined);
    // The threads load now, while the user sets breakpoints, not at the first continue.
    if ((o.threads ?? 1) > 1) this.vcpuThreads = new DebugThreads(this.vm, o.threads!);
    return elf;
  }

  /** Puts the debugger's hooks and breakpoints on `vm` and makes it the debugged VM; returns `elf`. */
  private instrument(vm: Vm, elf: ElfFile | undefined): ElfFile | undefined {
    this.vm = vm;
    this.memory = new GuestMemory(this.vm);
    registerGuestCpuViews(vm); // the guest's own CSRs where the hypervisor keeps them apart from the hart's
    this.vm.onExit = (r) => {
      this.exitStacks.note(r.reason, () => stackPcsAt(this.stackHost, r.vcpu, r.pc));
      if (!this.exitBreakpoints.active) return false;
      const filter = this.exitBreakpoints.match(r);
      return filter !== undefined && this.filterActions.matched(filter, () => {
        const error = this.exitBreakpoints.lastError;
        this.exitBreakpoints.lastError = undefined;
        return (error ? error + '; ' : '') + formatExitRecord(r);
      });
    };
    // A guest stuck faulting at its trap vector stops with the reason; continuing runs it on.
    this.vm.onFaultLoop = () => true;
    this.syncHartBreakpoints();
    const watches = this.watchpoints.hartList();
    for (const v of this.vm.vcpus) v.hart.setWatchpoints(watches);
    this.installGuestTrapHook();
    return elf;
  }

  /**
   * Re-boots the guest with the same configuration, stopped before its first instruction;
   * breakpoints of every kind stay. A run or step in progress on the old VM ends silently.
   */
  restart(): void {
    if (this.attached) throw new Error('a VM of the daemon is restarted with `hyperscope vm reset`, not by its debugger');
    this.generation++;
    this.stopThreads();
    this.travel.clear();
    this.boot();
    this.state = 'stopped';
    this.pauseRequested = false;
    this.fatal = undefined;
    this.lastStop = undefined;
    this.guestTrapHit = undefined;
    this.watchSkip.clear();
    this.filterActions.reset();
    this.exitStacks.clear();
    this.emit('stats', this.statsReport());
  }

  /** Boots the guest, stopped before its first instruction. Throws KernelFormatError/RangeError for bad input. */
  static launch(o: DebugLaunchOptions): GuestDebugger {
    return new GuestDebugger(o);
  }

  /**
   * Takes over a VM that is already running elsewhere (a VM of `hyperscope serve`), stopped
   * between two batches: its owner's run loop must have returned. `options` names the program
   * for sources and symbols; `elf` is the kernel's ELF when it is one. `detach` gives it back.
   */
  static attach(vm: Vm, options: DebugLaunchOptions, elf?: ElfFile): GuestDebugger {
    return new GuestDebugger(options, { vm, elf });
  }

  /** True for a debugger made by `attach`: ending it detaches, the VM lives on. */
  readonly attached: boolean;
  /** How the guest ended, when it did (an attached VM's owner carries on from there). */
  endStop?: 'shutdown' | 'failure' | 'reboot';

  /**
   * Gives an attached VM back to its owner (DAP disconnect without terminateDebuggee): a run
   * or step in progress ends quietly, every hook and breakpoint is taken off its harts, and
   * a vCPU stopped on a breakpoint executes that instruction when the owner runs it.
   */
  detach(): void {
    this.generation++;
    this.state = 'ended';
    const vm = this.vm;
    vm.onExit = undefined;
    vm.onFaultLoop = undefined;
    for (const v of vm.vcpus) {
      v.hart.clearBreakpoints();
      v.hart.setWatchpoints([]);
      v.hart.onGuestTrap = undefined;
      v.hart.resumeFromBreakpoint = false;
    }
    this.removeAllListeners();
  }

  /** Guest console output of an attached VM, whose console belongs to its owner (shown as 'output'). */
  guestOutput(bytes: Uint8Array): void {
    this.emit('output', this.decoder.decode(bytes, { stream: true }));
  }

  /** The hart of a vCPU (throws RangeError for a bad index). */
  hart(vcpu: number): Hart {
    const v = this.vm.vcpus[vcpu];
    if (!v) throw new RangeError(`no vCPU ${vcpu}`);
    return v.hart;
  }

  // ---- symbols ----

  /** The symbols holding an address (first that knows it). */
  private symbolsFor(addr: number): DebugSymbols | undefined {
    return symbolsFor(this.symbols, addr);
  }

  /** "name+0x10" for an address (a code address, or a 64-bit value), or undefined. */
  describeAddress(address: number | bigint): string | undefined {
    return describeAddress(this.symbols, address);
  }

  /** Source file (local path) and line of an address (a code address, or a 64-bit value). */
  sourceAt(address: number | bigint): { path: string; line: number; column: number } | undefined {
    return sourceAt(this.symbols, this.resolver, address);
  }

  /** Address of a symbol in any symbol file. */
  addressOfSymbol(name: string): number | undefined {
    return addressOfSymbol(this.symbols, name);
  }

  // ---- breakpoints ----

  /** Source breakpoints of one local file: per line, the line used and its addresses (empty: not placed). */
  setSourceBreakpoints(localPath: string, bps: (BreakpointOptions & { line: number })[]):
    { line: number; ids: number[]; addresses: number[]; error?: string }[] {
    const results = sourceBreakpoints(this.breakpoints, this.symbols, this.resolver, localPath, bps);
    this.syncHartBreakpoints();
    return results;
  }

  /** Function breakpoints (ELF symbols, DWARF functions and their inlined copies). */
  setFunctionBreakpoints(bps: (BreakpointOptions & { name: string })[]): { addresses: number[]; ids: number[]; error?: string }[] {
    const results = functionBreakpoints(this.breakpoints, this.symbols, bps);
    this.syncHartBreakpoints();
    return results;
  }

  /** Instruction breakpoints at absolute addresses. */
  setInstructionBreakpoints(bps: (BreakpointOptions & { address: number })[]): { ids: number[]; error?: string }[] {
    const results = instructionBreakpoints(this.breakpoints, bps);
    this.syncHartBreakpoints();
    return results;
  }

  /** Exit and guest trap breakpoints, each in a mode (stop, log, count); returns per filter undefined (accepted) or an error message. */
  setExitBreakpoints(specs: (ExitFilterSpec & { mode?: string })[]): (string | undefined)[] {
    const results = exitFilters(specs, this.filterActions, this.exitBreakpoints, this.guestTraps);
    this.installGuestTrapHook();
    return results;
  }

  /** Watchpoints on guest virtual addresses; per request its id, or why it was refused. */
  setDataBreakpoints(requests: WatchRequest[]): ({ id: number } | { error: string })[] {
    const results = this.watchpoints.replace(requests);
    const list = this.watchpoints.hartList();
    for (const v of this.vm.vcpus) v.hart.setWatchpoints(list);
    return results;
  }

  /** The hart hook exists only while a guest trap filter is enabled (no cost otherwise). */
  private installGuestTrapHook(): void {
    for (const v of this.vm.vcpus) {
      const h = v.hart;
      h.onGuestTrap = !this.guestTraps.active ? undefined : (_cause, interrupt) => {
        const trap = guestTrapOf(h, v.id, interrupt);
        const filter = this.guestTraps.match(trap);
        if (!filter) return false;
        const stop = this.filterActions.matched(filter, () => {
          const error = this.guestTraps.lastError;
          this.guestTraps.lastError = undefined;
          return (error ? error + '; ' : '') + `vcpu${trap.vcpu} ${guestTrapName(trap)} at 0x${trap.epc.toString(16)} from ${trap.fromUser ? 'VU' : 'VS'}-mode, stval 0x${trap.tval.toString(16)}`;
        });
        if (stop) this.guestTrapHit = { filter, trap };
        return stop;
      };
    }
  }

  private syncHartBreakpoints(extra?: number): void {
    const addrs = this.breakpoints.addresses();
    if (extra !== undefined) addrs.add(extra);
    for (const v of this.vm.vcpus) armBreakpoints(v.hart, addrs);
  }

  // ---- expressions ----

  /**
   * A breakpoint condition: parsed now (a syntax error refuses the breakpoint), evaluated as
   * C in the innermost frame of the vCPU that hits.
   */
  private compileCondition(src: string): CompiledExpr {
    const programs = this.symbols.map((s) => s.program()).filter((p) => p !== undefined);
    parseC(src, (name) => programs.some((p) => p!.namedType(name) !== undefined) || /^u?int(8|16|32|64)_t$|^[us](8|16|32|64)$/.test(name));
    return (env) => (conditionTest(this, env.vcpu ?? 0, src) ? 1n : 0n);
  }

  /** Names visible to expressions on a vCPU: registers ($a0 or a0), symbols; memory through its translation. */
  exprEnv(vcpu: number): ExprEnv {
    const h = this.hart(vcpu);
    return {
      vcpu,
      lookup: (name) => {
        const r = registerByName(name);
        if (r) return r.get(h);
        const a = this.addressOfSymbol(name);
        return a === undefined ? undefined : bigAddr(a);
      },
      read: (address, size) => {
        const b = this.memory.readVirt(h, address, size);
        if (!b || b.length < size) return undefined;
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        return v;
      },
    };
  }

  // ---- execution ----

  /**
   * Resumes all vCPUs, or (`only`) those while the others stay stopped; resolves when the VM
   * stops again (the 'stopped' event says why).
   */
  async continue(only?: number[]): Promise<void> {
    if (this.state !== 'stopped') return;
    if (this.fatal) { this.end(1); return; }
    this.travel.beforeResume();
    this.held = only ? new Set(this.vm.vcpus.map((v) => v.id).filter((id) => !only.includes(id))) : null;
    try {
      await this.runLoop();
    } finally {
      this.held = null;
    }
  }

  /**
   * DAP stepBack: `vcpu` goes back one instruction, or (`line`) to the first instruction of the
   * source line before the current one, through a checkpoint and a replay (reverse-steps.ts).
   * Throws TimeTravelError (one line) when it cannot.
   */
  async stepBack(vcpu: number, granularity: 'instruction' | 'line'): Promise<void> {
    if (this.state !== 'stopped' || this.isEnded()) return;
    const why = this.reverseProblem();
    if (why) throw new TimeTravelError(why);
    const error = stepBack(this.reverseHost, vcpu, granularity);
    this.stopped({ reason: 'step', vcpu, description: error ? `step back: ${error}` : 'step back', text: error });
  }

  /**
   * Writes the stopped VM to a snapshot file that `hyperscope run --restore` continues (every
   * vCPU is at an instruction boundary at a stop). Returns its size and the VM's instructions.
   */
  saveSnapshot(path: string): { bytes: number; instructions: number } {
    if (this.state !== 'stopped' || this.isEnded()) throw new TimeTravelError('stop the guest first: a snapshot is taken at a stop');
    return saveDebugSnapshot(this.vm, this.options, path);
  }

  /** Why the VM cannot go back one instruction now (one line), or null. */
  reverseProblem(): string | null {
    return reverseProblem(this.travel);
  }

  /**
   * DAP reverseContinue: back to the last point before now where the VM stopped, or would
   * have, for a code breakpoint, a watchpoint or an exit filter (reverse-steps.ts).
   */
  async reverseContinue(): Promise<void> {
    if (this.state !== 'stopped' || this.isEnded()) return;
    const why = this.reverseProblem();
    if (why) throw new TimeTravelError(why);
    this.stopped(reverseContinue(this.reverseHost, this.lastStop?.vcpu ?? 0));
  }

  /** Why the VM cannot travel to traced exit `seq` now (one line), or null. */
  goToExitProblem(seq: number): string | null {
    if (this.state !== 'stopped' || this.isEnded()) return 'stop the guest first: it travels from a stop';
    return goToExitProblem(this.reverseHost, seq);
  }

  /**
   * "Go to this exit" (the VM Exits view): back, or forward within the recorded past, to the
   * moment of traced exit `seq`, its trapping instruction not yet executed (reverse-steps.ts).
   */
  async goToExit(seq: number): Promise<void> {
    const why = this.goToExitProblem(seq);
    if (why) throw new TimeTravelError(why);
    this.stopped(goToExit(this.reverseHost, seq));
  }

  /** What reverse execution uses of this debugger. */
  private readonly reverseHost: ReverseHost = ((d: GuestDebugger): ReverseHost => ({
    get vm() { return d.vm; },
    get travel() { return d.travel; },
    hart: (vcpu) => d.hart(vcpu),
    sourceAt: (address) => d.sourceAt(address),
    quietly: (fn) => d.quietly(fn),
    armForReplay: () => {
      d.syncHartBreakpoints();
      d.vm.onExit = (r) => d.exitBreakpoints.active && d.exitBreakpoints.match(r) !== undefined;
      return d.watchpoints.hartList();
    },
  }))(this);

  /** Runs a replay with the console muted and the debugger's hooks off, and puts them back. */
  private quietly(fn: () => void): void {
    const onExit = this.vm.onExit, onFaultLoop = this.vm.onFaultLoop;
    for (const v of this.vm.vcpus) {
      v.hart.clearBreakpoints();
      v.hart.setWatchpoints([]);
      v.hart.onGuestTrap = undefined;
    }
    this.vm.onExit = undefined;
    this.vm.onFaultLoop = undefined;
    this.replaying = true;
    try {
      fn();
    } finally {
      this.replaying = false;
      this.vm.onExit = onExit;
      this.vm.onFaultLoop = onFaultLoop;
      this.syncHartBreakpoints();
      for (const v of this.vm.vcpus) v.hart.setWatchpoints(this.watchpoints.hartList());
      this.installGuestTrapHook();
      this.watchSkip.clear();
      this.guestTrapHit = undefined;
    }
  }

  /** Asks a running VM to stop; the 'stopped' event (reason pause) follows within one batch. */
  pause(): void {
    if (this.state !== 'running') return;
    this.pauseRequested = true;
    this.vcpuThreads?.interrupt();
  }

  /** Executes one instruction of `vcpu` (the others stay stopped). */
  async stepInstruction(vcpu: number): Promise<void> {
    if (!this.beginStep()) return;
    if (this.stepOnce(vcpu) === 'ok') this.stopped({ reason: 'step', vcpu, description: 'step' });
  }

  /**
   * Steps `vcpu` to the start of the next source line, as gdb's `next`/`step` (line-steps.ts).
   */
  async stepLine(vcpu: number, mode: 'over' | 'in'): Promise<void> {
    if (this.beginStep()) await stepLine(this.stepHost, vcpu, mode);
  }

  /** Runs until the current function of `vcpu` returns to its caller, as gdb's `finish` (line-steps.ts). */
  async stepOut(vcpu: number): Promise<void> {
    if (this.beginStep()) await stepOut(this.stepHost, vcpu);
  }

  /** True once the VM has shut down or been terminated (a method: state changes across awaits). */
  isEnded(): boolean {
    return this.state === 'ended';
  }

  /** What line steps use of this debugger. */
  private readonly stepHost: StepHost = ((d: GuestDebugger): StepHost => ({
    get vm() { return d.vm; },
    hart: (vcpu) => d.hart(vcpu),
    symbolsFor: (addr) => d.symbolsFor(addr),
    readInsn: (h, addr) => d.readInsn(h, addr),
    stackTrace: (vcpu) => d.stackTrace(vcpu),
    hiddenAt: (vcpu) => d.inlineHidden.get(vcpu) ?? 0,
    stepOnce: (vcpu) => d.stepOnce(vcpu),
    runTo: async (target) => {
      const out = await d.runLoop(target);
      if (out === 'target') d.state = 'running';
      return out;
    },
    stopped: (e, hidden) => d.stopped(e, hidden),
    get generation() { return d.generation; },
    interrupted: async (vcpu, gen) => {
      await yieldToLoop();
      if (d.generation !== gen || d.isEnded()) return true;
      if (d.pauseRequested) { d.stopped({ reason: 'pause', vcpu, description: 'paused' }); return true; }
      return false;
    },
  }))(this);

  private beginStep(): boolean {
    if (this.state !== 'stopped') return false;
    if (this.fatal) { this.end(1); return false; }
    this.travel.beforeResume(true);
    this.state = 'running';
    this.pauseRequested = false;
    return true;
  }

  /** One instruction of one vCPU, retried over exits that do not move it (page mapped on demand). */
  private stepOnce(vcpu: number): 'ok' | 'stopped' | 'ended' {
    const stop = this.stepRaw(vcpu, this.watchSkip.delete(vcpu));
    if (!stop) return 'ok';
    const out = this.handleStop(stop, undefined);
    return out === 'target' || out === 'resume' ? 'ok' : this.state === 'ended' ? 'ended' : 'stopped';
  }

  /** One instruction of one vCPU (unwatched when `unwatched`: the access a watchpoint stopped), retried over exits that do not move it. */
  private stepRaw(vcpu: number, unwatched: boolean): VmStop | null {
    const v = this.vm.vcpus[vcpu];
    const h = v.hart;
    const pc0 = pcOf(h), n0 = h.instret;
    if (unwatched) h.setWatchpoints([]);
    try {
      for (let k = 0; k < 8 && v.state === 'runnable'; k++) {
        const stop = this.vm.stepVcpu(vcpu);
        if (stop) return stop;
        if (pcOf(h) !== pc0 || h.instret !== n0) break;
      }
      return null;
    } finally {
      if (unwatched) h.setWatchpoints(this.watchpoints.hartList());
    }
  }

  /** The run loop (run-loop.ts): batches of DEBUG_BATCH instructions until a stop, the target, or the end. */
  private runLoop(target?: RunTarget): Promise<RunOutcome> {
    return runLoop(this.runHost, target);
  }

  /** What the run loop uses of this debugger. */
  private readonly runHost: RunHost = ((d: GuestDebugger): RunHost => ({
    get vm() { return d.vm; },
    get generation() { return d.generation; },
    get threads() { return d.options.threads ?? 1; },
    get vcpuThreads() { return d.vcpuThreads; },
    get held() { return d.held; },
    get pauseRequested() { return d.pauseRequested; },
    get watchpoints() { return d.watchpoints; },
    get guestTraps() { return d.guestTraps; },
    get watchSkip() { return d.watchSkip; },
    schedulerGate: () => (d.options.sched ? schedulerGate(d.vm, d.options.sched) : null),
    breakpointAddresses: () => d.breakpoints.addresses(),
    armBreakpoints: (extra) => d.syncHartBreakpoints(extra),
    running: () => { d.state = 'running'; d.pauseRequested = false; },
    isEnded: () => d.isEnded(),
    lastStopVcpu: () => d.lastStop?.vcpu ?? 0,
    stepOnce: (vcpu) => d.stepOnce(vcpu),
    handleStop: (stop, target) => d.handleStop(stop, target),
    stopped: (e, hidden) => d.stopped(e, hidden),
    maybeEmitStats: () => d.maybeEmitStats(),
    deferStops: () => { d.deferred = null; },
    takeDeferred: () => { const x = d.deferred ?? null; d.deferred = undefined; return x; },
  }))(this);

  /** Ends the vCPU threads of the current VM (they hold no state the VM's thread lacks while stopped). */
  private stopThreads(): void {
    void this.vcpuThreads?.terminate();
    this.vcpuThreads = undefined;
  }

  /** Maps a VM stop to an outcome, emitting 'stopped'/'terminated' as needed (stop-decisions.ts). */
  private handleStop(stop: VmStop, target: RunTarget | undefined): RunOutcome | 'resume' {
    return decideStop(this.stopHost, stop, target);
  }

  /** What the stop decisions use of this debugger. */
  private readonly stopHost: StopHost = ((d: GuestDebugger): StopHost => ({
    breakpoints: d.breakpoints, exitBreakpoints: d.exitBreakpoints, guestTraps: d.guestTraps, watchpoints: d.watchpoints,
    hart: (vcpu) => d.hart(vcpu),
    exprEnv: (vcpu) => d.exprEnv(vcpu),
    symbolsFor: (addr) => d.symbolsFor(addr),
    logpoint: (bp, vcpu) => d.logpoint(bp, vcpu),
    breakpointError: (bp) => d.emit('breakpointError', { id: bp.id, message: `condition '${bp.conditionText}' cannot be evaluated: ${bp.conditionError}` }),
    stopped: (e, hidden) => d.stopped(e, hidden),
    ended: (how) => { d.endStop = how; d.end(how === 'failure' ? 1 : 0); },
    failed: (text) => { d.fatal = text; },
    takeGuestTrapHit: () => { const g = d.guestTrapHit; d.guestTrapHit = undefined; return g; },
    stepUnwatched: (vcpu) => d.stepRaw(vcpu, true),
    skipWatchOnce: (vcpu) => { d.watchSkip.add(vcpu); },
  }))(this);

  /** A logpoint was hit: its message, with each `{expression}` as the Debug Console evaluates it. */
  private logpoint(bp: CodeBreakpoint, vcpu: number): void {
    if (!bp.logMessage) return;
    const text = formatLogMessage(bp.logMessage, (expr) => evaluateConsole(this, vcpu, expr).text);
    this.emit('log', { text: text + '\n', source: this.sourceAt(bp.address) } satisfies LogEvent);
  }

  /** Reports a stop; `hidden` inlined levels at the top of the vCPU's stack are shown as their calls. */
  private stopped(e: StopEvent, hidden = 0): void {
    if (this.deferred !== undefined) {
      this.deferred = { e, hidden };
      return;
    }
    this.vm.pause(); // guest time stands still while the user looks
    this.inlineHidden.clear();
    if (hidden > 0) this.inlineHidden.set(e.vcpu, hidden);
    this.state = 'stopped';
    this.pauseRequested = false;
    this.lastStop = e;
    const counted = this.filterActions.stopSummary();
    if (counted) this.emit('log', { text: counted + '\n' } satisfies LogEvent);
    this.emit('stats', this.statsReport());
    this.lastStatsAt = performance.now();
    this.emit('stopped', e);
  }

  private end(code: number): void {
    if (this.isEnded()) return;
    this.state = 'ended';
    this.stopThreads();
    this.emit('stats', this.statsReport());
    this.emit('exited', code);
    this.emit('terminated');
  }

  /** Stops everything for good (terminate/disconnect). */
  terminate(): void {
    this.end(0);
  }

  /**
   * Stops a run or step that failed inside the debugger (not the guest's doing), so the user
   * sees why and can still inspect, step or end the session.
   */
  fail(message: string): void {
    if (this.state !== 'running') return;
    this.generation++; // a loop still pending on the event loop ends quietly
    this.stopped({ reason: 'exception', vcpu: this.lastStop?.vcpu ?? 0, description: 'debugger error', text: message });
  }

  /** Sends the announced stop on entry (after configuration). */
  reportEntry(): void {
    this.stopped({ reason: 'entry', vcpu: 0, description: 'entry' });
  }

  private maybeEmitStats(): void {
    const now = performance.now();
    if (now - this.lastStatsAt < STATS_INTERVAL_MS) return;
    this.lastStatsAt = now;
    this.emit('stats', this.statsReport());
  }

  /** The exit statistics now, the guest code behind each exit reason named from the loaded symbols. */
  statsReport(): ExitStatsReport {
    const report = this.siteNamer.name(this.vm.stats.report());
    const balloon = balloonStats(this.vm);
    if (balloon) report.balloon = balloon;
    return report;
  }

  // ---- inspection ----

  /** Instruction bits at a guest virtual address of a vCPU's address space. */
  readInsn(h: Hart, addr: bigint): number | undefined {
    return readInsn(this.memory, h, addr);
  }

  /**
   * The call stack for display, innermost first: each unwound frame with the functions
   * inlined at its pc (as gdb shows them), each level with its source line.
   */
  callStack(vcpu: number): DisplayFrame[] {
    return callStack(this.stackHost, vcpu, this.inlineHidden.get(vcpu) ?? 0);
  }

  /** The flame graph of the guest call stacks sampled at exits so far (names from the loaded symbols). */
  exitFlameGraph(): ExitFlameGraph {
    this.flameNamer ??= new FlameFrameNamer(this.symbols, (p) => this.resolver.toLocal(p));
    return exitFlameGraph(this.exitStacks.snapshot(), this.flameNamer);
  }

  /** The call stack of a vCPU, innermost first (the unwound frames, one per activation). */
  stackTrace(vcpu: number): StackFrame[] {
    return stackTrace(this.stackHost, vcpu);
  }

  /** What the stack views read of this debugger. */
  private readonly stackHost: StackHost = ((d: GuestDebugger): StackHost => ({
    get memory() { return d.memory; },
    hart: (vcpu) => d.hart(vcpu),
    symbolsFor: (addr) => d.symbolsFor(addr),
    sourceAt: (addr) => d.sourceAt(addr),
    toLocal: (path) => d.resolver.toLocal(path),
  }))(this);
}
