/**
 * What a matching exception filter (a VM exit or a guest trap) does: stop the VM (the
 * default), log one line and run on, or only count and run on. HyperDbg's events with
 * actions are the model (an event either breaks, or runs a script such as a `printf`, and the
 * guest continues); in DAP these are the `breakpointModes` of the exception filters.
 *
 * Log lines are bounded: a storm of exits (thousands a second during a Linux boot) logs at
 * most LOG_BURST lines at once and LOG_RATE a second after that; the lines left out are
 * counted and said in one line when logging resumes or at the next stop.
 */

/** The modes of an exception filter. */
export type FilterMode = 'stop' | 'log' | 'count';

/** The modes with their labels, as the adapter announces them. */
export const FILTER_MODES: readonly { mode: FilterMode; label: string; description: string }[] = [
  { mode: 'stop', label: 'Stop', description: 'Stop the VM when this happens' },
  { mode: 'log', label: 'Log', description: 'Print a line in the Debug Console and run on' },
  { mode: 'count', label: 'Count', description: 'Count without stopping; the counts are printed at each stop' },
];

/** Lines logged at once before the rate applies. */
export const LOG_BURST = 1000;
/** Lines per second after a burst. */
export const LOG_RATE = 500;

/** Parses a mode name (undefined means stop); throws an Error naming the modes. */
export function parseFilterMode(mode: string | undefined): FilterMode {
  if (mode === undefined || mode === '') return 'stop';
  if (FILTER_MODES.some((m) => m.mode === mode)) return mode as FilterMode;
  throw new Error(`unknown breakpoint mode '${mode}' (use ${FILTER_MODES.map((m) => m.mode).join(', ')})`);
}

/** The modes of the enabled filters, their counts and the log's rate limit. */
export class FilterActions {
  private modes = new Map<string, FilterMode>();
  private readonly counts = new Map<string, { total: number; atStop: number }>();
  private tokens = LOG_BURST;
  private refilledAt: number;
  private suppressed = 0;

  /** `log` receives each line (no newline); `now` is a millisecond clock. */
  constructor(private readonly log: (line: string) => void, private readonly now: () => number = () => performance.now()) {
    this.refilledAt = now();
  }

  /** Sets the mode of each enabled filter (others stop). */
  setModes(modes: Map<string, FilterMode>): void {
    this.modes = modes;
  }

  /** The mode of a filter. */
  modeOf(filter: string): FilterMode {
    return this.modes.get(filter) ?? 'stop';
  }

  /**
   * A filter matched: returns true when the VM must stop. Log and count modes count the
   * event; log mode also logs `describe()` (called only when the line is printed).
   */
  matched(filter: string, describe: () => string): boolean {
    const mode = this.modeOf(filter);
    if (mode === 'stop') return true;
    const c = this.counts.get(filter) ?? { total: 0, atStop: 0 };
    c.total++;
    this.counts.set(filter, c);
    if (mode === 'log') this.logLimited(`${filter}: ${describe()}`);
    return false;
  }

  private logLimited(line: string): void {
    const t = this.now();
    this.tokens = Math.min(LOG_BURST, this.tokens + ((t - this.refilledAt) * LOG_RATE) / 1000);
    this.refilledAt = t;
    if (this.tokens < 1) {
      this.suppressed++;
      return;
    }
    this.tokens--;
    this.flushSuppressed();
    this.log(line);
  }

  private flushSuppressed(): void {
    if (this.suppressed === 0) return;
    this.log(`(${this.suppressed} log lines left out: more than ${LOG_RATE} a second)`);
    this.suppressed = 0;
  }

  /**
   * At a stop: the counts of the filters in log or count mode ("exit-mmio 1234 (+56 since the
   * last stop)"), or undefined when nothing is counted. Starts the next "since" interval.
   */
  stopSummary(): string | undefined {
    this.flushSuppressed();
    const parts: string[] = [];
    for (const [filter, c] of this.counts) {
      if (this.modeOf(filter) === 'stop' && c.total === c.atStop) continue;
      parts.push(`${filter} ${c.total} (+${c.total - c.atStop} since the last stop)`);
      c.atStop = c.total;
    }
    return parts.length ? `counted: ${parts.join(', ')}` : undefined;
  }

  /** The total count of a filter. */
  count(filter: string): number {
    return this.counts.get(filter)?.total ?? 0;
  }

  /** Forgets the counts (a restarted guest). */
  reset(): void {
    this.counts.clear();
    this.suppressed = 0;
    this.tokens = LOG_BURST;
    this.refilledAt = this.now();
  }
}
