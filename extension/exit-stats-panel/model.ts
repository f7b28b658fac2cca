/**
 * The Exit Statistics panel's data model: which rows to show for a vCPU filter, how they sort,
 * the CSV export, the exits-per-second series for the chart and the histogram of a clicked row. Pure functions with no DOM and
 * no vscode import, so the webview script, the extension and unit tests share them.
 */
import type { ExitAttribution, ExitSite, ExitStatsReport, ExitStatsRow } from '../../hypervisor-core/hypervisor/stats/report';
import { histBound } from '../../hypervisor-core/hypervisor/stats/hist-text';

/** A column of the table that can be sorted. */
export type SortKey = 'key' | 'samples' | 'samplesPct' | 'timePct' | 'minNs' | 'maxNs' | 'meanNs';

/** Sort direction. */
export type SortDir = 'asc' | 'desc';

/** Which vCPU the table and chart show: all together, or one by index. */
export type VcpuFilter = 'all' | number;

/** One table line: a reason row, with breakdown children for `sbi` and `mmio`. */
export interface TableRow {
  row: ExitStatsRow;
  /** SBI extensions under `sbi`, MMIO devices under `mmio`; empty otherwise. */
  children: ExitStatsRow[];
}

/** The columns in display order, with their header text. */
export const COLUMNS: ReadonlyArray<{ key: SortKey; title: string; numeric: boolean }> = [
  { key: 'key', title: 'VM-EXIT', numeric: false },
  { key: 'samples', title: 'Samples', numeric: true },
  { key: 'samplesPct', title: 'Samples%', numeric: true },
  { key: 'timePct', title: 'Time%', numeric: true },
  { key: 'minNs', title: 'Min Time', numeric: true },
  { key: 'maxNs', title: 'Max Time', numeric: true },
  { key: 'meanNs', title: 'Avg Time', numeric: true },
];

/** Reason rows for the filter; breakdowns exist only for all vCPUs together (the report keeps them global). */
export function tableRows(report: ExitStatsReport, vcpu: VcpuFilter): TableRow[] {
  if (vcpu !== 'all') {
    const v = report.perVcpu.find((p) => p.vcpu === vcpu);
    return (v?.reasons ?? []).map((row) => ({ row, children: [] }));
  }
  return report.reasons.map((row) => ({
    row,
    children: row.key === 'sbi' ? report.sbi : row.key === 'mmio' ? report.mmio : [],
  }));
}

function compareRows(a: ExitStatsRow, b: ExitStatsRow, key: SortKey, dir: SortDir): number {
  const sign = dir === 'asc' ? 1 : -1;
  const c = key === 'key' ? a.key.localeCompare(b.key) : a[key] - b[key];
  // Ties fall back to the name so the order is stable across refreshes.
  return c !== 0 ? sign * c : a.key.localeCompare(b.key);
}

/** Sorts top-level rows and, with the same key, each row's children. Returns new arrays. */
export function sortRows(rows: TableRow[], key: SortKey, dir: SortDir): TableRow[] {
  return rows
    .map((r) => ({ row: r.row, children: [...r.children].sort((a, b) => compareRows(a, b, key, dir)) }))
    .sort((a, b) => compareRows(a.row, b.row, key, dir));
}

/** The direction a click on a header gives: flip on the same column, names ascend and numbers descend on a new one. */
export function nextSort(current: { key: SortKey; dir: SortDir }, clicked: SortKey): { key: SortKey; dir: SortDir } {
  if (current.key === clicked) return { key: clicked, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key: clicked, dir: clicked === 'key' ? 'asc' : 'desc' };
}

/** Formats host nanoseconds the way perf kvm stat prints times: microseconds with two decimals. */
export function formatUs(ns: number): string {
  return `${(ns / 1000).toFixed(2)}us`;
}

/** Formats a percentage with two decimals and a percent sign. */
export function formatPct(pct: number): string {
  return `${pct.toFixed(2)}%`;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The table as CSV: one line per row, breakdown rows named `parent/child` (e.g. `sbi/TIME.set_timer`),
 * times in nanoseconds so nothing is lost to rounding.
 */
export function toCsv(report: ExitStatsReport, vcpu: VcpuFilter): string {
  const lines = ['vcpu,exit,samples,samples_pct,time_pct,total_ns,min_ns,max_ns,mean_ns'];
  const scope = vcpu === 'all' ? 'all' : String(vcpu);
  const line = (name: string, r: ExitStatsRow): string =>
    [scope, csvCell(name), r.samples, r.samplesPct, r.timePct, r.totalNs, r.minNs, r.maxNs, r.meanNs].join(',');
  for (const t of tableRows(report, vcpu)) {
    lines.push(line(t.row.key, t.row));
    for (const c of t.children) lines.push(line(`${t.row.key}/${c.key}`, c));
  }
  return lines.join('\n') + '\n';
}

/** One point of the chart: exits per second for each reason over the interval ending at `at`. */
export interface RatePoint {
  /** Milliseconds since the epoch at the end of the interval. */
  at: number;
  perReason: Record<string, number>;
}

/**
 * Turns successive cumulative reports into exits-per-second points. A report whose counts went
 * down (the statistics were reset, or a new session began) starts a new series.
 */
export class RateHistory {
  private last: { at: number; counts: Map<string, number> } | undefined;
  private readonly points: RatePoint[] = [];

  /** @param capacity points kept; older ones are dropped (a few minutes at a few reports a second). */
  constructor(private readonly capacity = 600) {}

  /** Adds a report received at `at` (ms); returns true when the history was restarted. */
  push(report: ExitStatsReport, at: number, vcpu: VcpuFilter): boolean {
    const counts = new Map<string, number>();
    for (const t of tableRows(report, vcpu)) counts.set(t.row.key, t.row.samples);
    const prev = this.last;
    this.last = { at, counts };
    if (!prev) return false;
    let restarted = false;
    for (const [k, n] of prev.counts) if ((counts.get(k) ?? 0) < n) restarted = true;
    if (restarted) {
      this.points.length = 0;
      return true;
    }
    const dt = (at - prev.at) / 1000;
    if (dt <= 0) return false; // two reports in the same millisecond: no rate to give
    const perReason: Record<string, number> = {};
    for (const [k, n] of counts) perReason[k] = (n - (prev.counts.get(k) ?? 0)) / dt;
    this.points.push({ at, perReason });
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
    return false;
  }

  /** Forgets everything (reset button, new session, filter change). */
  clear(): void {
    this.last = undefined;
    this.points.length = 0;
  }

  /** The points so far, oldest first. */
  series(): readonly RatePoint[] {
    return this.points;
  }

  /** Every reason that appears in any point, in first-seen order. */
  reasons(): string[] {
    const seen = new Set<string>();
    for (const p of this.points) for (const k of Object.keys(p.perReason)) seen.add(k);
    return [...seen];
  }
}

/** A clicked table line: a reason row, or a breakdown row under the reason `parent`. */
export interface RowSelection {
  key: string;
  parent?: string;
}

/** The row a selection names in the current table, if it still has one (keys survive refreshes). */
export function selectedRow(rows: TableRow[], sel: RowSelection | undefined): ExitStatsRow | undefined {
  if (!sel) return undefined;
  if (sel.parent === undefined) return rows.find((t) => t.row.key === sel.key)?.row;
  return rows.find((t) => t.row.key === sel.parent)?.children.find((c) => c.key === sel.key);
}

/** One bar of the histogram below the table. */
export interface HistogramBar {
  /** bpftrace's bucket label, "[1K, 2K)" (nanoseconds). */
  label: string;
  count: number;
  /** Bar length in percent of the largest bucket (0..100). */
  widthPct: number;
}

/** The bars of a row's log2 latency histogram; empty when the row has none (older reports). */
export function histogramBars(row: ExitStatsRow): HistogramBar[] {
  const buckets = row.histogram?.buckets ?? [];
  let top = 0;
  for (const b of buckets) top = Math.max(top, b.count);
  return buckets.map((b) => ({
    label: `[${histBound(b.lo)}, ${histBound(b.hi)})`,
    count: b.count,
    widthPct: top > 0 ? (100 * b.count) / top : 0,
  }));
}

/** One line of the KVM-names view. */
export interface KvmRow {
  /** RISC-V KVM's vCPU statistic name ("ecall_exit_stat", "exits"...). */
  name: string;
  count: number;
}

/**
 * The KVM-names view of a report: KVM's vCPU statistics for all vCPUs together or one, in the
 * report's order (KVM's `kvm_vcpu_stats_desc`); empty for reports made before it existed.
 */
export function kvmRows(report: ExitStatsReport, vcpu: VcpuFilter): KvmRow[] {
  const kvm = report.kvm;
  if (!kvm) return [];
  const counters = vcpu === 'all' ? kvm.total : kvm.perVcpu.find((p) => p.vcpu === vcpu);
  if (!counters) return [];
  return Object.entries(counters)
    .filter(([name]) => name !== 'vcpu')
    .map(([name, count]) => ({ name, count: Number(count) }));
}

/**
 * The guest code behind the selected row: the attribution of its exit reason (a breakdown row
 * shows its reason's). Undefined without a selection or for reports without attribution.
 */
export function attributionFor(report: ExitStatsReport, sel: RowSelection | undefined): ExitAttribution | undefined {
  if (!sel) return undefined;
  const reason = sel.parent ?? sel.key;
  return report.attribution?.find((a) => a.reason === reason);
}

/** Where a site is, for a table cell: "samples/uart/ns16550a.c:13", or "" without line information. */
export function siteLocation(site: ExitSite): string {
  if (site.file === undefined) return '';
  return site.line !== undefined ? `${site.file}:${site.line}` : site.file;
}

/** One line of the live view: a reason's exit rate now, on average, and its recent history. */
export interface LiveRow {
  reason: string;
  /** Exits per second over the last interval between two reports; undefined before there are two. */
  now?: number;
  /** Exits per second of VM time since the start (samples / (guest + hypervisor time)): known from one report, so a stopped session shows it too. */
  average: number;
  /** Exits per second at each report in the window, oldest first (the sparkline). */
  spark: number[];
}

/** Sort keys of the live view. */
export type LiveSortKey = 'reason' | 'now' | 'average';

/**
 * The kvm_stat-like live view: per reason of the latest report, the current and average rate
 * and the rates of the last `windowMs` (points of `history`), sorted by `key` (numbers
 * descending, names ascending; ties by name).
 */
export function liveRows(report: ExitStatsReport, history: readonly RatePoint[], vcpu: VcpuFilter,
  windowMs = 30_000, key: LiveSortKey = 'now'): LiveRow[] {
  const last = history.length > 0 ? history[history.length - 1] : undefined;
  const recent = last ? history.filter((p) => p.at > last.at - windowMs) : [];
  const v = vcpu === 'all' ? undefined : report.perVcpu.find((p) => p.vcpu === vcpu);
  const seconds = ((v ? v.guestNs + v.hypervisorNs : report.guestNs + report.hypervisorNs)) / 1e9;
  const rows = tableRows(report, vcpu).map(({ row }): LiveRow => ({
    reason: row.key,
    now: last ? last.perReason[row.key] ?? 0 : undefined,
    average: seconds > 0 ? row.samples / seconds : 0,
    spark: recent.map((p) => p.perReason[row.key] ?? 0),
  }));
  const value = (r: LiveRow) => (key === 'now' ? r.now ?? r.average : r.average);
  return rows.sort((a, b) => (key === 'reason' ? 0 : value(b) - value(a)) || a.reason.localeCompare(b.reason));
}

/**
 * SVG polyline points for a sparkline of `values` in a width x height box (y grows down, the
 * largest value at the top, zero at the bottom); "" for fewer than two values.
 */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  const top = Math.max(...values);
  const step = width / (values.length - 1);
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(top > 0 ? height - (v / top) * height : height).toFixed(1)}`)
    .join(' ');
}

/** A rate for the live view: "1234/s", "12.5/s" under 100, "-" when unknown. */
export function formatRate(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '-';
  return r >= 100 ? `${Math.round(r)}/s` : `${r.toFixed(1)}/s`;
}

/**
 * The interrupt figures for the summary line (all vCPUs only): the controller, interrupts
 * delivered and VM exits per interrupt, overall and at the controller; "" when the report has
 * none or nothing was delivered yet.
 */
export function interruptSummary(report: ExitStatsReport, vcpu: VcpuFilter): string {
  const r = report.interrupts;
  if (vcpu !== 'all' || !r || r.delivered === 0) return '';
  const name = r.controller === 'aia' ? 'AIA' : 'PLIC';
  return `${name}: ${r.delivered} interrupts, ${r.exitsPerInterrupt.toFixed(2)} exits each (${r.controllerExitsPerInterrupt.toFixed(2)} at the controller)`;
}
