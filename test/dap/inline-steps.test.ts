/**
 * Stops and steps around inlined calls (issue 11, section 4) on samples/hello (-O2), where gcc
 * inlines say_hello (line 88), print_sbi_info (line 89) and shutdown (line 91) into main.
 *
 * Expected values come from gdb-multiarch 13.1 on QEMU 7.2's gdbstub with the same hello.elf
 * (`qemu-system-riscv64 -M virt -nographic -bios default -kernel samples/hello/hello.elf -s -S`,
 * then `gdb-multiarch -batch -ex 'target remote :1234' -ex 'b hello.c:88' -ex c -ex next -ex bt
 * -ex next -ex bt`, and `-ex 'b hello.c:57' -ex c -ex finish -ex 'p $pc'`):
 *   break 88, next  -> main () at hello.c:89 (pc 0x802000f8, where inlined print_sbi_info begins)
 *   next            -> main () at hello.c:90
 *   break 57, finish -> main () at hello.c:90, $pc = 0x80200204 <main+352>
 * and, from the issue's spec, a breakpoint on line 89 (`print_sbi_info();`, address 0x802000f8,
 * where the inlined copy begins) shows main at line 89; step in then enters print_sbi_info at
 * its line 56 without running anything, as gdb's `step` does at an inline call site. (gdb 13.1
 * itself reports that stop as print_sbi_info at line 56, while listing the breakpoint at line 89.)
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, launch, sample, startClient, stopped } from './dap-helpers';

const HELLO_C = join(ROOT, 'samples', 'hello', 'hello.c');

async function top(dc: DebugClient): Promise<{ name: string; line: number; pc: string; names: string[] }> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const f = st.body.stackFrames[0];
  return { name: f.name, line: f.line, pc: f.instructionPointerReference ?? '', names: st.body.stackFrames.map((x) => x.name) };
}

async function step(dc: DebugClient, kind: 'next' | 'stepIn' | 'stepOut'): Promise<DebugProtocol.StoppedEvent> {
  const s = stopped(dc);
  if (kind === 'next') await dc.nextRequest({ threadId: 1 });
  else if (kind === 'stepIn') await dc.stepInRequest({ threadId: 1 });
  else await dc.stepOutRequest({ threadId: 1 });
  return s;
}

describe('debug adapter: stops and steps around inlined calls (hello -O2)', function () {
  this.timeout(30_000);
  let dc: DebugClient | undefined;
  afterEach(async () => { await dc?.stop(); dc = undefined; });

  async function stopAt(line: number): Promise<DebugClient> {
    const client = dc = await startClient();
    const { firstStop } = await launch(client, { program: sample('hello') }, () =>
      client.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line }] }));
    assert.equal((await firstStop).body.reason, 'breakpoint');
    return client;
  }

  it('a breakpoint on a line whose first instruction begins an inlined call shows the caller at that line; step in enters the call without running', async () => {
    const client = await stopAt(89);
    const t = await top(client);
    assert.deepEqual([t.name, t.line, t.pc], ['main', 89, '0x802000f8']);
    assert.ok(!t.names.includes('print_sbi_info'), 'the inlined level is not shown yet');
    await step(client, 'stepIn');
    const inside = await top(client);
    assert.deepEqual([inside.name, inside.line, inside.pc], ['print_sbi_info', 56, '0x802000f8']);
    assert.deepEqual(inside.names.slice(0, 2), ['print_sbi_info', 'main']);
  });

  it('a breakpoint on the inlined function\'s own first line shows the inlined function', async () => {
    const client = await stopAt(56);
    const t = await top(client);
    assert.deepEqual([t.name, t.line], ['print_sbi_info', 56]);
  });

  it('step over does not wander into inlined callees (gdb: 88 -> 89 -> 90)', async () => {
    const client = await stopAt(88);
    assert.deepEqual([(await top(client)).name, (await top(client)).line], ['main', 88]);
    await step(client, 'next');
    const a = await top(client);
    assert.deepEqual([a.name, a.line, a.pc], ['main', 89, '0x802000f8']);
    await step(client, 'next');
    const b = await top(client);
    assert.deepEqual([b.name, b.line], ['main', 90]);
  });

  it('step out of an inlined frame returns to its caller\'s line (gdb finish: main at 90, pc 0x80200204)', async () => {
    const client = await stopAt(57);
    const t = await top(client);
    assert.deepEqual([t.name, t.line], ['print_sbi_info', 57]);
    const s = await step(client, 'stepOut');
    assert.equal(s.body.reason, 'step');
    const out = await top(client);
    assert.deepEqual([out.name, out.line, out.pc], ['main', 90, '0x80200204']);
  });
});
