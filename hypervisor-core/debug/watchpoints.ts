/**
 * Data breakpoints (watchpoints) on guest virtual addresses: read, write or both, with an
 * optional condition (an expression over registers and symbols, evaluated when the access
 * is about to happen) and hit condition. The hart checks the access ranges (HartWatchpoint)
 * in its slow path and stops before the access; this set decides whether that stops the VM.
 */
import type { HartWatchpoint } from '../hart/hart';
import { parseHitCondition } from './breakpoints';
import { CompiledExpr, ExprEnv, compileCondition, truthy } from './expression';

/** What accesses a watchpoint stops on (DAP's DataBreakpointAccessType). */
export type WatchAccess = 'read' | 'write' | 'readWrite';

/** A watchpoint as the user asks for it. */
export interface WatchRequest {
  /** First guest virtual address. */
  address: bigint;
  /** Bytes watched (1..4096). */
  size: number;
  access: WatchAccess;
  condition?: string;
  hitCondition?: string;
}

/** One placed watchpoint. */
export interface Watchpoint {
  id: number;
  address: bigint;
  size: number;
  access: WatchAccess;
  condition?: CompiledExpr;
  hitCondition?: (hits: number) => boolean;
  hits: number;
}

/** Largest watched range. */
export const MAX_WATCH_SIZE = 4096;

/** The session's watchpoints (replaced as a whole, as DAP's setDataBreakpoints does). */
export class WatchpointSet {
  /** Placed watchpoints; the hart reports hits by index into this list. */
  list: Watchpoint[] = [];

  constructor(private readonly newId: () => number) {}

  /** Replaces every watchpoint; per request its id, or the one-line reason it was refused. */
  replace(requests: WatchRequest[]): ({ id: number } | { error: string })[] {
    this.list = [];
    return requests.map((r) => {
      try {
        if (!Number.isInteger(r.size) || r.size < 1 || r.size > MAX_WATCH_SIZE) throw new Error(`watch size must be 1..${MAX_WATCH_SIZE} bytes`);
        const w: Watchpoint = {
          id: this.newId(), address: BigInt.asUintN(64, r.address), size: r.size, access: r.access, hits: 0,
          condition: compileCondition(r.condition),
          hitCondition: r.hitCondition?.trim() ? parseHitCondition(r.hitCondition) : undefined,
        };
        this.list.push(w);
        return { id: w.id };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
  }

  /** The ranges for the harts, in `list` order. */
  hartList(): HartWatchpoint[] {
    return this.list.map((w) => ({
      lo: Number(BigInt.asIntN(32, w.address)), hi: Number(BigInt.asIntN(32, w.address >> 32n)), length: w.size,
      read: w.access !== 'write', write: w.access !== 'read',
    }));
  }

  /**
   * Decides whether the hart's hit on watchpoint `index` stops: the condition must hold, then
   * the hit is counted and the hit condition checked. A failing condition stops with its error.
   */
  hit(index: number, env: ExprEnv): { wp: Watchpoint; error?: string } | undefined {
    const wp = this.list[index];
    if (!wp) return undefined;
    if (wp.condition) {
      try {
        if (!truthy(wp.condition(env))) return undefined;
      } catch (e) {
        return { wp, error: (e as Error).message };
      }
    }
    wp.hits++;
    return !wp.hitCondition || wp.hitCondition(wp.hits) ? { wp } : undefined;
  }
}
