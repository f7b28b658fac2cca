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
import type { VmNetwork } from '../net/net-config';
import { EventEmitter } from 'node:events';
import { dirname, resolve } from 'node:path';
import { diskRecord, snapshotVirt } from '../machine/virt-snapshot';
import { writeFileSync } from 'node:fs';
import { TimeTravel, TimeTravelError } from './time-travel';
import { bootVirt } from '../machine/virt-board';
import type { ElfFile } from '../machine/loaders/elf';
import type { BlockBackend } from '../devices/virtio/block/backend';
import type { Vm, VmStop } from '../hypervisor/vm';
import type { ClockKind } from '../hypervisor/clock';
import type { ExitRecord } from '../hypervisor/trace/exit-trace';
import type { ExitStatsReport } from '../hypervisor/stats/report';
import { formatExitRecord } from '../hypervisor/trace/format';
import type { Hart } from '../hart/hart';
import { BreakpointRequest, BreakpointSet } from './breakpoints';
import { DebugSymbols } from './debug-symbols';
import { bigAddr, codeAddr, codeAddrLoHi, isCodeAddr, loHiOf } from './address';
import { ExitBreakpoints, ExitFilterSpec } from './exit-breakpoints';
import { CompiledExpr, ExprEnv } from './expression';
import { parseC } from './c-parser';
import { conditionTest } from './c-console';
import { GuestMemory } from './guest-memory';
import { readRegister, registerByName } from './registers';
import { PathSubstitution, SourceResolver } from './source-resolver';
import { StackFrame, unwindStack } from './unwind';
import { WatchAccess, WatchRequest, WatchpointSet } from './watchpoints';
import { GUEST_TRAP_FILTER_IDS, GuestTrap, GuestTrapBreakpoints, guestTrapName } from './guest-trap-breakpoints';
import { Slot } from '../hart/hart-state';
import { FilterActions, FilterMode, parseFilterMode } from './filter-actions';
import { CodeBreakpoint } from './breakpoints';
import { formatLogMessage } from './logpoints';
import { evaluateConsole } from './console-commands';
import { hiddenForLine, inlinedDepth, levelsEnteredAt, shownLine } from './inline-frames';
import { ExitSiteNamer } from './exit-site-names';
import { ExitStackSampler } from './exit-stacks';
import { balloonStats } from '../hypervisor/balloon-stats';
import { ExitFlameGraph, FlameFrameNamer, exitFlameGraph } from './exit-flame';


/** Instructions a line-granularity step back goes back at most (each is a replay from a checkpoint). */
const LINE_BACK_LIMIT = 200;
/** Instructions per batch between two visits to the event loop (a few ms of guest time). */
export const DEBUG_BATCH = 200_000;
/** Minimum milliseconds between two 'stats' events while running. */
export const STATS_INTERVAL_MS = 250;

/** How to start the guest. */
export interface DebugLaunchOptions {
  kernel: Uint8Array;
  /** Path of the program (relative source paths are searched from its folder). */
  programPath: string;
  initrd?: Uint8Array;
  bootargs?: string;
  vcpus: number;
  memory: number;
  clock: ClockKind;
  cwd: string;
  substitutePath?: PathSubstitution[];
  /** Extra symbol files (user programs) with their load offsets. */
  extraSymbols?: { elf: ElfFile; offset: number }[];
  /** Virtio block disks (the caller opens and closes them) and an entropy device, as bootVirt takes them. */
  disks?: BlockBackend[];
  rng?: boolean;
  /** False: PTEs without A/D fault (QEMU's svadu=off), as `hyperscope run --no-svadu`. */
  svadu?: boolean;
  /** Add a virtio console, as `hyperscope run --virtio-console`. */
  virtioConsole?: boolean;
  /** False: interpret every instruction (no block translation), as `hyperscope run --no-jit`. */
  jit?: boolean;
  /** 'none': the kernel starts in its own M-mode, as `hyperscope run --bios none`. */
  bios?: 'default' | 'none';
  /** AIA (APLIC + IMSICs) instead of the PLIC, as `hyperscope run --aia`. */
  aia?: boolean;
  /** A virtio memory balloon with its initial target in bytes, as `hyperscope run --balloon-target`. */
  balloon?: { target?: number };
  /** 'shadow': the hypervisor's shadow page tables instead of the G-stage, as `hyperscope run --mmu shadow`. */
  mmu?: 'two-stage' | 'shadow';
  /** A virtio network device on this network (the caller creates and closes it), as `hyperscope run --net`. */
  network?: VmNetwork;
}

/** Why the VM stopped, for the adapter's stopped event. */
export type StopKind = 'entry' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint' | 'step' | 'pause' | 'exception';

/** A stop. */
export interface StopEvent {
  reason: StopKind;
  /** The vCPU that stopped (all others stop too). */
  vcpu: number;
  /** Short text for the UI. */
  description: string;
  /** Longer text (exit details, condition errors). */
  text?: string;
  /** The code breakpoints that were hit. */
  breakpointIds?: number[];
  /** For exit breakpoints: the filter and the exit. */
  exit?: { filter: string; record: ExitRecord };
  /** For guest trap breakpoints: the filter and the trap. */
  guestTrap?: { filter: string; trap: GuestTrap };
  /** For a fatal VM error. */
  fatal?: string;
  /** For a watchpoint: the access that hit (not yet performed) and the watched range. */
  watch?: { address: bigint; size: number; write: boolean; watched: bigint; access: WatchAccess };
}

/** A line for the Debug Console that is not guest output: a logpoint's message, an exit logged or counted. */
export interface LogEvent {
  /** The text, ending with a newline. */
  text: string;
  /** Where a logpoint is (local source path and line). */
  source?: { path: string; line: number; column: number };
}

/** A frame as the user sees it: the unwound frames expanded into the functions inlined there. */
export interface DisplayFrame {
  /** The frame's pc (a return address for callers); inlined levels share their frame's pc. */
  pc: bigint;
  name?: string;
  /** Local source position: the pc's line, or for an outer level the call of the inlined function. */
  source?: { path: string; line: number; column: number };
  /** True for an inlined function (it has no frame of its own on the stack). */
  inlined: boolean;
  /** The unwound frame this level belongs to (an index into stackTrace). */
  physical: number;
  /** The inline level within that frame: 0 is the innermost function at its pc. */
  inlineLevel: number;
}

/** A code location to run to while stepping, with a predicate on the vCPU state. */
interface RunTarget { vcpu: number; address: number; until: (h: Hart) => boolean }

type RunOutcome = 'target' | 'stopped' | 'ended';

// Code addresses (./address.ts): exact signed numbers, kernel addresses 0xffffffff8... included.
const pcOf = (h: Hart): number => codeAddrLoHi(h.pcLo, h.pcHi);
const spOf = (h: Hart): number => codeAddrLoHi(h.x[4], h.x[5]);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** True when the instruction bits are a call (jal/jalr/c.jalr with rd = ra). */
export function isCall(raw: number): boolean {
  if ((raw & 3) !== 3) return (raw & 0xf07f) === 0x9002 && ((raw >> 7) & 31) !== 0; // c.jalr
  const op = raw & 0x7f;
  return (op === 0x6f || op === 0x67) && ((raw >> 7) & 31) === 1;
}

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
  /** Exception filters in log or count mode (filter-actions.ts). */
  /** Per stopped vCPU, the inlined levels at the top of its stack shown as their calls (inline-frames.ts). */
  private readonly inlineHidden = new Map<number, number>();
  readonly filterActions = new FilterActions((line) => this.emit('log', { text: line + '\n' } satisfies LogEvent));

  private constructor(private readonly options: DebugLaunchOptions) {
    super();
    const elf = this.boot();
    if (elf) this.symbols.push(new DebugSymbols(elf));
    for (const s of options.extraSymbols ?? []) this.symbols.push(new DebugSymbols(s.elf, s.offset));
    this.resolver = new SourceResolver(dirname(resolve(options.cwd, options.programPath)), options.cwd, options.substitutePath);
  }

  /** Boots a new VM from the launch options, with the debugger's hooks and breakpoints; returns the kernel's ELF. */
  private boot(): ElfFile | undefined {
    const o = this.options;
    const booted = bootVirt({
      kernel: o.kernel, initrd: o.initrd, bootargs: o.bootargs, vcpus: o.vcpus, memory: o.memory, clock: o.clock,
      disks: o.disks, rng: o.rng, svadu: o.svadu, virtioConsole: o.virtioConsole, jit: o.jit, bios: o.bios, aia: o.aia, balloon: o.balloon, mmu: o.mmu,
      nics: o.network ? [o.network.nic()] : undefined,
      idleSleep: true, // an idle guest waits in host time, costing no CPU
      console: (b) => { if (!this.replaying) this.emit('output', this.decoder.decode(b, { stream: true })); },
    });
    this.vm = booted.vm;
    this.memory = new GuestMemory(this.vm);
    this.vm.onExit = (r) => {
      this.exitStacks.note(r.reason, () => this.stackPcsAt(r.vcpu, r.pc));
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
    return booted.kernel.elf ?? undefined;
  }

  /**
   * Re-boots the guest with the same configuration, stopped before its first instruction;
   * breakpoints of every kind stay. A run or step in progress on the old VM ends silently.
   */
  restart(): void {
    this.generation++;
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

  /** The hart of a vCPU (throws RangeError for a bad index). */
  hart(vcpu: number): Hart {
    const v = this.vm.vcpus[vcpu];
    if (!v) throw new RangeError(`no vCPU ${vcpu}`);
    return v.hart;
  }

  // ---- symbols ----

  /** The symbols holding an address (first that knows it). */
  private symbolsFor(addr: number): DebugSymbols | undefined {
    return this.symbols.find((s) => s.symbolAt(addr) || s.lineAt(addr)) ?? this.symbols[0];
  }

  /** "name+0x10" for an address (a code address, or a 64-bit value), or undefined. */
  describeAddress(address: number | bigint): string | undefined {
    const addr = typeof address === 'bigint' ? codeAddr(address) : address;
    for (const s of this.symbols) {
      const d = s.describe(addr);
      if (d) return d;
    }
    return undefined;
  }

  /** Source file (local path) and line of an address (a code address, or a 64-bit value). */
  sourceAt(address: number | bigint): { path: string; line: number; column: number } | undefined {
    const addr = typeof address === 'bigint' ? codeAddr(address) : address;
    for (const s of this.symbols) {
      const l = s.lineAt(addr);
      if (l) return { path: this.resolver.toLocal(l.path), line: l.line, column: l.column };
    }
    return undefined;
  }

  /** Address of a symbol in any symbol file. */
  addressOfSymbol(name: string): number | undefined {
    for (const s of this.symbols) {
      const a = s.addressOf(name);
      if (a !== undefined) return a;
    }
    return undefined;
  }

  // ---- breakpoints ----

  /** Source breakpoints of one local file: per line, the line used and its addresses (empty: not placed). */
  setSourceBreakpoints(localPath: string, bps: { line: number; condition?: string; hitCondition?: string; logMessage?: string }[]):
    { line: number; ids: number[]; addresses: number[]; error?: string }[] {
    // Which recorded paths are this file: once per request, not once per breakpoint.
    const recordedIn = this.symbols.map((s) => ({ s, paths: this.resolver.matching(localPath, s.files) }));
    const placed = bps.map((b) => {
      for (const { s, paths } of recordedIn) {
        for (const recorded of paths) {
          const hit = s.addressesForLine(recorded, b.line);
          if (hit) return { line: hit.line, addresses: hit.addresses };
        }
      }
      return { line: b.line, addresses: [] as number[] };
    });
    const results = this.breakpoints.replace(`source:${resolve(localPath)}`, bps.map((b, i) => ({
      kind: 'source', addresses: placed[i].addresses, line: placed[i].line, condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
    }) as BreakpointRequest));
    this.syncHartBreakpoints();
    return results.map((r, i) => ({
      line: placed[i].line, addresses: placed[i].addresses,
      ids: 'ids' in r ? r.ids : [], error: 'error' in r ? r.error : placed[i].addresses.length ? undefined : 'no code at this line',
    }));
  }

  /** Function breakpoints (ELF symbols, DWARF functions and their inlined copies). */
  setFunctionBreakpoints(bps: { name: string; condition?: string; hitCondition?: string; logMessage?: string }[]):
    { addresses: number[]; ids: number[]; error?: string }[] {
    const addrs = bps.map((b) => {
      const out: number[] = [];
      for (const s of this.symbols) out.push(...s.functionAddresses(b.name.trim()));
      if (out.length === 0 && /^(0x[0-9a-f]+|\d+)$/i.test(b.name.trim())) out.push(codeAddr(BigInt(b.name.trim())));
      return out;
    });
    const results = this.breakpoints.replace('function', bps.map((b, i) => ({
      kind: 'function', addresses: addrs[i], condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
    })));
    this.syncHartBreakpoints();
    return results.map((r, i) => ({
      addresses: addrs[i], ids: 'ids' in r ? r.ids : [],
      error: 'error' in r ? r.error : addrs[i].length ? undefined : `no function '${bps[i].name}'`,
    }));
  }

  /** Instruction breakpoints at absolute addresses. */
  setInstructionBreakpoints(bps: { address: number; condition?: string; hitCondition?: string; logMessage?: string }[]):
    { ids: number[]; error?: string }[] {
    const results = this.breakpoints.replace('instruction', bps.map((b) => ({
      kind: 'instruction', addresses: [b.address], condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
    })));
    this.syncHartBreakpoints();
    return results.map((r) => ('ids' in r ? { ids: r.ids } : { ids: [], error: r.error }));
  }

  /** Exit and guest trap breakpoints, each in a mode (stop, log, count); returns per filter undefined (accepted) or an error message. */
  setExitBreakpoints(specs: (ExitFilterSpec & { mode?: string })[]): (string | undefined)[] {
    const modes = new Map<string, FilterMode>();
    const modeErrors = specs.map((s) => {
      try {
        modes.set(s.filter, parseFilterMode(s.mode));
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    });
    this.filterActions.setModes(modes);
    // A filter with an unknown mode is refused, not enabled in another mode.
    const usable = specs.filter((_, i) => !modeErrors[i]);
    const isGuest = (s: ExitFilterSpec) => GUEST_TRAP_FILTER_IDS.includes(s.filter);
    const exitErrors = this.exitBreakpoints.set(usable.filter((s) => !isGuest(s)));
    const guestErrors = this.guestTraps.set(usable.filter(isGuest));
    this.installGuestTrapHook();
    let e = 0, g = 0;
    return specs.map((s, i) => modeErrors[i] ?? (isGuest(s) ? guestErrors[g++] : exitErrors[e++]));
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
      h.onGuestTrap = !this.guestTraps.active ? undefined : (cause, interrupt) => {
        const big = (slot: Slot) => (BigInt(h.hi(slot) >>> 0) << 32n) | BigInt(h.lo(slot) >>> 0);
        const trap: GuestTrap = {
          vcpu: v.id, cause: big(Slot.VSCAUSE) & ((1n << 63n) - 1n), interrupt, tval: big(Slot.VSTVAL), epc: big(Slot.VSEPC),
          pc: bigAddr(pcOf(h)), fromUser: (h.lo(Slot.VSSTATUS) & 0x100) === 0, // sstatus.SPP
        };
        void cause;
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
    for (const v of this.vm.vcpus) {
      v.hart.clearBreakpoints();
      for (const a of addrs) {
        if (!isCodeAddr(a)) continue;
        const { lo, hi } = loHiOf(a);
        v.hart.addBreakpoint(lo, hi);
      }
    }
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

  /** Resumes all vCPUs; resolves when the VM stops again (the 'stopped' event says why). */
  async continue(): Promise<void> {
    if (this.state !== 'stopped') return;
    if (this.fatal) { this.end(1); return; }
    this.travel.beforeResume();
    const out = await this.runLoop();
    void out;
  }

  /**
   * DAP stepBack: `vcpu` goes back one instruction, or (`line`) to the first instruction of the
   * source line before the current one, through a checkpoint and a replay (time-travel.ts).
   * Throws TimeTravelError (one line) when it cannot.
   */
  async stepBack(vcpu: number, granularity: 'instruction' | 'line'): Promise<void> {
    if (this.state !== 'stopped' || this.isEnded()) return;
    const why = this.reverseProblem();
    if (why) throw new TimeTravelError(why);
    const here = this.travel.position();
    let error: string | undefined;
    this.quietly(() => {
      try {
        this.travel.travelTo(here - 1);
        if (granularity === 'line') this.backToLineStart(here);
      } catch (e) {
        if (!(e instanceof TimeTravelError)) throw e;
        error = e.message; // as far back as it got
      }
    });
    this.stopped({ reason: 'step', vcpu, description: error ? `step back: ${error}` : 'step back', text: error });
  }

  /**
   * Writes the stopped VM to a snapshot file that `hyperscope run --restore` continues (every
   * vCPU is at an instruction boundary at a stop). Returns its size and the VM's instructions.
   */
  saveSnapshot(path: string): { bytes: number; instructions: number } {
    if (this.state !== 'stopped' || this.isEnded()) throw new TimeTravelError('stop the guest first: a snapshot is taken at a stop');
    const o = this.options;
    const disks = (o.disks ?? []).map((d) => {
      const p = (d as { path?: string }).path;
      if (p === undefined) throw new TimeTravelError('a disk that is not a file cannot be recorded in a snapshot');
      return diskRecord(p, d.readOnly);
    });
    const file = snapshotVirt(this.vm, {
      vcpus: o.vcpus, memory: o.memory, clock: o.clock, bios: o.bios ?? 'default', svadu: o.svadu ?? true,
      virtioConsole: o.virtioConsole ?? false, rng: o.rng ?? false, disks,
    });
    writeFileSync(path, file);
    return { bytes: file.length, instructions: this.vm.instructions };
  }

  /** Why the VM cannot go back one instruction now (one line), or null. */
  reverseProblem(): string | null {
    const why = this.travel.unsupported();
    if (why) return why;
    const here = this.travel.position();
    if (here === 0) return 'at the first instruction: there is no past';
    const oldest = this.travel.positions()[0];
    if (oldest === undefined || oldest > here - 1) return 'no checkpoint before this point (the VM has not run since it stopped here)';
    return null;
  }

  /**
   * From one instruction back: goes on back while the line stays the one the current
   * instruction belongs to, then to the first instruction of the line before it (at most
   * LINE_BACK_LIMIT instructions, each a replay).
   */
  private backToLineStart(from: number): void {
    const lineOf = (): string | undefined => {
      const s = this.sourceAt(pcOf(this.hart(0)));
      return s ? `${s.path}:${s.line}` : undefined;
    };
    const h = this.hart(0);
    const start = lineOf();
    if (start === undefined) return;
    this.travel.travelTo(from);
    const current = lineOf();
    this.travel.travelTo(from - 1);
    let line = lineOf();
    for (let n = 0; n < LINE_BACK_LIMIT && line === current && h.instret > 0; n++) {
      this.travel.travelTo(h.instret - 1);
      line = lineOf();
    }
    const target = line;
    for (let n = 0; n < LINE_BACK_LIMIT && h.instret > 0; n++) {
      const at = h.instret;
      this.travel.travelTo(at - 1);
      if (lineOf() !== target) {
        this.travel.travelTo(at);
        break;
      }
    }
  }

  /**
   * DAP reverseContinue: back to the last point before now where the VM stopped, or would
   * have, for a code breakpoint, a watchpoint or an exit filter (conditions and hit counts are
   * not evaluated on the way back); to the start of the recorded past when there is none.
   */
  async reverseContinue(): Promise<void> {
    if (this.state !== 'stopped' || this.isEnded()) return;
    const why = this.reverseProblem();
    if (why) throw new TimeTravelError(why);
    const here = this.travel.position();
    const positions = this.travel.positions();
    let hit: { position: number; stop: VmStop } | undefined;
    this.quietly(() => {
      this.syncHartBreakpoints();
      const watches = this.watchpoints.hartList();
      const h = this.hart(0);
      h.setWatchpoints(watches);
      this.vm.onExit = (r) => this.exitBreakpoints.active && this.exitBreakpoints.match(r) !== undefined;
      for (let k = positions.length - 1; k >= 0 && !hit; k--) {
        if (positions[k] >= here) continue;
        const end = Math.min(here, positions[k + 1] ?? here);
        this.travel.replayFrom(k, end, (s) => {
          // A stop at `here` is the one the VM stands at (or comes after it): not the past.
          if (s.position < here) hit = s;
          if (s.stop.kind === 'breakpoint' && s.stop.cause === 'watchpoint') {
            h.watchHit = null;
            h.setWatchpoints([]);
            this.vm.stepVcpu(0);
            h.setWatchpoints(watches);
          }
        });
      }
      this.travel.travelTo(hit ? hit.position : positions[0] ?? here);
    });
    if (!hit) {
      this.stopped({ reason: 'step', vcpu: 0, description: 'reverse continue: the start of the recorded past' });
      return;
    }
    const s = hit.stop;
    const description = s.kind === 'exit-breakpoint' ? `reverse continue: VM exit ${s.record.reason}`
      : s.kind === 'breakpoint' && s.cause === 'watchpoint' ? 'reverse continue: watchpoint' : 'reverse continue: breakpoint';
    this.stopped({ reason: s.kind === 'exit-breakpoint' ? 'exception' : s.kind === 'breakpoint' && s.cause === 'watchpoint' ? 'data breakpoint' : 'breakpoint', vcpu: 0, description });
  }

  /** Runs a replay with the console muted and the debugger's hooks off, and puts them back. */
  private quietly(fn: () => void): void {
    const onExit = this.vm.onExit, onFaultLoop = this.vm.onFaultLoop;
    const h = this.hart(0);
    h.clearBreakpoints();
    h.setWatchpoints([]);
    h.onGuestTrap = undefined;
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
      h.setWatchpoints(this.watchpoints.hartList());
      this.installGuestTrapHook();
      this.watchSkip.clear();
      this.guestTrapHit = undefined;
    }
  }

  /** Asks a running VM to stop; the 'stopped' event (reason pause) follows within one batch. */
  pause(): void {
    if (this.state === 'running') this.pauseRequested = true;
  }

  /** Executes one instruction of `vcpu` (the others stay stopped). */
  async stepInstruction(vcpu: number): Promise<void> {
    if (!this.beginStep()) return;
    if (this.stepOnce(vcpu) === 'ok') this.stopped({ reason: 'step', vcpu, description: 'step' });
  }

  /**
   * Steps `vcpu` to the start of the next source line, as gdb's `next`/`step`: `over` runs
   * called functions to their return and steps through inlined copies it meets (a copy's
   * entry is a stop at the call's line in the caller), `in` stops in a called function that
   * has line information and enters an inlined copy whose entry the stop shows as its call.
   */
  async stepLine(vcpu: number, mode: 'over' | 'in'): Promise<void> {
    if (!this.beginStep()) return;
    const h = this.hart(vcpu);
    const pc0 = pcOf(h);
    const syms = this.symbolsFor(pc0);
    const chain0 = syms?.inlineChainAt(pc0) ?? [];
    const hidden0 = Math.min(this.inlineHidden.get(vcpu) ?? 0, levelsEnteredAt(chain0, pc0));
    if (mode === 'in' && hidden0 > 0) {
      // Into the inlined copy the stop showed as a call: none of its code has run, nothing runs now.
      this.stopped({ reason: 'step', vcpu, description: 'step' }, hidden0 - 1);
      return;
    }
    const start = syms ? shownLine(chain0, hidden0, syms.lineAt(pc0)) : undefined;
    if (!syms || !start) {
      if (this.stepOnce(vcpu) === 'ok') this.stopped({ reason: 'step', vcpu, description: 'step' });
      return;
    }
    const depth0 = inlinedDepth(chain0) - hidden0;
    const startSp = spOf(h);
    const gen = this.generation;
    for (let steps = 1; ; steps++) {
      const pc = pcOf(h);
      const call = await this.stepOverCall(vcpu, syms, mode);
      if (call === 'entered') { this.stopped({ reason: 'step', vcpu, description: 'step' }); return; }
      if (call !== 'ok') return;
      const now = pcOf(h);
      const line = syms.lineAt(now);
      if (line && spOf(h) > startSp && !this.inSameFunction(syms, pc, now)) break; // returned to the caller
      if (this.vm.vcpus[vcpu].state !== 'runnable') break;
      if (line && syms.isLineStart(now)) {
        const chain = syms.inlineChainAt(now);
        const depth = inlinedDepth(chain);
        // Deeper inlined levels are calls: over stops only at their entry, shown as the call.
        const hidden = mode === 'over' && depth > depth0 ? depth - depth0 : 0;
        const inside = hidden > 0 && levelsEnteredAt(chain, now) < hidden;
        const shown = inside ? undefined : shownLine(chain, hidden, line);
        if (shown && (shown.line !== start.line || shown.path !== start.path)) {
          this.stopped({ reason: 'step', vcpu, description: 'step' }, hidden);
          return;
        }
      }
      if (steps % 4096 === 0) {
        await yieldToLoop();
        if (this.generation !== gen) return;
        if (this.pauseRequested) { this.stopped({ reason: 'pause', vcpu, description: 'paused' }); return; }
        if (this.isEnded()) return;
      }
      if (steps > 5_000_000) break;
    }
    this.stopped({ reason: 'step', vcpu, description: 'step' }, this.hiddenAtEntry(vcpu));
  }

  /**
   * One instruction of a line step; a call runs to its return ('ok'), or with `in` stops in a
   * callee that has line information ('entered'). 'stopped'/'ended' when the VM stopped for
   * another reason (its 'stopped' event is out).
   */
  private async stepOverCall(vcpu: number, syms: DebugSymbols, mode: 'over' | 'in'): Promise<'ok' | 'entered' | 'stopped' | 'ended'> {
    const h = this.hart(vcpu);
    const pc = pcOf(h);
    const raw = this.readInsn(h, bigAddr(pc));
    if (raw === undefined || !isCall(raw)) return this.stepOnce(vcpu);
    const ret = pc + ((raw & 3) === 3 ? 4 : 2);
    const spAtCall = spOf(h);
    const out = this.stepOnce(vcpu);
    if (out !== 'ok') return out;
    if (mode === 'in' && syms.lineAt(pcOf(h))) return 'entered';
    const run = await this.runLoop({ vcpu, address: ret, until: (x) => spOf(x) >= spAtCall });
    if (run !== 'target') return run === 'ended' ? 'ended' : 'stopped';
    this.state = 'running';
    return 'ok';
  }

  /** gdb's skip of inline frames at a stop: the inlined copies that begin at the pc are shown as their calls. */
  private hiddenAtEntry(vcpu: number): number {
    const pc = pcOf(this.hart(vcpu));
    const chain = this.symbolsFor(pc)?.inlineChainAt(pc) ?? [];
    return levelsEnteredAt(chain, pc);
  }

  /** True once the VM has shut down or been terminated (a method: state changes across awaits). */
  isEnded(): boolean {
    return this.state === 'ended';
  }

  private inSameFunction(syms: DebugSymbols, a: number, b: number): boolean {
    return syms.symbolAt(a)?.start === syms.symbolAt(b)?.start;
  }

  /**
   * Runs until the current function of `vcpu` returns to its caller; out of an inlined copy,
   * until the pc leaves the copy's code (calls inside it run to their return), as gdb's `finish`.
   */
  async stepOut(vcpu: number): Promise<void> {
    if (!this.beginStep()) return;
    const h = this.hart(vcpu);
    const pc = pcOf(h);
    const syms = this.symbolsFor(pc);
    const chain = syms?.inlineChainAt(pc) ?? [];
    const top = chain[Math.min(this.inlineHidden.get(vcpu) ?? 0, levelsEnteredAt(chain, pc))];
    if (syms && top?.inlined) {
      const startSp = spOf(h);
      const gen = this.generation;
      for (let steps = 1; steps <= 5_000_000; steps++) {
        const out = await this.stepOverCall(vcpu, syms, 'over');
        if (out !== 'ok') return;
        const now = pcOf(h);
        if (spOf(h) > startSp || !syms.inlineChainAt(now).some((l) => l.key === top.key)) break;
        if (this.vm.vcpus[vcpu].state !== 'runnable') break;
        if (steps % 4096 === 0) {
          await yieldToLoop();
          if (this.generation !== gen || this.isEnded()) return;
          if (this.pauseRequested) { this.stopped({ reason: 'pause', vcpu, description: 'paused' }); return; }
        }
      }
      this.stopped({ reason: 'step', vcpu, description: 'step out' }, this.hiddenAtEntry(vcpu));
      return;
    }
    const frames = this.stackTrace(vcpu);
    if (frames.length < 2) {
      if (this.stepOnce(vcpu) === 'ok') this.stopped({ reason: 'step', vcpu, description: 'step' });
      return;
    }
    const cfa = codeAddr(frames[0].fp);
    const out = await this.runLoop({ vcpu, address: codeAddr(frames[1].pc), until: (x) => spOf(x) >= cfa });
    if (out === 'target') this.stopped({ reason: 'step', vcpu, description: 'step out' });
  }

  private beginStep(): boolean {
    if (this.state !== 'stopped') return false;
    if (this.fatal) { this.end(1); return false; }
    this.travel.beforeResume();
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

  /** The run loop: batches of DEBUG_BATCH instructions until a stop, the target, or the end. */
  private async runLoop(target?: RunTarget): Promise<RunOutcome> {
    const gen = this.generation;
    this.state = 'running';
    this.pauseRequested = false;
    this.syncHartBreakpoints(target?.address);
    // Resuming executes the instruction under a breakpoint at each vCPU's pc instead of stopping again.
    const bps = this.breakpoints.addresses();
    for (const v of this.vm.vcpus) if (bps.has(pcOf(v.hart)) || pcOf(v.hart) === target?.address) v.hart.resumeFromBreakpoint = true;
    try {
      // A vCPU stopped before a watched access performs it first.
      for (const vcpu of [...this.watchSkip]) {
        const out = this.stepOnce(vcpu);
        if (out !== 'ok') return out;
      }
      for (;;) {
        if (this.generation !== gen) return 'ended';
        if (this.isEnded()) return 'ended';
        if (this.pauseRequested) {
          this.stopped({ reason: 'pause', vcpu: this.lastStop?.vcpu ?? 0, description: 'paused' });
          return 'stopped';
        }
        const stop = this.vm.runFor(DEBUG_BATCH);
        this.maybeEmitStats();
        if (stop === null) {
          await yieldToLoop();
          continue;
        }
        if (stop.kind === 'idle') {
          await sleep(Math.max(1, Math.min(this.vm.msUntilNextDeadline(), 50)));
          continue;
        }
        const out = this.handleStop(stop, target);
        if (out === 'resume') continue;
        return out;
      }
    } finally {
      if (target && this.generation === gen) this.syncHartBreakpoints();
    }
  }

  /** Maps a VM stop to an outcome, emitting 'stopped'/'terminated' as needed. */
  private handleStop(stop: VmStop, target: RunTarget | undefined): RunOutcome | 'resume' {
    switch (stop.kind) {
      case 'breakpoint': {
        if (stop.cause) return this.debugStop(stop.vcpu, stop.cause);
        const h = this.hart(stop.vcpu);
        const pc = pcOf(h);
        if (target && target.vcpu === stop.vcpu && target.address === pc && target.until(h)) return 'target';
        const hit = this.breakpoints.hit(pc, this.exprEnv(stop.vcpu), (bp) => this.logpoint(bp, stop.vcpu),
          (bp) => this.emit('breakpointError', { id: bp.id, message: `condition '${bp.conditionText}' cannot be evaluated: ${bp.conditionError}` }));
        if (!hit) {
          h.resumeFromBreakpoint = true;
          return 'resume';
        }
        const reason = hit.bp.kind === 'function' ? 'function breakpoint' : hit.bp.kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
        const syms = hit.bp.line !== undefined ? this.symbolsFor(pc) : undefined;
        this.stopped({
          reason, vcpu: stop.vcpu, description: hit.error ? 'breakpoint condition error' : reason,
          text: hit.error, breakpointIds: [hit.bp.id],
        }, syms ? hiddenForLine(syms.inlineChainAt(pc), pc, hit.bp.line!, syms.lineAt(pc)) : 0);
        return 'stopped';
      }
      case 'exit-breakpoint': {
        const r = stop.record;
        const filter = this.exitBreakpoints.match(r) ?? `exit-${r.reason}`;
        const error = this.exitBreakpoints.lastError;
        this.exitBreakpoints.lastError = undefined;
        this.stopped({
          reason: 'exception', vcpu: stop.vcpu, description: `VM exit: ${r.sbi ? `sbi ${r.sbi.name}` : r.mmio ? `mmio ${r.mmio.device} ${r.mmio.write ? 'write' : 'read'}` : r.reason}`,
          text: (error ? error + '\n' : '') + formatExitRecord(r), exit: { filter, record: r },
        });
        return 'stopped';
      }
      case 'fault-loop':
        this.stopped({ reason: 'exception', vcpu: stop.vcpu, description: 'guest loops on a fault', text: stop.message });
        return 'stopped';
      case 'shutdown':
        this.end(stop.failure ? 1 : 0);
        return 'ended';
      case 'reboot':
        this.end(0);
        return 'ended';
      case 'fatal': {
        this.fatal = `vCPU ${stop.vcpu}: ${stop.message}: pc 0x${stop.pc.toString(16)} scause 0x${stop.scause.toString(16)} stval 0x${stop.stval.toString(16)}`;
        this.stopped({ reason: 'exception', vcpu: stop.vcpu, description: 'VM error', text: this.fatal, fatal: this.fatal });
        return 'stopped';
      }
      case 'paused':
        this.stopped({ reason: 'pause', vcpu: 0, description: 'paused' });
        return 'stopped';
      case 'idle':
        return 'resume';
    }
  }

  /** A logpoint was hit: its message, with each `{expression}` as the Debug Console evaluates it. */
  private logpoint(bp: CodeBreakpoint, vcpu: number): void {
    if (!bp.logMessage) return;
    const text = formatLogMessage(bp.logMessage, (expr) => evaluateConsole(this, vcpu, expr).text);
    this.emit('log', { text: text + '\n', source: this.sourceAt(bp.address) } satisfies LogEvent);
  }

  /** A watchpoint or guest trap stop of the hart: stop, or go on when its conditions say so. */
  private debugStop(vcpu: number, cause: 'watchpoint' | 'guest-trap'): RunOutcome | 'resume' {
    const h = this.hart(vcpu);
    if (cause === 'guest-trap') {
      const g = this.guestTrapHit;
      this.guestTrapHit = undefined;
      if (!g) return 'resume';
      const error = this.guestTraps.lastError;
      this.guestTraps.lastError = undefined;
      const t = g.trap;
      this.stopped({
        reason: 'exception', vcpu, description: `guest ${t.interrupt ? 'interrupt' : 'exception'}: ${guestTrapName(t)}`,
        text: (error ? error + '\n' : '') + `${guestTrapName(t)} at 0x${t.epc.toString(16)} from ${t.fromUser ? 'VU' : 'VS'}-mode, ` +
          `stval 0x${t.tval.toString(16)}; the guest handler at 0x${t.pc.toString(16)} has not run yet`,
        guestTrap: g,
      });
      return 'stopped';
    }
    const access = h.watchHit;
    h.watchHit = null;
    const hit = access ? this.watchpoints.hit(access.index, this.exprEnv(vcpu)) : undefined;
    if (!access || !hit) {
      // Not stopping: perform the access unwatched, then run on.
      const stop = this.stepRaw(vcpu, true);
      return stop ? this.handleStop(stop, undefined) : 'resume';
    }
    this.watchSkip.add(vcpu);
    const addr = ((BigInt(access.hi >>> 0) << 32n) | BigInt(access.lo >>> 0));
    const what = `${access.write ? 'write' : 'read'} of ${access.size} byte${access.size > 1 ? 's' : ''} at 0x${addr.toString(16)}`;
    this.stopped({
      reason: 'data breakpoint', vcpu, description: hit.error ? 'watchpoint condition error' : `watchpoint: ${what}`,
      text: hit.error ?? `${what} (watching 0x${hit.wp.address.toString(16)}, ${hit.wp.size} bytes, ${hit.wp.access}); the access has not happened yet`,
      breakpointIds: [hit.wp.id],
      watch: { address: addr, size: access.size, write: access.write, watched: hit.wp.address, access: hit.wp.access },
    });
    return 'stopped';
  }

  /** Reports a stop; `hidden` inlined levels at the top of the vCPU's stack are shown as their calls. */
  private stopped(e: StopEvent, hidden = 0): void {
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
    const lo = this.memory.readVirt(h, addr, 2);
    if (!lo || lo.length < 2) return undefined;
    const half = lo[0] | (lo[1] << 8);
    if ((half & 3) !== 3) return half;
    const hi = this.memory.readVirt(h, addr + 2n, 2);
    if (!hi || hi.length < 2) return undefined;
    return (half | (hi[0] << 16) | (hi[1] << 24)) >>> 0;
  }

  /**
   * The call stack for display, innermost first: each unwound frame with the functions
   * inlined at its pc (as gdb shows them), each level with its source line.
   */
  callStack(vcpu: number): DisplayFrame[] {
    const out: DisplayFrame[] = [];
    const hidden = this.inlineHidden.get(vcpu) ?? 0;
    this.stackTrace(vcpu).forEach((f, i) => {
      // A return address belongs to the call before it.
      const at = codeAddr(i === 0 ? f.pc : f.pc - 1n);
      const source = this.sourceAt(at);
      const syms = this.symbolsFor(at);
      const chain = syms?.inlineChainAt(at) ?? [];
      if (chain.length < 2) { out.push({ pc: f.pc, name: f.name, source, inlined: false, physical: i, inlineLevel: 0 }); return; }
      let src = source;
      for (const [k, level] of chain.entries()) {
        if (i > 0 || k >= hidden || !level.inlined) out.push({ pc: f.pc, name: level.name, source: src, inlined: level.inlined, physical: i, inlineLevel: k });
        src = level.call ? { path: this.resolver.toLocal(level.call.path), line: level.call.line, column: level.call.column } : undefined;
      }
      // DWARF without the out-of-line function: its ELF symbol closes the chain.
      if (chain[chain.length - 1].inlined) out.push({ pc: f.pc, name: syms?.symbolAt(at)?.name, source: src, inlined: false, physical: i, inlineLevel: chain.length });
    });
    return out;
  }

  /** The flame graph of the guest call stacks sampled at exits so far (names from the loaded symbols). */
  exitFlameGraph(): ExitFlameGraph {
    this.flameNamer ??= new FlameFrameNamer(this.symbols, (p) => this.resolver.toLocal(p));
    return exitFlameGraph(this.exitStacks.snapshot(), this.flameNamer);
  }

  /**
   * The pcs of a vCPU's stack at an exit, innermost first, unnamed: `pc` is the exiting
   * instruction (the handler may have moved the hart's pc on), the registers are the vCPU's now.
   */
  private stackPcsAt(vcpu: number, pc: bigint): bigint[] {
    const h = this.hart(vcpu);
    const reg = (n: number) => (BigInt(h.x[2 * n + 1] >>> 0) << 32n) | BigInt(h.x[2 * n] >>> 0);
    const env = this.exprEnv(vcpu);
    return unwindStack({
      pc, sp: reg(2), fp: reg(8), ra: reg(1),
      read64: (a) => env.read!(a, 8),
      readInsn: (a) => this.readInsn(h, a),
      reg,
    }, this.symbolsFor(codeAddr(pc)), false).map((f) => f.pc);
  }

  /** The call stack of a vCPU, innermost first (the unwound frames, one per activation). */
  stackTrace(vcpu: number): StackFrame[] {
    const h = this.hart(vcpu);
    const reg = (n: string) => readRegister(h, n)!;
    const pc = reg('pc');
    return unwindStack({
      pc, sp: reg('sp'), fp: reg('s0'), ra: reg('ra'),
      read64: (a) => this.exprEnv(vcpu).read!(a, 8),
      readInsn: (a) => this.readInsn(h, a),
      reg: (n) => (BigInt(h.x[2 * n + 1] >>> 0) << 32n) | BigInt(h.x[2 * n] >>> 0),
    }, this.symbolsFor(codeAddr(pc)));
  }
}
