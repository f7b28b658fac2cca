/**
 * The VM Exits view in the Run and Debug side bar: the recent-exit trace of the active session
 * (`hyperscope.exitTrace`), newest first, refreshed on every stop and once a second while the
 * guest runs (only while the view is visible). Each exit's tooltip has its fields; selecting
 * one opens them in a read-only document (scheme `hyperscope-exit`).
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug-config';
import type { HyperscopeSessions } from '../session-tracker';
import { ExitJson, exitDescription, exitDetails, exitLabel, parseExitTrace } from './model';

/** The view id contributed in package.json. */
export const VM_EXITS_VIEW = 'hyperscope.vmExits';
/** URI scheme of the read-only exit documents. */
export const EXIT_SCHEME = 'hyperscope-exit';
/** Exits asked for per refresh (the adapter keeps the last 256). */
const COUNT = 100;
const POLL_MS = 1000;

type Node = { kind: 'exit'; exit: ExitJson } | { kind: 'message'; text: string };

/** The tree data provider. */
export class VmExitsProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: Node[] = [{ kind: 'message', text: 'Start a Hyperscope debug session to see its VM exits.' }];
  /** Exits traced over the session (the adapter's `total`), for the view's description. */
  total: number | undefined;
  private busy = false;

  /** Re-reads the trace from the active session. */
  async refresh(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const session = vscode.debug.activeDebugSession;
      // Without a session the last trace stays: it is what happened before the guest ended.
      if (!session || session.type !== DEBUG_TYPE) return;
      try {
        const trace = parseExitTrace(await session.customRequest('hyperscope.exitTrace', { count: COUNT }));
        if (!trace) throw new Error('unexpected answer from the debug adapter');
        this.total = trace.total;
        this.nodes = trace.exits.length
          ? trace.exits.map((exit) => ({ kind: 'exit', exit }))
          : [{ kind: 'message', text: 'No VM exit yet.' }];
      } catch (e) {
        if (session !== vscode.debug.activeDebugSession) return; // it ended meanwhile: keep the last trace
        this.nodes = [{ kind: 'message', text: `No exit trace: ${String((e as Error).message ?? e).split('\n')[0]}` }];
      }
      this.changed.fire(undefined);
    } finally {
      this.busy = false;
    }
  }

  getChildren(node?: Node): Node[] {
    return node ? [] : this.nodes;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    }
    const e = node.exit;
    const item = new vscode.TreeItem(exitLabel(e));
    item.id = `exit-${e.seq}`;
    item.contextValue = 'vm-exit';
    item.description = exitDescription(e);
    item.tooltip = new vscode.MarkdownString().appendCodeblock(exitDetails(e), 'text');
    item.iconPath = new vscode.ThemeIcon(e.reason === 'sbi' ? 'call-outgoing' : e.reason === 'mmio' ? 'plug' : 'debug-stackframe-dot');
    item.command = { command: 'hyperscope.vmExits.showDetails', title: 'Show Exit Details', arguments: [e] };
    return item;
  }
}

/** Serves the details documents from the exits shown. */
class ExitDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  /** A URI for an exit's details, remembering its text. */
  uriFor(e: ExitJson): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: EXIT_SCHEME, path: `/VM exit ${e.seq} (${e.reason}).txt` });
    this.texts.set(uri.toString(), exitDetails(e) + '\n');
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This exit is no longer in the trace.\n';
  }
}

/**
 * "Go to This Exit": the active session travels (reverse execution) to the moment of the
 * exit and stops there; a refusal (another clock, vCPUs on several host threads, an exit
 * before the recorded past) is shown in one line.
 */
async function goToExit(node?: Node): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (node?.kind !== 'exit' || !session || session.type !== DEBUG_TYPE) return;
  try {
    await session.customRequest('hyperscope.goToExit', { seq: node.exit.seq });
  } catch (e) {
    void vscode.window.showErrorMessage(String((e as Error).message ?? e).split('\n')[0]);
  }
}

/** Registers the view, the details documents and the refresh triggers. */
export function registerVmExitsView(context: vscode.ExtensionContext, sessions: HyperscopeSessions): VmExitsProvider {
  const provider = new VmExitsProvider();
  const docs = new ExitDocuments();
  const view = vscode.window.createTreeView(VM_EXITS_VIEW, { treeDataProvider: provider });
  const refresh = async (): Promise<void> => {
    if (!view.visible) return;
    await provider.refresh();
    view.description = provider.total !== undefined ? `${provider.total.toLocaleString()} exits` : undefined;
  };
  const poll = setInterval(() => {
    const s = vscode.debug.activeDebugSession;
    if (s?.type === DEBUG_TYPE && sessions.state(s) === 'running') void refresh();
  }, POLL_MS);
  context.subscriptions.push(
    view,
    { dispose: () => clearInterval(poll) },
    vscode.workspace.registerTextDocumentContentProvider(EXIT_SCHEME, docs),
    vscode.commands.registerCommand('hyperscope.vmExits.refresh', refresh),
    vscode.commands.registerCommand('hyperscope.vmExits.showDetails', async (e?: ExitJson) => {
      if (!e) return;
      const doc = await vscode.workspace.openTextDocument(docs.uriFor(e));
      await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true });
    }),
    vscode.commands.registerCommand('hyperscope.vmExits.goToExit', (node?: Node) => goToExit(node)),
    view.onDidChangeVisibility((e) => {
      if (e.visible) void refresh();
    }),
    sessions.onDidStop(({ session }) => {
      if (session === vscode.debug.activeDebugSession) void refresh();
    }),
    vscode.debug.onDidChangeActiveDebugSession(() => void refresh()),
  );
  return provider;
}
