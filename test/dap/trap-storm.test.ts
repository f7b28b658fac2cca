/**
 * The debugger pauses a guest in a trap storm (its trap vector traps: test/guests/reproducers)
 * as promptly as a busy one: trap entries spend the run budget between the adapter's looks at
 * its requests. It used to take 34 s.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT, launch, startClient, stopped, topFrame } from './dap-helpers';

const STORM = join(ROOT, 'test/guests/reproducers/build/trap-storm.elf');

describe('debug adapter: a guest in a trap storm', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('pauses it at once, at the ebreak its trap vector points to', async () => {
    await launch(dc, { program: STORM });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    const [, ev] = await Promise.all([dc.pauseRequest({ threadId: 1 }), stopped(dc, 5000)]);
    const ms = performance.now() - t0;
    assert.equal(ev.body.reason, 'pause');
    assert.ok(ms < 2000, `pause took ${ms.toFixed(0)} ms`); // a guard against the old 34 s, not a measurement
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x8020000c');
  });
});
