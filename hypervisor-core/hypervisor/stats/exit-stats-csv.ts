/**
 * The exit-statistics report as CSV (RFC 4180, "\n" line ends), as exported by the Exit
 * Statistics panel. One header, then one line per row of every table:
 *
 *   table,vcpu,key,samples,samples_pct,time_pct,total_ns,min_ns,max_ns,mean_ns,stddev_pct
 *
 *   table   "reasons" (vcpu empty: all vCPUs; or a vCPU number), "sbi", "mmio", "virtio"
 *           (notifications by device and queue; all VM-wide),
 *           or "totals": key "guest" (samples = guest instructions, total_ns = guest time)
 *           and key "hypervisor" (samples = exits, total_ns = handling time), for the VM
 *           (vcpu empty) and per vCPU.
 */
import { ExitStatsReport, ExitStatsRow } from './report';

/** Column names, in order. */
export const CSV_COLUMNS = [
  'table',
  'vcpu',
  'key',
  'samples',
  'samples_pct',
  'time_pct',
  'total_ns',
  'min_ns',
  'max_ns',
  'mean_ns',
  'stddev_pct',
] as const;

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A number with at most 3 decimals and no exponent for ordinary magnitudes. */
function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(3)));
}

function rowLine(table: string, vcpu: number | undefined, r: ExitStatsRow): string {
  return [
    table,
    vcpu === undefined ? '' : String(vcpu),
    field(r.key),
    num(r.samples),
    num(r.samplesPct),
    num(r.timePct),
    num(r.totalNs),
    num(r.minNs),
    num(r.maxNs),
    num(r.meanNs),
    num(r.stddevPct ?? 0),
  ].join(',');
}

function totals(vcpu: number | undefined, instructions: number, guestNs: number, exits: number, hvNs: number): string[] {
  const v = vcpu === undefined ? '' : String(vcpu);
  return [`totals,${v},guest,${num(instructions)},,,${num(guestNs)},,,,`, `totals,${v},hypervisor,${num(exits)},,,${num(hvNs)},,,,`];
}

/** The whole report as CSV text (ends with a newline). */
export function toCsv(report: ExitStatsReport): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const r of report.reasons) lines.push(rowLine('reasons', undefined, r));
  for (const v of report.perVcpu) for (const r of v.reasons) lines.push(rowLine('reasons', v.vcpu, r));
  for (const r of report.sbi) lines.push(rowLine('sbi', undefined, r));
  for (const r of report.mmio) lines.push(rowLine('mmio', undefined, r));
  for (const r of report.virtio ?? []) lines.push(rowLine('virtio', undefined, r));
  lines.push(...totals(undefined, report.instructions, report.guestNs, report.totalExits, report.hypervisorNs));
  for (const v of report.perVcpu) {
    lines.push(...totals(v.vcpu, v.instructions, v.guestNs, sumSamples(v.reasons), v.hypervisorNs));
  }
  return lines.join('\n') + '\n';
}

function sumSamples(rows: ExitStatsRow[]): number {
  let s = 0;
  for (const r of rows) s += r.samples;
  return s;
}
