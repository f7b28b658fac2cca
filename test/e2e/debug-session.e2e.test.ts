/**
 * The F5 flow in a real VS Code (code-server + chromium): a copy of `samples/` with a launch.json
 * for hello.elf, a breakpoint set in the editor gutter of hello/hello.c, F5, the stop at that
 * line (Call Stack "Paused on breakpoint", the stack-frame decoration), the Registers scope,
 * the Exit Statistics panel with non-zero counts, then continue to the end of the guest.
 * Screenshots go to test-artifacts/e2e/. Skips like extension.e2e.test.ts when tools are missing.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { mark, missingTools, REPO_ROOT, VsCode } from './vscode-harness';
import { makeSampleWorkspace, sampleLaunchConfig, type SampleWorkspace } from './sample-workspace';

/** `printf("hello: running in S-mode ...")` in say_hello: reached after the first console line. */
const BREAK_LINE = 49;


describe('e2e: debugging a sample guest in a real VS Code (F5)', function () {
  this.timeout(90_000);
  let vs: VsCode | undefined;
  let ws: SampleWorkspace | undefined;

  before(async function () {
    const missing = missingTools();
    if (missing.length) {
      if (process.env.HYPERSCOPE_E2E === '1') throw new Error(`e2e: missing ${missing.join(', ')}: run bash scripts/e2e/setup.sh`);
      console.log(`    (skipped: e2e tools missing; run bash scripts/e2e/setup.sh)`);
      this.skip();
    }
    mark('before');
    ws = makeSampleWorkspace(join(REPO_ROOT, 'samples'), ['hello'], [sampleLaunchConfig('hello')]);
    vs = await VsCode.start({ folder: ws.folder, copyFolder: false });
    mark('workbench up');
  });

  after(async () => {
    await vs?.close();
    ws?.dispose();
    mark('closed');
  });

  it('F5 stops at a breakpoint in hello.c, shows Registers and live exit counts, then runs to the end', async () => {
    const v = vs!;
    const page = v.page;
    await v.openFile('hello/hello.c');
    await v.toggleBreakpoint(BREAK_LINE);

    mark('breakpoint set');
    await v.pressF5();
    await v.waitForDebugToolbar('visible');
    await v.waitForStopped();
    mark('stopped');

    // The stop is at the breakpoint's line of hello.c.
    await v.waitFor('hello.c editor tab active', page.locator('.tab.active', { hasText: 'hello.c' }));
    await v.openRunAndDebug();
    // With one thread the Call Stack header carries the stop state ("Paused on breakpoint", or
    // the adapter's description of the stop).
    await v.waitFor('Call Stack header showing the breakpoint stop',
      page.locator('.pane-header', { hasText: 'Call Stack' }).filter({ hasText: /breakpoint/i }).first());
    await v.waitFor('top stack frame say_hello at hello.c:49',
      page.locator('.debug-call-stack .monaco-list-row', { hasText: /say_hello/ }).filter({ hasText: new RegExp(`hello\\.c\\s*${BREAK_LINE}\\b`) }).first());

    // Room for Variables: collapse Watch and Breakpoints (the exit filters make it tall).
    for (const pane of ['Watch', 'Breakpoints']) {
      const header = page.locator('.debug-viewlet .pane-header[aria-expanded="true"]', { hasText: new RegExp(`^\\s*${pane}`) }).first();
      if (await header.count()) await header.click();
    }
    // Variables: the Registers scope (VS Code expands the first cheap scope, or we do) with pc and a0.
    const variables = page.locator('.debug-variables');
    const registers = variables.locator('.monaco-list-row', { hasText: 'Registers' }).first();
    await v.waitFor('Registers scope', registers);
    if ((await registers.getAttribute('aria-expanded')) !== 'true') await registers.click();
    const reg = (name: string) => variables.locator('.monaco-list-row', { hasText: new RegExp(`^\\s*${name}\\s*(=|:)\\s*0x`) }).first();
    await v.waitFor('register pc', reg('pc'));
    // a0 is x10: the 11th row; move the list's focus down to it so the virtual list renders it.
    await reg('pc').click();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowDown');
    await v.waitFor('register a0', reg('a0'));
    await v.screenshot('debug-stopped-at-breakpoint');
    mark('registers seen');

    // Exit Statistics: the first console line went out through SBI calls, so counts are non-zero.
    await v.runCommand('Hyperscope: Show Exit Statistics');
    const web = v.webview();
    await v.waitFor('Exit Statistics sbi row', web.locator('tr.reason td.name', { hasText: /^sbi$/ }));
    const samples = Number((await web.locator('tr.reason').first().locator('td.num').first().textContent())?.replace(/[^\d]/g, ''));
    assert.ok(samples > 0, `exit samples in the first row: ${samples}`);
    await v.screenshot('debug-exit-statistics');
    mark('exit statistics seen');

    // Continue: the guest prints the rest and shuts down; the session ends.
    await v.focusWorkbench();
    await page.keyboard.press('F5');
    await v.waitForDebugToolbar('hidden', 30_000);
    await v.screenshot('debug-session-ended');
    mark('session ended');
  });
});
