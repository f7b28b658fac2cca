/**
 * The per-vCPU run, wait and blocked times of a report as a table (`hyperscope vm stats`),
 * with each as a share of the vCPU's accounted time.
 */
import type { ExitStatsReport } from './report';

/** The table, or '' for a report without the times (an older one). */
export function formatVcpuTimes(report: ExitStatsReport): string {
  const rows = report.perVcpu.filter((v) => v.runNs !== undefined);
  if (rows.length === 0) return '';
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  const pct = (part: number, total: number) => (total > 0 ? `${((100 * part) / total).toFixed(1)}%` : '-');
  const head = ['vCPU', 'run ms', 'wait ms', 'blocked ms', 'run%', 'wait%', 'blocked%'];
  const body = rows.map((v) => {
    const run = v.runNs ?? 0, wait = v.waitNs ?? 0, blocked = v.blockedNs ?? 0;
    const total = run + wait + blocked;
    return [String(v.vcpu), ms(run), ms(wait), ms(blocked), pct(run, total), pct(wait, total), pct(blocked, total)];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padStart(widths[c])).join('  ');
  return ['vCPU time (host): run = guest code and exits, wait = runnable while another vCPU ran, blocked = WFI', '',
    line(head), ...body.map(line)].join('\n') + '\n';
}
