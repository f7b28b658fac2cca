/**
 * Data breakpoints (watchpoints on guest virtual addresses, with hit conditions) and the
 * guest trap filters (`guest-exception`, `guest-interrupt` with conditions) over DAP.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, sample, scopeValues, startClient, stopped, topFrame } from './dap-helpers';

describe('debug adapter: watchpoints and guest traps', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  const syscalls = async (): Promise<string> =>
    (await dc.evaluateRequest({ expression: '*(uint32_t*)(stats + 16)', context: 'repl' })).body.result.split(' ')[0];

  it('stops before a watched write, steps over it, and honours hit counts', async () => {
    let id = 0;
    const { firstStop } = await launch(dc, { program: sample('paging') }, async () => {
      const info = await dc.dataBreakpointInfoRequest({ name: '*(uint32_t*)(stats + 16)' }); // stats.syscalls
      assert.equal(info.body.dataId, '0x80267020/4');
      assert.deepEqual(info.body.accessTypes, ['write', 'read', 'readWrite']);
      const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
      assert.equal(r.body.breakpoints[0].verified, true);
      id = r.body.breakpoints[0].id!;
    });
    const bss = await firstStop; // crt0 clears .bss 8 bytes at a time
    assert.equal(bss.body.reason, 'data breakpoint');
    assert.deepEqual(bss.body.hitBreakpointIds, [id]);
    assert.match(bss.body.description ?? '', /^watchpoint: write of 8 bytes at 0x80267020$/);
    const [, ev] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.match(ev.body.description ?? '', /^watchpoint: write of 4 bytes at 0x80267020$/);
    assert.equal((await topFrame(dc)).name, 'handle_syscall');
    assert.equal(await syscalls(), '0x0'); // the store has not happened
    await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    assert.equal(await syscalls(), '0x1');
    // From now on: the 5th write (value 4 before it).
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: '0x80267020/4', accessType: 'write', hitCondition: '4' }] });
    const [, again] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(again.body.reason, 'data breakpoint');
    assert.equal(await syscalls(), '0x4');
    await dc.setDataBreakpointsRequest({ breakpoints: [] });
    const outputs: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stdout') outputs.push(e.body.output); });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    assert.match(outputs.join(''), /task exited with code 0 after 7 system calls/);
  });

  it('watches reads through a register and an address expression, with a condition', async () => {
    const { firstStop } = await launch(dc, { program: sample('paging') }, () =>
      dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'handle_syscall' }] }));
    await firstStop;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const scopes = await dc.scopesRequest({ frameId: (await topFrame(dc)).id });
    const regs = scopes.body.scopes.find((s) => s.name === 'Registers')!.variablesReference; // Locals and Globals come first in C code
    const viaReg = await dc.dataBreakpointInfoRequest({ variablesReference: regs, name: 'a0' }); // the trap frame
    assert.match(viaReg.body.dataId ?? '', /^0x8[0-9a-f]+\/8$/);
    assert.match(viaReg.body.description, /where a0 points/);
    const exit = scopes.body.scopes.find((s) => s.name === 'VM exit')!.variablesReference;
    assert.equal((await dc.dataBreakpointInfoRequest({ variablesReference: exit, name: 'gpa' })).body.dataId, null);
    const info = await dc.dataBreakpointInfoRequest({ name: 'stats + 16', bytes: 4 });
    assert.equal(info.body.dataId, '0x80267020/4');
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'read', condition: '$pc != 0' }] });
    const [, ev] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.match(ev.body.description ?? '', /^watchpoint: read of 4 bytes at 0x80267020$/);
    const bad = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'nonsense' }, { dataId: '0x1/0' }] });
    assert.deepEqual(bad.body.breakpoints.map((b) => [b.verified, b.message]), [[false, 'invalid data breakpoint id'], [false, 'watch size must be 1..4096 bytes']]);
  });

  it('stops on a guest exception by cause, before the guest handler runs', async () => {
    const { firstStop } = await launch(dc, { program: sample('paging') }, () => dc.setExceptionBreakpointsRequest({
      filters: [], filterOptions: [{ filterId: 'guest-exception', condition: 'cause == 13' }],
    }));
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'exception');
    assert.match(ev.body.description ?? '', /^guest exception: load page fault \(cause 13\)$/);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'guest-exception');
    assert.match(info.body.details?.message ?? '', /at 0x40[0-9a-f]+ from VU-mode, stval 0x403018;/);
    const csrs = await scopeValues(dc, 'Guest CSRs');
    assert.equal(csrs.get('scause')?.value, '0xd');
    assert.equal(csrs.get('stval')?.value, '0x403018');
    const regs = await scopeValues(dc, 'Registers');
    assert.equal(regs.get('pc')?.value.split(' ')[0], csrs.get('stvec')?.value.split(' ')[0]); // at the handler
    const [, next] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.match(next.body.description ?? '', /load page fault/);
    assert.equal((await scopeValues(dc, 'Guest CSRs')).get('stval')?.value, '0x404000'); // from S-mode (SUM)
  });

  it('stops on a guest timer interrupt', async () => {
    const { firstStop } = await launch(dc, { program: sample('timer') }, () => dc.setExceptionBreakpointsRequest({
      filters: [], filterOptions: [{ filterId: 'guest-interrupt', condition: 'cause == 5' }, { filterId: 'guest-exception', condition: 'cause ==' }],
    }).then((r) => assert.deepEqual(r.body?.breakpoints?.map((b) => b.verified), [true, false])));
    const ev = await firstStop;
    assert.match(ev.body.description ?? '', /^guest interrupt: timer interrupt \(cause 5\)$/);
    assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'guest-interrupt');
  });
});
