/**
 * The breakpoint requests in DAP terms: each checks its arguments, sets the breakpoints of
 * its kind on the debugger facade and returns the response body. One internal breakpoint
 * can stand for several addresses (a line inlined in several places): the DAP breakpoint
 * carries the first internal id, and `dapId` maps the others to it for stop events.
 */
import { Breakpoint, Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import type { GuestDebugger } from '../hypervisor-core/debug/guest-debugger';
import { WatchTarget, expressionTarget, parseWatchDataId, registerTarget, watchDataId } from '../hypervisor-core/debug/watch-target';
import { MAX_WATCH_SIZE, WatchAccess } from '../hypervisor-core/debug/watchpoints';
import { codeAddr } from '../hypervisor-core/debug/address';
import { CRef, CVariables, cTarget } from './c-variables';
import { memoryReference, parseMemoryReference } from './memory-reference';
import type { ScopeRef } from './variables';
import { Args, RequestError, field, intArg, listArg, objArg, objListArg, oneLine, optStrArg, shown, strArg } from './request-args';

/** Bounds on what one request may ask for (each well above what VS Code sends). */
export const MAX_EXPRESSION = 4096;
export const MAX_PATH = 4096;
export const MAX_ADDRESS_TEXT = 100;
const MAX_BREAKPOINTS = 10_000;
const U64 = 2 ** 64;

/** The condition, hit condition and log message of a breakpoint entry. */
function conditions(b: Args): { condition?: string; hitCondition?: string; logMessage?: string } {
  return {
    condition: optStrArg(b, 'condition', MAX_EXPRESSION), hitCondition: optStrArg(b, 'hitCondition', MAX_EXPRESSION),
    logMessage: optStrArg(b, 'logMessage', MAX_EXPRESSION),
  };
}

/** Where a `dataBreakpointInfo` name was found: a C variable, a register scope, or neither (an expression). */
export type DataInfoContext = { cref?: CRef; ref?: ScopeRef; vcpu: number; asAddress: boolean; cvars: CVariables };

/** The breakpoint requests of one session, with the map of internal ids to DAP ids. */
export class DapBreakpoints {
  /** Internal breakpoint ids -> the DAP breakpoint id that stands for them. */
  private readonly dapIds = new Map<number, number>();

  /** The DAP id standing for internal breakpoint `id`. */
  dapId(id: number): number {
    return this.dapIds.get(id) ?? id;
  }

  private toDap(ids: number[], verified: boolean, message?: string, extra: Partial<DebugProtocol.Breakpoint> = {}): DebugProtocol.Breakpoint {
    const bp = new Breakpoint(verified) as DebugProtocol.Breakpoint;
    if (ids.length) {
      bp.id = ids[0];
      for (const id of ids) this.dapIds.set(id, ids[0]);
    }
    if (message) bp.message = message;
    return Object.assign(bp, extra);
  }

  /** setBreakpoints: the lines of one source file. */
  source(d: GuestDebugger, args: DebugProtocol.SetBreakpointsArguments): DebugProtocol.SetBreakpointsResponse['body'] {
    const path = strArg(objArg(args.source, 'source'), 'path', MAX_PATH);
    const bps = objListArg(args, 'breakpoints', MAX_BREAKPOINTS, true)
      .map((b) => ({ line: intArg(b, 'line', 1, 2 ** 31 - 1), ...conditions(b) }));
    const results = d.setSourceBreakpoints(path, bps);
    return {
      breakpoints: results.map((r) => this.toDap(r.ids, r.ids.length > 0 && !r.error, r.error, {
        line: r.line, source: new Source(basename(path), path),
        instructionReference: r.addresses.length ? memoryReference(r.addresses[0]) : undefined,
      })),
    };
  }

  /** setFunctionBreakpoints. */
  functions(d: GuestDebugger, args: DebugProtocol.SetFunctionBreakpointsArguments): DebugProtocol.SetFunctionBreakpointsResponse['body'] {
    const bps = objListArg(args, 'breakpoints', MAX_BREAKPOINTS).map((b) => ({ name: strArg(b, 'name', 1024), ...conditions(b) }));
    const results = d.setFunctionBreakpoints(bps);
    return {
      breakpoints: results.map((r) => {
        const src = r.addresses.length ? d.sourceAt(r.addresses[0]) : undefined;
        return this.toDap(r.ids, r.ids.length > 0 && !r.error, r.error, {
          instructionReference: r.addresses.length ? memoryReference(r.addresses[0]) : undefined,
          source: src ? new Source(basename(src.path), src.path) : undefined, line: src?.line,
        });
      }),
    };
  }

  /** setInstructionBreakpoints. */
  instructions(d: GuestDebugger, args: DebugProtocol.SetInstructionBreakpointsArguments): DebugProtocol.SetInstructionBreakpointsResponse['body'] {
    const bps = objListArg(args, 'breakpoints', MAX_BREAKPOINTS).map((b) => ({
      ref: parseMemoryReference(strArg(b, 'instructionReference', MAX_ADDRESS_TEXT), intArg(b, 'offset', -U64, U64, 0)),
      ...conditions(b),
    }));
    const results = d.setInstructionBreakpoints(bps.flatMap((b) => (b.ref ? [{ address: codeAddr(b.ref.address), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage }] : [])));
    let k = 0;
    return {
      breakpoints: bps.map(({ ref }) => {
        if (!ref) return this.toDap([], false, 'invalid instruction reference');
        const r = results[k++];
        return this.toDap(r.ids, !r.error, r.error, { instructionReference: memoryReference(ref.address) });
      }),
    };
  }

  /** setExceptionBreakpoints: the exit and guest trap filters, each with its condition and mode. */
  exceptions(d: GuestDebugger, args: DebugProtocol.SetExceptionBreakpointsArguments): DebugProtocol.SetExceptionBreakpointsResponse['body'] {
    const specs = [
      ...listArg(args, 'filters', 100, true).map((filter, i) => {
        if (typeof filter !== 'string') throw new RequestError(`filters[${i}] must be a string, not ${shown(filter)}`);
        return { filter };
      }),
      ...objListArg(args, 'filterOptions', 100, true).map((o) => ({
        filter: strArg(o, 'filterId', 100), condition: optStrArg(o, 'condition', MAX_EXPRESSION), mode: optStrArg(o, 'mode', 100),
      })),
    ];
    const errors = d.setExitBreakpoints(specs);
    return { breakpoints: errors.map((e) => this.toDap([], !e, e)) };
  }

  /** setDataBreakpoints: watchpoints on the dataIds `dataInfo` gave. */
  data(d: GuestDebugger, args: DebugProtocol.SetDataBreakpointsArguments): DebugProtocol.SetDataBreakpointsResponse['body'] {
    const bps = objListArg(args, 'breakpoints', MAX_BREAKPOINTS).map((b) => {
      const access = field(b, 'accessType') ?? 'write';
      if (access !== 'read' && access !== 'write' && access !== 'readWrite') throw new RequestError(`accessType must be 'read', 'write' or 'readWrite', not ${shown(access)}`);
      return { target: parseWatchDataId(strArg(b, 'dataId', MAX_ADDRESS_TEXT)), access: access as WatchAccess, ...conditions(b) };
    });
    const results = d.setDataBreakpoints(bps.flatMap((b) => (b.target
      ? [{ address: b.target.address, size: b.target.size, access: b.access, condition: b.condition, hitCondition: b.hitCondition }] : [])));
    let k = 0;
    return {
      breakpoints: bps.map(({ target: t }) => {
        if (!t) return this.toDap([], false, 'invalid data breakpoint id');
        const r = results[k++];
        return 'id' in r ? this.toDap([r.id], true, undefined, { instructionReference: memoryReference(t.address) }) : this.toDap([], false, r.error);
      }),
    };
  }
}

/**
 * dataBreakpointInfo: the memory a name stands for (a C variable, a register holding an
 * address, or an address expression) as a dataId, or why it cannot be watched.
 */
export function dataBreakpointInfo(d: GuestDebugger, args: DebugProtocol.DataBreakpointInfoArguments, c: DataInfoContext):
  DebugProtocol.DataBreakpointInfoResponse['body'] {
  const name = strArg(args, 'name', MAX_EXPRESSION);
  const bytes = args.bytes === undefined ? undefined : intArg(args, 'bytes', 1, MAX_WATCH_SIZE);
  const accessTypes: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];
  let target: WatchTarget | undefined;
  let why = 'only memory can be watched: a register holding an address, or an address expression';
  try {
    if (c.cref && !c.asAddress) {
      target = cTarget(d, c.vcpu, c.cvars.variables(d, c.cref).find((v) => v.name === name)?.evaluateName ?? name, c.cref.frame, bytes);
    } else if (c.ref && !c.asAddress) {
      if (c.ref.scope === 'general') target = registerTarget(d, c.vcpu, name, bytes);
    } else {
      target = expressionTarget(d, c.vcpu, name, bytes);
    }
  } catch (e) {
    why = oneLine(e);
  }
  return target
    ? { dataId: watchDataId(target), description: target.description, accessTypes, canPersist: true }
    : { dataId: null, description: why };
}
