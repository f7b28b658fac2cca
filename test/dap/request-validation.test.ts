/**
 * No request can kill or hang the adapter: every request checks its arguments and answers
 * a bad one with an error response of one line (no JS stack), and the adapter keeps
 * answering afterwards. The reproducers of the robustness issue are here.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { ROOT, launch, sample, startClient, stopped, topFrame } from './dap-helpers';

/** The message of a failed request; fails the test when the request succeeds. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the request succeeded');
}

/** One line, no stack frames, no JS error class names. */
function assertOneLine(message: string, what: string): void {
  assert.ok(message.length > 0, `${what}: empty message`);
  assert.ok(!message.includes('\n'), `${what}: several lines: ${JSON.stringify(message)}`);
  assert.ok(!/\bat .*\(.*:\d+:\d+\)|\.js:\d+/.test(message), `${what}: a stack: ${message}`);
  assert.ok(!/^(TypeError|RangeError|Error):/.test(message), `${what}: a raw JS error: ${message}`);
  assert.ok(message.length <= 300, `${what}: ${message.length} characters`);
}

describe('debug adapter: request validation', function () {
  this.timeout(20_000);
  let dc: DebugClient;

  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('answers next/stepIn/stepOut on a thread that is no vCPU with an error, and keeps stepping', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    for (const [name, p] of [
      ['next 99', dc.nextRequest({ threadId: 99 })],
      ['stepIn 0', dc.stepInRequest({ threadId: 0 })],
      ['stepOut -1', dc.stepOutRequest({ threadId: -1 })],
      ['next 1.5', dc.nextRequest({ threadId: 1.5 })],
      ['next "1"', dc.nextRequest({ threadId: '1' } as never)],
    ] as const) {
      const msg = await refusal(p);
      assert.match(msg, /thread/, name);
      assertOneLine(msg, name);
    }
    // Still stopped where it was, and a good step works.
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200000');
    await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200004');
  });

  it('refuses a second configurationDone: no second entry stop, no second run loop on the same VM', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    assert.match(await refusal(dc.configurationDoneRequest()), /configurationDone was already sent/);
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    assert.match(await refusal(dc.configurationDoneRequest()), /configurationDone was already sent/);
    await ended;
  });

  it('answers attach without a VM name at once with an error', async () => {
    await dc.initializeRequest();
    const msg = await refusal(dc.attachRequest({ cwd: ROOT } as never));
    assert.equal(msg, 'attach needs "vm": the name of a VM of a hyperscope serve daemon (launch starts a guest of its own)');
  });

  it('answers every malformed request with one line and goes on', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    const bad: [string, Record<string, unknown> | undefined][] = [
      ['stackTrace', {}],
      ['stackTrace', { threadId: 1, startFrame: -5 }],
      ['stackTrace', { threadId: 1, levels: 'all' }],
      ['scopes', { frameId: 'x' }],
      ['scopes', { frameId: 99 * 65536 }],
      ['variables', { variablesReference: 123456 }],
      ['setVariable', { variablesReference: 1, name: 'pc' }],
      ['setBreakpoints', {}],
      ['setBreakpoints', { source: { path: 7 }, breakpoints: [{ line: 3 }] }],
      ['setBreakpoints', { source: { path: '/x.c' }, breakpoints: [{ line: 'three' }] }],
      ['setFunctionBreakpoints', {}],
      ['setFunctionBreakpoints', { breakpoints: [{ name: 5 }] }],
      ['setInstructionBreakpoints', { breakpoints: 'all' }],
      ['setExceptionBreakpoints', { filters: 'exit-sbi' }],
      ['setDataBreakpoints', { breakpoints: [{}] }],
      ['dataBreakpointInfo', { name: 3 }],
      ['readMemory', { memoryReference: 5, count: 4 }],
      ['readMemory', { memoryReference: '0x80200000', count: -1 }],
      ['readMemory', { memoryReference: '0x80200000', count: 1e9 }],
      ['readMemory', { memoryReference: '0x80200000', count: 4, offset: 0.5 }],
      ['readMemory', { memoryReference: '0x80200000zz', count: 4 }],
      ['readMemory', { memoryReference: '0x180200000' + '0'.repeat(8), count: 4 }],
      ['disassemble', { memoryReference: '18446744073709551616', instructionCount: 4 }],
      ['writeMemory', { memoryReference: '0x80300000' }],
      ['writeMemory', { memoryReference: '0x80300000', data: 'not base64!' }],
      ['disassemble', { memoryReference: '0x80200000' }],
      ['disassemble', { memoryReference: '0x80200000', instructionCount: 1e7 }],
      ['disassemble', { memoryReference: '0x80200000', instructionCount: 4, instructionOffset: -1e6 }],
      ['disassemble', { memoryReference: '0x80200000', instructionCount: 4, instructionOffset: 1e9 }],
      ['evaluate', {}],
      ['evaluate', { expression: 'x'.repeat(100_000) }],
      ['evaluate', { expression: '('.repeat(3000) + '1' + ')'.repeat(3000) }],
      ['exceptionInfo', { threadId: 42 }],
      ['continue', { threadId: 'one' }],
      ['pause', {}],
      ['hyperscope.exitTrace', { count: -3 }],
      ['hyperscope.pageTable', { vcpu: 7 }],
      ['hyperscope.translate', { address: [12] }],
      ['evaluate', { expression: '('.repeat(2000) + '1' + ')'.repeat(2000) }],
      ['stackTrace', 'args' as never],
      ['evaluate', undefined],
      ['noSuchRequest', {}],
      ['setExpression', { expression: '$a0', value: '1' }],
      ['goto', { threadId: 1, targetId: 1 }],
      ['source', { sourceReference: 1 }],
      ['launch', { program: sample('hello') }],
      ['dataBreakpointInfo', { name: '$sp', bytes: 1e9 }],
    ];
    for (const [command, args] of bad) {
      const what = `${command} ${JSON.stringify(args)?.slice(0, 60)}`;
      const msg = await refusal(dc.customRequest(command, args));
      assertOneLine(msg, what);
    }
    assert.match(await refusal(dc.evaluateRequest({ expression: '('.repeat(300) + '1' + ')'.repeat(300) })), /nested more than 256 levels/);
    assert.match(await refusal(dc.evaluateRequest({ expression: '!'.repeat(1000) + '1' })), /nested more than 256 levels/);
    // The adapter still answers, and the guest is where it was.
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200000');
    // Asking for the scopes again hands out the same references, not new ones each time.
    const frameId = (await topFrame(dc)).id;
    const refs = async () => (await dc.scopesRequest({ frameId })).body.scopes.map((x) => x.variablesReference);
    assert.deepEqual(await refs(), await refs());
  });

  it('disassembles with an instructionOffset of -1e6 quickly: an error, not a hang', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop;
    const msg = await refusal(dc.customRequest('disassemble', { memoryReference: '0x80200000', instructionOffset: -1e6, instructionCount: 50 }));
    assert.match(msg, /instructionOffset/);
    // The largest allowed window still answers.
    const r = await dc.customRequest('disassemble', { memoryReference: '0x80200000', instructionOffset: -10_000, instructionCount: 10_000 });
    assert.equal(r.body.instructions.length, 10_000);
  });

  it('refuses to launch /dev/zero or a directory at once', async () => {
    await dc.initializeRequest();
    const zero = await refusal(dc.launch({ cwd: ROOT, program: '/dev/zero' }));
    assert.match(zero, /\/dev\/zero'?: not a regular file/);
    assertOneLine(zero, 'launch /dev/zero');
    const dir = await refusal(dc.launch({ cwd: ROOT, program: 'samples' }));
    assert.match(dir, /is a directory/);
    const init = await refusal(dc.launch({ cwd: ROOT, program: sample('hello'), initrd: '/dev/zero' }));
    assert.match(init, /initrd '?\/dev\/zero'?: not a regular file/);
    const disk = await refusal(dc.launch({ cwd: ROOT, program: sample('hello'), disks: [{ path: '/dev/zero', snapshot: true }] }));
    assert.match(disk, /disk image '\/dev\/zero' is not a regular file/);
    const syms = await refusal(dc.launch({ cwd: ROOT, program: sample('hello'), symbols: 'vmlinux' }));
    assert.match(syms, /symbols must be a list/);
    const many = await refusal(dc.launch({ cwd: ROOT, program: sample('hello'), symbols: Array(17).fill({ path: sample('hello') }) }));
    assert.match(many, /symbols lists 17 files, at most 16/);
    assertOneLine(syms, 'launch symbols string');
  });

  it('refuses console input beyond the 64 KiB queue while the guest does not read it', async () => {
    const { firstStop } = await launch(dc, { program: sample('hello'), stopOnEntry: true });
    await firstStop; // stopped: the guest reads nothing (the UART's 16-byte FIFO at most)
    const chunk = 'k'.repeat(16 * 1024);
    for (let i = 0; i < 4; i++) assert.deepEqual((await dc.customRequest('hyperscope.input', { text: chunk })).body, { accepted: true });
    const full = await refusal(dc.customRequest('hyperscope.input', { text: 'k'.repeat(100) }));
    assert.match(full, /input is full/);
    assertOneLine(full, 'input full');
    const big = await refusal(dc.customRequest('hyperscope.input', { text: 'x'.repeat(65 * 1024) }));
    assert.match(big, /text is too long/);
  });

  it('answers requests made before launch with an error', async () => {
    await dc.initializeRequest();
    for (const command of ['stackTrace', 'next', 'readMemory', 'disassemble', 'hyperscope.input']) {
      const msg = await refusal(dc.customRequest(command, { threadId: 1, memoryReference: '0', count: 1, instructionCount: 1, text: 'x' }));
      assert.match(msg, /no guest is running/, command);
    }
    assert.deepEqual((await dc.threadsRequest()).body.threads, []);
  });
});
