/**
 * Takes the README's screenshots in a real VS Code (not a test; run by hand after a build):
 *
 *   npx tsc -p . && node out/test/e2e/readme-screenshots.js [OUT_DIR]      (default docs/images)
 *
 * - debug-session.png: hello.c stopped at a breakpoint in say_hello, the Registers scope, the
 *   Call Stack and the guest console terminal.
 * - exit-statistics.png: the Exit Statistics panel while the Linux sample boots to its shell
 *   (live counts and the exits-per-second chart), the status bar's VM state and exit rate.
 * - page-tables.png: the Linux guest paused, its VS-stage and G-stage page tables.
 */
import { join, resolve } from 'node:path';
import { mkdirSync, statSync } from 'node:fs';
import { REPO_ROOT, VsCode } from './vscode-harness';
import { makeSampleWorkspace, sampleLaunchConfig } from './sample-workspace';

const OUT = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs', 'images'));
const LINUX = join(REPO_ROOT, 'samples', 'linux');

async function shot(vs: VsCode, name: string): Promise<void> {
  const file = join(OUT, name);
  await vs.page.screenshot({ path: file });
  console.log(`${file} (${Math.round(statSync(file).size / 1024)} KB)`);
}

/** Widens the side bar by dragging the sash at its right edge. */
async function widenSideBar(vs: VsCode, width: number): Promise<void> {
  const box = await vs.page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await vs.page.mouse.move(x, y);
  await vs.page.mouse.down();
  await vs.page.mouse.move(box.x + width, y, { steps: 5 });
  await vs.page.mouse.up();
}

/** Makes the Variables pane taller by dragging the sash above the Watch header down. */
async function growVariables(vs: VsCode, by: number): Promise<void> {
  const box = await vs.page.locator('.debug-viewlet .pane-header', { hasText: /^\s*Watch/ }).first().boundingBox();
  if (!box) return;
  const x = box.x + box.width / 2;
  await vs.page.mouse.move(x, box.y + 1);
  await vs.page.mouse.down();
  await vs.page.mouse.move(x, box.y + 1 + by, { steps: 8 });
  await vs.page.mouse.up();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const ws = makeSampleWorkspace(join(REPO_ROOT, 'samples'), ['hello'], [
    sampleLaunchConfig('hello'),
    {
      type: 'hyperscope', request: 'launch', name: 'Hyperscope: Linux',
      program: join(LINUX, 'Image'), initrd: join(LINUX, 'initramfs.cpio.gz'),
      args: 'console=ttyS0', vcpus: 2, memory: '256M', stopOnEntry: false,
    },
  ]);
  const vs = await VsCode.start({ folder: ws.folder, copyFolder: false, viewport: { width: 1440, height: 900 } });
  const page = vs.page;
  try {
    // 1. hello stopped at a breakpoint.
    await vs.openFile('hello/hello.c');
    await vs.toggleBreakpoint(49);
    await vs.pressF5();
    await vs.waitForStopped();
    await vs.openRunAndDebug();
    await widenSideBar(vs, 430);
    await vs.setDebugPane('Watch', false);
    await vs.setDebugPane('Breakpoints', false);
    await vs.setDebugPane('Page Tables', false);
    await vs.setDebugPane('VM Exits', false);
    await growVariables(vs, 260);
    const registers = page.locator('.debug-variables .monaco-list-row', { hasText: 'Registers' }).first();
    await vs.waitFor('Registers scope', registers);
    if ((await registers.getAttribute('aria-expanded')) !== 'true') await registers.click();
    await vs.waitFor('register pc', page.locator('.debug-variables .monaco-list-row', { hasText: /^\s*pc\s*(=|:)/ }).first());
    await page.mouse.move(700, 300); // no hover tooltips
    await page.waitForTimeout(800);
    await shot(vs, 'debug-session.png');
    await vs.focusWorkbench();
    await page.keyboard.press('Shift+F5');
    await vs.waitForDebugToolbar('hidden');

    // 2. Linux booting, the Exit Statistics panel alone in the editor area.
    await vs.runCommand('View: Close All Editors');
    await vs.runCommand('Hyperscope: Show Exit Statistics');
    // Quick Open's "debug " prefix lists the launch configurations; picking one starts it.
    await vs.focusWorkbench();
    await page.keyboard.press('Control+P');
    await vs.waitFor('Quick Open', page.locator('.quick-input-widget input'));
    await page.locator('.quick-input-widget input').fill('debug Hyperscope: Linux');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Hyperscope: Linux' }).first();
    await vs.waitFor('Linux launch configuration', row);
    await row.click();
    await vs.waitForDebugToolbar('visible');
    const terminal = page.locator('.part.panel .xterm-rows', { hasText: /\/root\s#/ }).first();
    await vs.waitFor('the Linux shell prompt in the guest console', terminal, 'visible', 60_000);
    // Keystrokes go to the guest's UART.
    await page.locator('.part.panel .xterm').first().click();
    await page.keyboard.type('uname -a; cat /proc/cpuinfo | head -4\r');
    await vs.waitFor('the shell answering', page.locator('.part.panel .xterm-rows', { hasText: /Linux\s.*riscv64/ }).first());
    // The panel alone (the chart below the table needs the height the terminal takes).
    await vs.runCommand('View: Hide Panel');
    await page.waitForTimeout(2500);
    await page.mouse.move(10, 880);
    await shot(vs, 'exit-statistics.png');
    await vs.runCommand('Hyperscope: Show Guest Console');

    // 3. Paused Linux: its page tables.
    await vs.focusWorkbench();
    await page.keyboard.press('F6'); // pause
    await vs.waitForStopped(15_000).catch(() => undefined); // the stop may be in code without source
    await vs.openRunAndDebug();
    await vs.setDebugPane('Variables', false);
    await vs.setDebugPane('Call Stack', false);
    await vs.setDebugPane('VM Exits', false);
    await vs.setDebugPane('Page Tables', true);
    await vs.waitFor('VS-stage tree', page.locator('.debug-viewlet .monaco-list-row', { hasText: /VS-stage \(vsatp\).*sv(39|48)/i }).first());
    await widenSideBar(vs, 560);
    // Open the kernel's chain (the last VS-stage root entry) down to its leaves; G-stage folded.
    const rows = page.locator('.debug-viewlet .monaco-list-row');
    const expand = async (re: RegExp, open: boolean): Promise<void> => {
      const row = rows.filter({ hasText: re }).first();
      if (!(await row.count())) return;
      if (((await row.getAttribute('aria-expanded')) === 'true') !== open) await row.locator('.monaco-tl-twistie').click();
      await page.waitForTimeout(200);
    };
    await expand(/G-stage \(hgatp\)/, false);
    await expand(/^\s*L3\[511\]/, true);
    await expand(/^\s*L2\[\d+\] -> table/, true);
    await expand(/^\s*L1\[\d+\] -> table/, true);
    await page.mouse.move(700, 300);
    await page.waitForTimeout(500);
    await shot(vs, 'page-tables.png');
    await page.keyboard.press('Shift+F5');
    await vs.waitForDebugToolbar('hidden').catch(() => undefined);
  } finally {
    await vs.close();
    ws.dispose();
  }
}

main().catch((e) => {
  console.error(String((e as Error)?.message ?? e).split('\n')[0]);
  process.exit(1);
});
