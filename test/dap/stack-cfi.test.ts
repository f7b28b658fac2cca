/** Stack traces unwound with the samples' .debug_frame: at a function's first instruction (no frame record yet), through a trap frame. */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, sample, startClient } from './dap-helpers';

describe('debug adapter: call-frame unwinding', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('unwinds from a function entry up to the trap entry', async () => {
    const { firstStop } = await launch(dc, { program: sample('paging') }, () =>
      dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'pt_dump' }] }));
    await firstStop;
    const st = await dc.stackTraceRequest({ threadId: 1 });
    // handle_syscall is inlined into trap_handler: both are shown, as gdb and addr2line -i do.
    assert.deepEqual(st.body.stackFrames.map((f) => `${f.name} ${f.source?.name}:${f.line}`), [
      'pt_dump pagetable.c:105', 'finish paging.c:96', 'handle_syscall paging.c:157', 'trap_handler paging.c:169', 'trap_entry trap.S:56',
    ]);
  });
});
