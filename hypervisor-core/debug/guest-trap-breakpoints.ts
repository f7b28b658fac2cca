/**
 * Guest trap breakpoints: stop when a trap is taken inside the guest (into VS-mode, never a
 * VM exit), before the guest's handler runs: `guest-exception` and `guest-interrupt`, each
 * with an optional condition over the trap's fields as the guest sees them (its scause,
 * stval and sepc are the hart's vscause, vstval and vsepc; H extension 9.2.5-9.2.8):
 *
 *   vcpu cause scause interrupt tval stval epc sepc user (1 when taken from VU-mode) pc (the handler)
 */
import { CompiledExpr, ExprError, ExprValue, compileCondition, truthy } from './expression';
import type { ExitFilterSpec } from './exit-breakpoints';

/** The filter ids. */
export const GUEST_TRAP_FILTER_IDS: readonly string[] = ['guest-exception', 'guest-interrupt'];

/** A trap taken inside the guest. */
export interface GuestTrap {
  vcpu: number;
  /** The cause code the guest sees (without the interrupt bit). */
  cause: bigint;
  interrupt: boolean;
  tval: bigint;
  /** Where the trap happened (the guest's sepc). */
  epc: bigint;
  /** The guest handler's address (pc after the trap). */
  pc: bigint;
  /** Taken from VU-mode (the guest's sstatus.SPP = 0). */
  fromUser: boolean;
}

const EXCEPTIONS: Record<number, string> = {
  0: 'instruction address misaligned', 1: 'instruction access fault', 2: 'illegal instruction', 3: 'breakpoint',
  4: 'load address misaligned', 5: 'load access fault', 6: 'store address misaligned', 7: 'store access fault',
  8: 'ecall from U-mode', 9: 'ecall from S-mode', 12: 'instruction page fault', 13: 'load page fault', 15: 'store page fault',
};
const INTERRUPTS: Record<number, string> = { 1: 'software interrupt', 5: 'timer interrupt', 9: 'external interrupt' };

/** "load page fault (cause 13)". */
export function guestTrapName(t: GuestTrap): string {
  const n = Number(t.cause);
  return `${(t.interrupt ? INTERRUPTS[n] : EXCEPTIONS[n]) ?? (t.interrupt ? 'interrupt' : 'exception')} (cause ${n})`;
}

/** The value of a named field of a guest trap, or undefined. */
export function guestTrapField(t: GuestTrap, name: string): ExprValue | undefined {
  switch (name) {
    case 'vcpu': return BigInt(t.vcpu);
    case 'cause': case 'scause': return t.cause;
    case 'interrupt': return t.interrupt ? 1n : 0n;
    case 'tval': case 'stval': return t.tval;
    case 'epc': case 'sepc': return t.epc;
    case 'pc': return t.pc;
    case 'user': return t.fromUser ? 1n : 0n;
  }
  return undefined;
}

interface Filter { id: string; interrupt: boolean; condition?: CompiledExpr; text?: string }

/** The enabled guest trap filters. */
export class GuestTrapBreakpoints {
  private filters: Filter[] = [];
  /** The error of the last condition that failed to evaluate (the VM stops to show it). */
  lastError?: string;

  /** Replaces the filters; per spec undefined (accepted) or the reason it was refused. */
  set(specs: ExitFilterSpec[]): (string | undefined)[] {
    this.filters = [];
    return specs.map((s) => {
      if (!GUEST_TRAP_FILTER_IDS.includes(s.filter)) return `unknown guest trap filter '${s.filter}'`;
      const text = s.condition?.trim() || undefined;
      try {
        this.filters.push({ id: s.filter, interrupt: s.filter === 'guest-interrupt', condition: compileCondition(text), text });
        return undefined;
      } catch (e) {
        return e instanceof ExprError ? e.message : String(e);
      }
    });
  }

  /** True when some filter is enabled for interrupts (`interrupt`) or for exceptions. */
  wants(interrupt: boolean): boolean {
    return this.filters.some((f) => f.interrupt === interrupt);
  }

  /** True when some filter is enabled. */
  get active(): boolean {
    return this.filters.length > 0;
  }

  /** The filter id this trap matches, or undefined (an evaluation error matches, with `lastError`). */
  match(t: GuestTrap): string | undefined {
    for (const f of this.filters) {
      if (f.interrupt !== t.interrupt) continue;
      if (!f.condition) return f.id;
      try {
        if (truthy(f.condition({ lookup: (n) => guestTrapField(t, n) }))) return f.id;
      } catch (e) {
        this.lastError = `condition '${f.text}': ${(e as Error).message}`;
        return f.id;
      }
    }
    return undefined;
  }
}
