/**
 * C variables of the Linux sample (samples/linux with vmlinux's DWARF 5, -O2): at the first
 * ksys_write (busybox's first write to the console) the Locals scope shows the arguments,
 * equal to the a0/a2 registers of the calling convention; `init_task.comm` and
 * `((struct task_struct *)$tp)->comm` (RISC-V Linux keeps `current` in tp) read through
 * the kernel's structure layouts. Expected values: gdb-multiarch with vmlinux on QEMU's
 * gdbstub (test/dap/cvars/linux-gdb.txt, recorded by record-linux-gdb.sh). The suite skips
 * when the sample or `xz` is missing.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT, launch, scopeValues, startClient, stopped } from './dap-helpers';

const LINUX = join(ROOT, 'samples', 'linux');
const IMAGE = join(LINUX, 'Image');
const INITRD = join(LINUX, 'initramfs.cpio.gz');
const VMLINUX_XZ = join(LINUX, 'vmlinux.xz');

/** gdb's `$N = VALUE` lines of linux-gdb.txt, in the order of linux-gdb.cmds' print commands. */
function gdbPrints(): Map<string, string> {
  const cmds = readFileSync(join(ROOT, 'test/dap/cvars/linux-gdb.cmds'), 'utf8').split('\n').filter((l) => l.startsWith('p '));
  const values = readFileSync(join(ROOT, 'test/dap/cvars/linux-gdb.txt'), 'utf8').split('\n').filter((l) => /^\$\d+ = /.test(l));
  return new Map(cmds.map((c, i) => [c.slice(2), values[i].replace(/^\$\d+ = /, '')]));
}

describe('debug adapter: C variables of the Linux kernel (samples/linux with vmlinux)', function () {
  this.timeout(120_000);
  let dir = '';
  let vmlinux = '';
  let dc: DebugClient | undefined;
  const gdb = gdbPrints();

  before(function () {
    if (![IMAGE, INITRD, VMLINUX_XZ].every(existsSync)) { console.log('    (Linux sample files are absent: skipped)'); this.skip(); }
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-vmlinux-'));
    vmlinux = join(dir, 'vmlinux');
    const fd = openSync(vmlinux, 'w');
    try {
      const r = spawnSync('xz', ['-dc', VMLINUX_XZ], { stdio: ['ignore', fd, 'pipe'] });
      if (r.error || r.status !== 0) { console.log('    (xz is missing or failed: skipped)'); this.skip(); }
    } finally {
      closeSync(fd);
    }
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  afterEach(async () => { await dc?.stop(); dc = undefined; });

  it('shows ksys_write\'s arguments (equal to a0/a2), init_task.comm and the current task through $tp', async () => {
    const client = dc = await startClient();
    client.defaultTimeout = 60_000;
    const { firstStop } = await launch(client, { program: IMAGE, initrd: INITRD, args: 'console=ttyS0', symbols: [{ path: vmlinux }], stopOnEntry: true });
    await firstStop;
    await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ksys_write' }] });
    const atWrite = stopped(client, 100_000); // the boot to busybox's first write
    await client.continueRequest({ threadId: 1 });
    await atWrite;
    const top = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.equal(top.name, 'ksys_write');

    const t = Date.now();
    const scopes = await client.scopesRequest({ frameId: top.id });
    assert.deepEqual(scopes.body.scopes.slice(0, 2).map((s) => s.name), ['Locals', 'Globals']);
    const locals = new Map((await client.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference })).body.variables.map((v) => [v.name, v]));
    const localsMs = Date.now() - t;
    const regs = await scopeValues(client, 'Registers');
    // The calling convention: fd in a0, buf in a1, count in a2 (gdb: fd = 1, count = 2, buf = "1\n").
    assert.equal(BigInt(locals.get('fd')!.value), BigInt(regs.get('a0')!.value.split(' ')[0]));
    assert.equal(BigInt(locals.get('count')!.value), BigInt(regs.get('a2')!.value.split(' ')[0]));
    assert.equal(locals.get('fd')!.value, gdb.get('fd'));
    assert.equal(locals.get('count')!.value, gdb.get('count'));
    assert.equal(locals.get('fd')!.type, 'unsigned int');
    assert.equal(locals.get('count')!.type, 'size_t');
    assert.match(locals.get('buf')!.value, /^0x[0-9a-f]+ "1\\n"$/); // the address differs from run to run (brk randomisation)

    const ev = async (e: string) => (await client.evaluateRequest({ expression: e, frameId: top.id, context: 'watch' })).body;
    assert.equal((await ev('init_task.comm')).result, gdb.get('init_task.comm'));
    assert.equal((await ev('&init_task')).result, gdb.get('&init_task'));
    assert.equal((await ev('sizeof(struct task_struct)')).result, gdb.get('sizeof(struct task_struct)'));
    assert.equal((await ev('init_task.tasks.next != 0')).result, gdb.get('init_task.tasks.next != 0'));
    // The first console write comes from the same busybox process on QEMU and here.
    assert.equal((await ev('((struct task_struct *)$tp)->comm')).result, gdb.get('((struct task_struct *)$tp)->comm'));
    assert.ok(Number((await ev('((struct task_struct *)$tp)->pid')).result) > 1);
    const task = await ev('*(struct task_struct *)$tp');
    assert.equal(task.type, 'struct task_struct');
    assert.ok(task.variablesReference > 0);
    const members = (await client.variablesRequest({ variablesReference: task.variablesReference })).body.variables;
    assert.ok(members.some((m) => m.name === 'comm' && m.evaluateName === '(*(struct task_struct *)$tp).comm'));
    console.log(`    (Locals of ksys_write in ${localsMs} ms, the kernel's DWARF parsed unit by unit)`);
  });
});
