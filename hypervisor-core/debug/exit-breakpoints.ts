/**
 * Exit breakpoints: stop the VM on a VM exit of a given reason, optionally only when a
 * condition over the exit's fields holds. Filter ids are `exit-<reason>` (the debug
 * adapter's exception-breakpoint filters). Names a condition can use:
 *
 *   vcpu reason pc cause scause stval htval htinst gpa
 *   eid fid a0..a5 error value ext fn      (SBI calls; ext/fn are names: ext == 'DBCN')
 *   address size write device data         (MMIO accesses; device == 'uart0')
 */
import type { ExitReason } from '../hypervisor/exit-reason';
import { EXIT_REASONS } from '../hypervisor/exit-reason';
import type { ExitRecord } from '../hypervisor/trace/exit-trace';
import { CompiledExpr, ExprError, ExprValue, compileCondition, truthy } from './expression';

/** One enabled filter as the user gave it. */
export interface ExitFilterSpec {
  /** `exit-sbi`, `exit-mmio`... */
  filter: string;
  condition?: string;
}

/** The ids of the exit filters, one per exit reason. */
export const EXIT_FILTER_IDS: readonly string[] = EXIT_REASONS.filter((r) => r !== 'halt').map((r) => `exit-${r}`);

/** The exit reason of a filter id, or undefined. */
export function reasonOfFilter(id: string): ExitReason | undefined {
  const r = id.startsWith('exit-') ? id.slice(5) : '';
  return (EXIT_REASONS as readonly string[]).includes(r) ? (r as ExitReason) : undefined;
}

/** The value of a named field of an exit record, or undefined when the exit has no such field. */
export function exitField(r: ExitRecord, name: string): ExprValue | undefined {
  switch (name) {
    case 'vcpu': return BigInt(r.vcpu);
    case 'reason': return r.reason;
    case 'pc': return r.pc;
    case 'cause': case 'scause': return r.scause;
    case 'stval': return r.stval;
    case 'htval': return r.htval;
    case 'htinst': return r.htinst;
    case 'gpa': return r.gpa ?? r.mmio?.address;
  }
  if (r.sbi) {
    const s = r.sbi;
    switch (name) {
      case 'eid': return BigInt(s.eid >>> 0);
      case 'fid': return BigInt(s.fid >>> 0);
      case 'error': return s.error === undefined ? undefined : BigInt.asUintN(64, BigInt(s.error));
      case 'value': return s.value === undefined ? undefined : BigInt.asUintN(64, s.value);
      case 'ext': return s.name.split('.')[0];
      case 'fn': return s.name.split('.').slice(1).join('.');
      case 'call': return s.name;
    }
    const m = /^a([0-5])$/.exec(name);
    if (m) return BigInt.asUintN(64, s.args[Number(m[1])] ?? 0n);
  }
  if (r.mmio) {
    const m = r.mmio;
    switch (name) {
      case 'address': return m.address;
      case 'size': return BigInt(m.size);
      case 'write': return m.write ? 1n : 0n;
      case 'read': return m.write ? 0n : 1n;
      case 'device': return m.device;
      case 'data': case 'value': return BigInt.asUintN(64, m.value);
    }
  }
  return undefined;
}

interface CompiledFilter { reason: ExitReason; condition?: CompiledExpr; text?: string }

/** The enabled exit filters, matched against each exit. */
export class ExitBreakpoints {
  private filters: CompiledFilter[] = [];
  /** The error of the last condition that failed to evaluate (reported, then the VM stops). */
  lastError?: string;

  /**
   * Replaces the filters. Returns one entry per spec: undefined when accepted, else the
   * one-line reason it was refused (unknown filter, syntax error in the condition).
   */
  set(specs: ExitFilterSpec[]): (string | undefined)[] {
    this.filters = [];
    return specs.map((s) => {
      const reason = reasonOfFilter(s.filter);
      if (!reason) return `unknown exit filter '${s.filter}'`;
      const text = s.condition?.trim() || undefined;
      try {
        this.filters.push({ reason, condition: compileCondition(text), text });
        return undefined;
      } catch (e) {
        return e instanceof ExprError ? e.message : String(e);
      }
    });
  }

  /** True when some filter is enabled. */
  get active(): boolean {
    return this.filters.length > 0;
  }

  /**
   * The filter id that matches this exit, or undefined. A condition naming a field this exit
   * does not have is false; any other evaluation error stops (so the user sees it).
   */
  match(r: ExitRecord): string | undefined {
    for (const f of this.filters) {
      if (f.reason !== r.reason) continue;
      if (!f.condition) return `exit-${f.reason}`;
      try {
        if (truthy(f.condition({ lookup: (n) => exitField(r, n) }))) return `exit-${f.reason}`;
      } catch (e) {
        if (e instanceof ExprError && e.message.startsWith('unknown name')) continue;
        this.lastError = `condition '${f.text}': ${(e as Error).message}`;
        return `exit-${f.reason}`;
      }
    }
    return undefined;
  }
}
