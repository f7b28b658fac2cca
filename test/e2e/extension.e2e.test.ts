/**
 * End-to-end tests in a real VS Code (code-server + chromium): the extension installs from its
 * .vsix, activates, and its Exit Statistics panel renders. Run with `npm run test:e2e` (which
 * runs scripts/e2e/setup.sh first). Under plain `npm test` they skip when the tools are not
 * installed; with HYPERSCOPE_E2E=1 a missing tool is a failure.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { missingTools, REPO_ROOT, VsCode } from './vscode-harness';

const WORKSPACE = join(REPO_ROOT, 'test', 'e2e', 'workspace');
const DEMO_STATS = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'exit-stats-demo.json');

describe('e2e: Hyperscope in a real VS Code', function () {
  this.timeout(120_000);
  let vs: VsCode | undefined;

  before(async function () {
    const missing = missingTools();
    if (missing.length) {
      if (process.env.HYPERSCOPE_E2E === '1') throw new Error(`e2e: missing ${missing.join(', ')}: run bash scripts/e2e/setup.sh`);
      console.log(`    (skipped: e2e tools missing; run bash scripts/e2e/setup.sh)`);
      this.skip();
    }
    vs = await VsCode.start({ folder: WORKSPACE, env: { HYPERSCOPE_DEMO_STATS: DEMO_STATS } });
  });

  after(async () => {
    await vs?.close();
  });

  it('activates, opens the Exit Statistics panel and renders the table and chart', async () => {
    await vs!.runCommand('Hyperscope: Show Exit Statistics');
    const web = vs!.webview();
    await vs!.waitFor('Exit Statistics table header', web.locator('th', { hasText: 'Samples%' }));
    for (const col of ['VM-EXIT', 'Samples', 'Time%', 'Min Time', 'Max Time', 'Avg Time']) {
      assert.equal(await web.locator('th', { hasText: col }).count() > 0, true, `column ${col}`);
    }
    // The demo reports (HYPERSCOPE_DEMO_STATS) fill the table with breakdown rows under sbi and mmio.
    await vs!.waitFor('sbi row', web.locator('tr.reason td.name', { hasText: /^sbi$/ }));
    await vs!.waitFor('SBI breakdown row', web.locator('tr.child td.name', { hasText: 'TIME.set_timer' }));
    await vs!.waitFor('MMIO breakdown row', web.locator('tr.child td.name', { hasText: 'uart0' }));

    // Sorting by clicking a header: VM-EXIT ascending puts guest-page-fault first.
    await web.locator('th[data-key="key"]').click();
    assert.equal((await web.locator('tr.reason td.name').first().textContent())?.trim(), 'guest-page-fault');
    await web.locator('th[data-key="samples"]').click();

    // Per-vCPU filter: one vCPU has no breakdown rows.
    await web.locator('#vcpu-filter').selectOption('1');
    assert.equal(await web.locator('tr.child').count(), 0);
    await web.locator('#vcpu-filter').selectOption('all');

    const shot = await vs!.screenshot('exit-stats-panel');
    assert.ok(existsSync(shot));
  });

  it('contributes the hyperscope debugger: F5 on a C file asks it for a configuration', async () => {
    // The workspace has no *.elf, so the configuration provider (activated by onDebugResolve)
    // aborts the launch with its one-line message: proof the debugger type, its `c` language
    // and the provider are wired, without needing the debug adapter.
    await vs!.openFile('main.c');
    await vs!.pressF5();
    const toast = vs!.page.locator('.notifications-toasts .notification-toast', { hasText: 'no RISC-V ELF' });
    await vs!.waitFor('"no RISC-V ELF" notification from the configuration provider', toast);
    await vs!.screenshot('f5-no-elf');
  });

  /*
   * The F5 flow, to be enabled by the debug adapter's author once dist/debug-adapter.js runs a
   * sample. Every helper it needs exists in vscode-harness.ts.
   */
  it.skip('F5 stops at a breakpoint in a C file, shows Registers and live exit counts', async () => {
    // 1. Start VS Code on a sample folder that holds a built RISC-V ELF with DWARF lines
    //    (e.g. samples/<name>/ with <name>.elf and its .c), no launch.json: the configuration
    //    provider fills the launch config from the only *.elf it finds.
    //      vs = await VsCode.start({ folder: join(REPO_ROOT, 'samples', '<name>') });
    // 2. await vs.openFile('main.c'); await vs.toggleBreakpoint(<line in add()>);
    // 3. await vs.pressF5(); await vs.waitForDebugToolbar('visible');
    //    (launch config has stopOnEntry: true: press F5 again to continue to the breakpoint.)
    // 4. await vs.waitForStopped();
    //    await vs.openRunAndDebug();
    //    await vs.waitFor('Call Stack paused', vs.page.locator('.debug-call-stack-title, .pane-header', { hasText: /Paused on breakpoint/i }).first());
    //    await vs.waitFor('Registers scope', vs.page.locator('.debug-variables .monaco-list-row', { hasText: 'Registers' }).first());
    // 5. await vs.runCommand('Hyperscope: Show Exit Statistics');
    //    const web = vs.webview();
    //    const samples = await web.locator('tr.reason td.num').first().textContent();
    //    assert.ok(Number(samples) > 0);
    // 6. await vs.screenshot('debug-session'); then Shift+F5 and waitForDebugToolbar('hidden').
  });
});
