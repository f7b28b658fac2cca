/**
 * Reads a `hyperscope run --trace` file back into exit statistics, as `perf kvm stat report`
 * reads what `perf kvm stat record` wrote: every exit event is counted again with its exact
 * handling time (`args.ns`) and details, in the order recorded, so the report equals the one
 * the run printed when no event was dropped. Guest runs give the guest time and instructions.
 */
import { EXIT_REASONS, ExitReason } from '../exit-reason';
import { ExitStats } from '../stats/exit-stats';
import type { ExitStatsReport, ExitStatsRow } from '../stats/report';
import { TRACE_SCHEMA } from './trace-events';

/** A file that is not a usable trace; the message is one line for the user. */
export class TraceFormatError extends Error {}

/** A trace read back: its statistics and what the file says about its completeness. */
export interface TraceReport {
  report: ExitStatsReport;
  /** Events the recorder dropped (past --trace-size): the statistics then cover only part of the run. */
  dropped: number;
  ring: boolean;
}

const REASONS = new Set<string>(EXIT_REASONS);
const MAX_VCPUS = 255;

interface RawEvent { ph?: unknown; cat?: unknown; name?: unknown; tid?: unknown; args?: Record<string, unknown> }

/** Parses trace text; throws TraceFormatError for anything that is not a hyperscope trace. */
export function readTrace(text: string): TraceReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TraceFormatError(`not JSON (${(e as Error).message})`);
  }
  const d = doc as { traceEvents?: unknown; otherData?: Record<string, unknown> };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(d.traceEvents)) throw new TraceFormatError('not a trace-event file (no traceEvents array)');
  const meta = d.otherData;
  if (!meta || meta.schema !== TRACE_SCHEMA) throw new TraceFormatError(`not a hyperscope trace (otherData.schema is not '${TRACE_SCHEMA}')`);
  const vcpus = meta.vcpus;
  if (typeof vcpus !== 'number' || !Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) throw new TraceFormatError('bad otherData.vcpus');
  const clock = meta.clock === 'icount' ? 'icount' : 'realtime';
  const stats = new ExitStats(vcpus, clock);
  d.traceEvents.forEach((raw: unknown, i: number) => {
    const e = raw as RawEvent;
    if (typeof e !== 'object' || e === null || e.ph !== 'X') return; // metadata, interrupts
    const where = () => `event ${i}`;
    if (e.cat !== 'exit' && e.cat !== 'guest') return;
    const vcpu = e.tid;
    if (typeof vcpu !== 'number' || !Number.isInteger(vcpu) || vcpu < 0 || vcpu >= vcpus) throw new TraceFormatError(`${where()}: tid is not a vCPU of the trace`);
    const args = e.args ?? {};
    const ns = args.ns;
    if (typeof ns !== 'number' || !(ns >= 0)) throw new TraceFormatError(`${where()}: args.ns missing`);
    if (e.cat === 'guest') {
      const n = args.instructions;
      stats.addGuestTime(vcpu, ns, typeof n === 'number' && n >= 0 ? n : 0);
      return;
    }
    if (typeof e.name !== 'string' || !REASONS.has(e.name)) throw new TraceFormatError(`${where()}: unknown exit reason ${JSON.stringify(e.name)}`);
    const reason = e.name as ExitReason;
    if (reason === 'sbi' && typeof args.call === 'string') stats.recordSbi(vcpu, ns, args.call);
    else if (reason === 'mmio' && typeof args.device === 'string') {
      stats.recordMmio(vcpu, ns, args.device);
      if (typeof args.virtio === 'string') stats.recordVirtio(args.virtio, ns);
    } else stats.record(vcpu, reason, ns);
  });
  const dropped = typeof meta.dropped === 'number' ? meta.dropped : 0;
  return { report: stats.report(), dropped, ring: meta.ring === true };
}

/** Sort keys of `hyperscope report --key`, as perf kvm stat report's. */
export const REPORT_KEYS = ['sample', 'time', 'max', 'min', 'mean'] as const;
/** One sort key. */
export type ReportKey = (typeof REPORT_KEYS)[number];

/**
 * The report with every table sorted by `key`, descending (perf kvm stat report --key:
 * sample = samples, time and mean = average handling time, max, min); ties by name.
 */
export function sortReport(report: ExitStatsReport, key: ReportKey): ExitStatsReport {
  const value = (r: ExitStatsRow): number =>
    key === 'sample' ? r.samples : key === 'max' ? r.maxNs : key === 'min' ? r.minNs : r.meanNs;
  const sort = (rows: ExitStatsRow[]) => [...rows].sort((a, b) => value(b) - value(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    ...report,
    reasons: sort(report.reasons),
    sbi: sort(report.sbi),
    mmio: sort(report.mmio),
    virtio: report.virtio ? sort(report.virtio) : undefined,
    perVcpu: report.perVcpu.map((v) => ({ ...v, reasons: sort(v.reasons) })),
  };
}
