/**
 * Formats an exit-statistics report as `perf kvm stat report` does (tools/perf/builtin-kvm.c,
 * print_result): a "VM-EXIT" table with samples, shares, min / max / average handling time
 * in microseconds and the relative spread "( +- x% )", then "Total Samples:..., Total events
 * handled time:...us.". Column widths and printf formats are perf's ("%20s %10llu %8.2f%%
 * %8.2f%% %9.2fus %9.2fus %9.2fus ( +-%7.2f%% )"); the key column widens for long keys and
 * trailing blanks are trimmed. Breakdown tables follow (SBI calls, MMIO devices, virtio notifications by device and
 * queue), then one
 * line with guest versus hypervisor time and guest instructions.
 */
import { ExitStatsReport, ExitStatsRow } from './report';

/** Options of formatExitTable. */
export interface ExitTableOptions {
  /** Show only this vCPU (perf's --vcpu); breakdowns, which are VM-wide, are then omitted. */
  vcpu?: number;
}

/** perf's KVM event name column width. */
const NAME_WIDTH = 20;

const us = (ns: number) => (ns / 1000).toFixed(2);
const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0).toFixed(2);

function table(title: string, rows: ExitStatsRow[]): string[] {
  const w = Math.max(NAME_WIDTH, ...rows.map((r) => r.key.length));
  const lines = [
    [
      title.padStart(w),
      'Samples'.padStart(10),
      'Samples%'.padStart(9),
      'Time%'.padStart(9),
      'Min Time'.padStart(11),
      'Max Time'.padStart(11),
      'Avg time'.padStart(16),
    ].join(' '),
    '',
  ];
  let samples = 0;
  let time = 0;
  for (const r of rows) {
    samples += r.samples;
    time += r.totalNs;
    lines.push(
      `${r.key.padStart(w)} ${String(r.samples).padStart(10)} ${r.samplesPct.toFixed(2).padStart(8)}% ` +
        `${r.timePct.toFixed(2).padStart(8)}% ${us(r.minNs).padStart(9)}us ${us(r.maxNs).padStart(9)}us ` +
        `${us(r.meanNs).padStart(9)}us ( +-${(r.stddevPct ?? 0).toFixed(2).padStart(7)}% )`,
    );
  }
  lines.push('', `Total Samples:${samples}, Total events handled time:${us(time)}us.`, '');
  return lines;
}

function timeLine(guestNs: number, hypervisorNs: number, instructions: number, clock: string): string {
  const all = guestNs + hypervisorNs;
  return (
    `Guest time:${us(guestNs)}us (${pct(guestNs, all)}%), hypervisor time:${us(hypervisorNs)}us ` +
    `(${pct(hypervisorNs, all)}%), guest instructions:${instructions} (clock: ${clock}).`
  );
}

/**
 * Which virtualisation techniques ran and what translation cost under them (ends with a
 * newline), or '' for a report that does not say (a trace, an older report).
 */
export function formatTechniques(report: ExitStatsReport): string {
  const m = report.memVirt;
  if (!report.mmuMode) return '';
  const lines = [`Techniques: CPU ${report.cpuVirtMode ?? 'hardware'}, memory ${report.mmuMode}.`];
  if (!m) return lines.join('\n') + '\n';
  lines.push(`TLB misses:${m.tlbMisses}, PTE reads by the harts' walks:${m.walkPteReads} (${m.pteReadsPerTlbMiss.toFixed(2)} per miss).`);
  if (report.mmuMode === 'shadow') {
    const r = m.resyncs;
    lines.push(`Shadow: fills:${m.shadowFills}, dirty:${m.dirtyUpdates}, injected faults:${m.injectedFaults}, ` +
      `resyncs:${r.page + r.asid + r.all + r.remote} (page ${r.page}, asid ${r.asid}, all ${r.all}, remote ${r.remote}), ` +
      `software PTE reads:${m.softwarePteReads}, table pages:${m.shadowTablePages}, pool resets:${m.poolResets}.`);
  }
  return lines.join('\n') + '\n';
}

/** The report as perf-kvm-stat-style text (ends with a newline). Deterministic. */
export function formatExitTable(report: ExitStatsReport, opts: ExitTableOptions = {}): string {
  const lines: string[] = [];
  if (opts.vcpu !== undefined) {
    const v = report.perVcpu.find((s) => s.vcpu === opts.vcpu);
    if (!v) throw new RangeError(`no VCPU ${opts.vcpu} in this report (it has ${report.vcpus})`);
    lines.push(`Analyze events for all VMs, VCPU ${v.vcpu}:`, '');
    lines.push(...table('VM-EXIT', v.reasons));
    lines.push(timeLine(v.guestNs, v.hypervisorNs, v.instructions, report.clock));
  } else {
    lines.push('Analyze events for all VMs, all VCPUs:', '');
    lines.push(...table('VM-EXIT', report.reasons));
    if (report.sbi.length > 0) lines.push(...table('SBI-CALL', report.sbi));
    if (report.mmio.length > 0) lines.push(...table('MMIO-DEVICE', report.mmio));
    if (report.virtio && report.virtio.length > 0) lines.push(...table('VIRTIO-NOTIFY', report.virtio));
    const m = report.memVirt;
    if (m && m.pageFaults.length > 0) lines.push(...table('PAGE-FAULT', m.pageFaults));
    if (m && m.emulated.length > 0) lines.push(...table('EMULATED-INSN', m.emulated));
    lines.push(timeLine(report.guestNs, report.hypervisorNs, report.instructions, report.clock));
  }
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}
