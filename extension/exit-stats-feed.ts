/**
 * Feeds the Exit Statistics panel: the `hyperscope.showExitStats` command, the debug adapter's
 * streaming custom event `hyperscope.exitStats` (body: ExitStatsReport) and the Reset button,
 * which calls the custom request `hyperscope.exitStats` with `{ reset: true }`.
 */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import type { ExitStatsReport } from '../hypervisor-core/hypervisor/stats/report';
import type { ExitFlameGraph, FlameNode } from '../hypervisor-core/debug/flame-graph';
import type { CompareSide } from './exit-stats-panel/compare-model';
import { dirname, resolve } from 'node:path';
import { ExitStatsPanel } from './exit-stats-panel/panel';
import { DEBUG_TYPE } from './debug-config';
import { activeHyperscopeSession } from './translate-address';

/** Name of the custom DAP event (and custom request) that carries exit statistics. */
export const EXIT_STATS_EVENT = 'hyperscope.exitStats';
/** Name of the custom DAP event (and request) that carries the flame graph of call stacks sampled at exits. */
export const EXIT_STACKS_EVENT = 'hyperscope.exitStacks';

/** Arguments of the `hyperscope.exitStats` custom request. */
export interface ExitStatsRequestArgs {
  /** Zero the counters after taking the report; the reply is then the fresh (zero) report. */
  reset?: boolean;
}

/**
 * Environment variable naming a JSON file of recorded reports (`[{ at, report }]` or one report)
 * that the panel plays when no session runs: used for screenshots and the end-to-end test. The
 * list may also hold a flame graph (`{ flame }`, relative source paths taken from the file's
 * folder) and a comparison (`{ compare: { a: { label, report }, b: { label, report } } }`).
 */
export const DEMO_STATS_ENV = 'HYPERSCOPE_DEMO_STATS';

function isReport(x: unknown): x is ExitStatsReport {
  return !!x && typeof x === 'object' && (x as { schema?: unknown }).schema === 'hyperscope.exit-stats/1';
}

interface Demo {
  reports: Array<{ at: number; report: ExitStatsReport }>;
  flame?: ExitFlameGraph;
  compare?: { a: CompareSide; b: CompareSide };
}

async function loadDemo(path: string): Promise<Demo> {
  const data: unknown = JSON.parse(await readFile(path, 'utf8'));
  const list: unknown[] = Array.isArray(data) ? data : [{ at: Date.now(), report: data }];
  const demo: Demo = { reports: list.filter((e): e is { at: number; report: ExitStatsReport } => isReport((e as { report?: unknown })?.report)) };
  for (const e of list as { flame?: unknown; compare?: { a?: CompareSide; b?: CompareSide } }[]) {
    if (isFlame(e?.flame)) demo.flame = withSourcesFrom(e.flame, dirname(path));
    const c = e?.compare;
    if (c && isReport(c.a?.report) && isReport(c.b?.report)) demo.compare = { a: c.a!, b: c.b! };
  }
  return demo;
}

/** The flame graph with relative source paths made absolute from `folder`. */
function withSourcesFrom(g: ExitFlameGraph, folder: string): ExitFlameGraph {
  const fix = (n: FlameNode): FlameNode => ({
    ...n, source: n.source && { ...n.source, path: resolve(folder, n.source.path) }, children: n.children.map(fix),
  });
  return { ...g, root: fix(g.root) };
}

async function requestReport(session: vscode.DebugSession, args: ExitStatsRequestArgs): Promise<ExitStatsReport | undefined> {
  const body: unknown = await session.customRequest(EXIT_STATS_EVENT, args);
  return isReport(body) ? body : undefined;
}

function isFlame(x: unknown): x is ExitFlameGraph {
  return !!x && typeof x === 'object' && typeof (x as { folded?: unknown }).folded === 'string' && !!(x as { root?: unknown }).root;
}

function openPanel(context: vscode.ExtensionContext): ExitStatsPanel {
  return ExitStatsPanel.show(context.extensionUri, {
    reset: async () => {
      const session = activeHyperscopeSession();
      if (!session) throw new Error('no Hyperscope debug session is running');
      return requestReport(session, { reset: true });
    },
    exitStacks: async (args) => {
      const session = activeHyperscopeSession();
      if (!session) throw new Error('start a Hyperscope debug session to sample call stacks');
      const body: unknown = await session.customRequest(EXIT_STACKS_EVENT, args);
      return isFlame(body) ? body : undefined;
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
      const d = await loadDemo(demo);
      for (const e of d.reports) panel.update(e.report, e.at);
      if (d.flame) panel.updateFlame(d.flame);
      if (d.compare) panel.showComparison(d.compare.a, d.compare.b);
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
      if (e.session.type !== DEBUG_TYPE) return;
      if (e.event === EXIT_STATS_EVENT && isReport(e.body)) ExitStatsPanel.instance?.update(e.body);
      else if (e.event === EXIT_STACKS_EVENT && isFlame(e.body)) ExitStatsPanel.instance?.updateFlame(e.body);
    }),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === DEBUG_TYPE) ExitStatsPanel.instance?.clearHistory();
    }),
  );
}
