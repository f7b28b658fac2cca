/**
 * The `hyperscope` debug configuration provider. F5 on a folder without a launch.json finds the
 * RISC-V ELF files in the workspace (`**\/*.elf`), takes the one next to the active editor's
 * file or asks which one when there are several, and fills in a launch configuration; "create a
 * launch.json" gets the same configuration.
 */
import * as vscode from 'vscode';
import { open } from 'node:fs/promises';
import { isRiscvElfHeader } from './guest-input';
import type { HyperscopeLaunchArgs } from '../debug-adapter/launch-config';

/** The debug type contributed in package.json. */
export const DEBUG_TYPE = 'hyperscope';

/** Launch attributes understood by the debug adapter (see package.json `configurationAttributes`). */
export interface HyperscopeLaunchConfig extends vscode.DebugConfiguration, Omit<HyperscopeLaunchArgs, 'clock'> {
  clock?: 'realtime' | 'icount';
}

/** Reads only the ELF header for local files (a vmlinux can be hundreds of MB). */
async function isRiscvElf(uri: vscode.Uri): Promise<boolean> {
  try {
    if (uri.scheme === 'file') {
      const fh = await open(uri.fsPath, 'r');
      try {
        const head = new Uint8Array(20);
        const { bytesRead } = await fh.read(head, 0, 20, 0);
        return isRiscvElfHeader(head.subarray(0, bytesRead));
      } finally {
        await fh.close();
      }
    }
    const bytes = await vscode.workspace.fs.readFile(uri);
    return isRiscvElfHeader(bytes.subarray(0, 20));
  } catch {
    return false;
  }
}

/** RISC-V ELF files under a folder (or the whole workspace), nearest to the root first. */
export async function findGuestElfs(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Uri[]> {
  const include = folder ? new vscode.RelativePattern(folder, '**/*.elf') : '**/*.elf';
  const found = await vscode.workspace.findFiles(include, '**/node_modules/**', 200);
  const checked = await Promise.all(found.map(async (u) => ((await isRiscvElf(u)) ? u : undefined)));
  return checked
    .filter((u): u is vscode.Uri => u !== undefined)
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.path.localeCompare(b.path));
}

/** `${workspaceFolder}/rel/path` when inside the folder, else the absolute path. */
function programPath(uri: vscode.Uri, folder: vscode.WorkspaceFolder | undefined): string {
  const rel = folder ? vscode.workspace.asRelativePath(uri, false) : undefined;
  return folder && rel && rel !== uri.fsPath ? `\${workspaceFolder}/${rel}` : uri.fsPath;
}

async function pickElf(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Uri | undefined> {
  const elfs = await findGuestElfs(folder);
  if (elfs.length === 0) {
    void vscode.window.showErrorMessage(
      'Hyperscope: no RISC-V ELF (*.elf) found in the workspace. Build the guest or add a launch.json with "program".',
    );
    return undefined;
  }
  if (elfs.length === 1) return elfs[0];
  // F5 in a sample's source: the one ELF in the same folder is the program (samples/hello/hello.c -> hello.elf).
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active) {
    const dir = active.path.slice(0, active.path.lastIndexOf('/') + 1);
    const beside = elfs.filter((u) => u.path.slice(0, u.path.lastIndexOf('/') + 1) === dir);
    if (beside.length === 1) return beside[0];
  }
  const picked = await vscode.window.showQuickPick(
    elfs.map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), uri })),
    { placeHolder: 'Which guest program should Hyperscope run?', ignoreFocusOut: true },
  );
  return picked?.uri;
}

/** A launch configuration for one guest program. */
export function launchConfigFor(program: string, name: string): HyperscopeLaunchConfig {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Hyperscope: ${name}`,
    program,
    vcpus: 1,
    memory: '128M',
    stopOnEntry: true,
    clock: 'realtime',
  };
}

/** Fills F5-without-launch.json configurations and the initial launch.json. */
export class HyperscopeConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** The configurations a new launch.json starts with. */
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const elfs = await findGuestElfs(folder);
    if (elfs.length === 0) return [launchConfigFor('${workspaceFolder}/guest.elf', 'guest')];
    return elfs.slice(0, 5).map((u) => launchConfigFor(programPath(u, folder), u.path.split('/').pop() ?? 'guest'));
  }

  /** F5 with no launch.json gives an empty config: find the program; an explicit config only gets defaults. */
  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const c = config as HyperscopeLaunchConfig;
    const empty = !c.type && !c.request && !c.name;
    if (empty || !c.program) {
      const elf = await pickElf(folder);
      if (!elf) return undefined; // abort the launch; the message is already shown
      const filled = launchConfigFor(programPath(elf, folder), elf.path.split('/').pop() ?? 'guest');
      return empty ? filled : { ...filled, ...c, program: filled.program };
    }
    return { ...c, type: c.type || DEBUG_TYPE, request: c.request || 'launch', name: c.name || 'Hyperscope' };
  }
}
