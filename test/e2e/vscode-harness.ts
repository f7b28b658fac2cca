/**
 * Drives a real VS Code for end-to-end tests: code-server 4.139 (VS Code 1.139, run by Node 24)
 * on 127.0.0.1 with a fresh user-data-dir and extensions-dir, the extension installed from a
 * packaged .vsix (or symlinked, HYPERSCOPE_E2E_LINK=1), and Debian's chromium headless through
 * playwright-core. Tools come from scripts/e2e/setup.sh (see /work/shared/design/VSCODE-E2E.md
 * for the pitfalls each helper works around).
 *
 * Usage:
 *   const vs = await VsCode.start({ folder });   // always pair with `await vs.close()`
 *   await vs.runCommand('Hyperscope: Show Exit Statistics');
 *   await vs.webview().locator('th', { hasText: 'Samples%' }).waitFor();
 *   await vs.screenshot('panel');
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { stopTree } from './processes';

/** Repository root (this file runs from out/test/e2e/). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Where screenshots and logs go (gitignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e');

const CODE_SERVER_VERSION = '4.139.1';
const CACHE = process.env.HYPERSCOPE_E2E_CACHE || join(homedir(), '.cache', 'hyperscope-e2e');

/** The tools the harness runs, at the places scripts/e2e/setup.sh installs them. */
export const TOOLS = {
  node24: join(CACHE, 'node24', 'node_modules', '.bin', 'node'),
  codeServer: join(CACHE, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  chromium: process.env.HYPERSCOPE_E2E_CHROMIUM || '/usr/bin/chromium',
};

/** What is missing to run e2e tests (empty when ready). */
export function missingTools(): string[] {
  return Object.entries(TOOLS)
    .filter(([, p]) => !existsSync(p))
    .map(([k, p]) => `${k} (${p})`);
}

/**
 * Skips the calling suite when the e2e tools are missing, or fails it under HYPERSCOPE_E2E=1
 * (CI), where a missing tool means the set-up is broken. Call from a `before` hook.
 */
export function requireTools(ctx: Mocha.Context): void {
  const missing = missingTools();
  if (!missing.length) return;
  if (process.env.HYPERSCOPE_E2E === '1') throw new Error(`e2e: missing ${missing.join(', ')}: run bash scripts/e2e/setup.sh`);
  console.log(`    (skipped: e2e tools missing; run bash scripts/e2e/setup.sh)`);
  ctx.skip();
}

/**
 * VS Code user settings for the tests: the quiet, offline base shared with `npm start`
 * (scripts/e2e/code-server-settings.json, VSCODE-E2E.md pitfall 4) plus what tests need.
 */
export const E2E_SETTINGS: Record<string, unknown> = {
  ...JSON.parse(readFileSync(join(REPO_ROOT, 'scripts', 'e2e', 'code-server-settings.json'), 'utf8')),
  'git.enabled': false,
  'workbench.tips.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  // The DOM renderer puts terminal text in the page (.xterm-rows) where tests can read it.
  'terminal.integrated.gpuAcceleration': 'off',
};

const loadedAt = Date.now();
/** With HYPERSCOPE_E2E_TIMING=1, prints a step with the seconds since the harness loaded. */
export function mark(step: string): void {
  if (process.env.HYPERSCOPE_E2E_TIMING === '1') console.log(`      [${((Date.now() - loadedAt) / 1000).toFixed(1)} s] ${step}`);
}

/** Error with a one-line message naming the step that timed out. */
export class E2eError extends Error {}

/** Resolves `p` or rejects with "e2e: <what> did not happen within N s" after `ms`. */
export async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new E2eError(`e2e: ${what} did not happen within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** Ensures dist/ holds the extension and the webview bundle (building what is missing). */
export function ensureBuilt(): void {
  const run = (args: string[]): void => {
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new E2eError(`e2e: node ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  };
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) run(['scripts/build.mjs']);
  // Cheap (about 0.2 s) and independent of whether scripts/build.mjs already calls it.
  run(['extension/build-webview.mjs']);
}

/** Packages the extension into `outDir` the way `npm run package` does (scripts/package.mjs); returns the .vsix path. */
export function packageVsix(outDir: string): string {
  const vsix = join(outDir, 'hyperscope.vsix');
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.mjs'), vsix], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(vsix)) throw new E2eError(`e2e: ${firstLine(r.stderr || r.stdout)}`);
  return vsix;
}

/** Options of {@link VsCode.start}. */
export interface StartOptions {
  /** Folder to open; copied to a temp dir first when `copyFolder` is true (the default). */
  folder: string;
  copyFolder?: boolean;
  /** Extra environment for code-server and so the extension host (e.g. HYPERSCOPE_DEMO_STATS). */
  env?: Record<string, string>;
  /** Install by symlink instead of .vsix (faster; also HYPERSCOPE_E2E_LINK=1). */
  link?: boolean;
  /** Viewport size; screenshots are this size. */
  viewport?: { width: number; height: number };
}

/** A running code-server + chromium page showing the workbench. */
export class VsCode {
  private closed = false;

  private constructor(
    /** The workbench page (use for editor and view locators). */
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    /** The URL the workbench was opened at. */
    readonly url: string,
    /** The folder opened in VS Code (the temp copy when copied). */
    readonly folder: string,
    private readonly tempDirs: string[],
  ) {}

  /** Starts everything; on any failure what was started is stopped before rethrowing. */
  static async start(opts: StartOptions): Promise<VsCode> {
    const missing = missingTools();
    if (missing.length) throw new E2eError(`e2e: missing ${missing.join(', ')}: run bash scripts/e2e/setup.sh`);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const base = mkdtempSync(join(tmpdir(), 'hyperscope-e2e-'));
    const userData = join(base, 'user-data');
    const extensions = join(base, 'extensions');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(extensions, { recursive: true });
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(E2E_SETTINGS, null, 2));
    let folder = resolve(opts.folder);
    if (opts.copyFolder !== false) {
      const copy = join(base, 'workspace');
      cpSync(folder, copy, { recursive: true });
      folder = copy;
    }

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...opts.env,
      EXTENSIONS_GALLERY: '{}',
      // Node 24 first, as code-server expects of its helper processes.
      PATH: `${join(CACHE, 'node24', 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    };
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];

    ensureBuilt();
    mark('built');
    if (opts.link || process.env.HYPERSCOPE_E2E_LINK === '1') {
      symlinkSync(REPO_ROOT, join(extensions, 'hyperscope.hyperscope-dev'));
    } else {
      const vsix = packageVsix(base);
      mark('vsix packaged');
      const r = spawnSync(TOOLS.node24, [TOOLS.codeServer, ...common, '--install-extension', vsix], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (r.status !== 0) throw new E2eError(`e2e: code-server --install-extension failed: ${firstLine(r.stderr || r.stdout)}`);
      mark('extension installed from the .vsix');
    }

    const log = createWriteStream(join(ARTIFACTS_DIR, 'code-server.log'));
    const server = spawn(
      TOOLS.node24,
      [
        TOOLS.codeServer,
        '--auth', 'none',
        '--bind-addr', '127.0.0.1:0',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        ...common,
        folder,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let browser: Browser | undefined;
    try {
      const url = await within('code-server listening', 20_000, listeningUrl(server, log));
      mark('code-server listening');
      browser = await within(
        'chromium launch',
        20_000,
        chromium.launch({
          executablePath: TOOLS.chromium,
          headless: true,
          args: [
            '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
          ],
        }),
      );
      mark('chromium up');
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
      const page = await context.newPage();
      const folderUrl = `${url}?folder=${encodeURIComponent(folder)}`;
      // Generous: on a loaded machine the first page load of a fresh code-server takes tens of seconds.
      await page.goto(folderUrl, { waitUntil: 'domcontentloaded', timeout: 45_000 });
      await within('VS Code workbench (.monaco-workbench)', 40_000, page.locator('.monaco-workbench').waitFor());
      return new VsCode(page, browser, server, folderUrl, folder, [base]);
    } catch (e) {
      await browser?.close().catch(() => undefined);
      if (server.pid) await stopTree(server.pid);
      rmSync(base, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Moves keyboard focus from a webview (an iframe that swallows shortcuts like Ctrl+P) back to
   * the workbench by clicking an empty spot of the status bar.
   */
  async focusWorkbench(): Promise<void> {
    const bar = this.page.locator('.part.statusbar');
    const box = await bar.boundingBox();
    if (box) await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.keyboard.press('Escape');
  }

  /**
   * Runs a command by its palette title. On a cold start the palette can open before the
   * extension's commands are registered and never refresh (pitfall 1): wait ~2.5 s for the row,
   * otherwise Escape and retry.
   */
  async runCommand(title: string, timeoutMs = 25_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    // Each retry waits longer for the row: on a busy machine filtering alone can take seconds.
    for (let attempt = 1; Date.now() < deadline; attempt++) {
      await this.focusWorkbench();
      await this.page.keyboard.press('Control+Shift+P');
      try {
        await input.waitFor({ state: 'visible', timeout: 3000 });
        await input.fill(`>${title}`);
        await row.waitFor({ state: 'visible', timeout: Math.min(2500 * attempt, 8000) });
        await row.click();
        return;
      } catch {
        // palette not up yet, or commands not registered yet: retry
      }
    }
    await this.failureShot(`command-${title}`);
    const offered = (await this.page.locator('.quick-input-list .monaco-list-row').allTextContents().catch(() => [])).slice(0, 5);
    await this.page.keyboard.press('Escape');
    throw new E2eError(`e2e: command "${title}" did not appear in the command palette within ${timeoutMs / 1000} s (rows offered: ${JSON.stringify(offered)})`);
  }

  /** Opens the Run and Debug view (Ctrl+Shift+D); needed before reading the Call Stack or Variables (pitfall 2). */
  async openRunAndDebug(): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+Shift+D');
    await this.waitFor('Run and Debug view', this.page.locator('.debug-viewlet, [id="workbench.view.debug"]').first());
  }

  /** Expands or collapses a pane of the Run and Debug side bar by its title ("Watch", "Page Tables"). */
  async setDebugPane(title: string, expanded: boolean): Promise<void> {
    const header = this.page.locator('.debug-viewlet .pane-header', { hasText: new RegExp(`^\\s*${title}`) }).first();
    await this.waitFor(`${title} pane header`, header);
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
    await this.waitFor(`${title} pane ${expanded ? 'expanded' : 'collapsed'}`,
      this.page.locator(`.debug-viewlet .pane-header[aria-expanded="${expanded}"]`, { hasText: new RegExp(`^\\s*${title}`) }).first());
  }

  /** Opens a file of the workspace in an editor (Quick Open), e.g. `main.c`. */
  async openFile(relPath: string): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await this.waitFor('Quick Open', input);
    await input.fill(relPath);
    const name = relPath.split('/').pop()!;
    // Results come from a file search that may lag the typing: wait for the row naming the file.
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await this.waitFor(`Quick Open result for ${relPath}`, row);
    await row.click();
    await this.waitFor(`editor tab ${name}`, this.page.locator('.tab.active', { hasText: name }));
  }

  /**
   * Toggles a breakpoint on a 1-based line of the active editor (Go to Line, then F9). Enter is
   * pressed only once the widget offers that line, and F9 only once the cursor is on it (the
   * status bar reads "Ln N"): pressing them earlier races the widget.
   */
  async toggleBreakpoint(line: number): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('F9');
    await this.waitFor(`breakpoint on line ${line}`, this.page.locator('.codicon-debug-breakpoint').first());
  }

  /** Moves the active editor's cursor to a 1-based line (Ctrl+G) and waits until it is there. */
  async goToLine(line: number): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await this.page.keyboard.press('Control+G');
    await this.waitFor('Go to Line', input);
    await input.fill(`:${line}`);
    await this.waitFor(`Go to Line offering line ${line}`,
      this.page.locator('.quick-input-widget', { hasText: new RegExp(`\\b(line|Line) ${line}\\b`) }).first());
    await this.page.keyboard.press('Enter');
    await this.waitFor('Go to Line closed', input, 'hidden');
    await this.waitFor(`cursor on line ${line}`, this.page.locator('.statusbar-item', { hasText: new RegExp(`^\\s*Ln ${line},`) }).first());
  }

  /** Presses F5 in the active editor (so the debugger is chosen by the editor's language). */
  async pressF5(): Promise<void> {
    await this.page.locator('.editor-instance .monaco-editor textarea, .editor-instance .monaco-editor .native-edit-context').first().focus().catch(() => this.focusWorkbench());
    await this.page.keyboard.press('F5');
  }

  /** Waits for the debug toolbar to show (a session started) or hide (it ended; pitfall 6). */
  async waitForDebugToolbar(state: 'visible' | 'hidden' = 'visible', timeoutMs = 30_000): Promise<void> {
    await this.waitFor(`debug toolbar ${state}`, this.page.locator('.debug-toolbar'), state, timeoutMs);
  }

  /**
   * Clicks a button of the floating debug toolbar by its codicon ("debug-continue",
   * "debug-pause", "debug-step-over"...). The button is there exactly when the action applies, so
   * this does not depend on the command palette's filtering or on which part has the focus (the
   * guest console terminal would take F5 itself).
   */
  async clickDebugToolbar(codicon: string, timeoutMs = 15_000): Promise<void> {
    const button = this.page.locator(`.debug-toolbar .action-label.codicon-${codicon}`).first();
    await this.waitFor(`debug toolbar button ${codicon}`, button, 'visible', timeoutMs);
    await button.click();
  }

  /** Waits until the debuggee is stopped: the current-line marker shows in an editor gutter. */
  async waitForStopped(timeoutMs = 30_000): Promise<void> {
    await this.waitFor('debugger stopped (stack-frame marker)', this.page.locator('.codicon-debug-stackframe').first(), 'visible', timeoutMs);
  }

  /**
   * The content of a webview: two iframes deep (pitfall 3). With several webviews open, pick
   * one by index in DOM order (`-1` = the last one opened).
   */
  webview(index = -1): FrameLocator {
    const outer = this.page.locator('iframe.webview.ready');
    return (index < 0 ? outer.last() : outer.nth(index)).contentFrame().frameLocator('#active-frame');
  }

  /** Waits for a locator's state with a one-line error naming `what`; takes a failure screenshot. */
  async waitFor(
    what: string,
    locator: { waitFor(o: { state: 'visible' | 'hidden' | 'attached'; timeout: number }): Promise<void> },
    state: 'visible' | 'hidden' | 'attached' = 'visible',
    timeoutMs = 15_000,
  ): Promise<void> {
    try {
      await locator.waitFor({ state, timeout: timeoutMs });
    } catch (e) {
      await this.failureShot(what);
      throw new E2eError(`e2e: ${what} did not happen within ${timeoutMs / 1000} s (${firstLine(e)})`);
    }
  }

  /** Saves a PNG of the page into test-artifacts/e2e/NAME.png; returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  private async failureShot(what: string): Promise<void> {
    await this.screenshot(`failure-${what}`).catch(() => undefined);
  }

  /** Stops chromium, code-server and every process it started (by pid), removes temp dirs. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await within('chromium close', 10_000, this.browser.close()).catch(() => undefined);
    if (this.server.pid) await stopTree(this.server.pid);
    for (const d of this.tempDirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Reads code-server's output until it prints the URL it listens on; logs everything to `log`. */
function listeningUrl(server: ChildProcess, log: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      seen += chunk.toString('utf8');
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\/?/.exec(seen);
      if (m) resolveUrl(`${m[1]}/`);
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) =>
      reject(new E2eError(`e2e: code-server exited with code ${code} before listening: ${seen.trim().split('\n').pop() ?? ''}`)),
    );
  });
}
