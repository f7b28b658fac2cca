/**
 * Running count / total / min / max / mean / variance of handling times, updated in O(1)
 * without allocation (Welford's algorithm, the one perf's util/stat.c `update_stats` uses),
 * stored in parallel Float64Arrays so that a table of slots is one allocation, plus a log2
 * latency histogram per slot (HIST_BUCKETS counters, bucket k counting values in
 * [2^k, 2^(k+1)) as bpftrace's hist() and bcc's log2 histograms do; bucket 0 is [0, 2)).
 */
import { HistogramBucket, LatencyHistogram } from './report';

/** Buckets of a slot's latency histogram: enough for any double up to 2^64 ns. */
export const HIST_BUCKETS = 64;

/**
 * The histogram bucket of a value: floor(log2(x)) for x >= 2, 0 below (and for NaN),
 * HIST_BUCKETS - 1 at and above 2^63.
 */
export function histBucket(x: number): number {
  if (!(x >= 2)) return 0;
  // clz32 is exact for the integer part of values below 2^32 (4.3 s), the common case.
  if (x < 4294967296) return 31 - Math.clz32(x);
  return Math.min(HIST_BUCKETS - 1, Math.floor(Math.log2(x)));
}

/** A table of `size` running statistics. */
export class StatTable {
  readonly count: Float64Array;
  readonly total: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly mean: Float64Array;
  /** Sum of squared deviations from the mean (Welford's M2). */
  readonly m2: Float64Array;
  /** Histogram counts: slot i's bucket k is hist[i * HIST_BUCKETS + k]. */
  readonly hist: Float64Array;

  constructor(readonly size: number) {
    this.count = new Float64Array(size);
    this.total = new Float64Array(size);
    this.min = new Float64Array(size);
    this.max = new Float64Array(size);
    this.mean = new Float64Array(size);
    this.m2 = new Float64Array(size);
    this.hist = new Float64Array(size * HIST_BUCKETS);
  }

  /** Adds one sample to slot i. */
  add(i: number, x: number): void {
    const n = ++this.count[i];
    this.total[i] += x;
    if (n === 1 || x < this.min[i]) this.min[i] = x;
    if (n === 1 || x > this.max[i]) this.max[i] = x;
    const d = x - this.mean[i];
    this.mean[i] += d / n;
    this.m2[i] += d * (x - this.mean[i]);
    this.hist[i * HIST_BUCKETS + histBucket(x)]++;
  }

  /** Merges slot j of `other` into slot i (Chan et al.'s parallel update). */
  merge(i: number, other: StatTable, j: number): void {
    const nb = other.count[j];
    if (nb === 0) return;
    const na = this.count[i];
    const n = na + nb;
    const d = other.mean[j] - this.mean[i];
    this.min[i] = na === 0 ? other.min[j] : Math.min(this.min[i], other.min[j]);
    this.max[i] = na === 0 ? other.max[j] : Math.max(this.max[i], other.max[j]);
    this.mean[i] += (d * nb) / n;
    this.m2[i] += other.m2[j] + (d * d * na * nb) / n;
    this.total[i] += other.total[j];
    this.count[i] = n;
    const a = i * HIST_BUCKETS, b = j * HIST_BUCKETS;
    for (let k = 0; k < HIST_BUCKETS; k++) this.hist[a + k] += other.hist[b + k];
  }

  /**
   * Slot i's histogram trimmed to its first and last non-empty buckets (empty buckets
   * between stay, as bpftrace prints them); the counts sum to count[i].
   */
  histogram(i: number): LatencyHistogram {
    const a = i * HIST_BUCKETS;
    let first = 0;
    let last = HIST_BUCKETS - 1;
    while (first < HIST_BUCKETS && this.hist[a + first] === 0) first++;
    while (last > first && this.hist[a + last] === 0) last--;
    const buckets: HistogramBucket[] = [];
    for (let k = first; k <= last && k < HIST_BUCKETS; k++) {
      buckets.push({ lo: k === 0 ? 0 : 2 ** k, hi: 2 ** (k + 1), count: this.hist[a + k] });
    }
    return { unit: 'ns', buckets };
  }

  /** perf's kvm_event_rel_stddev: relative standard deviation of the mean, percent. */
  relStddevPct(i: number): number {
    const n = this.count[i];
    const mean = this.mean[i];
    if (n < 2 || mean === 0) return 0;
    const varianceOfMean = this.m2[i] / (n - 1) / n;
    return (100 * Math.sqrt(varianceOfMean)) / mean;
  }

  /** Empties every slot. */
  clear(): void {
    for (const a of [this.count, this.total, this.min, this.max, this.mean, this.m2, this.hist]) a.fill(0);
  }
}
