/**
 * The debug adapter over DAP on the samples: entry, breakpoints (source, function,
 * instruction, exit filters with conditions), stepping, stack traces, disassembly, memory,
 * evaluation, pause, exit statistics and configuration errors.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { parseElf } from '../../hypervisor-core/machine/loaders/elf';
import { ROOT, launch, sample, scopeValues, startClient, stopped, topFrame } from './dap-helpers';

const HELLO_C = join(ROOT, 'samples/hello/hello.c');

describe('debug adapter (DAP)', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('stops on entry at the kernel entry point, with one thread per vCPU', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true, vcpus: 2 });
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'entry');
    const threads = await dc.threadsRequest();
    assert.deepEqual(threads.body.threads.map((t) => t.name), ['vCPU 0', 'vCPU 1']);
    const f = await topFrame(dc);
    assert.equal(f.name, '_start');
    assert.equal(f.instructionPointerReference, '0x80200000');
    assert.match(f.source?.path ?? '', /samples\/common\/crt0\.S$/);
    assert.equal(f.line, 22);
  });

  it('stops at a source breakpoint in hello.c, with the functions on the stack', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello') }, async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line: 48 }] });
      assert.equal(r.body.breakpoints[0].verified, true);
      assert.equal(r.body.breakpoints[0].line, 48);
    });
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'breakpoint');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const top = st.body.stackFrames[0];
    assert.equal(top.source?.path, HELLO_C);
    assert.equal(top.line, 48);
    assert.ok(st.body.stackFrames.every((f) => /^0x[0-9a-f]+$/.test(f.instructionPointerReference ?? '')));
    const names = st.body.stackFrames.map((f) => f.name);
    assert.equal(names[0], 'say_hello'); // inlined into main at -O2: named from DWARF
    assert.ok(names.includes('_start'), names.join(','));
  });

  it('stops at a function breakpoint and steps out to the caller', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello') }, () =>
      dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_get_spec_version' }] }));
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'function breakpoint');
    assert.equal((await topFrame(dc)).name, 'sbi_get_spec_version');
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await Promise.all([dc.stepOutRequest({ threadId: 1 }), stopped(dc)]);
    const f = await topFrame(dc);
    assert.notEqual(f.name, 'sbi_get_spec_version');
    assert.equal(f.source?.path, HELLO_C);
  });

  it('steps by instruction and by line', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200004');
    await Promise.all([dc.stepInRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200008');
    const before = await topFrame(dc);
    const ev = (await Promise.all([dc.nextRequest({ threadId: 1 }), stopped(dc)]))[1];
    assert.equal(ev.body.reason, 'step');
    const after = await topFrame(dc);
    assert.ok(after.line !== before.line, `line ${before.line} -> ${after.line}`);
    assert.equal(after.instructionPointerReference, '0x80200010'); // crt0.S line 25 starts there
  });

  it('steps into a called function by line', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello') }, () =>
      dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x802000c2' }] })); // jal printf
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'instruction breakpoint');
    await Promise.all([dc.stepInRequest({ threadId: 1 }), stopped(dc)]);
    const f = await topFrame(dc);
    assert.equal(f.name, 'printf');
    assert.match(f.source?.path ?? '', /samples\/common\/printf\.c$/);
  });

  it('disassembles around pc as objdump does', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    const r = await dc.customRequest('disassemble', { memoryReference: '0x80200018', instructionOffset: -2, instructionCount: 5 });
    const got = (r.body.instructions as { address: string; instruction: string; instructionBytes: string }[])
      .map((i) => `${i.address} ${i.instructionBytes} ${i.instruction}`);
    // riscv64-unknown-elf-objdump -d samples/hello/hello.elf (binutils 2.40)
    assert.deepEqual(got, [
      '0x80200014 822a mv tp,a0',
      '0x80200016 42a1 li t0,8',
      '0x80200018 06557a63 bgeu a0,t0,8020008c <_park>',
      '0x8020001c 00002117 auipc sp,0x2',
      '0x80200020 9e410113 add sp,sp,-1564',
    ]);
  });

  it('reads guest memory: the ELF bytes at the entry, and physical addresses by prefix', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    const text = parseElf(readFileSync(sample('hello'))).sectionBytes('.text')!.subarray(0, 64);
    const r = await dc.customRequest('readMemory', { memoryReference: '0x80200000', count: 64 });
    assert.deepEqual(new Uint8Array(Buffer.from(r.body.data, 'base64')), new Uint8Array(text));
    const p = await dc.customRequest('readMemory', { memoryReference: 'phys:0x80200000', offset: 4, count: 4 });
    assert.deepEqual(new Uint8Array(Buffer.from(p.body.data, 'base64')), new Uint8Array(text.subarray(4, 8)));
    const w = await dc.customRequest('writeMemory', { memoryReference: '0x80300000', data: Buffer.from([1, 2, 3, 4]).toString('base64') });
    assert.equal(w.body.bytesWritten, 4);
    const e = await dc.evaluateRequest({ expression: '*(uint32_t*)0x80300000', context: 'repl' });
    assert.match(e.body.result, /^0x4030201 /);
  });

  it('evaluates registers, memory commands, exits and info vcpus; sets registers', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    const a1 = await dc.evaluateRequest({ expression: '$a1', context: 'repl' });
    assert.match(a1.body.result, /^0x8[0-9a-f]+ /); // the device tree address
    const x = await dc.evaluateRequest({ expression: 'x/2xw 0x80200000', context: 'repl' });
    assert.match(x.body.result, /^0x80200000 <_start>:\t0x10401073\t0x14001073$/);
    const sym = await dc.evaluateRequest({ expression: 'main', context: 'repl' });
    assert.match(sym.body.result, /^0x802000a4 .*<main>/);
    assert.match((await dc.evaluateRequest({ expression: 'info vcpus', context: 'repl' })).body.result, /^vCPU 0: runnable pc=0x80200000 <_start> VS/);
    assert.match((await dc.evaluateRequest({ expression: 'exits', context: 'repl' })).body.result, /VM-EXIT/);
    const regs = await scopeValues(dc, 'Registers');
    assert.equal(regs.get('pc')?.value, '0x80200000 <_start>');
    assert.equal(regs.get('pc')?.memoryReference, '0x80200000');
    const frame = await topFrame(dc);
    const scopes = await dc.scopesRequest({ frameId: frame.id });
    assert.deepEqual(scopes.body.scopes.map((s) => s.name), ['Registers', 'Guest CSRs', 'Hypervisor', 'VM exit']);
    await dc.setVariableRequest({ variablesReference: scopes.body.scopes[0].variablesReference, name: 't1', value: '0x1234' });
    assert.match((await dc.evaluateRequest({ expression: '$t1 + 1', context: 'repl' })).body.result, /^0x1235 /);
    const hyp = await scopeValues(dc, 'Hypervisor');
    assert.match(hyp.get('hgatp')?.value ?? '', /^0x[89]/); // Sv39x4 or Sv48x4
  });

  it('stops on an SBI exit only when the condition holds (eid == DBCN)', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello') }, () => dc.setExceptionBreakpointsRequest({
      filters: [], filterOptions: [{ filterId: 'exit-sbi', condition: 'eid == 0x4442434E' }],
    }));
    let next = firstStop;
    for (let k = 0; k < 2; k++) {
      const ev = await next;
      assert.equal(ev.body.reason, 'exception');
      const exit = await scopeValues(dc, 'VM exit');
      assert.equal(exit.get('reason')?.value, 'sbi');
      assert.equal(exit.get('eid')?.value, '0x4442434e');
      assert.equal(exit.get('sbi')?.value, 'DBCN.console_write');
      const info = await dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'exit-sbi');
      assert.match(info.body.details?.message ?? '', /DBCN\.console_write/);
      next = stopped(dc);
      await dc.continueRequest({ threadId: 1 });
    }
    await next;
    // The BASE calls before the first write never stopped: the trace holds them.
    const trace = await dc.customRequest('hyperscope.exitTrace', {});
    assert.ok(trace.body.exits.some((e: { sbi?: { name: string } }) => e.sbi?.name.startsWith('BASE.')));
  });

  it('reports the UART access of an MMIO exit', async () => {
    const { firstStop } = await launch(dc, { program: sample('uart') }, () => dc.setExceptionBreakpointsRequest({
      filters: [], filterOptions: [{ filterId: 'exit-mmio', condition: 'gpa >= 0x10000000 && gpa < 0x10000008' }],
    }));
    await firstStop;
    const exit = await scopeValues(dc, 'VM exit');
    assert.equal(exit.get('reason')?.value, 'mmio');
    assert.equal(exit.get('device')?.value, 'uart0');
    assert.match(exit.get('address')?.value ?? '', /^0x1000000[0-7]$/);
  });

  it('pauses a spinning guest at once, long before its end', async () => {
    // Interpreted: translated, the whole sample now ends in about 0.15 s, before the pause.
    await launch(dc, { program: sample('cpu-bound'), jit: false });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    // The guard (2 s) is against waiting for the guest; the time itself is a figure (100 ms or less on a quiet machine).
    const [, ev] = await Promise.all([dc.pauseRequest({ threadId: 1 }), stopped(dc, 2000)]);
    const ms = performance.now() - t0;
    assert.equal(ev.body.reason, 'pause');
    console.log(`    (pause answered in ${ms.toFixed(1)} ms)`);
    const f = await topFrame(dc);
    assert.match(f.source?.path ?? '', /samples\/(cpu-bound|common)\//);
    // Stopped mid-computation: far fewer than the benchmark's 300 M instructions ran.
    const info = await dc.evaluateRequest({ expression: 'info vcpus', context: 'repl' });
    const instret = Number(/instret=(\d+)/.exec(info.body.result)?.[1]);
    assert.ok(instret > 0 && instret < 250_000_000, info.body.result);
  });

  it('returns exit statistics equal to the CLI --stats-json with icount', async () => {
    await launch(dc, { program: sample('hello') });
    await dc.waitForEvent('terminated');
    const r = await dc.customRequest('hyperscope.exitStats', {});
    assert.equal(r.body.schema, 'hyperscope.exit-stats/1');
    const out = join(mkdtempSync(join(tmpdir(), 'hyperscope-dap-')), 'stats.json');
    execFileSync('node', [join(ROOT, 'dist/cli.js'), 'run', '--clock', 'icount', '--stats-json', out, sample('hello')], { stdio: 'ignore' });
    const cli = JSON.parse(readFileSync(out, 'utf8'));
    const counts = (rep: { reasons: { key: string; samples: number }[]; sbi: { key: string; samples: number }[] }) =>
      [...rep.reasons, ...rep.sbi].map((x) => `${x.key}=${x.samples}`).sort();
    assert.ok(r.body.totalExits > 0);
    assert.deepEqual(counts(r.body), counts(cli));
    assert.equal(r.body.instructions, cli.instructions);
    // The same guest pcs behind each reason, named from the ELF symbols in both.
    type Attr = { reason: string; samples: number; sites: { pc: string; count: number; symbol?: string }[] };
    const sites = (a: Attr[]) => a.map((x) => [x.reason, x.samples, x.sites.map((s) => `${s.pc}=${s.count}@${s.symbol}`)]);
    assert.ok(cli.attribution.length > 0);
    assert.deepEqual(sites(r.body.attribution), sites(cli.attribution));
  });

  it('samples guest call stacks at SBI exits and sends them folded, with the flame graph event', async () => {
    const graphs: { samples: number; folded: string }[] = [];
    dc.on('hyperscope.exitStacks', (e) => graphs.push(e.body));
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    await assert.rejects(dc.customRequest('hyperscope.exitStacks', { reason: 'nope' }), /unknown exit reason 'nope'/);
    await assert.rejects(dc.customRequest('hyperscope.exitStacks', { reason: 'sbi', period: 0 }), /period/);
    const started = await dc.customRequest('hyperscope.exitStacks', { reason: 'sbi' });
    assert.equal(started.body.samples, 0);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    const g = (await dc.customRequest('hyperscope.exitStacks', {})).body;
    const stats = (await dc.customRequest('hyperscope.exitStats', {})).body;
    assert.equal(g.samples, stats.reasons.find((r: { key: string }) => r.key === 'sbi').samples);
    // hello.c prints through the SBI debug console: its wrapper in samples/common/sbi.c makes the ecall.
    assert.match(g.folded, /^_start;main;.*sbi_ecall \d+$/m);
    assert.ok(graphs.length > 0 && graphs[graphs.length - 1].samples === g.samples, 'the last event has every sample');
  });

  it('sends the guest console as output events', async () => {
    const outputs: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stdout') outputs.push(e.body.output); });
    await launch(dc, { program: sample('hello') });
    await dc.waitForEvent('terminated');
    assert.match(outputs.join(''), /Hello from a Hyperscope guest!/);
  });

  it('answers bad configurations with one-line errors', async () => {
    const err = async (args: Record<string, unknown>): Promise<string> => {
      try {
        await dc.launch({ cwd: ROOT, ...args });
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('launch succeeded');
    };
    assert.match(await err({}), /needs 'program'/);
    assert.match(await err({ program: 'samples/nope.elf' }), /cannot read program '.*nope\.elf': no such file/);
    assert.match(await err({ program: 'samples/hello/hello.c' }), /hello\.c: .*not/i);
    assert.match(await err({ program: sample('hello'), memory: 'lots' }), /invalid memory size 'lots'/);
    assert.match(await err({ program: sample('hello'), vcpus: 0 }), /vcpus must be/);
  });
});
