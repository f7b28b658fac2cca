/**
 * Reverse debugging (DAP supportsStepBack): stepBack over five instruction steps shows the
 * registers each step showed on the way forward, and reverseContinue goes back to the
 * previous breakpoint hit, as gdb's reverse-stepi and reverse-continue do over a recording.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, launch, sample, scopeValues, startClient, stopped, topFrame } from './dap-helpers';

/** The Registers scope as name=value lines, and the pc. */
async function registers(dc: DebugClient): Promise<string> {
  const regs = await scopeValues(dc, 'Registers');
  return [...regs].map(([k, v]) => `${k}=${v.value}`).join('\n') + `\npc=${(await topFrame(dc)).instructionPointerReference}`;
}

describe('debug adapter: reverse execution', function () {
  this.timeout(30_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('steps back five instructions with the registers of the way forward, then reverse-continues to the breakpoint', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true, clock: 'icount' });
    await firstStop;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_get_spec_version' }] });
    const [, bp] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(bp.body.reason, 'function breakpoint');
    const seen = [await registers(dc)];
    for (let i = 0; i < 5; i++) {
      await Promise.all([dc.stepInRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
      seen.push(await registers(dc));
    }
    assert.notEqual(seen[5], seen[0], 'the steps changed something');
    for (let i = 4; i >= 0; i--) {
      const [, back] = await Promise.all([dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
      assert.equal(back.body.reason, 'step');
      assert.equal(await registers(dc), seen[i], `after ${5 - i} step(s) back`);
    }
    // Forward again over the same instructions: the same registers (the replayed past is the past).
    for (let i = 1; i <= 5; i++) {
      await Promise.all([dc.stepInRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
      assert.equal(await registers(dc), seen[i]);
    }
    const [, rc] = await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(rc.body.reason, 'breakpoint');
    assert.equal((await topFrame(dc)).name, 'sbi_get_spec_version');
    assert.equal(await registers(dc), seen[0], 'back at the breakpoint hit, as it was');
  });

  for (const [name, extra] of [['shadow paging', { mmu: 'shadow' }], ['trap-and-emulate', { cpuVirt: 'trap-emulate' }]] as const) {
    it(`under ${name}: steps back over five instructions of a paging kernel and reverse-continues (checkpoints drop the shadow tables, a replay refills them)`, async () => {
      const { firstStop } = await launch(dc, { program: sample('paging'), clock: 'icount', ...extra },
        () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'map_user_page' }] }));
      assert.equal((await firstStop).body.reason, 'function breakpoint');
      // samples/paging: the second map_user_page is the task's first demand-paged fault, taken with paging on.
      await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
      const seen = [await registers(dc) + (await scopeValues(dc, 'Guest CSRs')).get('satp')!.value];
      for (let i = 0; i < 5; i++) {
        await Promise.all([dc.stepInRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
        seen.push(await registers(dc) + (await scopeValues(dc, 'Guest CSRs')).get('satp')!.value);
      }
      for (let i = 4; i >= 0; i--) {
        await Promise.all([dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
        assert.equal(await registers(dc) + (await scopeValues(dc, 'Guest CSRs')).get('satp')!.value, seen[i], `after ${5 - i} step(s) back`);
      }
      // On past two more hits, then back to the last one before: the same registers as the way forward.
      await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
      const third = await registers(dc);
      await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
      const [, rc] = await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), stopped(dc)]);
      assert.equal(rc.body.reason, 'breakpoint');
      assert.equal(await registers(dc), third);
    });
  }

  it('on 2 vCPUs (icount: one thread, a deterministic round robin): reverse-continue to the previous hits and step back over instruction steps, every vCPU as it was', async () => {
    /** Each vCPU's Registers scope and pc. */
    const both = async (): Promise<string> => {
      const out: string[] = [];
      for (const threadId of [1, 2]) {
        const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
        const scope = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((x) => x.name === 'Registers')!;
        const vars = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
        out.push(`vCPU ${threadId - 1}: ` + vars.map((v) => `${v.name}=${v.value}`).join(' ') + ` pc=${frame.instructionPointerReference}`);
      }
      return out.join('\n');
    };
    const { firstStop } = await launch(dc, { program: sample('smp'), vcpus: 2, clock: 'icount' },
      () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'printf' }] }));
    // samples/smp: hart 0 prints its first lines, then hart 1 "hart 1 started", then hart 0 again.
    const hits: { thread: number; regs: string }[] = [];
    let stop = await firstStop;
    for (;;) {
      hits.push({ thread: stop.body.threadId!, regs: await both() });
      if (hits.length === 5) break;
      [, stop] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    }
    assert.ok(hits.some((h) => h.thread === 2) && hits.some((h) => h.thread === 1), `both vCPUs hit printf: ${hits.map((h) => h.thread)}`);
    for (let k = 3; k >= 1; k--) {
      const [, rc] = await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), stopped(dc)]);
      assert.equal(rc.body.reason, 'breakpoint');
      assert.equal(rc.body.threadId, hits[k].thread, `back at hit ${k}: on the vCPU that hit it`);
      assert.equal(await both(), hits[k].regs, `back at hit ${k}: every vCPU as it was`);
    }
    // Instruction steps of the stopped vCPU (the other stays still), then back over them.
    const thread = hits[1].thread;
    const seen = [await both()];
    for (let i = 0; i < 4; i++) {
      await Promise.all([dc.stepInRequest({ threadId: thread, granularity: 'instruction' }), stopped(dc)]);
      seen.push(await both());
    }
    for (let i = 3; i >= 0; i--) {
      await Promise.all([dc.stepBackRequest({ threadId: thread, granularity: 'instruction' }), stopped(dc)]);
      assert.equal(await both(), seen[i], `after ${4 - i} step(s) back`);
    }
    // Forward again from the replayed past: the recorded future, hit 2 first.
    const [, again] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(again.body.threadId, hits[2].thread);
    assert.equal(await both(), hits[2].regs);
  });

  it('refuses reverse execution on 2 vCPUs without the icount clock, in one line', async () => {
    const { firstStop } = await launch(dc, { program: sample('smp'), vcpus: 2, clock: 'realtime' },
      () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'printf' }] }));
    await firstStop;
    await assert.rejects(dc.reverseContinueRequest({ threadId: 1 }), /reverseContinue: reverse execution needs the icount clock/);
  });

  it('refuses stepBack with one line where there is no past (at the entry)', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true, clock: 'icount' });
    await firstStop;
    await assert.rejects(dc.stepBackRequest({ threadId: 1 }), /stepBack: at the first instruction: there is no past/);
  });

  it('"go to this exit" travels back to a traced SBI exit: pc at its ecall, a7/a6 its EID/FID, then on to the end', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true, clock: 'icount' });
    await firstStop;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_system_reset' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    const trace = await dc.customRequest('hyperscope.exitTrace', {});
    const exits = trace.body.exits as { seq: number; reason: string; pc: string; instret: number; sbi?: { eid: number; fid: number } }[];
    // BASE get_impl_id (EID 0x10, FID 1), which print_sbi_info makes early on.
    const target = exits.find((e) => e.reason === 'sbi' && e.sbi?.eid === 0x10 && e.sbi.fid === 1);
    assert.ok(target, 'the trace has the BASE get_impl_id call');
    const [, stop] = await Promise.all([dc.customRequest('hyperscope.goToExit', { seq: target.seq }), stopped(dc)]);
    assert.equal(stop.body.reason, 'goto');
    assert.equal(BigInt((await topFrame(dc)).instructionPointerReference!), BigInt(target.pc), 'at the ecall that left');
    const regs = await scopeValues(dc, 'Registers');
    // SBI 2.0 calling convention: a7 holds the EID and a6 the FID of the call about to be made.
    assert.equal(BigInt(regs.get('a7')!.value.split(' ')[0]), 0x10n);
    assert.equal(BigInt(regs.get('a6')!.value.split(' ')[0]), 1n);
    // The past replayed is the past: on from there, the breakpoint is met again.
    const [, again] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(again.body.reason, 'function breakpoint');
    assert.equal((await topFrame(dc)).name, 'sbi_system_reset');
    await assert.rejects(dc.customRequest('hyperscope.goToExit', { seq: 1_000_000 }), /go to exit: exit #1000000 is no longer in the trace/);
  });

  it('"go to this exit" on 2 vCPUs (icount, one thread): travels to vCPU 1\'s hart_stop, that vCPU stopped at its ecall, and on to the same end', async () => {
    const { firstStop } = await launch(dc, { program: sample('smp'), vcpus: 2, clock: 'icount' },
      () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_shutdown' }] }));
    const end = await firstStop;
    assert.equal(end.body.reason, 'function breakpoint');
    const endRegs = await registers(dc);
    const trace = await dc.customRequest('hyperscope.exitTrace', {});
    const exits = trace.body.exits as { seq: number; vcpu: number; reason: string; pc: string; sbi?: { eid: number; fid: number } }[];
    // samples/smp: hart 1 ends with HSM hart_stop (EID 0x48534D "HSM", FID 1) after acknowledging its IPI.
    const target = exits.find((e) => e.vcpu === 1 && e.reason === 'sbi' && e.sbi?.eid === 0x48534d && e.sbi.fid === 1);
    assert.ok(target, 'the trace has vCPU 1\'s hart_stop');
    const [, stop] = await Promise.all([dc.customRequest('hyperscope.goToExit', { seq: target.seq }), stopped(dc)]);
    assert.equal(stop.body.reason, 'goto');
    assert.equal(stop.body.threadId, 2, 'the stop is on the exit\'s vCPU');
    const frame = (await dc.stackTraceRequest({ threadId: 2 })).body.stackFrames[0];
    assert.equal(BigInt(frame.instructionPointerReference!), BigInt(target.pc), 'vCPU 1 at the ecall that left');
    const scope = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((x) => x.name === 'Registers')!;
    const regs = new Map((await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables.map((v) => [v.name, v.value]));
    // SBI 2.0 calling convention: a7 holds the EID and a6 the FID of the call about to be made.
    assert.equal(BigInt(regs.get('a7')!.split(' ')[0]), 0x48534dn);
    assert.equal(BigInt(regs.get('a6')!.split(' ')[0]), 1n);
    // The past replayed is the past: on from there, both vCPUs reach the same shutdown call.
    const [, again] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(again.body.reason, 'function breakpoint');
    assert.equal(again.body.threadId, end.body.threadId);
    assert.equal(await registers(dc), endRegs);
  });

  it('refuses "go to this exit" on 2 vCPUs without the icount clock, in one line', async () => {
    const { firstStop } = await launch(dc, { program: sample('smp'), vcpus: 2, clock: 'realtime' },
      () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_shutdown' }] }));
    await firstStop;
    const trace = await dc.customRequest('hyperscope.exitTrace', {});
    const seq = (trace.body.exits as { seq: number }[])[0].seq;
    await assert.rejects(dc.customRequest('hyperscope.goToExit', { seq }), /^Error: go to exit: reverse execution needs the icount clock \("clock": "icount"\)$/);
  });

  it('refuses reverse execution of a VM with the realtime clock', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true, clock: 'realtime' });
    await firstStop;
    await Promise.all([dc.stepInRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    await assert.rejects(dc.reverseContinueRequest({ threadId: 1 }), /needs the icount clock/);
  });

  it('hyperscope.saveSnapshot at a breakpoint writes a file that hyperscope run --restore continues to the guest\'s end', async () => {
    const outputs: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stdout') outputs.push(e.body.output); });
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true, clock: 'icount' });
    await firstStop;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_get_spec_version' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hyperscope-dap-snap-')), 'vm.hsvm');
    const saved = await dc.customRequest('hyperscope.saveSnapshot', { path: file });
    assert.ok(saved.body.bytes > 0 && saved.body.instructions > 0);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hyperscope.js'), 'run', '--restore', file], { encoding: 'utf8', timeout: 30_000, input: '' });
    assert.equal(r.status, 0, r.stderr);
    // The console before the stop (in the session) and after it (the restored run) make the whole greeting run.
    const whole = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hyperscope.js'), 'run', sample('hello'), '--clock', 'icount'], { encoding: 'utf8', timeout: 30_000, input: '' });
    assert.equal(outputs.join('') + r.stdout, whole.stdout, 'as one uninterrupted run prints');
  });
});
