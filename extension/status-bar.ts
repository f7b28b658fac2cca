/**
 * The status bar item while a Hyperscope session runs: the VM state (running, paused, stopped)
 * and the exit rate (exits per second from the streamed statistics). Clicking it opens the
 * Exit Statistics panel. Hidden when no Hyperscope session is active.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from './debug-config';
import { ExitRate } from './exit-rate';
import { statusText } from './status-text';
import type { HyperscopeSessions } from './session-tracker';

/** Creates the item and keeps it current. */
export function registerStatusBar(context: vscode.ExtensionContext, sessions: HyperscopeSessions): void {
  const item = vscode.window.createStatusBarItem('hyperscope.vmState', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Hyperscope VM';
  item.command = 'hyperscope.showExitStats';
  const rates = new Map<string, ExitRate>();
  const rateOf = (id: string): ExitRate => {
    let r = rates.get(id);
    if (!r) rates.set(id, (r = new ExitRate()));
    return r;
  };

  const render = (): void => {
    const s = vscode.debug.activeDebugSession;
    if (!s || s.type !== DEBUG_TYPE) {
      item.hide();
      return;
    }
    const state = sessions.state(s);
    const r = rateOf(s.id);
    item.text = statusText(state, r.rate(), r.total());
    item.tooltip = `Hyperscope guest "${s.name}": ${state}, ${r.total().toLocaleString()} VM exits` +
      `${state === 'running' ? `, ${Math.round(r.rate()).toLocaleString()} exits/s` : ''}. Click for the Exit Statistics panel.`;
    item.show();
  };

  // While running, reports stop arriving when the guest is idle: re-render so the rate decays.
  const timer = setInterval(() => {
    const s = vscode.debug.activeDebugSession;
    if (s?.type === DEBUG_TYPE && sessions.state(s) === 'running') {
      const r = rateOf(s.id);
      r.push(r.total(), Date.now());
      render();
    }
  }, 1000);

  context.subscriptions.push(
    item,
    { dispose: () => clearInterval(timer) },
    sessions.onDidReceiveStats(({ session, value }) => {
      rateOf(session.id).push(value.totalExits, Date.now());
      render();
    }),
    sessions.onDidChangeState(() => render()),
    vscode.debug.onDidChangeActiveDebugSession(() => render()),
    vscode.debug.onDidTerminateDebugSession((s) => {
      rates.delete(s.id);
      render();
    }),
  );
  render();
}
