/**
 * The Exit Statistics panel's A/B comparison: two reports (two `--stats-json` files, or a file
 * and the live session) side by side, as `hyperscope report A B` prints them: per exit reason
 * (and SBI call, MMIO device, virtio queue) the exits, the host time handling them and the guest
 * instructions per exit of each, with the change from A to B. The headers name each report and,
 * when the report says, its MMU mode and CPU virtualisation mode. Pure functions for the webview
 * script and unit tests.
 */
import type { ExitStatsReport, ExitStatsRow } from '../../hypervisor-core/hypervisor/stats/report';
import { compareRows, deltaPct } from '../../hypervisor-core/hypervisor/stats/compare-table';

/** A report with the modes the statistics carry when the VM ran with a choice of technique. */
type WithModes = ExitStatsReport & { mmuMode?: unknown; cpuVirtMode?: unknown };

/** One side of the comparison. */
export interface CompareSide {
  /** What the report is: a file name, "live session". */
  label: string;
  report: ExitStatsReport;
}

/** The header of one side. */
export interface CompareHeader {
  label: string;
  clock: string;
  vcpus: number;
  totalExits: number;
  instructions: number;
  hypervisorNs: number;
  /** Guest instructions retired per exit (all reasons); undefined without exits. */
  instructionsPerExit?: number;
  /** "two-stage" / "shadow", when the report says. */
  mmuMode?: string;
  /** "hardware" / "trap-emulate", when the report says. */
  cpuVirtMode?: string;
}

/** One line of the comparison table. */
export interface CompareLine {
  /** The table the row belongs to. */
  section: 'reason' | 'sbi' | 'mmio' | 'virtio';
  key: string;
  /** Exits in A and B (undefined: the row is absent there). */
  exitsA?: number;
  exitsB?: number;
  /** Host nanoseconds handling them. */
  timeA?: number;
  timeB?: number;
  /** Guest instructions per exit of this row (the report's instructions over the row's exits). */
  ipeA?: number;
  ipeB?: number;
  /** Changes from A to B as `hyperscope report A B` prints them ("+12.50%", "new", ""). */
  exitsDelta: string;
  timeDelta: string;
  ipeDelta: string;
}

/** A report's header. */
export function compareHeader(side: CompareSide): CompareHeader {
  const r = side.report as WithModes;
  const h: CompareHeader = {
    label: side.label, clock: r.clock, vcpus: r.vcpus, totalExits: r.totalExits, instructions: r.instructions, hypervisorNs: r.hypervisorNs,
  };
  if (r.totalExits > 0) h.instructionsPerExit = r.instructions / r.totalExits;
  if (typeof r.mmuMode === 'string') h.mmuMode = r.mmuMode;
  if (typeof r.cpuVirtMode === 'string') h.cpuVirtMode = r.cpuVirtMode;
  return h;
}

/** The comparison's lines: exit reasons first, then the SBI, MMIO and virtio breakdowns. */
export function compareLines(a: ExitStatsReport, b: ExitStatsReport): CompareLine[] {
  const out: CompareLine[] = [];
  const tables: [CompareLine['section'], ExitStatsRow[], ExitStatsRow[]][] = [
    ['reason', a.reasons, b.reasons], ['sbi', a.sbi, b.sbi], ['mmio', a.mmio, b.mmio], ['virtio', a.virtio ?? [], b.virtio ?? []],
  ];
  for (const [section, ra, rb] of tables) {
    for (const row of compareRows(ra, rb)) {
      const line: CompareLine = { section, key: row.key, exitsDelta: '', timeDelta: '', ipeDelta: '' };
      if (row.a) Object.assign(line, { exitsA: row.a.samples, timeA: row.a.totalNs, ipeA: a.instructions / row.a.samples });
      if (row.b) Object.assign(line, { exitsB: row.b.samples, timeB: row.b.totalNs, ipeB: b.instructions / row.b.samples });
      line.exitsDelta = deltaPct(line.exitsA ?? 0, line.exitsB ?? 0);
      line.timeDelta = deltaPct(line.timeA ?? 0, line.timeB ?? 0);
      line.ipeDelta = line.ipeA !== undefined && line.ipeB !== undefined ? deltaPct(line.ipeA, line.ipeB) : '';
      out.push(line);
    }
  }
  return out;
}

/** The header's text for one side: "A: base.json (icount, 1 vCPU; mmu shadow, cpu-virt hardware)". */
export function headerText(which: 'A' | 'B', h: CompareHeader): string {
  const modes = [h.mmuMode ? `mmu ${h.mmuMode}` : '', h.cpuVirtMode ? `cpu-virt ${h.cpuVirtMode}` : ''].filter(Boolean).join(', ');
  return `${which}: ${h.label} (${h.clock}, ${h.vcpus} vCPU${h.vcpus === 1 ? '' : 's'}${modes ? `; ${modes}` : ''})`;
}

/** Instructions per exit with one decimal, or "-". */
export function formatIpe(v: number | undefined): string {
  return v === undefined ? '-' : v.toFixed(1);
}

/** Host time in microseconds with two decimals, or "-". */
export function formatTimeUs(ns: number | undefined): string {
  return ns === undefined ? '-' : `${(ns / 1000).toFixed(2)}us`;
}
