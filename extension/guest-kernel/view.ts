/**
 * The Guest Kernel view in the Run and Debug side bar: a stopped Linux guest's tasks (the
 * ones the vCPUs run marked) and its kernel log, from the adapter's `hyperscope.linux`
 * request, re-read at each stop while the view is visible. A guest without a kernel's symbols
 * gets the adapter's one line saying what is missing.
 */
import * as vscode from 'vscode';
import type { HyperscopeSessions } from '../session-tracker';
import { KernelJson, TaskJson, parseKernel, taskText } from './model';

/** The view id contributed in package.json. */
export const GUEST_KERNEL_VIEW = 'hyperscope.guestKernel';

type Node =
  | { kind: 'tasks'; tasks: TaskJson[] }
  | { kind: 'task'; task: TaskJson }
  | { kind: 'log'; lines: string[]; omitted: number }
  | { kind: 'line'; text: string }
  | { kind: 'message'; text: string; warning?: boolean };

/** The tree data provider. */
export class GuestKernelProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Node[] = [{ kind: 'message', text: 'Stop a Hyperscope Linux guest to see its tasks and log.' }];
  private generation = 0;

  constructor(private readonly sessions: HyperscopeSessions) {}

  /** Re-reads the tasks and the log from the active session. */
  async refresh(): Promise<void> {
    const gen = ++this.generation;
    const active = this.sessions.pausedSession('its tasks and log show');
    let roots: Node[];
    if ('why' in active) {
      roots = [{ kind: 'message', text: active.why }];
    } else {
      const { session } = active;
      try {
        const k = parseKernel(await session.customRequest('hyperscope.linux', { vcpu: this.sessions.stoppedVcpu(session), maxLog: 1000 }));
        roots = k ? nodesOf(k) : [{ kind: 'message', text: 'unexpected answer from the debug adapter', warning: true }];
      } catch (e) {
        roots = [{ kind: 'message', text: String((e as Error)?.message ?? e).split('\n')[0], warning: true }];
      }
    }
    if (gen !== this.generation) return;
    this.roots = roots;
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.roots;
    if (node.kind === 'tasks') return node.tasks.map((task) => ({ kind: 'task', task }));
    if (node.kind === 'log') return node.lines.map((text) => ({ kind: 'line', text }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'tasks': {
        const item = new vscode.TreeItem(`Tasks (${node.tasks.length})`, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('server-process');
        return item;
      }
      case 'task': {
        const t = taskText(node.task);
        const item = new vscode.TreeItem(t.label, vscode.TreeItemCollapsibleState.None);
        item.description = t.description;
        item.tooltip = t.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.task.vcpus.length ? 'debug-stackframe' : 'circle-outline');
        return item;
      }
      case 'log': {
        const item = new vscode.TreeItem(`Kernel log (${node.lines.length} lines${node.omitted ? `, ${node.omitted} older not shown` : ''})`, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('output');
        return item;
      }
      case 'line': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.tooltip = node.text;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.warning ? 'warning' : 'info');
        item.tooltip = node.text;
        return item;
      }
    }
  }
}

function nodesOf(k: KernelJson): Node[] {
  const out: Node[] = [];
  if (k.tasks) out.push({ kind: 'tasks', tasks: k.tasks });
  if (k.log) out.push({ kind: 'log', lines: k.log, omitted: k.logOmitted });
  for (const e of k.errors) out.push({ kind: 'message', text: e, warning: true });
  return out;
}

/** Registers the view and its refresh triggers (each stop while it is visible). */
export function registerGuestKernelView(context: vscode.ExtensionContext, sessions: HyperscopeSessions): GuestKernelProvider {
  const provider = new GuestKernelProvider(sessions);
  const view = vscode.window.createTreeView(GUEST_KERNEL_VIEW, { treeDataProvider: provider });
  const refresh = async (): Promise<void> => { if (view.visible) await provider.refresh(); };
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand('hyperscope.guestKernel.refresh', refresh),
    view.onDidChangeVisibility((e) => { if (e.visible) void refresh(); }),
    sessions.onDidStop(({ session }) => { if (session === vscode.debug.activeDebugSession) void refresh(); }),
    sessions.onDidChangeState(({ session, value }) => { if (value !== 'paused' && session === vscode.debug.activeDebugSession) void refresh(); }),
    vscode.debug.onDidChangeActiveDebugSession(() => void refresh()),
    vscode.debug.onDidTerminateDebugSession(() => void refresh()),
  );
  return provider;
}
