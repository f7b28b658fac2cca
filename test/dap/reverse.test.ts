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
