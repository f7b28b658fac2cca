/**
 * Debug Console commands (issue 11, section 7) on samples/hello stopped at main. Expected
 * texts are gdb-multiarch 13.1's on QEMU 7.2's gdbstub with the same hello.elf
 * (`qemu-system-riscv64 -M virt -nographic -bios default -kernel samples/hello/hello.elf -s -S`;
 * `gdb-multiarch -batch -ex 'target remote :1234' -ex 'b main' -ex c -ex 'x/2gx 0x802016e0' ...`),
 * plus the ASCII column of hex bytes, which gdb does not print.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, sample, startClient } from './dap-helpers';

describe('debug adapter: Debug Console commands (help, x in gdb\'s forms)', function () {
  this.timeout(20_000);
  let dc: DebugClient;
  const run = async (expression: string): Promise<string> => (await dc.evaluateRequest({ expression, context: 'repl' })).body.result;

  before(async () => {
    dc = await startClient();
    const { firstStop } = await launch(dc, { program: sample('hello') }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'main' }] }));
    await firstStop;
  });
  after(async () => { await dc.stop(); });

  it('help lists the commands, and help COMMAND tells one', async () => {
    const help = await run('help');
    for (const c of ['x/NFU ADDR', 'translate ADDR', 'exits', 'info vcpus', 'help [COMMAND]']) assert.ok(help.includes(c), `${c} in:\n${help}`);
    assert.match(await run('help x'), /^x\/NFU ADDR\n {2}examine memory/);
    await assert.rejects(run('help nosuch'), /no command 'nosuch'/);
  });

  it('x takes the format and the unit in either order (x/2gx = x/2xg)', async () => {
    const gdb = '0x802016e0 <extensions>:\t0x0000000054494d45\t0x0000000080201648';
    assert.equal(await run('x/2gx 0x802016e0'), gdb);
    assert.equal(await run('x/2xg 0x802016e0'), gdb);
    assert.equal(await run('x/2xw 0x80200000'), '0x80200000 <_start>:\t0x10401073\t0x14001073');
    assert.equal(await run('x/3dh 0x802016e0'), '0x802016e0 <extensions>:\t19781\t21577\t0');
  });

  it('x/s prints C strings, x/c characters, x/a addresses with their symbols', async () => {
    assert.equal(await run('x/2s 0x80201430'), '0x80201430:\t"Hello from a Hyperscope guest!\\n"\n0x80201450:\t"hello: running in S-mode on hart %lu\\n"');
    assert.equal(await run('x/3c 0x80201430'), "0x80201430:\t72 'H'\t101 'e'\t108 'l'");
    assert.equal(await run('x/2a 0x802016e8'), '0x802016e8 <extensions+8>:\t0x80201648\t0x735049');
  });

  it('x/i marks the pc as gdb does', async () => {
    assert.equal(await run('x/3i $pc'), '=> 0x802000a4 <main>:\tadd\tsp,sp,-192\n   0x802000a6 <main+2>:\tsd\tra,184(sp)\n   0x802000a8 <main+4>:\tsd\ts0,176(sp)');
  });

  it('hex bytes end each line with an ASCII column', async () => {
    assert.equal(await run('x/10xb 0x80201430'),
      '0x80201430:\t0x48\t0x65\t0x6c\t0x6c\t0x6f\t0x20\t0x66\t0x72\t|Hello fr|\n0x80201438:\t0x6f\t0x6d\t|om|');
  });

  it('the Linux commands say what is missing on a guest without a kernel\'s symbols', async () => {
    await assert.rejects(run('lx-ps'), /^Error: lx-ps: the kernel symbol 'init_task' is not known: load the kernel's vmlinux/);
    await assert.rejects(run('lx-dmesg'), /lx-dmesg: the kernel symbol 'prb' is not known/);
    assert.match(await run('help'), /lx-dmesg +the Linux kernel log/);
    const k = (await dc.customRequest('hyperscope.linux', {})).body;
    assert.equal(k.tasks, undefined);
    assert.match(k.errors[0], /lx-ps: the kernel symbol 'init_task' is not known/);
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads[0].name, 'vCPU 0', 'no task names without a kernel');
  });

  it('refuses a bad x spec with one line', async () => {
    await assert.rejects(run('x/3q 0x80201430'), /'q' is not a format/);
    await assert.rejects(run('x/0x 0x80201430'), /count must be 1 to 4096/);
  });
});
