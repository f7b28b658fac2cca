/**
 * Exits per second from the cumulative `totalExits` of the streamed exit-statistics reports:
 * the increase over a sliding window. A total that goes down (counters reset) starts over.
 * No vscode import.
 */

/** Sliding-window rate of a cumulative counter. */
export class ExitRate {
  private samples: Array<{ total: number; at: number }> = [];

  /** @param windowMs how far back the rate looks */
  constructor(private readonly windowMs = 2000) {}

  /** Records the cumulative total at time `at` (ms). */
  push(total: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && total < last.total) this.samples = [];
    this.samples.push({ total, at });
    // Keep one sample older than the window as the baseline.
    while (this.samples.length > 2 && this.samples[1].at <= at - this.windowMs) this.samples.shift();
  }

  /** Exits per second over the window ending at the latest sample; 0 with fewer than two samples. */
  rate(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const dt = (b.at - a.at) / 1000;
    return dt > 0 ? (b.total - a.total) / dt : 0;
  }

  /** The latest cumulative total (0 before any sample). */
  total(): number {
    return this.samples[this.samples.length - 1]?.total ?? 0;
  }

  /** Forgets every sample. */
  clear(): void {
    this.samples = [];
  }
}

/** "1.2k", "850", "3.4M": a compact count for the status bar. */
export function compactCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
}
