/**
 * The daemon the Virtual Machines view talks to: the one named by the setting
 * `hyperscope.daemon.host` (127.0.0.1:PORT), or one the extension starts on demand
 * (`hyperscope serve --port 0` from its own dist/) and ends when VS Code closes.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ApiClient, parseHost } from '../../hypervisor-core/serve/client';

/** How long a daemon started here may take to listen. */
const START_TIMEOUT_MS = 30_000;

/** Finds or starts the daemon. */
export class DaemonLink implements vscode.Disposable {
  private started: ChildProcess | undefined;
  private startedAddress: string | undefined;
  private starting: Promise<ApiClient> | undefined;

  constructor(private readonly extensionPath: string, private readonly output: vscode.OutputChannel) {}

  /** The configured daemon's address, if any. */
  configuredHost(): string | undefined {
    const h = vscode.workspace.getConfiguration('hyperscope').get<string>('daemon.host', '').trim();
    return h === '' ? undefined : h;
  }

  /** A client for the configured daemon, else for the one started here (started now if need be). */
  client(): Promise<ApiClient> {
    const configured = this.configuredHost();
    if (configured !== undefined) {
      try {
        const { host, port } = parseHost(configured);
        return Promise.resolve(new ApiClient(host, port));
      } catch (e) {
        return Promise.reject(new Error(`hyperscope.daemon.host: ${(e as Error).message}`));
      }
    }
    this.starting ??= this.start().catch((e) => {
      this.starting = undefined;
      throw e;
    });
    return this.starting;
  }

  /** The address of the configured daemon, else of the one started here once it listens (attach's default `host`). */
  knownAddress(): string | undefined {
    return this.configuredHost() ?? this.startedAddress;
  }

  /** True when a daemon is configured or was started here (the view lists nothing before). */
  get known(): boolean {
    return this.configuredHost() !== undefined || this.started !== undefined;
  }

  private start(): Promise<ApiClient> {
    const cli = path.join(this.extensionPath, 'dist', 'cli.js');
    // The extension host's executable runs scripts as Node with ELECTRON_RUN_AS_NODE.
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.started = child;
    child.stderr!.on('data', (d: Buffer) => this.output.append(`[hyperscope serve] ${d.toString()}`));
    return new Promise<ApiClient>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error('the daemon did not start listening')), START_TIMEOUT_MS);
      const fail = (e: Error) => {
        clearTimeout(timer);
        if (this.started === child) this.started = undefined;
        child.kill();
        reject(e);
      };
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (!m) return;
        clearTimeout(timer);
        this.output.appendLine(`Hyperscope: started a daemon on 127.0.0.1:${m[1]} (pid ${child.pid})`);
        this.startedAddress = `127.0.0.1:${m[1]}`;
        resolve(new ApiClient('127.0.0.1', Number(m[1])));
      });
      child.on('error', (e) => fail(e));
      child.on('exit', (code) => {
        if (this.started === child) this.started = undefined;
        this.startedAddress = undefined;
        this.starting = undefined;
        fail(new Error(`the daemon ended (status ${code})`));
      });
    });
  }

  /** Ends the daemon started here (its VMs with it); a configured one is left alone. */
  dispose(): void {
    this.started?.kill('SIGTERM');
    this.started = undefined;
  }
}
