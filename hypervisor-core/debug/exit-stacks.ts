/**
 * Guest call stacks sampled at VM exits of one chosen reason ("which kernel paths cause the
 * MMIO exits"): the data behind the Exit Statistics panel's flame graph and its folded-stack
 * export (exit-flame.ts names and folds them).
 *
 * The sampler sits on the debugger's exit hook. While it is off, or for exits of another
 * reason, `note` is a comparison and returns: no unwinding, no allocation. Every `period`-th
 * exit of the chosen reason unwinds the guest stack (at most MAX_SAMPLE_DEPTH frames, the
 * unwinder's own bound) without naming frames; stacks are kept as pcs, one entry per distinct
 * stack, at most MAX_STACKS of them: a sample whose stack finds the table full counts in
 * `dropped`, so a guest with endlessly varied stacks costs a bounded table, never memory.
 */
import { EXIT_REASONS } from '../hypervisor/exit-reason';

/** Distinct stacks kept; samples of further stacks count as dropped. */
export const MAX_STACKS = 4096;
/** The largest sampling period (sample one exit in this many). */
export const MAX_PERIOD = 1_000_000;

/** One distinct stack and the samples that found it. */
export interface SampledStack {
  /** The frames' pcs, innermost first: the exiting instruction, then return addresses. */
  pcs: readonly bigint[];
  count: number;
}

/** What the sampler has gathered. */
export interface ExitStackSnapshot {
  /** The exit reason sampled; undefined when sampling is off (and nothing was sampled). */
  reason?: string;
  /** One exit in `period` is sampled. */
  period: number;
  /** Sampling is on. */
  active: boolean;
  /** Exits of the reason seen since sampling started. */
  exits: number;
  /** Stacks unwound (kept or dropped). */
  samples: number;
  /** Samples whose stack found the table full (MAX_STACKS distinct stacks). */
  dropped: number;
  stacks: SampledStack[];
}

/** Samples guest call stacks at exits of one reason, in bounded tables. */
export class ExitStackSampler {
  private reason: string | undefined;
  private period = 1;
  private on = false;
  private exits = 0;
  private samples = 0;
  private dropped = 0;
  private readonly stacks = new Map<string, { pcs: bigint[]; count: number }>();

  /**
   * Starts sampling exits of `reason` (an exit reason: see EXIT_REASONS), one in `period`,
   * forgetting earlier samples. Throws RangeError for an unknown reason or a bad period.
   */
  start(reason: string, period = 1): void {
    if (!(EXIT_REASONS as readonly string[]).includes(reason)) {
      throw new RangeError(`unknown exit reason '${reason}' (one of ${EXIT_REASONS.join(', ')})`);
    }
    if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD) {
      throw new RangeError(`the sampling period must be an integer from 1 to ${MAX_PERIOD}, not ${period}`);
    }
    this.reason = reason;
    this.period = period;
    this.on = true;
    this.clear();
  }

  /** Stops sampling; what was sampled stays for `snapshot`. */
  stop(): void {
    this.on = false;
  }

  /** Forgets the samples (sampling goes on if it was on). */
  clear(): void {
    this.exits = 0;
    this.samples = 0;
    this.dropped = 0;
    this.stacks.clear();
  }

  /** True while sampling. */
  get active(): boolean {
    return this.on;
  }

  /**
   * Called at each exit with its reason; `unwind` gives the guest's stack pcs (innermost
   * first) and is called only for a sampled exit.
   */
  note(reason: string, unwind: () => bigint[]): void {
    if (!this.on || reason !== this.reason) return;
    if (this.exits++ % this.period !== 0) return;
    this.samples++;
    const pcs = unwind();
    const key = pcs.map((pc) => pc.toString(16)).join(',');
    const known = this.stacks.get(key);
    if (known) known.count++;
    else if (this.stacks.size >= MAX_STACKS) this.dropped++;
    else this.stacks.set(key, { pcs, count: 1 });
  }

  /** The samples so far (a copy: later samples do not change it). */
  snapshot(): ExitStackSnapshot {
    return {
      reason: this.reason, period: this.period, active: this.on, exits: this.exits, samples: this.samples, dropped: this.dropped,
      stacks: [...this.stacks.values()].map((s) => ({ pcs: s.pcs, count: s.count })),
    };
  }
}
