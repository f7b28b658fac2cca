/**
 * The F5 flow in a real VS Code (code-server + chromium): a copy of `samples/` with a launch.json
 * for hello.elf, a breakpoint set in the editor gutter of hello/hello.c, F5, the stop at that
 * line (Call Stack "Paused on breakpoint", the stack-frame decoration), the Registers scope, a C
 * local in the Locals scope and by hover,
 * the Exit Statistics panel with non-zero counts, then continue to the end of the guest.
 * Screenshots go to test-artifacts/e2e/. Skips like extension.e2e.test.ts when tools are missing.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { mark, requireTools, REPO_ROOT, VsCode } from './vscode-harness';
import { makeSampleWorkspace, sampleLaunchConfig, type SampleWorkspace } from './sample-workspace';

/** `printf("hello: running in S-mode ...")` in say_hello: reached after the first console line. */
const BREAK_LINE = 49;


describe('e2e: debugging a sample guest in a real VS Code (F5)', function () {
  this.timeout(150_000);
  let vs: VsCode | undefined;
  let ws: SampleWorkspace | undefined;

  before(async function () {
    requireTools(this);
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

  // The steps share one session and run in order; a failed step leaves a failure-*.png.
  it('F5 stops at a breakpoint set in the gutter of hello.c', async () => {
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
    await v.waitFor(`top stack frame say_hello at hello.c:${BREAK_LINE}`,
      page.locator('.debug-call-stack .monaco-list-row', { hasText: /say_hello/ }).filter({ hasText: new RegExp(`hello\\.c\\s*${BREAK_LINE}\\b`) }).first());
  });

  it('shows the Registers scope with pc and a0', async () => {
    const v = vs!;
    const page = v.page;
    // Room for Variables: collapse Watch and Breakpoints (the exit filters make it tall).
    await v.setDebugPane('Watch', false);
    await v.setDebugPane('Breakpoints', false);
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
  });

  it('reads a C local of say_hello in the Variables pane (Locals) and by hover in the editor', async () => {
    const v = vs!;
    const page = v.page;
    const variables = page.locator('.debug-variables');
    // The list scrolled down to a0 (virtual list: rows out of view are not rendered); Locals is first.
    await variables.locator('.monaco-list-row', { hasText: /^\s*a0\s*(=|:)/ }).first().click();
    await page.keyboard.press('Home');
    // say_hello (inlined into main at -O2) sees its parameters: hartid is 0 on the boot hart (a0 at entry).
    const locals = variables.locator('.monaco-list-row', { hasText: /^\s*Locals\s*$/ }).first();
    await v.waitFor('Locals scope', locals);
    if ((await locals.getAttribute('aria-expanded')) !== 'true') await locals.click();
    await v.waitFor('local hartid = 0', variables.locator('.monaco-list-row', { hasText: /^\s*hartid\s*(=|:)\s*0\s*$/ }).first());
    await v.screenshot('debug-c-locals');
    // Hover: the word under the mouse is evaluated in the selected frame (DAP evaluate, context hover).
    const word = page.locator('.editor-instance .view-lines .view-line span', { hasText: /^hartid$/ }).first();
    await v.waitFor('the word hartid in hello.c', word);
    await word.hover();
    // VS Code's debug hover: a .debug-hover-widget whose .value holds the result of the evaluate request.
    const hover = page.locator('.debug-hover-widget .value').filter({ hasText: /^\s*0\s*$/ }).first();
    try {
      await v.waitFor('debug hover with the value of hartid', hover);
    } catch (e) {
      const html = await page.locator('.debug-hover-widget').evaluateAll((els) => els.map((x) => (x as { outerHTML: string }).outerHTML.slice(0, 600)));
      console.log(`    (debug hover widgets: ${JSON.stringify(html)})`);
      throw e;
    }
    await v.screenshot('debug-c-hover');
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
    mark('C local seen');
  });

  it('shows the guest console as a terminal and the VM state in the status bar', async () => {
    const v = vs!;
    const page = v.page;
    await v.waitFor('status bar "VM paused"', page.locator('.statusbar-item', { hasText: /VM paused · \d+ exits/ }).first());
    await v.waitFor('Guest console terminal tab',
      page.locator('.part.panel', { hasText: /Guest console \(hello\)/ }).first());
    await v.waitFor('guest output in the console terminal',
      page.locator('.part.panel .xterm-rows, .part.panel .xterm-accessibility-tree', { hasText: /Hello\sfrom\sa\sHyperscope\sguest!/ }).first());
    // Keystrokes go to the guest through hyperscope.input: an adapter refusing them leaves a note.
    await page.locator('.part.panel .xterm').first().click();
    await page.keyboard.type('x');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.part.panel .xterm-rows', { hasText: /input\snot\sdelivered/ }).count(), 0, 'console input refused');
    mark('console and status bar seen');
  });

  it('shows the VS-stage and G-stage page tables of the stopped vCPU', async () => {
    const v = vs!;
    const page = v.page;
    await v.setDebugPane('Variables', false);
    await v.setDebugPane('Call Stack', false);
    await v.setDebugPane('Page Tables', true);
    const rows = page.locator('.debug-viewlet .pane', { has: page.locator('.pane-header', { hasText: /^\s*Page Tables/ }) }).locator('.monaco-list-row');
    // hello runs without paging (vsatp Bare); the hypervisor's G-stage maps the pages it touched.
    await v.waitFor('VS-stage row', rows.filter({ hasText: /VS-stage \(vsatp\)/ }).first());
    await v.waitFor('G-stage row with its mode and root', rows.filter({ hasText: /G-stage \(hgatp\).*sv(39|48)x4, root 0x/i }).first());
    await v.waitFor('a G-stage entry (L<level>[index])', rows.filter({ hasText: /^\s*L\d\[\d+\]/ }).first());
    await v.screenshot('debug-page-tables');
    mark('page tables seen');
  });

  it('lists recent VM exits, newest first, and opens one', async () => {
    const v = vs!;
    const page = v.page;
    await v.setDebugPane('Page Tables', false);
    await v.setDebugPane('VM Exits', true);
    const rows = page.locator('.debug-viewlet .pane', { has: page.locator('.pane-header', { hasText: /^\s*VM Exits/ }) }).locator('.monaco-list-row');
    const first = rows.filter({ hasText: /^\s*#\d+ / }).first();
    await v.waitFor('a VM exit row', first);
    const seqs = (await rows.allTextContents()).map((t) => Number(/#(\d+)/.exec(t)?.[1])).filter((n) => Number.isFinite(n));
    assert.ok(seqs.length > 1 && seqs.every((n, i) => i === 0 || n < seqs[i - 1]), `exits newest first: ${seqs.join(',')}`);
    await first.click();
    await v.waitFor('exit details document', page.locator('.tab', { hasText: /VM exit \d+/ }).first());
    await v.waitFor('exit details text', page.locator('.editor-instance .view-lines', { hasText: /VM\sexit\s#\d+:/ }).first());
    await v.screenshot('debug-vm-exits');
    mark('vm exits seen');
  });

  it('translates an address: GVA -> GPA -> HPA', async () => {
    const v = vs!;
    const page = v.page;
    await v.runCommand('Hyperscope: Translate Address');
    const input = page.locator('.quick-input-widget input');
    await v.waitFor('address input box', input);
    await input.fill('0x80200000');
    await page.keyboard.press('Enter');
    await v.waitFor('translation in the Hyperscope output',
      page.locator('.part.panel .view-lines', { hasText: /GPA\s0x80200000.*HPA\s0x/ }).first());
    mark('translation seen');
  });

  it('shows non-zero counts in the Exit Statistics panel', async () => {
    const v = vs!;
    // The first console line went out through SBI calls: the counts are non-zero.
    await v.runCommand('Hyperscope: Show Exit Statistics');
    const web = v.webview();
    await v.waitFor('Exit Statistics sbi row', web.locator('tr.reason td.name', { hasText: /^sbi$/ }));
    const samples = Number((await web.locator('tr.reason').first().locator('td.num').first().textContent())?.replace(/[^\d]/g, ''));
    assert.ok(samples > 0, `exit samples in the first row: ${samples}`);
    await v.screenshot('debug-exit-statistics');
    mark('exit statistics seen');
  });

  it('shows guest memory as hex and ASCII in the Memory view, without the Hex Editor', async () => {
    const v = vs!;
    const page = v.page;
    await v.runCommand('Hyperscope: View Memory (Hex and ASCII)');
    const input = page.locator('.quick-input-widget input');
    await v.waitFor('address input box', input);
    // hello.elf's .rodata: the first string say_hello prints (objdump -s -j .rodata).
    await input.fill('0x80201430');
    await page.keyboard.press('Enter');
    const web = v.webview();
    await v.waitFor('the row of 0x80201430 with its hex bytes', web.locator('tr', { hasText: '0x0000000080201430' }).filter({ hasText: /48\s*65\s*6c\s*6c\s*6f/ }).first());
    await v.waitFor('the ASCII column', web.locator('td.s', { hasText: 'Hello from a Hyp' }).first());
    await v.screenshot('debug-memory-view');
    mark('memory view seen');
  });

  it('shows in the Guest Kernel view what a guest without a kernel\'s symbols lacks', async () => {
    const v = vs!;
    const page = v.page;
    await v.openRunAndDebug();
    await v.setDebugPane('VM Exits', false);
    await v.setDebugPane('Guest Kernel', true);
    const rows = page.locator('.debug-viewlet .pane', { has: page.locator('.pane-header', { hasText: /^\s*Guest Kernel/ }) }).locator('.monaco-list-row');
    await v.waitFor('the missing symbol named', rows.filter({ hasText: /the kernel symbol 'init_task' is not known/ }).first());
    mark('guest kernel view seen');
  });

  it('continues to the end of the guest', async () => {
    const v = vs!;
    const page = v.page;
    // The console first: its command is offered only while the session lives, and the guest
    // may end before the palette opens. Continue with the toolbar's button: F5 would go to the
    // focused terminal, that is, to the guest.
    await v.runCommand('Hyperscope: Show Guest Console');
    await v.clickDebugToolbar('debug-continue');
    await v.waitForDebugToolbar('hidden', 30_000);
    await v.waitFor('the rest of the guest output in the console',
      page.locator('.part.panel .xterm-rows', { hasText: /hello:\sshutting\sdown/ }).first());
    await v.waitFor('status bar item hidden', page.locator('.statusbar-item', { hasText: /VM (paused|running)/ }).first(), 'hidden');
    await v.screenshot('debug-session-ended');
    mark('session ended');
  });
});
