/**
 * Hyperscope's VS Code activation: registers the `hyperscope` debug configuration provider, the
 * Exit Statistics panel and its feed, the Translate Address command, the session tracker and
 * what it feeds (Page Tables, VM Exits and Guest Kernel views, guest console terminal, status
 * bar item, the Memory view), and the Virtual Machines view of a `hyperscope serve` daemon. The
 * debug adapter itself runs as its own Node process (package.json `debuggers[].program`:
 * dist/debug-adapter.js), so a busy guest never blocks the extension host.
 */
import { saveSnapshotCommand } from './save-snapshot';
import * as vscode from 'vscode';
import { DEBUG_TYPE, HyperscopeConfigurationProvider } from './debug-config';
import { registerExitStatsFeed } from './exit-stats-feed';
import { translateAddressCommand } from './translate-address';
import { HyperscopeSessions } from './session-tracker';
import { registerPageTablesView } from './page-tables/view';
import { registerVmExitsView } from './vm-exits/view';
import { registerGuestConsole } from './guest-console';
import { registerStatusBar } from './status-bar';
import { registerMemoryView } from './memory-view/view';
import { registerGuestKernelView } from './guest-kernel/view';
import { NoSourceStopWatcher, OPEN_DISASSEMBLY_COMMAND } from './no-source-stop';
import { registerVmsView } from './vms/view';
import { DaemonLink } from './vms/daemon-link';

/** Called by VS Code on the first activation event (a hyperscope launch or one of our commands). */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Hyperscope');
  const daemon = new DaemonLink(context.extensionPath, output);
  const provider = new HyperscopeConfigurationProvider(() => daemon.knownAddress());
  context.subscriptions.push(
    output,
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    // Dynamic: offers "Hyperscope" with the ELFs found in the Run and Debug dropdown.
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: (folder) => provider.provideDebugConfigurations(folder) },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.commands.registerCommand('hyperscope.translateAddress', () => translateAddressCommand(output)),
    vscode.commands.registerCommand('hyperscope.saveSnapshot', () => saveSnapshotCommand()),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: () => {
        const watcher = new NoSourceStopWatcher();
        return { onDidSendMessage: (m) => { if (watcher.onMessage(m)) void vscode.commands.executeCommand(OPEN_DISASSEMBLY_COMMAND); } };
      },
    }),
  );
  registerExitStatsFeed(context);
  const sessions = new HyperscopeSessions();
  context.subscriptions.push(sessions);
  registerPageTablesView(context, sessions);
  registerVmExitsView(context, sessions);
  registerGuestConsole(context, sessions);
  registerStatusBar(context, sessions);
  registerMemoryView(context, sessions);
  registerGuestKernelView(context, sessions);
  registerVmsView(context, output, daemon);
}

/** Nothing to do: everything is disposed through context.subscriptions. */
export function deactivate(): void {}
