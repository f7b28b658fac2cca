/**
 * The "Hyperscope: Save VM Snapshot" command: in a stopped Hyperscope debug session, asks
 * where to save and has the debug adapter write the VM's snapshot there (custom request
 * `hyperscope.saveSnapshot`); `hyperscope run --restore FILE` continues it.
 */
import * as vscode from 'vscode';
import { activeHyperscopeSession } from './translate-address';

/** Runs the command. */
export async function saveSnapshotCommand(): Promise<void> {
  const session = activeHyperscopeSession();
  if (!session) {
    void vscode.window.showWarningMessage('Hyperscope: start a Hyperscope debug session and stop it to save a VM snapshot.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: 'Save VM Snapshot', filters: { 'Hyperscope snapshot': ['hsvm'] },
    defaultUri: folder ? vscode.Uri.joinPath(folder, 'vm.hsvm') : undefined,
  });
  if (!uri) return;
  try {
    const body = await session.customRequest('hyperscope.saveSnapshot', { path: uri.fsPath }) as { bytes: number; instructions: number };
    void vscode.window.showInformationMessage(
      `Hyperscope: saved the VM at ${body.instructions} instructions (${Math.ceil(body.bytes / 1024)} KiB); continue it with: hyperscope run --restore ${uri.fsPath}`);
  } catch (e) {
    void vscode.window.showErrorMessage(`Hyperscope: ${(e as Error).message}`);
  }
}
