/**
 * The Exit Statistics webview panel: one per window, revealed again when already open. It shows
 * the latest `ExitStatsReport` it was given, replays it when the webview (re)loads, and turns the
 * webview's Reset and Export CSV buttons into calls the extension supplies. Its flame graph of
 * guest call stacks sampled at exits starts and stops through the session (hooks.exitStacks),
 * exports folded text and opens a clicked frame's source.
 */
import * as vscode from 'vscode';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import type { ExitFlameGraph } from '../../hypervisor-core/debug/flame-graph';
import { exitStatsHtml, WEBVIEW_BUNDLE_DIR } from './html';
import type { FromWebview, ToWebview } from './messages';
import { toCsv } from './model';
import type { CompareSide } from './compare-model';
import { readReportFile } from './report-file';

/** Reports kept for replay: a few minutes at a few reports a second (the webview keeps as many). */
const MAX_HISTORY = 600;

/** The webview panel's view type (also used to restore it). */
export const EXIT_STATS_VIEW_TYPE = 'hyperscope.exitStats';

/** What the panel asks of the rest of the extension. */
export interface ExitStatsPanelHooks {
  /** Zero the counters in the running session; resolves with the fresh report, if any. */
  reset(): Promise<ExitStatsReport | undefined>;
  /**
   * The `hyperscope.exitStacks` request of the running session (`reason` starts sampling,
   * null stops, nothing just reports); rejects when no session runs.
   */
  exitStacks(args: { reason?: string | null; period?: number }): Promise<ExitFlameGraph | undefined>;
}

async function pickReport(title: string): Promise<CompareSide | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title, canSelectMany: false, filters: { 'Exit statistics (--stats-json)': ['json'] },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  if (!picked?.[0]) return undefined;
  try {
    return await readReportFile(picked[0].fsPath);
  } catch (e) {
    void vscode.window.showErrorMessage(`Hyperscope: ${(e as Error).message}`);
    return undefined;
  }
}

/** The singleton Exit Statistics panel. */
export class ExitStatsPanel {
  private static current: ExitStatsPanel | undefined;

  /** Reports since the last reset/session start, replayed when the webview (re)loads. */
  private history: Array<{ report: ExitStatsReport; at: number }> = [];
  /** Messages posted before the webview script listens are lost, so nothing is posted until `ready`. */
  private ready = false;
  private emptyReason = 'No exit statistics yet: start a Hyperscope debug session.';
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The latest flame graph, replayed when the webview (re)loads and exported as folded text. */
  private flame: ExitFlameGraph | undefined;
  /** The comparison shown, replayed when the webview (re)loads. */
  private comparison: { a: CompareSide; b: CompareSide | 'live' } | undefined;

  /** Opens the panel (or reveals the open one) and returns it. */
  static show(extensionUri: vscode.Uri, hooks: ExitStatsPanelHooks): ExitStatsPanel {
    if (ExitStatsPanel.current) {
      ExitStatsPanel.current.panel.reveal(undefined, true);
      return ExitStatsPanel.current;
    }
    const root = vscode.Uri.joinPath(extensionUri, ...WEBVIEW_BUNDLE_DIR);
    const panel = vscode.window.createWebviewPanel(
      EXIT_STATS_VIEW_TYPE,
      'Exit Statistics',
      // Beside the editor when one is open, else in the active group (no empty group left over).
      { viewColumn: vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [root] },
    );
    ExitStatsPanel.current = new ExitStatsPanel(panel, root, hooks);
    return ExitStatsPanel.current;
  }

  /** The open panel, if any (the custom-event listener feeds it only when open). */
  static get instance(): ExitStatsPanel | undefined {
    return ExitStatsPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    bundleRoot: vscode.Uri,
    private readonly hooks: ExitStatsPanelHooks,
  ) {
    const webview = panel.webview;
    webview.html = exitStatsHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundleRoot, 'exit-stats.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(bundleRoot, 'exit-stats.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Shows a new cumulative report; `at` is when it was produced (ms since the epoch). */
  update(report: ExitStatsReport, at: number = Date.now()): void {
    this.history.push({ report, at });
    if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
    this.post({ type: 'stats', report, at });
  }

  /** Shows a new flame graph of the sampled call stacks. */
  updateFlame(graph: ExitFlameGraph): void {
    this.flame = graph;
    this.post({ type: 'flame', graph });
  }

  /** Shows two reports side by side (B 'live': the session's latest report, as it changes). */
  showComparison(a: CompareSide, b: CompareSide | 'live'): void {
    this.comparison = { a, b };
    this.post({ type: 'compare', a, b });
  }

  /** The latest report shown, if any. */
  get latest(): ExitStatsReport | undefined {
    return this.history[this.history.length - 1]?.report;
  }

  /** Shows the empty state with a reason (e.g. no session runs). */
  showEmpty(reason: string): void {
    this.history = [];
    this.emptyReason = reason;
    this.post({ type: 'empty', reason });
  }

  /** Forgets the chart's history (a new session started). */
  clearHistory(): void {
    this.history = this.history.slice(-1);
    this.post({ type: 'clear' });
  }

  private post(msg: ToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }

  private async onMessage(msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'empty', reason: this.emptyReason });
        for (const h of this.history) this.post({ type: 'stats', report: h.report, at: h.at });
        if (this.flame) this.post({ type: 'flame', graph: this.flame });
        if (this.comparison) this.post({ type: 'compare', ...this.comparison });
        return;
      case 'reset': {
        try {
          const fresh = await this.hooks.reset();
          this.clearHistory();
          if (fresh) this.update(fresh);
        } catch (e) {
          void vscode.window.showErrorMessage(`Hyperscope: reset failed: ${(e as Error).message}`);
        }
        return;
      }
      case 'exportCsv':
        await this.exportCsv(msg.vcpu);
        return;
      case 'flameStart':
      case 'flameStop':
        try {
          const graph = await this.hooks.exitStacks(msg.type === 'flameStart' ? { reason: msg.reason, period: msg.period } : { reason: null });
          if (graph) this.updateFlame(graph);
        } catch (e) {
          this.post({ type: 'flame', graph: this.flame, error: (e as Error).message });
        }
        return;
      case 'exportFolded':
        await this.exportFolded();
        return;
      case 'openSource':
        await this.openSource(msg.path, msg.line);
        return;
      case 'compare':
        await this.compareFiles(msg.live);
        return;
    }
  }

  /** Asks for report A (and B unless `live`) and shows the comparison. */
  private async compareFiles(live: boolean): Promise<void> {
    const a = await pickReport(live ? 'Choose the report to compare the session with (A)' : 'Choose report A (before)');
    if (!a) return;
    const b = live ? 'live' : await pickReport('Choose report B (after)');
    if (!b) return;
    this.showComparison(a, b);
  }

  private async exportFolded(): Promise<void> {
    const g = this.flame;
    if (!g || !g.folded) {
      void vscode.window.showInformationMessage('Hyperscope: no sampled call stacks to export yet.');
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `exit-stacks-${g.reason}.folded`) : undefined,
      filters: { 'Folded stacks': ['folded', 'txt'] },
      title: 'Export the sampled call stacks (folded, for flamegraph.pl or speedscope)',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(g.folded, 'utf8'));
    void vscode.window.showInformationMessage(`Hyperscope: call stacks saved to ${target.fsPath}`);
  }

  private async openSource(path: string, line: number): Promise<void> {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      const at = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(at, at) });
    } catch (e) {
      void vscode.window.showWarningMessage(`Hyperscope: cannot open ${path}: ${(e as Error).message}`);
    }
  }

  private async exportCsv(vcpu: 'all' | number): Promise<void> {
    const report = this.latest;
    if (!report) {
      void vscode.window.showInformationMessage('Hyperscope: no exit statistics to export yet.');
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `exit-stats${vcpu === 'all' ? '' : `-vcpu${vcpu}`}.csv`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { CSV: ['csv'] },
      title: 'Export exit statistics',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(toCsv(report, vcpu), 'utf8'));
    void vscode.window.showInformationMessage(`Hyperscope: exit statistics saved to ${target.fsPath}`);
  }

  /** Closes the panel. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ExitStatsPanel.current === this) ExitStatsPanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.panel.dispose();
  }
}
