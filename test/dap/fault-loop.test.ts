/**
 * A guest whose trap vector is unmapped (stvec = 0) loops on a fault for ever, retiring
 * nothing: the debugger stops it with the reason instead of leaving it spinning silently.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT, launch, startClient } from './dap-helpers';

const GUEST = join(ROOT, 'test/guests/reproducers/build/stvec-zero.elf');

describe('debug adapter: a guest looping on a fault', function () {
  this.timeout(30_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('stops with reason exception and a description naming the cause, pc and stvec', async () => {
    const { firstStop } = await launch(dc, { program: GUEST });
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'exception');
    assert.equal(ev.body.description, 'guest loops on a fault');
    assert.equal(ev.body.text, 'vCPU 0 loops on an instruction guest-page fault at pc 0x0 (stvec 0x0): the guest\'s trap vector faults');
  });
});
