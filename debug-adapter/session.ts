/**
 * The `hyperscope` DAP session: translates Debug Adapter Protocol requests to the core's
 * debugger facade (`hypervisor-core/debug`) and its events back to DAP. No VM logic here.
 *
 * Custom requests: `hyperscope.exitStats` ({ reset? } -> ExitStatsReport),
 * `hyperscope.exitTrace` ({ count? } -> { exits }), `hyperscope.translate`
 * ({ address, vcpu? } -> the two-stage walk + text), `hyperscope.pageTable`
 * ({ vcpu, stage: 'vs' | 'g' } -> the tree of valid entries; see page-table-json.ts),
 * `hyperscope.input` ({ text } -> the guest console's input: UART and SBI console).
 * Custom event: `hyperscope.exitStats` (ExitStatsReport), at most 4 per second while the
 * guest runs and once per stop.
 *
 * Data breakpoints watch guest virtual memory of the stopped vCPU: dataIds are "0xADDR/SIZE"
 * (from a register in the Registers scope: the memory it points to; from an expression:
 * its value as an address, or the bytes a `*(type*)addr` expression reads). Exception
 * filters: `exit-<reason>` for VM exits, `guest-exception`/`guest-interrupt` for traps
 * taken inside the guest. `restart` re-boots the guest and keeps every breakpoint.
 */
import {
  Breakpoint, ExitedEvent, Handles, InitializedEvent, LoggingDebugSession, OutputEvent, Scope, Source,
  StackFrame, StoppedEvent, TerminatedEvent, Thread, Event,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import { DisplayFrame, GuestDebugger, StopEvent } from '../hypervisor-core/debug/guest-debugger';
import { EXIT_FILTER_IDS } from '../hypervisor-core/debug/exit-breakpoints';
import { GUEST_TRAP_FILTER_IDS } from '../hypervisor-core/debug/guest-trap-breakpoints';
import { WatchTarget, expressionTarget, parseWatchDataId, registerTarget, watchDataId } from '../hypervisor-core/debug/watch-target';
import type { WatchAccess } from '../hypervisor-core/debug/watchpoints';
import { evaluateConsole, translateText } from '../hypervisor-core/debug/console-commands';
import { disassembleAround } from '../hypervisor-core/debug/disassembly';
import { compileExpression } from '../hypervisor-core/debug/expression';
import { codeAddr } from '../hypervisor-core/debug/address';
import { writeRegister } from '../hypervisor-core/debug/registers';
import { HyperscopeLaunchArgs, LaunchError, resolveLaunch } from './launch-config';
import { memoryReference, parseMemoryReference } from './memory-reference';
import { pageTableJson, translationJson } from './page-table-json';
import { FrameSources } from './frame-sources';

/** Stop descriptions that only repeat the stop reason. */
const PLAIN_STOP_DESCRIPTIONS = new Set(['breakpoint', 'step', 'step out', 'paused', 'entry']);
import { SCOPES, ScopeRef, exitFor, exitRecordJson, scopeVariables } from './variables';

/** Labels of the exception-breakpoint filters. */
const FILTER_LABELS: Record<string, string> = {
  'exit-sbi': 'VM exit: SBI call', 'exit-mmio': 'VM exit: MMIO access', 'exit-guest-page-fault': 'VM exit: guest page fault',
  'exit-virtual-instruction': 'VM exit: virtual instruction', 'exit-wfi': 'VM exit: WFI', 'exit-interrupt': 'VM exit: interrupt / slice end',
  'exit-illegal-instruction': 'VM exit: illegal instruction',
  'guest-exception': 'Guest exception (trap taken inside the guest)', 'guest-interrupt': 'Guest interrupt (taken inside the guest)',
};
const CONDITION_HELP: Record<string, string> = {
  'exit-sbi': 'e.g. eid == 0x54494D45 (TIME), fid == 0, ext == \'DBCN\', vcpu == 1',
  'exit-mmio': 'e.g. gpa >= 0x10000000 && gpa < 0x10000008, write, device == \'uart0\'',
  'exit-guest-page-fault': 'e.g. cause == 21, gpa >= 0x80400000',
  'guest-exception': 'e.g. cause == 13 (load page fault), user == 1, tval >= 0x400000, vcpu == 1',
  'guest-interrupt': 'e.g. cause == 5 (timer), cause == 9 (external)',
};

/** Frame ids encode the vCPU and the frame's depth. */
const FRAME_STRIDE = 1 << 16;
const hex = (v: bigint | number): string => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

/** The debug session. */
export class HyperscopeSession extends LoggingDebugSession {
  private dbg?: GuestDebugger;
  private stopOnEntry = false;
  /** Which frames' source files exist; set by launch. */
  private frameSources?: FrameSources;
  /** The launch's disks, closed at disconnect. */
  private disks: { close(): void }[] = [];
  /** Symbol files whose DWARF error was already shown. */
  private readonly dwarfErrorsTold = new Set<object>();
  private readonly scopes = new Handles<ScopeRef>();
  /** Internal breakpoint ids -> the DAP breakpoint id that stands for them. */
  private readonly dapIds = new Map<number, number>();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsSteppingGranularity: true,
      supportsSetVariable: true,
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      supportsDataBreakpoints: true,
      supportsRestartRequest: true,
      exceptionBreakpointFilters: [...EXIT_FILTER_IDS, ...GUEST_TRAP_FILTER_IDS].map((id) => ({
        filter: id, label: FILTER_LABELS[id] ?? id, default: false, supportsCondition: true,
        conditionDescription: CONDITION_HELP[id] ?? 'e.g. vcpu == 1, cause == 13, pc == 0x80200000',
      })),
    };
    this.sendResponse(response);
  }

  protected launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments & HyperscopeLaunchArgs): void {
    try {
      const opts = resolveLaunch(args, (line) => this.sendEvent(new OutputEvent(`hyperscope: ${line}\n`, 'console')));
      this.stopOnEntry = opts.stopOnEntry;
      this.disks = opts.disks ?? [];
      this.frameSources = new FrameSources({ cwd: opts.cwd, substitutions: opts.substitutePath ?? [], command: args.sourcesCommand });
      this.dbg = GuestDebugger.launch(opts);
    } catch (e) {
      this.closeDisks();
      const msg = e instanceof LaunchError ? e.message : `${args.program ?? 'program'}: ${(e as Error).message}`;
      this.sendErrorResponse(response, { id: 1001, format: msg.replace(/[{}]/g, ''), showUser: true });
      return;
    }
    const d = this.dbg;
    d.on('output', (text: string) => this.sendEvent(new OutputEvent(text, 'stdout')));
    d.on('stopped', (e: StopEvent) => this.onStopped(e));
    d.on('stats', (report: unknown) => this.sendEvent(new Event('hyperscope.exitStats', report)));
    d.on('exited', (code: number) => this.sendEvent(new ExitedEvent(code)));
    d.on('terminated', () => this.sendEvent(new TerminatedEvent()));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    if (!this.dbg) return;
    if (this.stopOnEntry) this.dbg.reportEntry();
    else void this.dbg.continue();
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

  private onStopped(e: StopEvent): void {
    this.reportDwarfErrors();
    this.scopes.reset();
    const ev = new StoppedEvent(e.reason, e.vcpu + 1, e.text) as DebugProtocol.StoppedEvent;
    // VS Code shows a description as is; for plain stops it composes "Paused on breakpoint" itself.
    if (e.description && !PLAIN_STOP_DESCRIPTIONS.has(e.description)) ev.body.description = e.description;
    ev.body.allThreadsStopped = true;
    if (e.breakpointIds) ev.body.hitBreakpointIds = e.breakpointIds.map((id) => this.dapIds.get(id) ?? id);
    this.sendEvent(ev);
  }

  /** The debugger, or an error response when there is none (no launch yet / VM ended). */
  private need(response: DebugProtocol.Response): GuestDebugger | undefined {
    if (this.dbg && !this.dbg.isEnded()) return this.dbg;
    this.sendErrorResponse(response, { id: 1002, format: 'no guest is running', showUser: false });
    return undefined;
  }

  private stoppedOrError(response: DebugProtocol.Response): GuestDebugger | undefined {
    const d = this.need(response);
    if (d && d.state !== 'stopped') {
      this.sendErrorResponse(response, { id: 1003, format: 'the guest is running: pause it first', showUser: false });
      return undefined;
    }
    return d;
  }

  // ---- threads, stack, variables ----

  protected threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const n = this.dbg?.vm.vcpus.length ?? 0;
    response.body = { threads: Array.from({ length: n }, (_, i) => new Thread(i + 1, `vCPU ${i}`)) };
    this.sendResponse(response);
  }

  protected stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const d = this.stoppedOrError(response);
    if (!d) return;
    const vcpu = args.threadId - 1;
    const frames = d.callStack(vcpu);
    const start = args.startFrame ?? 0;
    const end = args.levels ? start + args.levels : frames.length;
    response.body = {
      totalFrames: frames.length,
      stackFrames: frames.slice(start, end).map((f, k) => {
        const i = start + k;
        const src = this.existingSource(f);
        const sf = new StackFrame(vcpu * FRAME_STRIDE + i, f.name ?? hex(f.pc),
          src ? new Source(basename(src.path), src.path) : undefined, src?.line ?? 0, src?.column ?? 0) as DebugProtocol.StackFrame;
        sf.instructionPointerReference = memoryReference(f.pc);
        if (!src) sf.presentationHint = 'subtle';
        return sf;
      }),
    };
    this.sendResponse(response);
  }

  /** The frame's source when its file exists; tells once on the debug console when one does not. */
  private existingSource(f: DisplayFrame): DisplayFrame['source'] {
    if (!f.source || !this.frameSources) return f.source;
    const checked = this.frameSources.check(f.source.path, f.pc);
    if (checked.notice) this.sendEvent(new OutputEvent(`hyperscope: ${checked.notice}\n`, 'console'));
    return checked.path ? f.source : undefined;
  }

  protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const vcpu = Math.floor(args.frameId / FRAME_STRIDE);
    response.body = {
      scopes: SCOPES.map((s) => {
        const sc = new Scope(s.name, this.scopes.create({ vcpu, scope: s.scope }), s.expensive) as DebugProtocol.Scope;
        if (s.presentationHint) sc.presentationHint = s.presentationHint;
        return sc;
      }),
    };
    this.sendResponse(response);
  }

  protected variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const d = this.need(response);
    if (!d) return;
    const ref = this.scopes.get(args.variablesReference);
    response.body = { variables: ref ? scopeVariables(d, ref) : [] };
    this.sendResponse(response);
  }

  protected setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const d = this.stoppedOrError(response);
    if (!d) return;
    const ref = this.scopes.get(args.variablesReference);
    try {
      if (!ref || ref.scope === 'exit') throw new Error('the VM exit fields cannot be changed');
      const v = compileExpression(args.value)(d.exprEnv(ref.vcpu));
      if (typeof v !== 'bigint') throw new Error(`'${args.value}' is not a number`);
      writeRegister(d.hart(ref.vcpu), args.name, v);
      const shown = scopeVariables(d, ref).find((x) => x.name === args.name);
      response.body = { value: shown?.value ?? hex(v), memoryReference: shown?.memoryReference } as DebugProtocol.SetVariableResponse['body'];
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1004, format: (e as Error).message.replace(/[{}]/g, ''), showUser: true });
    }
  }

  // ---- execution ----

  protected continueRequest(response: DebugProtocol.ContinueResponse): void {
    const d = this.need(response);
    if (!d) return;
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    void d.continue();
  }

  protected pauseRequest(response: DebugProtocol.PauseResponse): void {
    const d = this.need(response);
    if (!d) return;
    d.pause();
    this.sendResponse(response);
  }

  private step(response: DebugProtocol.Response, threadId: number, granularity: DebugProtocol.SteppingGranularity | undefined,
    kind: 'over' | 'in' | 'out'): void {
    const d = this.stoppedOrError(response);
    if (!d) return;
    this.sendResponse(response);
    const vcpu = threadId - 1;
    if (kind === 'out') void d.stepOut(vcpu);
    else if (granularity === 'instruction') void d.stepInstruction(vcpu);
    else void d.stepLine(vcpu, kind);
  }

  protected nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args.threadId, args.granularity, 'over');
  }

  protected stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args.threadId, args.granularity, 'in');
  }

  protected stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args.threadId, args.granularity, 'out');
  }

  /** Re-boots the guest with the same configuration; breakpoints stay; then as after launch (entry stop or run). */
  protected restartRequest(response: DebugProtocol.RestartResponse): void {
    const d = this.dbg;
    if (!d) return this.sendErrorResponse(response, { id: 1002, format: 'no guest is running', showUser: false });
    try {
      d.restart();
    } catch (e) {
      return this.sendErrorResponse(response, { id: 1009, format: `restart: ${(e as Error).message.replace(/[{}]/g, '')}`, showUser: true });
    }
    this.scopes.reset();
    this.sendResponse(response);
    if (this.stopOnEntry) d.reportEntry();
    else void d.continue();
  }

  protected terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.dbg?.terminate();
    this.sendResponse(response);
  }

  protected disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    if (this.dbg && !this.dbg.isEnded()) {
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

  private toDap(ids: number[], verified: boolean, message?: string, extra: Partial<DebugProtocol.Breakpoint> = {}): DebugProtocol.Breakpoint {
    const bp = new Breakpoint(verified) as DebugProtocol.Breakpoint;
    if (ids.length) {
      bp.id = ids[0];
      for (const id of ids) this.dapIds.set(id, ids[0]);
    }
    if (message) bp.message = message;
    return Object.assign(bp, extra);
  }

  protected setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const d = this.need(response);
    if (!d) return;
    const path = args.source.path ?? '';
    const results = d.setSourceBreakpoints(path, (args.breakpoints ?? []).map((b) => ({
      line: b.line, condition: b.condition, hitCondition: b.hitCondition,
    })));
    response.body = {
      breakpoints: results.map((r) => this.toDap(r.ids, r.ids.length > 0 && !r.error, r.error, {
        line: r.line, source: new Source(basename(path), path),
        instructionReference: r.addresses.length ? memoryReference(r.addresses[0]) : undefined,
      })),
    };
    this.sendResponse(response);
    this.reportDwarfErrors();
  }

  protected setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const d = this.need(response);
    if (!d) return;
    const results = d.setFunctionBreakpoints(args.breakpoints.map((b) => ({ name: b.name, condition: b.condition, hitCondition: b.hitCondition })));
    response.body = {
      breakpoints: results.map((r) => {
        const src = r.addresses.length ? d.sourceAt(r.addresses[0]) : undefined;
        return this.toDap(r.ids, r.ids.length > 0 && !r.error, r.error, {
          instructionReference: r.addresses.length ? memoryReference(r.addresses[0]) : undefined,
          source: src ? new Source(basename(src.path), src.path) : undefined, line: src?.line,
        });
      }),
    };
    this.sendResponse(response);
    this.reportDwarfErrors();
  }

  protected setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    const d = this.need(response);
    if (!d) return;
    const addrs = args.breakpoints.map((b) => parseMemoryReference(b.instructionReference, b.offset ?? 0));
    const results = d.setInstructionBreakpoints(args.breakpoints.flatMap((b, i) => {
      const a = addrs[i];
      return a ? [{ address: codeAddr(a.address), condition: b.condition, hitCondition: b.hitCondition }] : [];
    }));
    let k = 0;
    response.body = {
      breakpoints: addrs.map((a) => {
        if (!a) return this.toDap([], false, 'invalid instruction reference');
        const r = results[k++];
        return this.toDap(r.ids, !r.error, r.error, { instructionReference: memoryReference(a.address) });
      }),
    };
    this.sendResponse(response);
  }

  protected setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const d = this.need(response);
    if (!d) return;
    const specs = [
      ...(args.filters ?? []).map((filter) => ({ filter })),
      ...(args.filterOptions ?? []).map((o) => ({ filter: o.filterId, condition: o.condition })),
    ];
    const errors = d.setExitBreakpoints(specs);
    response.body = { breakpoints: errors.map((e) => this.toDap([], !e, e)) };
    this.sendResponse(response);
  }

  protected dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const d = this.need(response);
    if (!d) return;
    const ref = args.variablesReference ? this.scopes.get(args.variablesReference) : undefined;
    const vcpu = ref?.vcpu ?? (args.frameId !== undefined ? Math.floor(args.frameId / FRAME_STRIDE) : this.focusVcpu());
    const accessTypes: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];
    let target: WatchTarget | undefined;
    let why = 'only memory can be watched: a register holding an address, or an address expression';
    try {
      if (args.variablesReference && !args.asAddress) {
        if (ref?.scope === 'general') target = registerTarget(d, vcpu, args.name, args.bytes);
      } else {
        target = expressionTarget(d, vcpu, args.name, args.bytes);
      }
    } catch (e) {
      why = (e as Error).message;
    }
    response.body = target
      ? { dataId: watchDataId(target), description: target.description, accessTypes, canPersist: true }
      : { dataId: null, description: why };
    this.sendResponse(response);
  }

  protected setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const d = this.need(response);
    if (!d) return;
    const parsed = args.breakpoints.map((b) => parseWatchDataId(b.dataId));
    const results = d.setDataBreakpoints(args.breakpoints.flatMap((b, i) => {
      const t = parsed[i];
      const access: WatchAccess = b.accessType ?? 'write';
      return t ? [{ address: t.address, size: t.size, access, condition: b.condition, hitCondition: b.hitCondition }] : [];
    }));
    let k = 0;
    response.body = {
      breakpoints: parsed.map((t) => {
        if (!t) return this.toDap([], false, 'invalid data breakpoint id');
        const r = results[k++];
        return 'id' in r ? this.toDap([r.id], true, undefined, { instructionReference: memoryReference(t.address) }) : this.toDap([], false, r.error);
      }),
    };
    this.sendResponse(response);
  }

  protected exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const d = this.need(response);
    if (!d) return;
    const s = d.lastStop;
    const record = s?.exit?.record ?? exitFor(d, args.threadId - 1);
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
    const d = this.stoppedOrError(response);
    if (!d) return;
    const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
    if (!ref) return this.sendErrorResponse(response, { id: 1005, format: `invalid memory reference '${args.memoryReference}'`, showUser: false });
    const count = Math.min(args.count, 1 << 20);
    const bytes = ref.space === 'physical' ? d.memory.readPhys(ref.address, count) : d.memory.readVirt(d.hart(this.focusVcpu()), ref.address, count);
    const data = bytes ?? new Uint8Array(0);
    response.body = {
      address: memoryReference(ref.address, ref.space),
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      unreadableBytes: count - data.length,
    };
    this.sendResponse(response);
  }

  protected writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const d = this.stoppedOrError(response);
    if (!d) return;
    const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
    if (!ref) return this.sendErrorResponse(response, { id: 1005, format: `invalid memory reference '${args.memoryReference}'`, showUser: false });
    const data = new Uint8Array(Buffer.from(args.data, 'base64'));
    const written = ref.space === 'physical' ? (d.memory.writePhys(ref.address, data) ? data.length : 0) : d.memory.writeVirt(d.hart(this.focusVcpu()), ref.address, data);
    if (written === 0 && data.length > 0) return this.sendErrorResponse(response, { id: 1006, format: `cannot write guest memory at ${hex(ref.address)}`, showUser: true });
    response.body = { bytesWritten: written };
    this.sendResponse(response);
    this.sendEvent(new Event('memory', { memoryReference: args.memoryReference, offset: args.offset ?? 0, count: written }));
  }

  protected disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    const d = this.stoppedOrError(response);
    if (!d) return;
    const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
    if (!ref) return this.sendErrorResponse(response, { id: 1005, format: `invalid memory reference '${args.memoryReference}'`, showUser: false });
    const list = disassembleAround(d, this.focusVcpu(), ref.address, args.instructionOffset ?? 0, Math.min(args.instructionCount, 4096));
    let lastPath: string | undefined;
    response.body = {
      instructions: list.map((i) => {
        const ins: DebugProtocol.DisassembledInstruction = {
          address: hex(i.address), instructionBytes: i.bytes || undefined, instruction: i.text,
          symbol: i.symbol, presentationHint: i.unreadable ? 'invalid' : undefined,
        };
        if (i.source) {
          ins.line = i.source.line;
          if (i.source.path !== lastPath) ins.location = new Source(basename(i.source.path), i.source.path);
          lastPath = i.source.path;
        }
        return ins;
      }),
    };
    this.sendResponse(response);
  }

  protected evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const d = this.need(response);
    if (!d) return;
    const vcpu = args.frameId !== undefined ? Math.floor(args.frameId / FRAME_STRIDE) : this.focusVcpu();
    try {
      const r = evaluateConsole(d, vcpu, args.expression);
      response.body = {
        result: r.text, variablesReference: 0,
        memoryReference: typeof r.value === 'bigint' ? memoryReference(r.value) : undefined,
      };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1007, format: (e as Error).message.replace(/[{}]/g, ''), showUser: false });
    }
  }

  /** The `vcpu` argument of a custom request (default: the focused vCPU), checked. */
  private vcpuArg(d: GuestDebugger, args: Record<string, unknown> | undefined): number {
    const v = args?.vcpu ?? this.focusVcpu();
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= d.vm.vcpus.length) throw new Error(`no vCPU ${String(v)}`);
    return v;
  }

  private focusVcpu(): number {
    return this.dbg?.lastStop?.vcpu ?? 0;
  }

  // ---- custom requests ----

  protected customRequest(command: string, response: DebugProtocol.Response, args: Record<string, unknown> | undefined): void {
    const d = this.dbg;
    if (!d) return this.sendErrorResponse(response, { id: 1002, format: 'no guest is running', showUser: false });
    try {
      switch (command) {
        case 'hyperscope.exitStats':
          if (args?.reset) d.vm.stats.reset();
          response.body = d.statsReport();
          break;
        case 'hyperscope.exitTrace': {
          const count = typeof args?.count === 'number' ? args.count : undefined;
          response.body = { exits: d.vm.trace.recent(count).map(exitRecordJson), total: d.vm.trace.total };
          break;
        }
        case 'hyperscope.translate': {
          if (d.state !== 'stopped') throw new Error('the guest is running: pause it first');
          const vcpu = this.vcpuArg(d, args);
          const v = compileExpression(String(args?.address ?? ''))(d.exprEnv(vcpu));
          if (typeof v !== 'bigint') throw new Error('address must be a number');
          response.body = translationJson(d.memory.translate(d.hart(vcpu), v), translateText(d, vcpu, v));
          break;
        }
        case 'hyperscope.pageTable': {
          if (d.state !== 'stopped') throw new Error('the guest is running: pause it first');
          const stage = args?.stage ?? 'vs';
          if (stage !== 'vs' && stage !== 'g') throw new Error(`stage must be 'vs' or 'g', not '${String(stage)}'`);
          response.body = pageTableJson(d.memory.pageTable(d.hart(this.vcpuArg(d, args)), stage));
          break;
        }
        case 'hyperscope.input': {
          if (typeof args?.text !== 'string') throw new Error('text must be a string');
          if (d.isEnded()) throw new Error('the guest has ended');
          d.vm.sendInput(new TextEncoder().encode(args.text));
          break;
        }
        default:
          return super.customRequest(command, response, args);
      }
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1008, format: (e as Error).message.replace(/[{}]/g, ''), showUser: false });
    }
  }
}
