/**
 * Formats latency histograms as bpftrace prints a hist() map at exit (bpftrace's
 * output/text.cpp): a "@name[key]:" line, then one line per bucket from the first to the last
 * non-empty one, "[lo, hi)" left-aligned in 16 columns, the count right-aligned in 8, and a
 * bar of '@' scaled to the largest bucket in 52 columns. Bounds use bpftrace's 1024-based
 * suffixes (K, M, G...): the unit is nanoseconds, so [1K, 2K) is 1024 to 2047 ns.
 */
import { ExitStatsRow, LatencyHistogram } from './report';

/** bpftrace's bar width. */
const BAR_WIDTH = 52;
const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** A bucket bound as bpftrace writes it: 512, 1K, 2K... 1M (powers of two and 0). */
export function histBound(n: number): string {
  let i = 0;
  while (n >= 1024 && n % 1024 === 0 && i < SUFFIXES.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n}${SUFFIXES[i]}`;
}

/** One histogram as bpftrace text lines (no trailing blank line). */
export function histogramLines(name: string, h: LatencyHistogram): string[] {
  let top = 0;
  for (const b of h.buckets) top = Math.max(top, b.count);
  const lines = [`${name}:`];
  for (const b of h.buckets) {
    const bar = top > 0 ? Math.floor((b.count * BAR_WIDTH) / top) : 0;
    lines.push(
      `[${histBound(b.lo)}, ${histBound(b.hi)})`.padEnd(16) +
        String(b.count).padStart(8) +
        ` |${'@'.repeat(bar).padEnd(BAR_WIDTH)}|`,
    );
  }
  return lines;
}

/**
 * The histograms of the rows that have samples and a histogram, "@<title>[<key>]:" each,
 * separated by blank lines; ends with a newline, or is empty when no row has one.
 */
export function formatHistograms(title: string, rows: ExitStatsRow[]): string {
  const blocks: string[] = [];
  for (const r of rows) {
    if (r.samples > 0 && r.histogram && r.histogram.buckets.length > 0) {
      blocks.push(histogramLines(`@${title}[${r.key}]`, r.histogram).join('\n'));
    }
  }
  return blocks.length > 0 ? blocks.join('\n\n') + '\n' : '';
}
