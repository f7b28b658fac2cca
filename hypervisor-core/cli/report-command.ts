/**
 * `hyperscope report FILE [--key sample|time|max|min|mean] [--vcpu N]`: the perf-kvm-stat table
 * of a `hyperscope run --trace` file, as `perf kvm stat report` prints what `perf kvm stat
 * record` wrote; `hyperscope report A B`: two traces side by side with the differences. A file
 * may also be a `--stats-json` report. Bad input is a UsageError (one line, status 2).
 */
import { readFileSync, statSync } from 'node:fs';
import { formatExitTable } from '../hypervisor/stats/perf-table';
import { formatComparison } from '../hypervisor/stats/compare-table';
import type { ExitStatsReport } from '../hypervisor/stats/report';
import { readTrace, REPORT_KEYS, ReportKey, sortReport, TraceFormatError } from '../hypervisor/trace/trace-report';
import { UsageError } from './args';

/** Options of `hyperscope report`. */
export interface ReportOptions {
  files: string[];
  key: ReportKey;
  vcpu?: number;
}

/** The usage text of `hyperscope report`. */
export const REPORT_USAGE = `usage: hyperscope report FILE [--key sample|time|max|min|mean] [--vcpu N]
       hyperscope report A B

Prints the perf-kvm-stat table of a trace written by \`hyperscope run --trace FILE\` (or of a
--stats-json report); with two files, both side by side with the change from A to B.

options:
  --key KEY   sort by sample (default), time (average handling time), max, min or mean
  --vcpu N    only vCPU N's exits`;

/** Largest file read: a --trace-size maximum trace is about this big. */
const MAX_FILE_BYTES = 1536 * 1024 * 1024;

/** Parses the arguments after `report`. */
export function parseReportArgs(argv: string[]): ReportOptions {
  const files: string[] = [];
  let key: ReportKey = 'sample';
  let vcpu: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const next = (): string => {
      if (inline !== undefined) return inline;
      if (++i >= argv.length) throw new UsageError(`${flag} needs a value`);
      return argv[i];
    };
    switch (flag) {
      case '--key': {
        const k = next();
        if (!(REPORT_KEYS as readonly string[]).includes(k)) throw new UsageError(`--key must be one of ${REPORT_KEYS.join(', ')}, not '${k}'`);
        key = k as ReportKey;
        break;
      }
      case '--vcpu': {
        const v = next();
        if (!/^\d+$/.test(v)) throw new UsageError(`--vcpu must be a vCPU number, not '${v}'`);
        vcpu = Number(v);
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
        files.push(a);
    }
  }
  if (files.length === 0) throw new UsageError('missing trace file: hyperscope report FILE [FILE]');
  if (files.length > 2) throw new UsageError('at most two files: hyperscope report A B');
  if (files.length === 2 && vcpu !== undefined) throw new UsageError('--vcpu shows one trace; compare two without it');
  return { files, key, vcpu };
}

/** Reads a trace (or a --stats-json report) into a report; a note on stderr when events were dropped. */
function load(path: string): ExitStatsReport {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new UsageError(`${path}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB, not a trace this command reads`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? (e as Error).message;
    throw new UsageError(`cannot read '${path}': ${why}`);
  }
  // A --stats-json report is accepted too: its table is the same.
  if (/^\s*\{\s*"schema"\s*:\s*"hyperscope\.exit-stats\/1"/.test(text)) return JSON.parse(text) as ExitStatsReport;
  try {
    const t = readTrace(text);
    if (t.dropped > 0) {
      process.stderr.write(`hyperscope: ${path}: ${t.dropped} events were not recorded (--trace-size${t.ring ? ', ring: the oldest' : ': the newest'}); the table covers the rest\n`);
    }
    return t.report;
  } catch (e) {
    if (e instanceof TraceFormatError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Runs the command; returns the text for stdout. */
export function reportCommand(o: ReportOptions): string {
  const reports = o.files.map(load);
  if (reports.length === 2) return formatComparison(sortReport(reports[0], o.key), sortReport(reports[1], o.key), o.files[0], o.files[1]);
  const report = sortReport(reports[0], o.key);
  if (o.vcpu !== undefined && o.vcpu >= report.vcpus) throw new UsageError(`--vcpu ${o.vcpu}: the trace has ${report.vcpus} vCPU(s)`);
  return formatExitTable(report, { vcpu: o.vcpu });
}
