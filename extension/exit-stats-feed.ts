/**
 * Feeds the Exit Statistics panel: the `hyperscope.showExitStats` command, the debug adapter's
 * streaming custom event `hyperscope.exitStats` (body: ExitStatsReport) and the Reset button,
 * which calls the custom request `hyperscope.exitStats` with `{ reset: true }`.
 */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import type { ExitStatsReport } from '../hypervisor-core/hypervisor/stats/report';
import { ExitStatsPanel } from './exit-stats-panel/panel';
import { DEBUG_TYPE } from './debug-config';
import { activeHyperscopeSession } from './translate-address';

/** Name of the custom DAP event (and custom request) that carries exit statistics. */
export const EXIT_STATS_EVENT = 'hyperscope.exitStats';

/** Arguments of the `hyperscope.exitStats` custom request. */
export interface ExitStatsRequestArgs {
  /** Zero the counters after taking the report; the reply is then the fresh (zero) report. */
  reset?: boolean;
}

/**
 * Environment variable naming a JSON file of recorded reports (`[{ at, report }]` or one report)
 * that the panel plays when no session runs: used for screenshots and the end-to-end test.
 */
export const DEMO_STATS_ENV = 'HYPERSCOPE_DEMO_STATS';

function isReport(x: unknown): x is ExitStatsReport {
  return !!x && typeof x === 'object' && (x as { schema?: unknown }).schema === 'hyperscope.exit-stats/1';
}

async function loadDemo(path: string): Promise<Array<{ at: number; report: ExitStatsReport }>> {
  const data: unknown = JSON.parse(await readFile(path, 'utf8'));
  const list = Array.isArray(data) ? data : [{ at: Date.now(), report: data }];
  return list.filter((e): e is { at: number; report: ExitStatsReport } => isReport(e?.report));
}

async function requestReport(session: vscode.DebugSession, args: ExitStatsRequestArgs): Promise<ExitStatsReport | undefined> {
  const body: unknown = await session.customRequest(EXIT_STATS_EVENT, args);
  return isReport(body) ? body : undefined;
}

function openPanel(context: vscode.ExtensionContext): ExitStatsPanel {
  return ExitStatsPanel.show(context.extensionUri, {
    reset: async () => {
      const session = activeHyperscopeSession();
      if (!session) throw new Error('no Hyperscope debug session is running');
      return requestReport(session, { reset: true });
    },
  });
}

async function showExitStats(context: vscode.ExtensionContext): Promise<void> {
  const panel = openPanel(context);
  const session = activeHyperscopeSession();
  if (session) {
    try {
      const report = await requestReport(session, {});
      if (report) panel.update(report);
    } catch (e) {
      // The adapter may not be able to answer yet (still launching); streamed events will follow.
      panel.showEmpty(`Waiting for statistics from the debug session (${(e as Error).message}).`);
    }
    return;
  }
  const demo = process.env[DEMO_STATS_ENV];
  if (demo) {
    try {
      for (const e of await loadDemo(demo)) panel.update(e.report, e.at);
      return;
    } catch (e) {
      void vscode.window.showWarningMessage(`Hyperscope: ${DEMO_STATS_ENV}: ${(e as Error).message}`);
    }
  }
  panel.showEmpty('No Hyperscope debug session is running. Start one (F5) to see live VM-exit statistics.');
}

/** Registers the command and the session listeners that keep the panel current. */
export function registerExitStatsFeed(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('hyperscope.showExitStats', () => showExitStats(context)),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE || e.event !== EXIT_STATS_EVENT || !isReport(e.body)) return;
      ExitStatsPanel.instance?.update(e.body);
    }),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === DEBUG_TYPE) ExitStatsPanel.instance?.clearHistory();
    }),
  );
}
