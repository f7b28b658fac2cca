/**
 * End-to-end tests in a real VS Code (code-server + chromium): the extension installs from its
 * .vsix, activates, and its Exit Statistics panel renders. Run with `npm run test:e2e` (which
 * runs scripts/e2e/setup.sh first). Under plain `npm test` they skip when the tools are not
 * installed; with HYPERSCOPE_E2E=1 a missing tool is a failure.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { requireTools, REPO_ROOT, VsCode } from './vscode-harness';

const WORKSPACE = join(REPO_ROOT, 'test', 'e2e', 'workspace');
const DEMO_STATS = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'exit-stats-demo.json');

describe('e2e: Hyperscope in a real VS Code', function () {
  this.timeout(150_000);
  let vs: VsCode | undefined;

  before(async function () {
    requireTools(this);
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

    // Clicking a row shows its log2 latency histogram below the table, counts summing to the
    // row's samples (read in one evaluation: the demo feed keeps posting newer reports).
    assert.equal(await web.locator('#histogram').isVisible(), false, 'no histogram before a click');
    await web.locator('tr.child td.name', { hasText: 'uart0' }).click();
    await vs!.waitFor('uart0 histogram', web.locator('#histogram-title', { hasText: 'mmio / uart0' }));
    await web.locator('tr.reason td.name', { hasText: /^sbi$/ }).click();
    await vs!.waitFor('sbi histogram', web.locator('#histogram-title', { hasText: /: sbi \(/ }));
    const shown = await web.locator('#histogram-section').evaluate((el) => ({
      title: el.querySelector('#histogram-title')?.textContent ?? '',
      counts: [...el.querySelectorAll('#histogram-rows td.num')].map((td) => Number(td.textContent)),
      labels: [...el.querySelectorAll('#histogram-rows td:first-child')].map((td) => td.textContent),
    }));
    const samples = Number(/\((\d+) samples\)/.exec(shown.title)?.[1]);
    assert.ok(samples > 0 && shown.counts.length > 0, JSON.stringify(shown));
    assert.equal(shown.counts.reduce((a, b) => a + b, 0), samples, JSON.stringify(shown));
    assert.match(String(shown.labels[0]), /^\[\d+K?, \d+K?\)$/);

    // Below the histogram, the guest code behind the selected reason: the sbi row shows the
    // demo's SBI wrapper (sbi_ecall inlined into sbi_set_timer) with its source line.
    await vs!.waitFor('attribution of sbi', web.locator('#attribution-title', { hasText: 'Guest code behind the sbi exits' }));
    const first = await web.locator('#attribution-rows tr.site').first().locator('td').allTextContents();
    assert.deepEqual(first.slice(2), ['sbi_ecall', 'sbi_set_timer+0x1a', 'samples/common/sbi.c:21']);

    const shot = await vs!.screenshot('exit-stats-panel');
    assert.ok(existsSync(shot));

    // The live view: the demo's last interval (one second) gives sbi 900/s and mmio 400/s,
    // highest first, each with a sparkline of the last 30 s.
    await vs!.waitFor('live table', web.locator('#live-rows tr.live td.name', { hasText: /^sbi$/ }));
    const live = await web.locator('#live-section').evaluate((el) => [...el.querySelectorAll('#live-rows tr.live')].map((tr) => ({
      reason: tr.querySelector('td.name')?.textContent, now: tr.querySelector('td.now')?.textContent,
      points: tr.querySelector('polyline')?.getAttribute('points') ?? '',
    })));
    assert.deepEqual(live.slice(0, 2).map((r) => [r.reason, r.now]), [['sbi', '900/s'], ['mmio', '400/s']]);
    assert.ok(live.every((r) => r.points.split(' ').length >= 2), JSON.stringify(live));
    await web.locator('#live-section').scrollIntoViewIfNeeded();
    await vs!.screenshot('exit-stats-live');

    // The KVM-names toggle swaps the perf table for KVM's vCPU statistics (the demo's last
    // report: exits = every exit, mmio_exit_user = the mmio row).
    await web.locator('#kvm-names').check();
    await vs!.waitFor('KVM statistics table', web.locator('#kvm-rows td.name', { hasText: /^ecall_exit_stat$/ }));
    assert.equal(await web.locator('#exit-table').isVisible(), false);
    const names = await web.locator('#kvm-rows td.name').allTextContents();
    assert.deepEqual(names.slice(0, 2), ['ecall_exit_stat', 'wfi_exit_stat']);
    assert.ok(names.includes('mmio_exit_kernel') && names.includes('exits'));
    await vs!.screenshot('exit-stats-kvm-names');
    await web.locator('#kvm-names').uncheck();
    await vs!.waitFor('perf table back', web.locator('tr.reason td.name', { hasText: /^sbi$/ }));
  });

  it('draws the flame graph of guest call stacks at exits and compares two reports side by side', async () => {
    // The demo's flame graph: the uart sample's MMIO exits (test/e2e/fixtures/exit-stats-demo.json,
    // made by the debugger's sampler), 155 of them in uart_read as the guest counts its own reads.
    const web = vs!.webview();
    await vs!.waitFor('uart_read frame', web.locator('#flame-graph g.frame[data-name="uart_read"]').first());
    await web.locator('#flame-section').scrollIntoViewIfNeeded();
    const titles = await web.locator('#flame-graph g.frame[data-name="uart_read"] title').allTextContents();
    const reads = titles.map((t) => Number(/^uart_read: (\d+) mmio exits/.exec(t)?.[1])).reduce((a, b) => a + b, 0);
    assert.equal(reads, 155, titles.join(' | '));
    assert.match(await web.locator('#flame-summary').textContent() ?? '', /^mmio: 450 stacks from 450 exits/);
    await vs!.screenshot('exit-flame-graph');
    // Clicking a frame opens its source: uart_init's first call of uart_write, samples/uart/ns16550a.c line 29.
    await web.locator('#flame-graph g.frame[data-name="uart_init"] rect').first().click();
    await vs!.waitFor('ns16550a.c opened from the flame graph', vs!.page.locator('.tab', { hasText: 'ns16550a.c' }));
    await vs!.waitFor('the cursor on line 29', vs!.page.locator('.statusbar-item', { hasText: /Ln 29, Col 1/ }));

    // The A/B comparison the demo loads: the uart sample with and without block translation.
    await vs!.runCommand('Hyperscope: Show Exit Statistics');
    await vs!.waitFor('comparison headers', web.locator('#compare-headers p.header-A', { hasText: 'A: uart-jit.json (icount, 1 vCPU)' }));
    await web.locator('#compare-section').scrollIntoViewIfNeeded();
    const mmio = await web.locator('#compare-rows tr[data-key="reason:mmio"] td').allTextContents();
    assert.deepEqual(mmio.slice(0, 4), ['mmio', '450', '450', '+0.00%']);
    await vs!.screenshot('exit-compare');
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

  // The F5 flow on a sample (breakpoint, Registers, live exit counts) is debug-session.e2e.test.ts.
});
