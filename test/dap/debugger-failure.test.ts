/**
 * A run that fails inside the debugger (a bug, not the guest's doing) stops the guest with one
 * line instead of leaving it "running" for ever: GuestDebugger.fail, which the adapter calls
 * when a background run or step rejects. Through the facade, no adapter process.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { GuestDebugger, StopEvent } from '../../hypervisor-core/debug/guest-debugger';
import { ROOT, sample } from './dap-helpers';

describe('debugger facade: a failed run', function () {
  this.timeout(20_000);

  it('stops with the failure as text, ends the old loop, and can run and pause again', async () => {
    const d = GuestDebugger.launch({
      kernel: readFileSync(sample('cpu-bound')), programPath: sample('cpu-bound'), vcpus: 1, memory: 128 * 1024 * 1024, clock: 'icount', cwd: ROOT,
    });
    const stops: StopEvent[] = [];
    d.on('stopped', (e: StopEvent) => stops.push(e));
    const run = d.continue();
    await new Promise((r) => setImmediate(r));
    assert.equal(d.state, 'running');
    d.fail('internal error: something broke');
    assert.equal(d.state, 'stopped');
    assert.deepEqual([stops[0].reason, stops[0].description, stops[0].text], ['exception', 'debugger error', 'internal error: something broke']);
    await run; // the old loop saw the failure and returned
    assert.equal(stops.length, 1);
    const again = d.continue();
    await new Promise((r) => setImmediate(r));
    d.pause();
    await again;
    assert.equal(stops[1].reason, 'pause');
    d.fail('not running: nothing to do');
    assert.equal(stops.length, 2);
    d.terminate();
  });
});
