/**
 * Running count / total / min / max / mean / variance of handling times, updated in O(1)
 * without allocation (Welford's algorithm, the one perf's util/stat.c `update_stats` uses),
 * stored in parallel Float64Arrays so that a table of slots is one allocation.
 */

/** A table of `size` running statistics. */
export class StatTable {
  readonly count: Float64Array;
  readonly total: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly mean: Float64Array;
  /** Sum of squared deviations from the mean (Welford's M2). */
  readonly m2: Float64Array;

  constructor(readonly size: number) {
    this.count = new Float64Array(size);
    this.total = new Float64Array(size);
    this.min = new Float64Array(size);
    this.max = new Float64Array(size);
    this.mean = new Float64Array(size);
    this.m2 = new Float64Array(size);
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
    for (const a of [this.count, this.total, this.min, this.max, this.mean, this.m2]) a.fill(0);
  }
}
