/**
 * Exit attribution: per exit reason, the guest pcs its exits came from (the trapping
 * instruction; for a slice end, where the guest was when the host timer preempted it), so the
 * report can name the guest code behind each reason ("which driver function makes the MMIO
 * exits"), as `perf kvm stat` cannot.
 *
 * `record` runs on every exit: O(1) (a bounded probe) and allocation-free. Each reason has a
 * fixed open-addressing table of TABLE_SLOTS slots in typed arrays holding at most
 * SITES_PER_REASON distinct pcs (half full, so probes stay short); an exit at a pc that finds
 * the table full counts in the reason's `other`. A guest jumping to random pcs therefore costs
 * a bounded table, never memory.
 */
import { EXIT_REASONS, ExitReason } from '../exit-reason';
import type { ExitAttribution } from './report';

/** Distinct guest pcs kept per exit reason; exits at further pcs count as `other`. */
export const SITES_PER_REASON = 64;
/** Sites listed per reason in a report, most exits first. */
export const DEFAULT_TOP_SITES = 10;

const TABLE_SLOTS = SITES_PER_REASON * 2; // a power of two
const SHIFT = 32 - Math.log2(TABLE_SLOTS);
const REASONS = EXIT_REASONS.length;
const REASON_INDEX = new Map<string, number>(EXIT_REASONS.map((r, i) => [r, i]));
const TWO32 = 4294967296;

/** Guest pcs per exit reason, with bounded tables. */
export class ExitSites {
  private readonly lo = new Int32Array(REASONS * TABLE_SLOTS);
  private readonly hi = new Int32Array(REASONS * TABLE_SLOTS);
  /** Exits per slot; 0 marks a free slot. */
  private readonly count = new Float64Array(REASONS * TABLE_SLOTS);
  private readonly used = new Int32Array(REASONS);
  private readonly other = new Float64Array(REASONS);
  private readonly samples = new Float64Array(REASONS);

  /** Counts one exit of `reason` at the guest pc (pcLo, pcHi), the hart's two 32-bit words. */
  record(reason: ExitReason, pcLo: number, pcHi: number): void {
    const r = REASON_INDEX.get(reason);
    if (r === undefined) return;
    this.samples[r]++;
    const base = r * TABLE_SLOTS;
    // Fibonacci hashing of both words; instructions are 2-byte aligned, so drop bit 0.
    let i = Math.imul((pcLo >>> 1) ^ Math.imul(pcHi, 0x27d4eb2d), 0x9e3779b1) >>> SHIFT;
    for (let probe = 0; probe < TABLE_SLOTS; probe++, i = (i + 1) & (TABLE_SLOTS - 1)) {
      const s = base + i;
      if (this.count[s] === 0) {
        if (this.used[r] >= SITES_PER_REASON) break;
        this.used[r]++;
        this.lo[s] = pcLo;
        this.hi[s] = pcHi;
        this.count[s] = 1;
        return;
      }
      if (this.lo[s] === (pcLo | 0) && this.hi[s] === (pcHi | 0)) {
        this.count[s]++;
        return;
      }
    }
    this.other[r]++;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.count.fill(0);
    this.used.fill(0);
    this.other.fill(0);
    this.samples.fill(0);
  }

  /**
   * Per reason with exits, the `top` pcs with the most exits (ties: lower pc first), pcs as
   * "0x..." hex of the unsigned 64-bit value. Symbols are added later by whoever has the ELF.
   */
  report(top = DEFAULT_TOP_SITES): ExitAttribution[] {
    const out: ExitAttribution[] = [];
    for (let r = 0; r < REASONS; r++) {
      if (this.samples[r] === 0) continue;
      const sites: { pc: bigint; count: number }[] = [];
      for (let i = 0; i < TABLE_SLOTS; i++) {
        const s = r * TABLE_SLOTS + i;
        if (this.count[s] === 0) continue;
        sites.push({ pc: BigInt(this.hi[s] >>> 0) * BigInt(TWO32) + BigInt(this.lo[s] >>> 0), count: this.count[s] });
      }
      sites.sort((a, b) => b.count - a.count || (a.pc < b.pc ? -1 : a.pc > b.pc ? 1 : 0));
      out.push({
        reason: EXIT_REASONS[r],
        samples: this.samples[r],
        other: this.other[r],
        sites: sites.slice(0, top).map((s) => ({ pc: '0x' + s.pc.toString(16), count: s.count })),
      });
    }
    return out.sort((a, b) => b.samples - a.samples || (a.reason < b.reason ? -1 : 1));
  }
}
