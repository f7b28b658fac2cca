/**
 * The Page Tables view in the Run and Debug side bar: the VS-stage tree (from vsatp) and the
 * G-stage tree (from hgatp) of the selected vCPU, from the adapter's `hyperscope.pageTable`
 * request, refreshed on every stop and when another vCPU (thread) is selected, and only while
 * the view is visible. The root tables come first; a pointer's table is read when it is
 * expanded (a Linux guest has thousands of leaves: reading them all made each step slow).
 * The "Select vCPU" title button picks the vCPU by hand. An adapter without the request gets a message.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug-config';
import type { HyperscopeSessions } from '../session-tracker';
import { PageTableJson, PteJson, entryText, isLeaf, parsePageTable, stageText } from './model';

/** The view id contributed in package.json. */
export const PAGE_TABLES_VIEW = 'hyperscope.pageTables';

/** Where a lazily listed entry's table is read from. */
interface Source { session: vscode.DebugSession; vcpu: number; generation: number }

type Node =
  | { kind: 'stage'; stage: 'vs' | 'g'; table?: PageTableJson; error?: string; from?: Source }
  | { kind: 'entry'; stage: 'vs' | 'g'; entry: PteJson; from?: Source }
  | { kind: 'message'; text: string };

const STAGES: Array<'vs' | 'g'> = ['vs', 'g'];

/** First line of an error, without the adapter's prefixes. */
function reason(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** The tree data provider. */
export class PageTablesProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Node[] = [{ kind: 'message', text: 'Start a Hyperscope debug session and stop it to see its page tables.' }];
  /** The vCPU shown, per session. */
  private readonly vcpus = new Map<string, number>();
  private generation = 0;

  constructor(private readonly sessions: HyperscopeSessions) {}

  /** The vCPU the view shows for a session. */
  vcpu(session: vscode.DebugSession): number {
    return this.vcpus.get(session.id) ?? this.sessions.stoppedVcpu(session);
  }

  /** Shows another vCPU (does not refresh). */
  setVcpu(session: vscode.DebugSession, vcpu: number): void {
    this.vcpus.set(session.id, vcpu);
  }

  /** Re-reads both stages from the active session (or shows why it cannot). */
  async refresh(): Promise<void> {
    const gen = ++this.generation;
    const active = this.sessions.pausedSession('the page tables show');
    let roots: Node[];
    if ('why' in active) {
      roots = [{ kind: 'message', text: active.why }];
    } else {
      const { session } = active;
      const vcpu = this.vcpu(session);
      roots = await Promise.all(STAGES.map(async (stage): Promise<Node> => {
        try {
          const body: unknown = await session.customRequest('hyperscope.pageTable', { vcpu, stage, lazy: true });
          const table = parsePageTable(body, stage);
          return table ? { kind: 'stage', stage, table, from: { session, vcpu, generation: gen } } : { kind: 'stage', stage, error: 'unexpected answer from the debug adapter' };
        } catch (e) {
          const why = reason(e);
          const missing = /unrecognized|not supported|unknown request/i.test(why);
          return { kind: 'stage', stage, error: missing ? 'this debug adapter has no hyperscope.pageTable request' : why };
        }
      }));
    }
    if (gen !== this.generation) return; // a newer refresh started meanwhile
    this.roots = roots;
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] | Promise<Node[]> {
    if (!node) return this.roots;
    if (node.kind === 'stage') return (node.table?.entries ?? []).map((entry) => ({ kind: 'entry', stage: node.stage, entry, from: node.from }));
    if (node.kind === 'entry') {
      if (node.entry.children) return node.entry.children.map((entry) => ({ kind: 'entry', stage: node.stage, entry }));
      if (node.from && node.entry.base !== undefined && !isLeaf(node.entry)) return this.readTable(node.stage, node.entry, node.from);
    }
    return [];
  }

  /** The table a pointer leads to, read when the user expands it. */
  private async readTable(stage: 'vs' | 'g', e: PteJson, from: Source): Promise<Node[]> {
    if (from.generation !== this.generation) return [{ kind: 'message', text: 'The guest moved on: refresh.' }];
    try {
      const body: unknown = await from.session.customRequest('hyperscope.pageTable', { vcpu: from.vcpu, stage, table: e.target, level: e.level - 1, base: e.base });
      const t = parsePageTable(body, stage);
      return (t?.entries ?? []).map((entry) => ({ kind: 'entry', stage, entry, from }));
    } catch (err) {
      return [{ kind: 'message', text: reason(err) }];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    }
    if (node.kind === 'stage') {
      const t = stageText(node.table, node.stage, node.error);
      const hasEntries = (node.table?.entries.length ?? 0) > 0;
      const item = new vscode.TreeItem(t.label, hasEntries ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.description = t.description;
      item.tooltip = t.tooltip;
      item.iconPath = new vscode.ThemeIcon(node.error ? 'warning' : 'symbol-namespace');
      item.contextValue = 'stage';
      return item;
    }
    const t = entryText(node.entry, node.stage);
    const children = node.entry.children?.length ?? (node.entry.base !== undefined && !isLeaf(node.entry) ? 1 : 0);
    const item = new vscode.TreeItem(t.label, children ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.description = t.description;
    item.tooltip = t.tooltip;
    item.iconPath = new vscode.ThemeIcon(children ? 'symbol-array' : 'symbol-field');
    item.contextValue = children ? 'table' : 'leaf';
    return item;
  }
}

/** Asks which vCPU to show (from the session's threads). */
async function pickVcpu(session: vscode.DebugSession, current: number): Promise<number | undefined> {
  let threads: Array<{ id: number; name: string }> = [];
  try {
    threads = ((await session.customRequest('threads')) as { threads?: typeof threads }).threads ?? [];
  } catch {
    // fall back to vCPU 0 only
  }
  if (threads.length === 0) threads = [{ id: 1, name: 'vCPU 0' }];
  const picked = await vscode.window.showQuickPick(
    threads.map((t) => ({ label: t.name, description: t.id - 1 === current ? 'shown' : undefined, vcpu: t.id - 1 })),
    { placeHolder: 'Show the page tables of which vCPU?' },
  );
  return picked?.vcpu;
}

/** Registers the view, its commands and its refresh triggers. */
export function registerPageTablesView(context: vscode.ExtensionContext, sessions: HyperscopeSessions): PageTablesProvider {
  const provider = new PageTablesProvider(sessions);
  const view = vscode.window.createTreeView(PAGE_TABLES_VIEW, { treeDataProvider: provider, showCollapseAll: true });
  const describe = (): void => {
    const s = vscode.debug.activeDebugSession;
    view.description = s?.type === DEBUG_TYPE ? `vCPU ${provider.vcpu(s)}` : undefined;
  };
  const refresh = async (): Promise<void> => {
    describe();
    if (view.visible) await provider.refresh();
  };
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand('hyperscope.pageTables.refresh', refresh),
    vscode.commands.registerCommand('hyperscope.pageTables.selectVcpu', async () => {
      const s = vscode.debug.activeDebugSession;
      if (!s || s.type !== DEBUG_TYPE) return;
      const vcpu = await pickVcpu(s, provider.vcpu(s));
      if (vcpu === undefined) return;
      provider.setVcpu(s, vcpu);
      await refresh();
    }),
    view.onDidChangeVisibility((e) => {
      if (e.visible) void refresh();
    }),
    sessions.onDidStop(({ session, value }) => {
      if (value !== undefined) provider.setVcpu(session, value);
      if (session === vscode.debug.activeDebugSession) void refresh();
    }),
    sessions.onDidChangeState(({ session, value }) => {
      if (value !== 'paused' && session === vscode.debug.activeDebugSession) void refresh();
    }),
    // Selecting another vCPU (thread) in the Call Stack shows its tables.
    vscode.debug.onDidChangeActiveStackItem((item) => {
      if (!item || item.session.type !== DEBUG_TYPE) return;
      if (provider.vcpu(item.session) === item.threadId - 1) return;
      provider.setVcpu(item.session, item.threadId - 1);
      void refresh();
    }),
    vscode.debug.onDidChangeActiveDebugSession(() => void refresh()),
    vscode.debug.onDidTerminateDebugSession(() => void refresh()),
  );
  return provider;
}
