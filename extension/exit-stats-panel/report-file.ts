/**
 * Reads a `hyperscope run --stats-json` report for the panel's A/B comparison, refusing
 * anything else with one line that names the file.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import type { CompareSide } from './compare-model';

/** Reads a `--stats-json` report, or says in one line why it cannot. */
export async function readReportFile(path: string): Promise<CompareSide> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${basename(path)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${basename(path)}: not a JSON report (${(e as Error).message.split('\n')[0]})`);
  }
  if (!data || typeof data !== 'object' || (data as { schema?: unknown }).schema !== 'hyperscope.exit-stats/1') {
    throw new Error(`${basename(path)}: not a hyperscope --stats-json report (schema hyperscope.exit-stats/1)`);
  }
  return { label: basename(path), report: data as ExitStatsReport };
}
