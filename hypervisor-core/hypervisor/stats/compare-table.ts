/**
 * Two exit-statistics reports side by side (two runs, or before and after a change), as
 * `perf diff` sets two recordings beside each other: per row the samples and mean handling
 * time of each, and the change from the first to the second in percent. Rows present in only
 * one report show "-" on the other side.
 */
import type { ExitStatsReport, ExitStatsRow } from './report';

const us = (ns: number) => `${(ns / 1000).toFixed(2)}us`;

/** The change from a to b in percent, "+12.50%", "new" when a is 0 and b is not, "" when both are 0. */
export function deltaPct(a: number, b: number): string {
  if (a === 0) return b === 0 ? '' : 'new';
  const d = (100 * (b - a)) / a;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)}%`;
}

/** One line of a comparison: a key and its row in each report (undefined: absent there). */
export interface CompareRow {
  key: string;
  a?: ExitStatsRow;
  b?: ExitStatsRow;
}

/** The union of two tables' rows: the second report's order first, then rows only the first has. */
export function compareRows(a: ExitStatsRow[], b: ExitStatsRow[]): CompareRow[] {
  const byKey = new Map(a.map((r) => [r.key, r]));
  const out: CompareRow[] = b.map((r) => ({ key: r.key, a: byKey.get(r.key), b: r }));
  const inB = new Set(b.map((r) => r.key));
  for (const r of a) if (!inB.has(r.key)) out.push({ key: r.key, a: r });
  return out;
}

function section(title: string, rows: CompareRow[]): string[] {
  const w = Math.max(20, title.length, ...rows.map((r) => r.key.length));
  const cols = ['Samples A', 'Samples B', 'Delta', 'Avg time A', 'Avg time B', 'Delta'];
  const widths = [10, 10, 9, 12, 12, 9];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padStart(w) : c.padStart(widths[i - 1]))).join(' ').trimEnd();
  const out = [line([title, ...cols]), ''];
  for (const r of rows) {
    const sa = r.a?.samples ?? 0, sb = r.b?.samples ?? 0;
    out.push(line([
      r.key, r.a ? String(sa) : '-', r.b ? String(sb) : '-', deltaPct(sa, sb),
      r.a ? us(r.a.meanNs) : '-', r.b ? us(r.b.meanNs) : '-', r.a && r.b ? deltaPct(r.a.meanNs, r.b.meanNs) : '',
    ]));
  }
  out.push('');
  return out;
}

/** The comparison as text (ends with a newline); `nameA` and `nameB` say which report is which. */
export function formatComparison(a: ExitStatsReport, b: ExitStatsReport, nameA: string, nameB: string): string {
  const lines = [`A: ${nameA}`, `B: ${nameB}`, ''];
  lines.push(...section('VM-EXIT', compareRows(a.reasons, b.reasons)));
  const sbi = compareRows(a.sbi, b.sbi);
  if (sbi.length > 0) lines.push(...section('SBI-CALL', sbi));
  const mmio = compareRows(a.mmio, b.mmio);
  if (mmio.length > 0) lines.push(...section('MMIO-DEVICE', mmio));
  const virtio = compareRows(a.virtio ?? [], b.virtio ?? []);
  if (virtio.length > 0) lines.push(...section('VIRTIO-NOTIFY', virtio));
  lines.push(
    `Total exits: A ${a.totalExits}, B ${b.totalExits} (${deltaPct(a.totalExits, b.totalExits) || '0.00%'}); ` +
      `hypervisor time: A ${us(a.hypervisorNs)}, B ${us(b.hypervisorNs)} (${deltaPct(a.hypervisorNs, b.hypervisorNs) || '0.00%'}); ` +
      `guest instructions: A ${a.instructions}, B ${b.instructions}.`,
  );
  return lines.join('\n') + '\n';
}
