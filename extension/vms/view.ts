/**
 * The Virtual Machines view (Run and Debug container): the VMs of a daemon with their state
 * and vCPUs, kept current by the daemon's event stream, and the actions pause, resume,
 * reset, destroy, console (a terminal) and exit statistics (the Exit Statistics panel, fed
 * from the VM's `stats` route). New VMs come from the view's + button (an ELF and a name).
 */
import * as vscode from 'vscode';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import { ApiClient, ClientError } from '../../hypervisor-core/serve/client';
import type { VmInfo } from '../../hypervisor-core/serve/vm-host';
import { ExitStatsPanel } from '../exit-stats-panel/panel';
import { openConsoleTerminal } from './console-terminal';
import { DaemonLink } from './daemon-link';
import { VmRow, vmRows } from './model';
import { DEBUG_TYPE } from '../debug-config';

/** The view's id (package.json `views.debug`). */
export const VMS_VIEW = 'hyperscope.vms';
/** How often the open statistics panel asks the VM for a fresh report. */
const STATS_PERIOD_MS = 1000;

class VmsProvider implements vscode.TreeDataProvider<VmRow> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private rows: VmRow[] = [];
  private events: { close(): void } | undefined;
  private message: string | undefined;

  constructor(private readonly link: DaemonLink) {}

  getTreeItem(r: VmRow): vscode.TreeItem {
    const item = new vscode.TreeItem(r.label, vscode.TreeItemCollapsibleState.None);
    item.id = r.name;
    item.description = r.description;
    item.tooltip = r.tooltip;
    item.contextValue = r.contextValue;
    item.iconPath = new vscode.ThemeIcon(r.icon);
    return item;
  }

  getChildren(): VmRow[] {
    return this.rows;
  }

  /** Lists the VMs again; follows the event stream from now on. */
  async refresh(view: vscode.TreeView<VmRow>): Promise<void> {
    if (!this.link.known) {
      view.message = 'No daemon yet: create a VM (+) to start one, or set hyperscope.daemon.host.';
      return;
    }
    try {
      const client = await this.link.client();
      const { vms } = await client.call<{ vms: VmInfo[] }>('GET', '/v1/vms');
      this.rows = vmRows(vms);
      this.message = vms.length === 0 ? `No VMs on ${client.address}: create one with +.` : undefined;
      if (!this.events) {
        const s = await client.events(() => void this.refresh(view));
        this.events = s;
        void s.done.then(() => { if (this.events === s) this.events = undefined; });
      }
    } catch (e) {
      this.rows = [];
      this.message = `Hyperscope daemon: ${(e as Error).message}`;
    }
    view.message = this.message;
    this.changed.fire();
  }

  dispose(): void {
    this.events?.close();
  }
}

/** Registers the view and its commands. */
export function registerVmsView(context: vscode.ExtensionContext, output: vscode.OutputChannel, link = new DaemonLink(context.extensionPath, output)): void {
  const provider = new VmsProvider(link);
  const view = vscode.window.createTreeView(VMS_VIEW, { treeDataProvider: provider });
  let statsTimer: NodeJS.Timeout | undefined;
  const refresh = () => provider.refresh(view);
  const run = async (what: string, action: (c: ApiClient) => Promise<unknown>) => {
    try {
      await action(await link.client());
    } catch (e) {
      const message = e instanceof ClientError ? e.message : (e as Error).message;
      void vscode.window.showErrorMessage(`Hyperscope: ${what}: ${message}`);
    }
    await refresh();
  };
  const vmPath = (r: VmRow) => `/v1/vms/${encodeURIComponent(r.name)}`;
  const lifecycle = (action: 'pause' | 'resume' | 'reset') => (r: VmRow) => run(`${action} ${r.name}`, (c) => c.call('POST', `${vmPath(r)}/${action}`));

  context.subscriptions.push(
    link, view, provider,
    { dispose: () => clearInterval(statsTimer) },
    vscode.commands.registerCommand('hyperscope.vms.refresh', refresh),
    vscode.commands.registerCommand('hyperscope.vms.create', () => createVm(link, run)),
    vscode.commands.registerCommand('hyperscope.vms.pause', lifecycle('pause')),
    vscode.commands.registerCommand('hyperscope.vms.resume', lifecycle('resume')),
    vscode.commands.registerCommand('hyperscope.vms.reset', lifecycle('reset')),
    vscode.commands.registerCommand('hyperscope.vms.destroy', async (r: VmRow) => {
      const ok = await vscode.window.showWarningMessage(`Destroy VM '${r.name}'? It ends at once.`, { modal: true }, 'Destroy');
      if (ok === 'Destroy') await run(`destroy ${r.name}`, (c) => c.call('DELETE', vmPath(r)));
    }),
    vscode.commands.registerCommand('hyperscope.vms.console', (r: VmRow) => run(`console ${r.name}`, async (c) => openConsoleTerminal(c, r.name))),
    vscode.commands.registerCommand('hyperscope.vms.debug', (r: VmRow) => run(`debug ${r.name}`, async (c) => {
      // DAP attach through the daemon: this VM stops for the debugger, the others run on.
      const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
        type: DEBUG_TYPE, request: 'attach', name: `VM ${r.name}`, vm: r.name, host: c.address,
      });
      if (!started) throw new Error('the debug session did not start');
    })),
    vscode.commands.registerCommand('hyperscope.vms.stats', (r: VmRow) => run(`statistics of ${r.name}`, async (c) => {
      // The Exit Statistics panel, fed from this VM until the panel closes or another VM is chosen.
      const report = () => c.call<ExitStatsReport>('GET', `${vmPath(r)}/stats`);
      const panel = ExitStatsPanel.show(context.extensionUri, {
        reset: async () => { throw new Error(`the statistics of VM '${r.name}' restart when it is reset`); },
        exitStacks: async () => { throw new Error('call stacks are sampled in a debug session'); },
      });
      panel.clearHistory();
      panel.update(await report());
      clearInterval(statsTimer);
      statsTimer = setInterval(() => {
        if (ExitStatsPanel.instance !== panel) return clearInterval(statsTimer);
        report().then((rep) => panel.update(rep), () => clearInterval(statsTimer));
      }, STATS_PERIOD_MS);
    })),
  );
  void refresh();
}

/** The + button: an ELF (or Image) from the workspace, a name, vCPUs; created and started. */
async function createVm(link: DaemonLink, run: (what: string, action: (c: ApiClient) => Promise<unknown>) => Promise<void>): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Kernel for the new VM (ELF, Linux Image or raw binary)', canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  if (!picked?.[0]) return;
  const kernel = picked[0].fsPath;
  const base = kernel.split('/').pop()!.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'vm';
  const name = await vscode.window.showInputBox({
    title: 'Name of the new VM', value: base,
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v) ? undefined : "letters, digits, '.', '_', '-'; at most 64"),
  });
  if (name === undefined) return;
  const vcpus = await vscode.window.showQuickPick(['1', '2', '4'], { title: 'vCPUs' });
  if (vcpus === undefined) return;
  await run(`create ${name}`, (c) => c.call('POST', '/v1/vms', { name, kernel, vcpus: Number(vcpus) }));
}
