/** `restart`: the guest re-boots with the same configuration and keeps its breakpoints, even mid-run. */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, sample, startClient, stopped, topFrame } from './dap-helpers';

describe('debug adapter: restart', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('re-boots to the entry, keeps breakpoints, and restarts a running guest', async () => {
    const outputs: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stdout') outputs.push(e.body.output); });
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_get_spec_version' }] });
    const [, bp] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(bp.body.reason, 'function breakpoint');
    const [, entry] = await Promise.all([dc.customRequest('restart', {}), stopped(dc)]);
    assert.equal(entry.body.reason, 'entry');
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200000');
    const [, again] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(again.body.reason, 'function breakpoint');
    assert.equal((await topFrame(dc)).name, 'sbi_get_spec_version');
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    assert.equal(outputs.join('').split('Hello from a Hyperscope guest!').length, 3, 'greeted by the first run and by the one after the restarts');
  });

  it('restarts a running guest: the old run ends silently, the new one stops at its entry', async () => {
    const { firstStop } = await launch(dc, { program: sample('cpu-bound'), stopOnEntry: true });
    await firstStop;
    await dc.continueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 200));
    const [, entry] = await Promise.all([dc.customRequest('restart', {}), stopped(dc)]);
    assert.equal(entry.body.reason, 'entry');
    assert.equal((await topFrame(dc)).name, '_start');
    const info = await dc.evaluateRequest({ expression: 'info vcpus', context: 'repl' });
    assert.match(info.body.result, /instret=0$/);
  });
});
