/**
 * Kernel frames when the kernel's sources are not on this machine (the Linux sample's DWARF
 * names samples/linux/build/linux-source-6.1/...): no frame names a missing file (VS Code would
 * offer "Create File"); each gets a stand-in source reference whose text says how to get the
 * sources, every frame keeps its instruction pointer for the Disassembly view, and the debug
 * console says once where the sources were expected and the command that gets them.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, launch, startClient } from './dap-helpers';

const LINUX = join(ROOT, 'samples', 'linux');

describe('debug adapter: kernel frames without the kernel sources', function () {
  this.timeout(60_000);
  let dc: DebugClient | undefined;
  let dir = '';
  afterEach(async () => {
    await dc?.stop();
    dc = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives frames no source path and says once how to get the sources', async function () {
    if (!['Image', 'initramfs.cpio.gz', 'vmlinux.xz'].every((f) => existsSync(join(LINUX, f)))) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-nosrc-'));
    const expected = join(dir, 'linux-source-6.1');
    const client = dc = await startClient();
    client.defaultTimeout = 30_000;
    const consoleLines: string[] = [];
    client.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') consoleLines.push(e.body.output); });
    const { firstStop } = await launch(client, {
      program: join(LINUX, 'Image'), initrd: join(LINUX, 'initramfs.cpio.gz'), args: 'console=ttyS0',
      symbols: [{ path: join(LINUX, 'vmlinux.xz') }],
      sourceMap: { 'samples/linux/build/linux-source-6.1': expected },
      sourcesCommand: 'bash linux/get-sources.sh',
    }, () => client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] }));
    const ev = await firstStop;
    for (let i = 0; i < 2; i++) {
      const frames = (await client.stackTraceRequest({ threadId: ev.body.threadId ?? 1 })).body.stackFrames;
      assert.equal(frames[0].name, 'start_kernel');
      for (const f of frames) {
        assert.equal(f.source?.path, undefined, `${f.name}: no path to a missing file`);
        assert.ok((f.source?.sourceReference ?? 0) > 0, `${f.name}: a stand-in source`);
        assert.match(f.instructionPointerReference ?? '', /^0xffffffff8/);
      }
      assert.equal(frames[0].source?.name, 'main.c');
    }
    const top = (await client.stackTraceRequest({ threadId: ev.body.threadId ?? 1 })).body.stackFrames[0];
    const text = (await client.sourceRequest({ source: top.source, sourceReference: top.source!.sourceReference! })).body.content.split('\n');
    assert.equal(text[0], `// ${join(expected, 'init/main.c')} is not on this machine.`);
    assert.equal(text[1], `// kernel sources not found under ${expected}: run bash linux/get-sources.sh to get them, then restart the debug session.`);
    assert.equal(text[top.line - 1], `// line ${top.line} of ${join(expected, 'init/main.c')}`);
    const notices = consoleLines.filter((l) => l.includes('not found'));
    assert.deepEqual(notices, [`hyperscope: kernel sources not found under ${expected}: run bash linux/get-sources.sh to get them\n`]);
  });
});
