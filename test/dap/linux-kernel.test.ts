/**
 * Kernel debugging of the Linux sample (samples/linux: Image, initramfs, vmlinux.xz with
 * DWARF 5): function breakpoints on start_kernel (MMU on: the pc is a kernel virtual address
 * 0xffffffff8...) and on ksys_write once busybox writes, stack traces with kernel function
 * names up to the trap entry, the Registers scope, and the boot's exit statistics. The
 * vmlinux is unpacked once with `xz`; the suite skips when the sample or `xz` is missing.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import { ROOT, launch, scopeValues, startClient, stopped } from './dap-helpers';

const LINUX = join(ROOT, 'samples', 'linux');
const IMAGE = join(LINUX, 'Image');
const INITRD = join(LINUX, 'initramfs.cpio.gz');
const VMLINUX_XZ = join(LINUX, 'vmlinux.xz');

/** Unpacks vmlinux.xz into `dir`; returns its path, or why it could not. */
function unpackVmlinux(dir: string): string | { skip: string } {
  const out = join(dir, 'vmlinux');
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync('xz', ['-dc', VMLINUX_XZ], { stdio: ['ignore', fd, 'pipe'] });
    if (r.error) return { skip: `xz is not installed (${(r.error as NodeJS.ErrnoException).code})` };
    if (r.status !== 0) return { skip: `xz failed: ${r.stderr.toString().trim()}` };
  } finally {
    closeSync(fd);
  }
  return out;
}

const names = (st: DebugProtocol.StackTraceResponse) => st.body.stackFrames.map((f) => f.name);

describe('debug adapter: Linux kernel (samples/linux with vmlinux)', function () {
  this.timeout(60_000);
  let dir = '';
  let vmlinux = '';
  let dc: DebugClient | undefined;

  before(function () {
    this.timeout(30_000);
    if (![IMAGE, INITRD, VMLINUX_XZ].every(existsSync)) { console.log('    (Linux sample files are absent: skipped)'); this.skip(); }
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-vmlinux-'));
    const r = unpackVmlinux(dir);
    if (typeof r !== 'string') { console.log(`    (${r.skip}: skipped)`); this.skip(); }
    vmlinux = r as string;
    // Stand-ins for the kernel sources the frames below name (frames name only files that exist).
    for (const f of ['init/main.c', 'fs/read_write.c']) {
      mkdirSync(join(dir, 'linux-source-6.1', f, '..'), { recursive: true });
      writeFileSync(join(dir, 'linux-source-6.1', f), '');
    }
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  afterEach(async () => { await dc?.stop(); dc = undefined; });

  it('breaks on start_kernel and on ksys_write, names kernel frames, shows registers and the boot exits', async () => {
    const client = dc = await startClient();
    client.defaultTimeout = 20_000;
    const t0 = Date.now();
    let fnBps: DebugProtocol.SetFunctionBreakpointsResponse | undefined;
    const { firstStop } = await launch(client, {
      program: IMAGE, initrd: INITRD, args: 'console=ttyS0', symbols: [{ path: vmlinux }],
      sourceMap: { 'samples/linux/build/linux-source-6.1': join(dir, 'linux-source-6.1') },
    }, async () => { fnBps = await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] }); });
    assert.ok(fnBps!.body.breakpoints[0].verified, 'start_kernel is found in vmlinux');
    assert.equal(fnBps!.body.breakpoints[0].instructionReference, '0xffffffff8024f59a', 'exact kernel address (nm: start_kernel)');

    const first = await firstStop;
    assert.equal(first.body.reason, 'function breakpoint');
    let st = await client.stackTraceRequest({ threadId: 1 });
    const firstStopMs = Date.now() - t0;
    const top = st.body.stackFrames[0];
    assert.equal(top.name, 'start_kernel');
    assert.equal(top.instructionPointerReference, '0xffffffff8024f59a', 'the pc is a kernel virtual address');
    assert.match(top.source?.path ?? '', /init\/main\.c$/);
    assert.ok(top.line > 0);
    // Registers scope: pc in hex with a memory reference, the kernel's sp a kernel address too.
    const regs = await scopeValues(client, 'Registers');
    assert.equal(regs.get('pc')?.value.split(' ')[0], '0xffffffff8024f59a');
    assert.match(regs.get('sp')?.value ?? '', /^0xffffffff8/);
    assert.match(regs.get('ra')?.value ?? '', /_start_kernel|0xffffffff8/);

    // Userspace writes its first line through write(2): ksys_write (or its inlined copy) hits.
    const bp = await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ksys_write' }] });
    assert.ok(bp.body.breakpoints[0].verified);
    const next = stopped(client, 40_000);
    await client.continueRequest({ threadId: 1 });
    const second = await next;
    assert.equal(second.body.reason, 'function breakpoint');
    st = await client.stackTraceRequest({ threadId: 1 });
    const frames = names(st);
    assert.ok(['ksys_write', '__se_sys_write', 'sys_write'].includes(frames[0]), frames.join(' < '));
    // Linux 6.1 dispatches system calls from entry.S: handle_exception -> handle_syscall -> check_syscall_nr (jalr).
    assert.equal(frames[frames.length - 1], 'check_syscall_nr', `up to the trap entry: ${frames.join(' < ')}`);
    // __do_sys_write is inlined into __se_sys_write: both are shown, as gdb does, with the call's line.
    const i = frames.indexOf('__do_sys_write');
    assert.ok(i > 0 && frames[i + 1] === '__se_sys_write', `the inlined syscall body and its function: ${frames.join(' < ')}`);
    assert.equal(st.body.stackFrames[i].instructionPointerReference, st.body.stackFrames[i + 1].instructionPointerReference);
    assert.match(st.body.stackFrames[i + 1].source?.path ?? '', /fs\/read_write\.c$/);
    for (const f of st.body.stackFrames) assert.match(f.instructionPointerReference ?? '', /^0xffffffff8[0-9a-f]{7}$/);

    const stats = await client.customRequest('hyperscope.exitStats');
    const report = stats.body as ExitStatsReport;
    const byReason = new Map(report.reasons.map((r) => [r.key, r.samples]));
    for (const reason of ['mmio', 'guest-page-fault', 'sbi']) assert.ok((byReason.get(reason) ?? 0) > 0, `${reason} exits counted: ${JSON.stringify(stats.body).slice(0, 400)}`);
    console.log(`    (launch to start_kernel stop and stack: ${firstStopMs} ms; whole test: ${Date.now() - t0} ms; frames at ksys_write: ${frames.join(' < ')})`);
  });

  it('places 3,000 line and 3,000 function breakpoints at once (indexed lookups, not passes over the kernel\'s DWARF)', async () => {
    const client = dc = await startClient();
    client.defaultTimeout = 40_000; // launch and the first breakpoint parse vmlinux's DWARF
    const mainC = join(dir, 'linux-source-6.1', 'init/main.c');
    const { firstStop } = await launch(client, {
      program: IMAGE, initrd: INITRD, symbols: [{ path: vmlinux }], stopOnEntry: true,
      sourceMap: { 'samples/linux/build/linux-source-6.1': join(dir, 'linux-source-6.1') },
    }, () => Promise.all([
      client.setBreakpointsRequest({ source: { path: mainC }, breakpoints: [{ line: 1000 }] }),
      client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] }),
    ]));
    await firstStop;
    // Guard against a hang: before the index, each breakpoint scanned all rows (about 17 ms each here: 50 s).
    client.defaultTimeout = 10_000;
    const t = Date.now();
    const r = await client.setBreakpointsRequest({ source: { path: mainC }, breakpoints: Array.from({ length: 3000 }, (_, i) => ({ line: i + 1 })) });
    assert.equal(r.body.breakpoints.length, 3000);
    assert.ok(r.body.breakpoints.filter((b) => b.verified).length > 100);
    // Before the name index, each function name scanned every DWARF function (about 10 ms each here: 30 s).
    const t2 = Date.now();
    const names = ['ksys_write', 'schedule', 'no_such_function', 'memcpy', 'do_exit', '__do_sys_write'];
    const f = await client.setFunctionBreakpointsRequest({ breakpoints: Array.from({ length: 3000 }, (_, i) => ({ name: names[i % names.length] })) });
    assert.equal(f.body.breakpoints.length, 3000);
    assert.equal(f.body.breakpoints[0].verified, true);
    assert.equal(f.body.breakpoints[2].verified, false);
    console.log(`    (3,000 line breakpoints in init/main.c: ${t2 - t} ms; 3,000 function breakpoints: ${Date.now() - t2} ms)`);
  });
});
