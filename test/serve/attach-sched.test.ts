/**
 * A VM under DAP attach runs inside the daemon's credit scheduler as it does under its own run
 * loop: while the debugger runs it, each slice holds one of the daemon's host-CPU slots and is
 * debited to the VM, so against another CPU-bound VM its share follows the weights (Xen's
 * credit1 definition: shares proportional to weights under contention; 512:256 gives 2:1);
 * a debuggee stopped in the debugger holds no slot, and the other VM runs on all of it.
 * Guests: test/guests/reproducers/src/spin.S (CPU-bound, never idle).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, stopped } from '../dap/dap-helpers';
import { GUESTS, TestDaemon, startTestDaemon, until } from './daemon-harness';

type Sched = { units: number; weight: number };

/** Budget units both VMs run together between two readings (400 slices of 50 000). */
const WINDOW_UNITS = 20_000_000;

describe('hyperscope serve: a DAP-attached VM in the credit scheduler', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let dc: DebugClient | undefined;
  const sched = (name: string) => d.client.call<Sched>('GET', `/v1/vms/${name}/sched`);
  const both = () => Promise.all([sched('a'), sched('b')]);
  /** Units each VM ran while both together ran WINDOW_UNITS. */
  const shares = async (): Promise<[number, number]> => {
    const [a0, b0] = await both();
    const [a1, b1] = await until('the VMs to run a window', async () => {
      const r = await both();
      return r[0].units - a0.units + r[1].units - b0.units >= WINDOW_UNITS ? r : undefined;
    });
    return [a1.units - a0.units, b1.units - b0.units];
  };

  before(async () => {
    d = await startTestDaemon('--host-threads', '1');
    assert.equal(d.vm('create', 'a', path.join(GUESTS, 'spin.elf'), '--memory', '16M', '--weight', '512').status, 0);
    assert.equal(d.vm('create', 'b', path.join(GUESTS, 'spin.elf'), '--memory', '16M').status, 0);
  });
  after(async () => {
    await dc?.stop();
    if (d) assert.equal(await d.stop(), 0);
  });

  it('runs a debugged VM on slots by its weight (2:1 within 10%); stopped, it holds none', async () => {
    dc = new DebugClient('node', ADAPTER, 'hyperscope');
    dc.defaultTimeout = 20_000;
    await dc.start();
    await dc.initializeRequest({ adapterID: 'hyperscope', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest({ vm: 'a', host: d.host } as DebugProtocol.AttachRequestArguments)]);
    await dc.configurationDoneRequest();

    const [a, b] = await shares();
    assert.ok(Math.abs(a / b - 2) < 0.2, `under the debugger a ran ${a}, b ${b}: ${a / b}`);

    await Promise.all([dc.pauseRequest({ threadId: 1 }), stopped(dc)]);
    const [a2, b2] = await shares();
    assert.equal(a2, 0, 'a debuggee stopped in the debugger runs no slice');
    assert.ok(b2 >= WINDOW_UNITS, `b ran ${b2} on the slot a left`);

    await dc.disconnectRequest({ terminateDebuggee: false });
    await dc.stop();
    dc = undefined;
    const [a3, b3] = await shares();
    assert.ok(Math.abs(a3 / b3 - 2) < 0.2, `after the detach a ran ${a3}, b ${b3}: ${a3 / b3}`);
  });
});
