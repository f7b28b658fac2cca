/**
 * The `hyperscope` debug configuration provider. It scans the workspace for RISC-V ELF files
 * (`**\/*.elf`), Linux Images and the files around them, and builds one configuration each
 * (launch-configs.ts: vCPUs, disks, initramfs, symbols). "Create a launch.json" and the Run and
 * Debug dropdown get them all; F5 on a folder without a launch.json takes the one beside the
 * active editor's file, or asks which when there are several.
 */
import * as vscode from 'vscode';
import { open } from 'node:fs/promises';
import { isRiscvElfHeader } from './guest-input';
import { parseImageHeader } from '../hypervisor-core/machine/loaders/image';
import { COMPANION_GLOB, DEBUG_TYPE, LaunchConfig, ScannedGuests, WORKSPACE, launchConfigurations } from './launch-configs';
import type { HyperscopeLaunchArgs } from '../debug-adapter/launch-config';

export { DEBUG_TYPE };

/** Launch attributes understood by the debug adapter (see package.json `configurationAttributes`). */
export interface HyperscopeLaunchConfig extends vscode.DebugConfiguration, Omit<HyperscopeLaunchArgs, 'clock'> {
  clock?: 'realtime' | 'icount';
}

/** Most configurations offered at once (a big tree can hold many ELFs). */
const MAX_CONFIGS = 20;
const EXCLUDE = '**/{node_modules,.git}/**';

/** The first bytes of a file (only the header: a vmlinux can be hundreds of MB). */
async function head(uri: vscode.Uri, n: number): Promise<Uint8Array> {
  try {
    if (uri.scheme === 'file') {
      const fh = await open(uri.fsPath, 'r');
      try {
        const buf = new Uint8Array(n);
        const { bytesRead } = await fh.read(buf, 0, n, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    }
    return (await vscode.workspace.fs.readFile(uri)).subarray(0, n);
  } catch {
    return new Uint8Array(0);
  }
}

/** Workspace-relative path ('/' separated), or the absolute path without a folder. */
function relative(uri: vscode.Uri, folder: vscode.WorkspaceFolder | undefined): string {
  const base = folder?.uri.path.replace(/\/$/, '');
  return base && uri.path.startsWith(base + '/') ? uri.path.slice(base.length + 1) : uri.fsPath;
}

/** Finds the guests of a folder (or the whole workspace) and the files their configurations use. */
export async function scanWorkspace(folder: vscode.WorkspaceFolder | undefined): Promise<ScannedGuests> {
  const glob = (g: string) => (folder ? new vscode.RelativePattern(folder, g) : g);
  const [elfs, images, others] = await Promise.all([
    vscode.workspace.findFiles(glob('**/*.elf'), EXCLUDE, 200),
    vscode.workspace.findFiles(glob('**/Image'), EXCLUDE, 20),
    vscode.workspace.findFiles(glob(COMPANION_GLOB), EXCLUDE, 500),
  ]);
  const keep = async (uris: vscode.Uri[], ok: (h: Uint8Array) => boolean) =>
    (await Promise.all(uris.map(async (u) => (ok(await head(u, 64)) ? relative(u, folder) : undefined))))
      .filter((p): p is string => p !== undefined);
  return {
    elfs: await keep(elfs, (h) => isRiscvElfHeader(h.subarray(0, 20))),
    images: await keep(images, (h) => parseImageHeader(h) !== undefined),
    others: others.map((u) => relative(u, folder)),
  };
}

/** The configurations for a folder. */
async function configurationsFor(folder: vscode.WorkspaceFolder | undefined): Promise<LaunchConfig[]> {
  return launchConfigurations(await scanWorkspace(folder), folder ? WORKSPACE : '').slice(0, MAX_CONFIGS);
}

/** The folder part of a configuration's program, as a workspace path. */
function programDir(c: LaunchConfig, folder: vscode.WorkspaceFolder | undefined): string {
  const p = folder ? c.program.replace(WORKSPACE, folder.uri.path.replace(/\/$/, '')) : c.program;
  return p.slice(0, p.lastIndexOf('/') + 1);
}

/** F5 without a launch.json: the guest beside the active file, the only one, or the user's pick. */
async function pickConfig(folder: vscode.WorkspaceFolder | undefined): Promise<LaunchConfig | undefined> {
  const configs = await configurationsFor(folder);
  if (configs.length === 0) {
    void vscode.window.showErrorMessage(
      'Hyperscope: no RISC-V ELF (*.elf) or Linux Image found in the workspace. Build the guest or add a launch.json with "program".',
    );
    return undefined;
  }
  if (configs.length === 1) return configs[0];
  // F5 in a sample's source: the one guest in the same folder (samples/hello/hello.c -> hello.elf).
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active) {
    const dir = active.path.slice(0, active.path.lastIndexOf('/') + 1);
    const beside = configs.filter((c) => programDir(c, folder) === dir);
    if (beside.length === 1) return beside[0];
  }
  const picked = await vscode.window.showQuickPick(
    configs.map((c) => ({ label: c.program.replace(`${WORKSPACE}/`, ''), description: c.name, config: c })),
    { placeHolder: 'Which guest should Hyperscope run?', ignoreFocusOut: true },
  );
  return picked?.config;
}

/** Fills F5-without-launch.json configurations and the initial launch.json. */
export class HyperscopeConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** `daemonAddress`: the Virtual Machines view's daemon, the default `host` of an attach. */
  constructor(private readonly daemonAddress: () => string | undefined = () => undefined) {}

  /** The configurations a new launch.json starts with: one per guest found. */
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const configs = await configurationsFor(folder);
    if (configs.length > 0) return configs;
    // Nothing to offer yet: one configuration to fill in.
    return [{ type: DEBUG_TYPE, request: 'launch', name: 'Hyperscope: guest', program: `${WORKSPACE}/guest.elf`, stopOnEntry: true }];
  }

  /** F5 with no launch.json gives an empty config: find the program; an explicit config only gets defaults. */
  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (config.request === 'attach') {
      // The adapter takes HYPERSCOPE_HOST, else the default address, when neither is set here.
      const host = config.host ?? (process.env.HYPERSCOPE_HOST ? undefined : this.daemonAddress());
      return { ...config, type: config.type || DEBUG_TYPE, name: config.name || 'Hyperscope: attach', ...(host !== undefined ? { host } : {}) };
    }
    const c = config as HyperscopeLaunchConfig;
    const empty = !c.type && !c.request && !c.name;
    if (empty || !c.program) {
      const filled = await pickConfig(folder);
      if (!filled) return undefined; // abort the launch; the message is already shown
      return empty ? filled : { ...filled, ...c, program: filled.program };
    }
    return { ...c, type: c.type || DEBUG_TYPE, request: c.request || 'launch', name: c.name || 'Hyperscope' };
  }
}
