/**
 * The samples folder as `npm start` opens it, in a real VS Code: its own .vscode/launch.json
 * (copied as committed), the Linux kernel configuration started from Quick Open's "debug "
 * list with a function breakpoint on start_kernel, and no kernel sources on the machine: the
 * first launch unpacks vmlinux.xz, the stop opens the Disassembly view (no "Create File"), and
 * the Debug Console names the command that gets the sources; the frame's stand-in source says it
 * too. Skips when tools are missing.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mark, requireTools, REPO_ROOT, VsCode } from './vscode-harness';
import { parseJsonc } from '../dap/jsonc';

const LINUX_FILES = ['Image', 'initramfs.cpio.gz', 'vmlinux.xz', 'get-sources.sh', 'PROVENANCE.md'];

describe('e2e: the samples folder npm start opens (Linux kernel without its sources)', function () {
  this.timeout(150_000);
  let vs: VsCode | undefined;
  let base = '';

  before(async function () {
    requireTools(this);
    if (!LINUX_FILES.every((f) => existsSync(join(REPO_ROOT, 'samples/linux', f)))) this.skip();
    // samples/ as committed, minus the other samples and any kernel build tree or unpacked vmlinux.
    base = mkdtempSync(join(tmpdir(), 'hyperscope-samples-folder-'));
    const folder = join(base, 'samples');
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    mkdirSync(join(folder, 'linux'));
    copyFileSync(join(REPO_ROOT, 'samples/.vscode/launch.json'), join(folder, '.vscode/launch.json'));
    for (const f of LINUX_FILES) copyFileSync(join(REPO_ROOT, 'samples/linux', f), join(folder, 'linux', f));
    vs = await VsCode.start({ folder, copyFolder: false });
    mark('workbench up');
  });

  after(async () => {
    await vs?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('stops at start_kernel in the Disassembly view and says how to get the kernel sources', async () => {
    const v = vs!;
    const page = v.page;
    await v.openRunAndDebug();
    // The Breakpoints pane's "+" (Add Function Breakpoint) opens an input row in the pane.
    const header = page.locator('.debug-viewlet .pane-header', { hasText: /^\s*Breakpoints/ }).first();
    await v.waitFor('Breakpoints pane header', header);
    await header.hover();
    const add = header.locator('.action-label[aria-label*="Function Breakpoint"]').first();
    await v.waitFor('the Add Function Breakpoint action', add, 'attached');
    // The action shows while the header is hovered, and the panes re-render as other views of
    // the container (Virtual Machines) arrive: hover and click again until the input row opens.
    const input = page.locator('.debug-breakpoints input, .debug-breakpoints textarea').first();
    for (let i = 0; i < 10 && !(await input.isVisible()); i++) {
      await header.hover();
      await add.click({ timeout: 3000 }).catch(() => undefined);
      await input.waitFor({ state: 'visible', timeout: 2000 }).catch(() => undefined);
    }
    await v.waitFor('the function breakpoint input', input);
    await page.keyboard.type('start_kernel');
    await page.keyboard.press('Enter');
    await v.waitFor('function breakpoint start_kernel listed', page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'start_kernel' }).first());

    // Quick Open's "debug " prefix lists launch.json's configurations; picking one starts it.
    // The picker lists what VS Code had read of launch.json when it opened: on a busy machine that
    // can still be nothing, so a picker without the configuration is closed and opened again.
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Linux kernel' }).first();
    for (let attempt = 1; ; attempt++) {
      await v.focusWorkbench();
      await page.keyboard.press('Control+P');
      await v.waitFor('Quick Open', page.locator('.quick-input-widget input'));
      await page.locator('.quick-input-widget input').fill('debug Linux kernel');
      const listed = await row.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
      if (listed) break;
      if (attempt === 3) {
        await v.waitFor('the Linux kernel configuration of samples/.vscode/launch.json', row);
        break;
      }
      await page.keyboard.press('Escape');
    }
    await row.click();
    await v.waitForDebugToolbar('visible');
    mark('Linux launched');

    // Two vCPUs: the Call Stack lists them as threads, vCPU 0 stopped on the function breakpoint.
    const vcpu0 = page.locator('.debug-call-stack .monaco-list-row', { hasText: /vCPU 0.*function breakpoint/i }).first();
    await v.waitFor('vCPU 0 stopped on the function breakpoint', vcpu0, 'visible', 90_000);
    await v.waitFor('Disassembly view opened for the frame without source', page.locator('.tab', { hasText: 'Disassembly' }).first());
    await v.waitFor('Call Stack with start_kernel', page.locator('.debug-call-stack .monaco-list-row', { hasText: 'start_kernel' }).first());
    mark('stopped in disassembly');
    // The Debug Console shows itself when the session starts.
    await v.waitFor('the Debug Console naming the sources command',
      page.locator('.repl', { hasText: /kernel sources not found under .*linux-source-6\.1: run bash linux\/get-sources\.sh to get them/ }).first());
    await v.waitFor('the Debug Console telling the unpack', page.locator('.repl', { hasText: /unpacking vmlinux\.xz \(17 MB -> 67 MB\)/ }).first());
    // VS Code's dead end for a missing file: "The editor could not be opened because the file was not found" + Create File.
    assert.equal(await page.getByText(/was not found|Create File/i).count(), 0, 'no "file not found" editor or prompt');
    // The whole editor area for the Disassembly view: its row for the pc is rendered.
    await v.focusWorkbench();
    await page.keyboard.press('Control+J');
    await v.waitFor('the panel hidden', page.locator('.repl').first(), 'hidden');
    await page.locator('.tab', { hasText: 'Disassembly' }).first().click();
    // Any row of start_kernel's code (0xffffffff8024f...): with the instructions before the
    // function shown too, VS Code may scroll a given row after the pc out of view.
    await v.waitFor('the Disassembly view in start_kernel (rows at 0xffffffff8024f...)',
      page.locator('.monaco-list-row', { hasText: /ffffffff8024f[0-9a-f]{3}/i }).first(), 'visible', 30_000);
    await v.screenshot('samples-folder-linux-no-sources');
  });
});

describe('e2e: "create a launch.json file" in a folder of guests', function () {
  this.timeout(120_000);
  let vs: VsCode | undefined;
  let base = '';
  let folder = '';

  before(async function () {
    requireTools(this);
    base = mkdtempSync(join(tmpdir(), 'hyperscope-create-launch-'));
    folder = join(base, 'samples');
    const files = ['hello/hello.elf', 'smp/smp.elf', 'smp/expected-smp4.txt', 'virtio/virtio.elf', 'virtio/disk.img'];
    for (const f of files) {
      mkdirSync(join(folder, f, '..'), { recursive: true });
      copyFileSync(join(REPO_ROOT, 'samples', f), join(folder, f));
    }
    vs = await VsCode.start({ folder, copyFolder: false });
  });

  after(async () => {
    await vs?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('offers one configuration per guest, smp with 4 vCPUs and virtio with its disk, no placeholder', async () => {
    const v = vs!;
    const page = v.page;
    await v.openRunAndDebug();
    const link = page.locator('.debug-viewlet a, .welcome-view a', { hasText: /create a launch\.json file/i }).first();
    await v.waitFor('"create a launch.json file" link', link);
    await link.click();
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Hyperscope' }).first();
    await v.waitFor('the Hyperscope debugger in the debugger list', pick);
    await pick.click();
    await v.waitFor('launch.json opened', page.locator('.tab.active', { hasText: 'launch.json' }), 'visible', 30_000);
    const launchJson = join(folder, '.vscode', 'launch.json');
    const deadline = Date.now() + 10_000;
    while (!existsSync(launchJson) && Date.now() < deadline) await page.waitForTimeout(200);
    // VS Code writes the file itself: JSON with comments.
    const configs = (parseJsonc(readFileSync(launchJson, 'utf8')) as { configurations: Record<string, unknown>[] }).configurations;
    assert.deepEqual(configs.map((c) => c.program), [
      '${workspaceFolder}/hello/hello.elf', '${workspaceFolder}/smp/smp.elf', '${workspaceFolder}/virtio/virtio.elf',
    ]);
    assert.equal(configs[1].vcpus, 4);
    assert.deepEqual(configs[2].disks, [{ path: '${workspaceFolder}/virtio/disk.img', snapshot: true }]);
    await v.screenshot('create-launch-json');
  });
});
