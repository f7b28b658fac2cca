/**
 * samples/.vscode/launch.json, the configurations of the folder `npm start` opens: each one,
 * with VS Code's variables substituted as in that folder, launches through the debug adapter
 * far enough to prove its program, initrd, symbols and disks resolve (a function breakpoint
 * in the guest is verified and hit, its frame's source file exists), then disconnects.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, launch, startClient } from './dap-helpers';
import { parseJsonc } from './jsonc';

const SAMPLES = join(ROOT, 'samples');

/** VS Code's variables as they are in the samples folder with samples/hello/hello.c open. */
function substitute(v: unknown): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{workspaceFolder\}/g, SAMPLES).replace(/\$\{fileDirname\}/g, join(SAMPLES, 'hello'))
      .replace(/\$\{fileDirnameBasename\}/g, 'hello');
  }
  if (Array.isArray(v)) return v.map(substitute);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
  return v;
}

const file = join(SAMPLES, '.vscode', 'launch.json');
const configs = (parseJsonc(readFileSync(file, 'utf8')) as { configurations: Record<string, unknown>[] }).configurations;

describe('samples/.vscode/launch.json', function () {
  this.timeout(30_000);
  let dc: DebugClient | undefined;
  afterEach(async () => { await dc?.stop(); dc = undefined; });

  it('has a configuration for every sample and the Linux kernel', () => {
    const programs = configs.map((c) => String(c.program).replace('${workspaceFolder}/', ''));
    for (const s of ['hello', 'paging', 'timer', 'uart', 'irqs', 'smp', 'atomics', 'parallel', 'virtio', 'cpu-bound']) assert.ok(programs.includes(`${s}/${s}.elf`), s);
    assert.ok(programs.includes('linux/Image'));
    // As many vCPUs as the largest QEMU -smp run each SMP sample records (expected-smp4.txt).
    for (const s of ['smp', 'atomics', 'parallel']) assert.equal(configs.find((c) => c.program === `\${workspaceFolder}/${s}/${s}.elf`)?.vcpus, 4, s);
    assert.equal(configs.find((c) => c.program === '${workspaceFolder}/irqs/irqs.elf')?.aia, true);
    assert.deepEqual(new Set(configs.map((c) => c.name)).size, configs.length, 'names are unique');
  });

  for (const raw of configs) {
    const c = substitute(raw) as Record<string, unknown>;
    const linux = String(c.program).endsWith('/Image');
    it(`launches "${raw.name}" and stops in the guest`, async function () {
      if (linux) this.timeout(60_000);
      assert.equal(c.type, 'hyperscope');
      assert.equal(c.request, 'launch');
      const client = dc = await startClient();
      client.defaultTimeout = 20_000;
      const console: string[] = [];
      client.on('output', (e: DebugProtocol.OutputEvent) => console.push(e.body.output));
      const fn = linux ? 'start_kernel' : 'main';
      let bp: DebugProtocol.SetFunctionBreakpointsResponse | undefined;
      const { firstStop } = await launch(client, { ...c, stopOnEntry: false }, async () => {
        bp = await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: fn }] });
      });
      assert.ok(bp!.body.breakpoints[0].verified, `${fn} is in the symbols`);
      const ev = await firstStop;
      assert.equal(ev.body.reason, 'function breakpoint');
      const threads = await client.threadsRequest();
      assert.equal(threads.body.threads.length, (c.vcpus as number | undefined) ?? 1);
      const top = (await client.stackTraceRequest({ threadId: ev.body.threadId ?? 1 })).body.stackFrames[0];
      assert.equal(top.name, fn);
      if (linux) {
        // The kernel's sources are fetched on demand: a frame names them only when they are there.
        const src = top.source?.path;
        assert.ok(src === undefined || existsSync(src), `no path to a missing file: ${src}`);
        if (!src) assert.match(console.join(''), /kernel sources not found under .*linux-source-6\.1: run bash linux\/get-sources\.sh to get them/);
      } else {
        assert.ok(top.source?.path && existsSync(top.source.path), `the frame's source exists: ${top.source?.path}`);
        assert.ok(top.source.path.startsWith(SAMPLES + '/'), top.source.path);
      }
      if (String(c.program).endsWith('virtio.elf')) {
        // Both devices of the configuration reach the guest: it drives the disk and the entropy device.
        const ended = client.waitForEvent('terminated', 20_000);
        await client.continueRequest({ threadId: 1 });
        await ended;
        const out = console.join('');
        assert.match(out, /block: read sector 0: status 0, "HYPERSCOPE VIRTIO DISK"/);
        assert.match(out, /block: read back sector 1: status 0, same/);
        assert.match(out, /virtio: 2 device\(s\) driven/);
      }
    });
  }

  it('keeps the committed virtio disk image unchanged (snapshot)', () => {
    const img = readFileSync(join(SAMPLES, 'virtio', 'disk.img'));
    assert.equal(img.length, 65536);
    assert.equal(img.subarray(0, 22).toString(), 'HYPERSCOPE VIRTIO DISK');
    assert.ok(img.subarray(22).every((b) => b === 0), 'the sample writes sector 1 only in memory');
  });
});
