/**
 * The `hyperscope` DAP session: translates Debug Adapter Protocol requests to the core's
 * debugger facade (`hypervisor-core/debug`) and its events back to DAP. No VM logic here.
 *
 * Custom requests: see custom-requests.ts. Custom events: `hyperscope.exitStats` (ExitStatsReport), at most 4 per second while the
 * guest runs and once per stop; `hyperscope.exitStacks` (ExitFlameGraph) while call stacks are sampled at exits, with the
 * statistics, at most once a second while the guest runs.
 *
 * Data breakpoints watch guest virtual memory of the stopped vCPU: dataIds are "0xADDR/SIZE"
 * (from a register in the Registers scope: the memory it points to; from an expression:
 * its value as an address, or the bytes a `*(type*)addr` expression reads). Exception
 * filters: `exit-<reason>` for VM exits, `guest-exception`/`guest-interrupt` for traps
 * taken inside the guest. `restart` re-boots the guest and keeps every breakpoint.
 *
 * No client can kill or hang it: every request's arguments are checked (request-args.ts)
 * and bounded, and any failure is an error response of one line (guarded-session.ts reads,
 * checks and answers the messages; the request bodies live in breakpoint-bodies.ts,
 * memory-requests.ts, variables.ts, c-variables.ts and custom-requests.ts).
 */
import { createNetwork } from '../hypervisor-core/net/net-config';
import {
  BreakpointEvent, ExitedEvent, Handles, InitializedEvent, OutputEvent, Scope, Source,
  StackFrame, StoppedEvent, TerminatedEvent, Thread, Event,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import { DisplayFrame, GuestDebugger, LogEvent, StopEvent } from '../hypervisor-core/debug/guest-debugger';
import { vcpuTaskName } from '../hypervisor-core/debug/linux/commands';
import { evaluateConsole } from '../hypervisor-core/debug/console-commands';
import { evaluateExpression } from '../hypervisor-core/debug/c-console';
import { CVariables, hasCScope } from './c-variables';
import { compileExpression } from '../hypervisor-core/debug/expression';
import { writeRegister } from '../hypervisor-core/debug/registers';
import { HyperscopeLaunchArgs, LaunchError, resolveLaunch } from './launch-config';
import { memoryReference } from './memory-reference';
import { SCOPES, ScopeRef, exitFor, scopeVariables } from './variables';
import { Args, RequestError, field, intArg, oneLine, shown, strArg } from './request-args';
import { customRequestBody } from './custom-requests';
import { FrameSources, MISSING_SOURCE_ORIGIN } from './frame-sources';
import { DaemonRelay } from './daemon-relay';
import type { AttachTarget } from './attach-host';
import { GuardedDebugSession } from './guarded-session';
import { capabilities } from './capabilities';
import { frameId, frameIndex, frameVcpu, threadVcpu } from './frame-ids';
import { DapBreakpoints, MAX_EXPRESSION, dataBreakpointInfo } from './breakpoint-bodies';
import { disassemble, readMemory, writeMemory } from './memory-requests';

/** Stop descriptions that only repeat the stop reason. */
const PLAIN_STOP_DESCRIPTIONS = new Set(['breakpoint', 'step', 'step out', 'paused', 'entry']);

const hex = (v: bigint | number): string => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

/** Minimum milliseconds between two flame graphs sent while the guest runs (each names every sampled stack). */
const STACKS_INTERVAL_MS = 1000;

/** The debug session. */
export class HyperscopeSession extends GuardedDebugSession {
  private dbg?: GuestDebugger;
  private stopOnEntry = false;
  /** configurationDone came for the current launch. */
  private configured = false;
  /** Which frames' source files exist; set by launch. */
  private frameSources?: FrameSources;
  /** The launch's disks and network, closed at disconnect. */
  private disks: { close(): void }[] = [];
  /** Symbol files whose DWARF error was already shown. */
  private readonly dwarfErrorsTold = new Set<object>();
  private readonly scopes = new Handles<ScopeRef>();
  private readonly scopeHandles = new Map<string, number>();
  /** Locals, Globals and C values (their own references). */
  private readonly cvars = new CVariables();
  /** The breakpoints set through this session, with their DAP ids. */
  private readonly breakpoints = new DapBreakpoints();
  /** When the last `hyperscope.exitStacks` event went out (performance.now()). */
  private lastStacksAt = -Infinity;

  /** The run or step in progress (resolves when it ends), so `dispose` can wait for it. */
  private running: Promise<void> = Promise.resolve();
  /** The adapter's link to a daemon's debug session (attach from VS Code): every message goes through it. */
  private relay?: DaemonRelay;
  /** The initialize arguments, replayed to the daemon's session when attaching through a relay. */
  private initializeArgs: DebugProtocol.InitializeRequestArguments = { adapterID: 'hyperscope' };

  /**
   * `attachTarget`: this session runs next to a daemon VM (attach-host.ts) and `attach` takes
   * that VM over; without it `attach` reaches the VM through the daemon (daemon-relay.ts).
   */
  constructor(private readonly attachTarget?: AttachTarget) {
    super();
  }

  /** Once attached through a daemon, every message goes to the daemon's session; after it ends, the adapter answers (a late disconnect, say) itself. */
  protected forward(m: object): boolean {
    return this.relay?.forward(m) ?? false;
  }

  /** Runs a run/step in the background: a failure inside the debugger stops the guest with one line, never the adapter. */
  private background(p: Promise<void>): void {
    this.running = p.catch((e) => {
      const line = oneLine(e);
      process.stderr.write(`hyperscope debug adapter: internal error: ${line}\n`);
      this.sendEvent(new OutputEvent(`hyperscope: internal error: ${line}\n`, 'stderr'));
      this.dbg?.fail(line);
    });
  }

  /** Ends the session for good (its client went away): stops the VM and waits until its run loop has returned. */
  async dispose(): Promise<void> {
    this.relay?.close();
    const d = this.dbg;
    if (d?.attached) {
      this.attachTarget?.detach(d, false); // the client went away: its VM runs on
    } else if (d) {
      d.removeAllListeners();
      d.terminate();
    }
    await this.running;
    this.closeDisks();
  }

  /**
   * `attach` to a VM of a `hyperscope serve` daemon (`vm`: its name; `host`: the daemon's
   * address, else HYPERSCOPE_HOST). In the adapter the request opens the daemon's debug route
   * and from then on relays every message to the session there; in the daemon (attachTarget)
   * the session takes the VM over from its run loop. The other VMs keep running either way.
   */
  protected attachRequest(response: DebugProtocol.AttachResponse, args: DebugProtocol.AttachRequestArguments): void {
    if (this.dbg && !this.dbg.isEnded()) throw new RequestError('a guest is already debugged in this session: end the session first');
    const target = this.attachTarget;
    if (!target) {
      this.relay = DaemonRelay.open(args as Record<string, unknown>, this.initializeArgs, response, {
        toClient: (m) => {
          m.seq = 0; // renumbered in this session's sequence
          if (m.type === 'response') this.sendResponse(m as DebugProtocol.Response);
          else if (m.type === 'event') this.sendEvent(m as DebugProtocol.Event);
        },
        refused: (message) => {
          this.relay = undefined;
          this.sendErrorResponse(response, { id: 1012, format: message, showUser: true });
        },
        ended: (disconnected) => {
          // The daemon ended the session (the VM was destroyed or reset): the client is told.
          if (!disconnected) this.sendEvent(new TerminatedEvent());
          this.shutdown();
        },
      });
      return;
    }
    const a = args as Record<string, unknown>;
    target.attach(a).then((d) => {
      this.stopOnEntry = a.stopOnEntry === true;
      this.configured = false;
      const cwd = a.cwd;
      this.frameSources = new FrameSources({ cwd: typeof cwd === 'string' ? cwd : process.cwd(), substitutions: [] });
      this.dbg = d;
      this.wireDebugger(d, response);
    }, (e) => this.sendErrorResponse(response, { id: 1012, format: `attach: ${oneLine(e)}`, showUser: true }));
  }

  protected initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.initializeArgs = args;
    response.body = capabilities();
    this.sendResponse(response);
  }

  protected launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments & HyperscopeLaunchArgs): void {
    if (this.dbg && !this.dbg.isEnded()) throw new RequestError('a guest is already running in this session: restart it, or end the session first');
    try {
      const opts = resolveLaunch(args, (line) => this.sendEvent(new OutputEvent(`hyperscope: ${line}\n`, 'console')));
      this.stopOnEntry = opts.stopOnEntry;
      this.configured = false;
      this.disks = opts.disks ?? [];
      if (opts.net) {
        // The hostfwd listeners start while the guest boots; a port in use is told on the Debug Console.
        const { network, listening } = createNetwork(opts.net);
        this.disks.push(network);
        opts.network = network;
        listening.then((ports) => opts.net!.hostfwd.forEach((r, i) => {
          this.sendEvent(new OutputEvent(`hyperscope: hostfwd tcp:127.0.0.1:${ports[i]}-${r.guestAddr}:${r.guestPort}\n`, 'console'));
        }), (e: Error) => this.sendEvent(new OutputEvent(`hyperscope: ${e.message}\n`, 'console')));
      }
      this.frameSources = new FrameSources({ cwd: opts.cwd, substitutions: opts.substitutePath ?? [], command: args.sourcesCommand });
      this.dbg = GuestDebugger.launch(opts);
    } catch (e) {
      this.closeDisks();
      const msg = e instanceof LaunchError ? e.message : `${typeof args.program === 'string' ? args.program : 'program'}: ${oneLine(e)}`;
      this.sendErrorResponse(response, { id: 1001, format: msg, showUser: true });
      return;
    }
    this.wireDebugger(this.dbg, response);
  }

  /** Forwards the debugger's events as DAP events, answers the launch or attach and says the adapter is initialized. */
  private wireDebugger(d: GuestDebugger, response: DebugProtocol.Response): void {
    d.on('output', (text: string) => this.sendEvent(new OutputEvent(text, 'stdout')));
    d.on('log', (e: LogEvent) => this.onLog(e));
    d.on('stopped', (e: StopEvent) => this.onStopped(e));
    d.on('breakpointError', (e: { id: number; message: string }) => {
      // Told once; VS Code greys the breakpoint out with the message as its hover.
      const id = this.breakpoints.dapId(e.id);
      this.sendEvent(new OutputEvent(`hyperscope: breakpoint ${id}: ${e.message}; it will not stop until it is set again\n`, 'console'));
      this.sendEvent(new BreakpointEvent('changed', { id, verified: false, message: e.message } as DebugProtocol.Breakpoint));
    });
    d.on('stats', (report: unknown) => {
      this.sendEvent(new Event('hyperscope.exitStats', report));
      this.maybeSendExitStacks(d);
    });
    d.on('exited', (code: number) => this.sendEvent(new ExitedEvent(code)));
    d.on('terminated', () => this.sendEvent(new TerminatedEvent()));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  /** The flame graph with the statistics while stacks are sampled: each stop, and once a second while running. */
  private maybeSendExitStacks(d: GuestDebugger): void {
    if (!d.exitStacks.active) return;
    const now = performance.now();
    if (d.state === 'running' && now - this.lastStacksAt < STACKS_INTERVAL_MS) return;
    this.lastStacksAt = now;
    this.sendEvent(new Event('hyperscope.exitStacks', d.exitFlameGraph()));
  }

  protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    // Once per launch: a second one would report a second entry stop, or start a second run loop on the same VM.
    if (this.configured) throw new RequestError('configurationDone was already sent for this launch');
    const d = this.dbg;
    this.configured = d !== undefined;
    this.sendResponse(response);
    if (!d || d.isEnded()) return;
    if (this.stopOnEntry) d.reportEntry();
    else this.background(d.continue());
  }

  /** DWARF is parsed on first use (a stop, a breakpoint): its errors are told once, when met. */
  private reportDwarfErrors(): void {
    for (const s of this.dbg?.symbols ?? []) {
      const err = s.dwarfError;
      if (err && !this.dwarfErrorsTold.has(s)) {
        this.dwarfErrorsTold.add(s);
        this.sendEvent(new OutputEvent(`hyperscope: DWARF: ${err}\n`, 'console'));
      }
    }
  }

  /** A logpoint's message (with its source line, so VS Code links it) or an exit logged or counted. */
  private onLog(e: LogEvent): void {
    const ev = new OutputEvent(e.text, 'console') as DebugProtocol.OutputEvent;
    if (e.source) {
      ev.body.source = new Source(basename(e.source.path), e.source.path);
      ev.body.line = e.source.line;
      ev.body.column = e.source.column;
    }
    this.sendEvent(ev);
  }

  private onStopped(e: StopEvent): void {
    this.reportDwarfErrors();
    this.resetScopes();
    const ev = new StoppedEvent(e.reason, e.vcpu + 1, e.text) as DebugProtocol.StoppedEvent;
    // VS Code shows a description as is; for plain stops it composes "Paused on breakpoint" itself.
    if (e.description && !PLAIN_STOP_DESCRIPTIONS.has(e.description)) ev.body.description = e.description;
    ev.body.allThreadsStopped = true;
    if (e.breakpointIds) ev.body.hitBreakpointIds = e.breakpointIds.map((id) => this.breakpoints.dapId(id));
    this.sendEvent(ev);
  }

  // ---- argument checks (each throws a RequestError: the response is an error of one line) ----

  /** The debugger of a live guest. */
  private guest(): GuestDebugger {
    if (this.dbg && !this.dbg.isEnded()) return this.dbg;
    throw new RequestError('no guest is running');
  }

  /** The debugger of a live guest that is stopped (inspection and stepping need it). */
  private stoppedGuest(): GuestDebugger {
    const d = this.guest();
    if (d.state !== 'stopped') throw new RequestError('the guest is running: pause it first');
    return d;
  }

  /** The vCPU of the `threadId` argument (thread ids are vCPU numbers + 1). */
  private threadVcpu(d: GuestDebugger, args: Args): number {
    return threadVcpu(d.vm.vcpus.length, args);
  }

  /** The vCPU an optional `frameId` names, else the focused one. */
  private frameOrFocus(d: GuestDebugger, args: Args): number {
    return field(args, 'frameId') === undefined ? this.focusVcpu() : frameVcpu(d.vm.vcpus.length, field(args, 'frameId'));
  }

  /** One handle per vCPU and scope until the guest runs again: asking for scopes again and again allocates nothing new. */
  private scopeHandle(vcpu: number, scope: ScopeRef['scope']): number {
    const key = `${vcpu}:${scope}`;
    let h = this.scopeHandles.get(key);
    if (h === undefined) this.scopeHandles.set(key, h = this.scopes.create({ vcpu, scope }));
    return h;
  }

  private resetScopes(): void {
    this.scopes.reset();
    this.scopeHandles.clear();
    this.cvars.reset();
  }

  /** What a `variablesReference` argument stands for. */
  private scopeArg(args: Args): ScopeRef {
    const n = intArg(args, 'variablesReference', 1, 2 ** 31 - 1);
    const ref = this.scopes.get(n);
    if (!ref) throw new RequestError(`variablesReference ${n} is unknown (references last until the guest runs again)`);
    return ref;
  }

  // ---- threads, stack, variables ----

  protected threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const d = this.dbg;
    const n = d?.vm.vcpus.length ?? 0;
    // A stopped Linux guest: each vCPU named with the task it runs ("vCPU 1: sh [42]").
    const task = (i: number) => (d && d.state === 'stopped' ? vcpuTaskName(d, i) : undefined);
    response.body = { threads: Array.from({ length: n }, (_, i) => { const t = task(i); return new Thread(i + 1, t ? `vCPU ${i}: ${t}` : `vCPU ${i}`); }) };
    this.sendResponse(response);
  }

  protected stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const d = this.stoppedGuest();
    const vcpu = this.threadVcpu(d, args);
    const start = intArg(args, 'startFrame', 0, 2 ** 31 - 1, 0);
    const levels = intArg(args, 'levels', 0, 2 ** 31 - 1, 0);
    const frames = d.callStack(vcpu);
    const end = levels ? start + levels : frames.length;
    response.body = {
      totalFrames: frames.length,
      stackFrames: frames.slice(start, end).map((f, k) => {
        const i = start + k;
        const src = f.source;
        const sf = new StackFrame(frameId(vcpu, i), f.name ?? hex(f.pc),
          this.frameSource(f), src?.line ?? 0, src?.column ?? 0) as DebugProtocol.StackFrame;
        sf.instructionPointerReference = memoryReference(f.pc);
        if (!src) sf.presentationHint = 'subtle';
        return sf;
      }),
    };
    this.sendResponse(response);
  }

  /**
   * The frame's file when it exists, else a stand-in that says how to get it (frame-sources.ts);
   * tells once on the debug console when a file is missing.
   */
  private frameSource(f: DisplayFrame): Source | undefined {
    if (!f.source) return undefined;
    const checked = this.frameSources?.check(f.source.path, f.pc, f.source.line) ?? { path: f.source.path };
    if (checked.notice) this.sendEvent(new OutputEvent(`hyperscope: ${checked.notice}\n`, 'console'));
    if (checked.path) return new Source(basename(checked.path), checked.path);
    return checked.reference ? new Source(basename(f.source.path), undefined, checked.reference, MISSING_SOURCE_ORIGIN) : undefined;
  }

  /** Only the stand-ins of missing source files have references. */
  protected sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const ref = args.source?.sourceReference ?? args.sourceReference;
    const content = typeof ref === 'number' ? this.frameSources?.content(ref) : undefined;
    if (content === undefined) {
      this.sendErrorResponse(response, { id: 1020, format: `no source with reference ${shown(ref)}`, showUser: false });
      return;
    }
    response.body = { content, mimeType: 'text/x-c' };
    this.sendResponse(response);
  }

  protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const d = this.guest();
    const vcpu = frameVcpu(d.vm.vcpus.length, args.frameId);
    const frame = frameIndex(args.frameId);
    const c: DebugProtocol.Scope[] = [];
    // Locals and Globals for frames in C code (a frame DWARF describes).
    if (d.state === 'stopped' && hasCScope(d, vcpu, frame)) {
      c.push({ name: 'Locals', variablesReference: this.cvars.scope(vcpu, frame, 'locals'), expensive: false, presentationHint: 'locals' });
      c.push({ name: 'Globals', variablesReference: this.cvars.scope(vcpu, frame, 'globals'), expensive: true });
    }
    response.body = {
      scopes: [...c, ...SCOPES.map((s) => {
        const sc = new Scope(s.name, this.scopeHandle(vcpu, s.scope), s.expensive) as DebugProtocol.Scope;
        if (s.presentationHint) sc.presentationHint = s.presentationHint;
        return sc;
      })],
    };
    this.sendResponse(response);
  }

  protected variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const d = this.guest();
    const c = this.cvars.get(intArg(args, 'variablesReference', 1, 2 ** 31 - 1));
    if (c) {
      const start = args.start === undefined ? undefined : intArg(args, 'start', 0, 2 ** 31 - 1);
      const count = args.count === undefined || args.count === 0 ? undefined : intArg(args, 'count', 0, 100_000);
      try {
        response.body = { variables: this.cvars.variables(this.stoppedGuest(), c, start, count) };
      } catch (e) {
        return this.sendErrorResponse(response, { id: 1021, format: oneLine(e), showUser: false });
      }
      return this.sendResponse(response);
    }
    response.body = { variables: scopeVariables(d, this.scopeArg(args)) };
    this.sendResponse(response);
  }

  protected setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const d = this.stoppedGuest();
    const c = this.cvars.get(intArg(args, 'variablesReference', 1, 2 ** 31 - 1));
    if (c) {
      try {
        const v = this.cvars.setVariable(d, c, strArg(args, 'name', MAX_EXPRESSION), strArg(args, 'value', MAX_EXPRESSION));
        response.body = { value: v.value, type: v.type, variablesReference: v.variablesReference, memoryReference: v.memoryReference } as DebugProtocol.SetVariableResponse['body'];
        this.sendResponse(response);
      } catch (e) {
        this.sendErrorResponse(response, { id: 1004, format: oneLine(e), showUser: true });
      }
      return;
    }
    const ref = this.scopeArg(args);
    const name = strArg(args, 'name', 64);
    const value = strArg(args, 'value', MAX_EXPRESSION);
    try {
      if (ref.scope === 'exit') throw new Error('the VM exit fields cannot be changed');
      const v = compileExpression(value)(d.exprEnv(ref.vcpu));
      if (typeof v !== 'bigint') throw new Error(`'${value}' is not a number`);
      writeRegister(d.hart(ref.vcpu), name, v);
      const shownVar = scopeVariables(d, ref).find((x) => x.name === name);
      response.body = { value: shownVar?.value ?? hex(v), memoryReference: shownVar?.memoryReference } as DebugProtocol.SetVariableResponse['body'];
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1004, format: oneLine(e), showUser: true });
    }
  }

  // ---- execution ----

  protected continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    const d = this.guest();
    this.threadVcpu(d, args);
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.background(d.continue());
  }

  protected pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    const d = this.guest();
    this.threadVcpu(d, args);
    d.pause();
    this.sendResponse(response);
  }

  private step(response: DebugProtocol.Response, args: Args, kind: 'over' | 'in' | 'out'): void {
    const d = this.stoppedGuest();
    const vcpu = this.threadVcpu(d, args);
    const granularity = field(args, 'granularity') ?? 'statement';
    if (granularity !== 'statement' && granularity !== 'line' && granularity !== 'instruction') {
      throw new RequestError(`granularity must be 'statement', 'line' or 'instruction', not ${shown(granularity)}`);
    }
    this.sendResponse(response);
    if (kind === 'out') this.background(d.stepOut(vcpu));
    else if (granularity === 'instruction') this.background(d.stepInstruction(vcpu));
    else this.background(d.stepLine(vcpu, kind));
  }

  /** stepBack: checked first (one clear line when the VM has no past to go to), then replayed. */
  protected stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    const d = this.stoppedGuest();
    const vcpu = this.threadVcpu(d, args as Args);
    const granularity = field(args as Args, 'granularity') ?? 'statement';
    if (granularity !== 'statement' && granularity !== 'line' && granularity !== 'instruction') {
      throw new RequestError(`granularity must be 'statement', 'line' or 'instruction', not ${shown(granularity)}`);
    }
    const why = d.reverseProblem();
    if (why) return this.sendErrorResponse(response, { id: 1011, format: `stepBack: ${why}`, showUser: true });
    this.sendResponse(response);
    this.background(d.stepBack(vcpu, granularity === 'instruction' ? 'instruction' : 'line'));
  }

  /**
   * `hyperscope.goToExit` ({ seq }): travels to the moment of a traced exit, then stops there
   * (reason 'goto'), as stepBack does; refused with one line when it cannot.
   */
  private goToExit(d: GuestDebugger, response: DebugProtocol.Response, args: Args): void {
    const seq = intArg(args, 'seq', 0, Number.MAX_SAFE_INTEGER);
    const why = d.goToExitProblem(seq);
    if (why) return this.sendErrorResponse(response, { id: 1011, format: `go to exit: ${why}`, showUser: true });
    this.sendResponse(response);
    this.background(d.goToExit(seq));
  }

  /** reverseContinue: back to the previous breakpoint, watchpoint or exit-filter hit. */
  protected reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    const d = this.stoppedGuest();
    this.threadVcpu(d, args as Args);
    const why = d.reverseProblem();
    if (why) return this.sendErrorResponse(response, { id: 1011, format: `reverseContinue: ${why}`, showUser: true });
    this.sendResponse(response);
    this.background(d.reverseContinue());
  }

  protected nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args, 'over');
  }

  protected stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args, 'in');
  }

  protected stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args, 'out');
  }

  /** Re-boots the guest with the same configuration; breakpoints stay; then as after launch (entry stop or run). */
  protected restartRequest(response: DebugProtocol.RestartResponse): void {
    const d = this.dbg;
    if (!d) throw new RequestError('no guest is running');
    try {
      d.restart();
    } catch (e) {
      return this.sendErrorResponse(response, { id: 1009, format: `restart: ${oneLine(e)}`, showUser: true });
    }
    this.resetScopes();
    this.sendResponse(response);
    if (this.stopOnEntry) d.reportEntry();
    else this.background(d.continue());
  }

  protected terminateRequest(response: DebugProtocol.TerminateResponse): void {
    const d = this.dbg;
    if (d?.attached) {
      // DAP terminate ends the debuggee: a daemon VM is shut off.
      this.attachTarget?.detach(d, true);
      this.sendResponse(response);
      this.sendEvent(new TerminatedEvent());
      return;
    }
    d?.terminate();
    this.sendResponse(response);
  }

  protected disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    if (this.dbg?.attached) {
      // DAP: an attached debuggee runs on unless terminateDebuggee says otherwise.
      this.attachTarget?.detach(this.dbg, args.terminateDebuggee === true);
    } else if (this.dbg && !this.dbg.isEnded()) {
      this.dbg.removeAllListeners('terminated');
      this.dbg.terminate();
    }
    this.closeDisks();
    super.disconnectRequest(response, args);
  }

  private closeDisks(): void {
    for (const d of this.disks.splice(0)) d.close();
  }

  // ---- breakpoints ----

  protected setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    response.body = this.breakpoints.source(this.guest(), args);
    this.sendResponse(response);
    this.reportDwarfErrors();
  }

  protected setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    response.body = this.breakpoints.functions(this.guest(), args);
    this.sendResponse(response);
    this.reportDwarfErrors();
  }

  protected setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    response.body = this.breakpoints.instructions(this.guest(), args);
    this.sendResponse(response);
  }

  protected setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    response.body = this.breakpoints.exceptions(this.guest(), args);
    this.sendResponse(response);
  }

  protected dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const d = this.guest();
    const cref = args.variablesReference ? this.cvars.get(intArg(args, 'variablesReference', 1, 2 ** 31 - 1)) : undefined;
    const ref = args.variablesReference && !cref ? this.scopeArg(args) : undefined;
    const vcpu = cref?.vcpu ?? ref?.vcpu ?? this.frameOrFocus(d, args);
    response.body = dataBreakpointInfo(d, args, { cref, ref, vcpu, asAddress: args.asAddress === true, cvars: this.cvars });
    this.sendResponse(response);
  }

  protected setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    response.body = this.breakpoints.data(this.guest(), args);
    this.sendResponse(response);
  }

  protected exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const d = this.guest();
    const vcpu = this.threadVcpu(d, args);
    const s = d.lastStop;
    const record = s?.exit?.record ?? exitFor(d, vcpu);
    if (s?.guestTrap) {
      response.body = {
        exceptionId: s.guestTrap.filter, description: s.description, breakMode: 'always',
        details: { message: s.text, typeName: s.guestTrap.trap.interrupt ? 'interrupt' : 'exception' },
      };
      return this.sendResponse(response);
    }
    response.body = {
      exceptionId: s?.exit?.filter ?? (s?.fatal ? 'vm-error' : record ? `exit-${record.reason}` : 'none'),
      description: s?.fatal ?? s?.description ?? 'no exception',
      breakMode: 'always',
      details: { message: s?.text, typeName: record?.reason, stackTrace: undefined },
    };
    this.sendResponse(response);
  }

  // ---- memory, disassembly, evaluation ----

  protected readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    response.body = readMemory(this.stoppedGuest(), this.focusVcpu(), args);
    this.sendResponse(response);
  }

  protected writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const r = writeMemory(this.stoppedGuest(), this.focusVcpu(), args);
    if ('error' in r) return this.sendErrorResponse(response, { id: 1006, format: r.error, showUser: true });
    response.body = { bytesWritten: r.written };
    this.sendResponse(response);
    this.sendEvent(new Event('memory', { memoryReference: args.memoryReference, offset: args.offset ?? 0, count: r.written }));
  }

  protected disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    response.body = disassemble(this.stoppedGuest(), this.focusVcpu(), args);
    this.sendResponse(response);
  }

  protected evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const d = this.guest();
    const expression = strArg(args, 'expression', MAX_EXPRESSION);
    const vcpu = this.frameOrFocus(d, args);
    const frame = field(args, 'frameId') === undefined ? 0 : frameIndex(args.frameId);
    try {
      // Hovers show C values only: a word under the mouse is never a console command.
      const r = args.context === 'hover'
        ? { text: '', expression: evaluateExpression(d, vcpu, expression, frame), value: undefined }
        : evaluateConsole(d, vcpu, expression, frame);
      const e = r.expression;
      const body: DebugProtocol.EvaluateResponse['body'] = { result: e?.text ?? r.text, variablesReference: 0 };
      if (e?.value && !e.value.raw) {
        Object.assign(body, this.cvars.expandable(e.value, expression.trim(), { vcpu, frame }));
        body.type = e.type;
      }
      const address = e?.address ?? (typeof r.value === 'bigint' ? r.value : undefined);
      if (address !== undefined) body.memoryReference = memoryReference(address);
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1007, format: oneLine(e), showUser: false });
    }
  }

  protected setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    const d = this.stoppedGuest();
    const expression = strArg(args, 'expression', MAX_EXPRESSION);
    const value = strArg(args, 'value', MAX_EXPRESSION);
    const vcpu = this.frameOrFocus(d, args);
    const frame = field(args, 'frameId') === undefined ? 0 : frameIndex(args.frameId);
    try {
      const v = this.cvars.setExpression(d, vcpu, frame, expression, value);
      response.body = { value: v.value, type: v.type, variablesReference: v.variablesReference, memoryReference: v.memoryReference } as DebugProtocol.SetExpressionResponse['body'];
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1008, format: oneLine(e), showUser: true });
    }
  }

  private focusVcpu(): number {
    return this.dbg?.lastStop?.vcpu ?? 0;
  }

  // ---- custom requests ----

  protected customRequest(command: string, response: DebugProtocol.Response, args: Args): void {
    const d = this.dbg;
    if (!d) throw new RequestError(command.startsWith('hyperscope.') ? 'no guest is running' : `unknown request '${command}'`);
    if (command === 'hyperscope.goToExit') return this.goToExit(d, response, args);
    response.body = customRequestBody(d, command, args, this.focusVcpu());
    this.sendResponse(response);
  }
}
