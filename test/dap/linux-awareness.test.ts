/**
 * Linux kernel awareness (issue 11, section 5) and a step's speed on the Linux sample
 * (samples/linux with vmlinux), stopped where busybox first writes (ksys_write): lx-ps,
 * lx-dmesg, lx-version, lx-cmdline, lx-cpus, vCPU threads named after their task, and the
 * Disassembly view before the pc of kernel code.
 *
 * Expected values come from the guest itself and the kernel's documentation, not from these
 * commands: the kernel's console (ttyS0) printed every log line at the default loglevel, so each
 * `[    t.tttttt] text` line of the console is a line of lx-dmesg, and the first is the banner
 * lx-version prints; the command line is the launch's `args`; pid 0 is init_task ("swapper/0",
 * include/linux/init_task.h INIT_TASK_COMM), pid 1 the init busybox runs, pid 2 kthreadd; the
 * task a vCPU runs in the kernel is `current`, which RISC-V keeps in tp (its comm and pid, read
 * here with `*(char*)` and `*(int*)` at the offsets lx-ps uses, must match the thread's name).
 * The instructions before a kernel function are `riscv64-unknown-elf-objdump -d`'s when it is
 * installed. Skips when the sample or `xz` is missing.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, launch, startClient, stopped } from './dap-helpers';

const LINUX = join(ROOT, 'samples', 'linux');
const IMAGE = join(LINUX, 'Image');
const INITRD = join(LINUX, 'initramfs.cpio.gz');
const VMLINUX_XZ = join(LINUX, 'vmlinux.xz');

describe('debug adapter: Linux awareness (lx-* commands, task-named vCPUs) on samples/linux', function () {
  this.timeout(120_000);
  let dir = '';
  let dc: DebugClient | undefined;
  let console_ = '';
  let vcpu = 0;
  const run = async (expression: string): Promise<string> => (await dc!.evaluateRequest({ expression, context: 'repl' })).body.result;

  before(async function () {
    if (![IMAGE, INITRD, VMLINUX_XZ].every(existsSync)) { console.log('    (Linux sample files are absent: skipped)'); this.skip(); }
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-lx-'));
    const vmlinux = join(dir, 'vmlinux');
    const fd = openSync(vmlinux, 'w');
    const r = spawnSync('xz', ['-dc', VMLINUX_XZ], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    if (r.error || r.status !== 0) { console.log('    (xz is not available: skipped)'); this.skip(); }
    const client = dc = await startClient();
    client.defaultTimeout = 60_000;
    client.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') console_ += e.body.output; });
    const first = stopped(client, 90_000); // the boot to busybox's first write takes tens of seconds here
    await launch(client, { program: IMAGE, initrd: INITRD, args: 'console=ttyS0', symbols: [{ path: vmlinux }] },
      () => client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ksys_write' }] }));
    const stop = await first;
    vcpu = (stop.body.threadId ?? 1) - 1;
    await client.setFunctionBreakpointsRequest({ breakpoints: [] });
  });
  after(async () => {
    await dc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lx-version prints the banner the kernel printed first; lx-cmdline the command line it was given', async () => {
    const banner = /^\[ *0\.000000\] (Linux version .*)$/m.exec(console_)?.[1];
    assert.ok(banner, 'the console shows the banner');
    assert.equal(await run('lx-version'), banner.trimEnd());
    assert.equal(await run('lx-cmdline'), 'console=ttyS0');
  });

  it('lx-dmesg has every line the kernel printed on its console, in order', async () => {
    const log = (await run('lx-dmesg')).split('\n');
    const printed = console_.split(/\r?\n/).filter((l) => /^\[ *\d+\.\d{6}\] /.test(l));
    assert.ok(printed.length > 20, `${printed.length} kernel lines on the console`);
    let at = 0;
    for (const line of printed) {
      const i = log.indexOf(line.trimEnd(), at);
      assert.ok(i >= 0, `console line missing from lx-dmesg, or out of order: ${line}`);
      at = i + 1;
    }
  });

  it('lx-ps lists init_task, init and kthreadd, and marks the task the stopped vCPU runs; its thread is named after it', async () => {
    const ps = await run('lx-ps');
    const rows = ps.split('\n').slice(1).map((l) => /^(0x[0-9a-f]+) +(\d+) +(\S+) +(\d+) +(.*?)( +<- running on vCPU ([\d, ]+))?$/.exec(l));
    assert.ok(rows.every((r) => r), ps);
    const byPid = new Map(rows.map((r) => [Number(r![2]), r!]));
    assert.equal(byPid.get(0)?.[5], 'swapper/0');
    assert.ok(byPid.has(1) && byPid.get(2)?.[5] === 'kthreadd', ps);
    const mine = rows.find((r) => r![7]?.split(', ').map(Number).includes(vcpu));
    assert.ok(mine, `the stopped vCPU's task is marked:\n${ps}`);
    assert.equal(BigInt(mine![1]), BigInt((await run('$tp')).split(' ')[0]), 'current is in tp');
    const threads = await dc!.threadsRequest();
    assert.equal(threads.body.threads[vcpu].name, `vCPU ${vcpu}: ${mine![5]} [${mine![2]}]`);
    assert.match(await run('lx-cpus'), new RegExp(`online +${vcpu} +runnable VS: ${mine![5].replace(/[[\]/.]/g, '\\$&')} \\[${mine![2]}\\]`));
  });

  it('hyperscope.linux gives the Guest Kernel view the same tasks and the newest log lines', async () => {
    const k = (await dc!.customRequest('hyperscope.linux', { maxLog: 5 })).body;
    assert.deepEqual(k.errors, []);
    const ps = (await run('lx-ps')).split('\n').slice(1);
    assert.equal(k.tasks.length, ps.length);
    assert.deepEqual(k.tasks.slice(0, 3).map((t: { pid: number; comm: string }) => [t.pid, t.comm]), [[0, 'swapper/0'], [1, ps[1].split(/ +/)[4]], [2, 'kthreadd']]);
    const log = (await run('lx-dmesg')).split('\n');
    assert.deepEqual(k.log, log.slice(-5));
    assert.equal(k.logOmitted, log.length - 5);
  });

  it('the Disassembly view shows the instructions before a kernel function\'s first one', async () => {
    const sym = (await run('ksys_write')).split(' ')[0];
    const dis = await dc!.disassembleRequest({ memoryReference: sym, instructionOffset: -8, instructionCount: 9 });
    const ins = dis.body!.instructions;
    assert.equal(ins[8].address, sym);
    assert.ok(ins.slice(0, 8).every((i) => i.instruction !== '<unknown>' && i.presentationHint !== 'invalid'), JSON.stringify(ins.slice(0, 8)));
    const last = ins[7];
    assert.equal(BigInt(last.address) + BigInt((last.instructionBytes ?? '').length / 2), BigInt(sym), 'the one before ends at the function');
    const objdump = spawnSync('riscv64-unknown-elf-objdump', ['-d', `--start-address=${ins[0].address}`, `--stop-address=${sym}`, join(dir, 'vmlinux')], { encoding: 'utf8' });
    if (objdump.status === 0) {
      const addrs = [...objdump.stdout.matchAll(/^ *([0-9a-f]+):\t/gm)].map((m) => '0x' + m[1]);
      assert.deepEqual(ins.slice(0, 8).map((i) => i.address), addrs.slice(-8), 'objdump\'s instruction boundaries');
    }
  });

  it('a step is answered fast: next, then the stack, scopes and registers as VS Code asks for them', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      const s = stopped(dc!, 20_000);
      await dc!.nextRequest({ threadId: vcpu + 1 });
      await s;
      const st = await dc!.stackTraceRequest({ threadId: vcpu + 1, startFrame: 0, levels: 20 });
      await dc!.threadsRequest();
      const scopes = await dc!.scopesRequest({ frameId: st.body.stackFrames[0].id });
      await dc!.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
      times.push(Date.now() - t);
    }
    console.log(`    (next + threads + stackTrace + scopes + first scope's variables: ${times.join(', ')} ms)`);
    assert.ok(Math.min(...times) < 5000, 'a guard against a hang, not a benchmark');
  });
});
