/**
 * The debugger's code breakpoints: groups replaced as a whole (one per source file, one for
 * functions, one for instruction breakpoints, as DAP sends them), each breakpoint with an
 * optional condition and hit condition, and the union of their addresses that is set on
 * every hart. Hit conditions: `N` or `>= N` (stop from the Nth hit on), `== N`, `> N`,
 * `< N`, `<= N`, `% N` (every Nth hit). A breakpoint with a log message is a logpoint: where
 * it would stop, it logs instead (logpoints.ts).
 */
import { CompiledExpr, ExprEnv, ExprError, compileExpression, truthy } from './expression';
import { LogTemplate, parseLogMessage } from './logpoints';

/** What a breakpoint is for. */
export type BreakpointKind = 'source' | 'function' | 'instruction';

/** One breakpoint at one address. */
export interface CodeBreakpoint {
  id: number;
  kind: BreakpointKind;
  address: number;
  condition?: CompiledExpr;
  /** The condition as written. */
  conditionText?: string;
  /** Why the condition could not be evaluated at a hit: the breakpoint no longer stops until it is set again. */
  conditionError?: string;
  hitCondition?: (hits: number) => boolean;
  hits: number;
  /** A logpoint's message: it logs where it would stop. */
  logMessage?: LogTemplate;
  /** A source breakpoint's line (its stop shows that line when an inlined call begins there). */
  line?: number;
}

/** A breakpoint as the user asks for it (before being placed). */
export interface BreakpointRequest {
  kind: BreakpointKind;
  addresses: number[];
  condition?: string;
  hitCondition?: string;
  /** DAP `logMessage`: makes the breakpoint a logpoint. */
  logMessage?: string;
  /** The line of a source breakpoint. */
  line?: number;
}

/** Parses a hit condition; throws ExprError on bad syntax. */
export function parseHitCondition(text: string): (hits: number) => boolean {
  const m = /^\s*(==|>=|<=|>|<|%|=)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ExprError(`invalid hit condition '${text}' (use e.g. 3, >= 3, == 3, % 2)`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '==': case '=': return (h) => h === n;
    case '>': return (h) => h > n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    case '%': return (h) => n > 0 && h % n === 0;
    default: return (h) => h >= n;
  }
}

/** All code breakpoints of a session. */
export class BreakpointSet {
  private readonly groups = new Map<string, CodeBreakpoint[][]>();
  private nextId = 1;

  /** @param compile compiles a condition (default: the untyped language of expression.ts); throws ExprError on a syntax error */
  constructor(private readonly compile: (src: string) => CompiledExpr = compileExpression) {}

  /**
   * Replaces a group. Each request yields its placed breakpoints (one per address), or an
   * error message when its condition does not parse.
   */
  replace(group: string, requests: BreakpointRequest[]): ({ ids: number[] } | { error: string })[] {
    const placed: CodeBreakpoint[][] = [];
    const results = requests.map((r) => {
      try {
        const condition = r.condition?.trim() ? this.compile(r.condition) : undefined;
        const hitCondition = r.hitCondition?.trim() ? parseHitCondition(r.hitCondition) : undefined;
        const logMessage = r.logMessage !== undefined && r.logMessage !== '' ? parseLogMessage(r.logMessage) : undefined;
        const bps = r.addresses.map((address) => ({ id: this.nextId++, kind: r.kind, address, condition, conditionText: r.condition, hitCondition, hits: 0, logMessage, line: r.line }));
        placed.push(bps);
        return { ids: bps.map((b) => b.id) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
    this.groups.set(group, placed);
    return results;
  }

  /** Every address with a breakpoint. */
  addresses(): Set<number> {
    const out = new Set<number>();
    for (const g of this.groups.values()) for (const list of g) for (const b of list) out.add(b.address);
    return out;
  }

  /** Breakpoints at an address. */
  at(address: number): CodeBreakpoint[] {
    const out: CodeBreakpoint[] = [];
    for (const g of this.groups.values()) for (const list of g) for (const b of list) if (b.address === address) out.push(b);
    return out;
  }

  /**
   * Decides whether a hit at `address` stops: counts hits of breakpoints whose condition
   * holds, and returns the first one whose hit condition allows a stop (or undefined). A
   * condition that fails to evaluate is passed to `conditionFailed` once and holds false from
   * then on: a bad condition never turns into a stop at every hit. A logpoint that would
   * stop is passed to `log` instead.
   */
  hit(address: number, env: ExprEnv, log?: (bp: CodeBreakpoint) => void, conditionFailed?: (bp: CodeBreakpoint) => void): { bp: CodeBreakpoint; error?: string } | undefined {
    let stop: { bp: CodeBreakpoint; error?: string } | undefined;
    for (const b of this.at(address)) {
      let ok = true, error: string | undefined;
      if (b.conditionError !== undefined) continue;
      if (b.condition) {
        try {
          ok = truthy(b.condition(env));
        } catch (e) {
          error = (e as Error).message;
        }
      }
      if (error) {
        b.conditionError = error;
        conditionFailed?.(b);
        continue;
      }
      if (!ok) continue;
      b.hits++;
      if (b.hitCondition && !b.hitCondition(b.hits)) continue;
      if (b.logMessage) log?.(b);
      else stop ??= { bp: b };
    }
    return stop;
  }
}
