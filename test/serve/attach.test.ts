/**
 * DAP `attach` to a VM of `hyperscope serve`: the adapter (dist/debug-adapter.js, as VS Code
 * starts it) reaches the VM through the daemon's debug route; one VM is stopped at a
 * breakpoint and stepped while a second VM keeps running; detaching leaves the VM running.
 *
 * The guest is test/guests/reproducers/src/spin.S: `tick` at 0x80200024 (riscv64-unknown-elf-nm
 * build/spin.elf), its second instruction at 0x80200026 after the 2-byte c.addi (objdump), and
 * s0 counting the calls of `tick`.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, scopeValues, stopped, topFrame } from '../dap/dap-helpers';
import { GUESTS, TestDaemon, startTestDaemon, until } from './daemon-harness';

const SPIN = path.join(GUESTS, 'spin.elf');
const TICK = '0x80200024';

describe('hyperscope serve: DAP attach to a daemon VM', function () {
  this.timeout(90_000);
  let d: TestDaemon;
  let dc: DebugClient | undefined;

  const info = async (name: string) => d.client.call<{ state: string; instructions: number; reason?: string }>('GET', `/v1/vms/${name}`);
  /** Polls until VM `name`'s instruction count exceeds `than`. */
  const growsPast = (name: string, than: number) => until(`${name} to retire instructions`, async () => ((await info(name)).instructions > than ? true : undefined));

  before(async () => {
    d = await startTestDaemon();
    for (const name of ['a', 'b']) assert.equal(d.vm('create', name, SPIN).status, 0);
  });
  after(async () => {
    await dc?.stop();
    await d?.stop();
  });

  /** Attaches a new client; resolves once the adapter says it is initialized. */
  async function attach(args: Record<string, unknown>): Promise<DebugClient> {
    const c = new DebugClient('node', ADAPTER, 'hyperscope');
    c.defaultTimeout = 20_000;
    await c.start();
    await c.initializeRequest({ adapterID: 'hyperscope', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await Promise.all([c.waitForEvent('initialized'), c.attachRequest(args as DebugProtocol.AttachRequestArguments)]);
    return c;
  }

  it('stops VM a at a breakpoint and steps it while VM b keeps running; detaching leaves a running', async () => {
    dc = await attach({ vm: 'a', host: d.host });
    const bps = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'tick' }] });
    assert.equal(bps.body.breakpoints[0].verified, true);
    const hit = stopped(dc, 20_000);
    await dc.configurationDoneRequest();
    const stop = await hit;
    assert.equal(stop.body.reason, 'function breakpoint');
    assert.equal((await topFrame(dc)).instructionPointerReference, TICK);
    const s0 = BigInt((await scopeValues(dc, 'Registers')).get('s0')!.value.split(' ')[0]);

    // While a is stopped the daemon shows it paused and it retires nothing; b runs on.
    await until('a to show paused', async () => ((await info('a')).state === 'paused' ? true : undefined));
    const a0 = (await info('a')).instructions;
    const b0 = (await info('b')).instructions;
    await growsPast('b', b0);
    assert.equal((await info('a')).instructions, a0);

    // One instruction: the c.addi s0, s0, 1 at tick.
    await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    assert.equal((await topFrame(dc)).instructionPointerReference, '0x80200026');
    assert.equal(BigInt((await scopeValues(dc, 'Registers')).get('s0')!.value.split(' ')[0]), s0 + 1n);

    // Continue: the next call of tick stops again, one call later.
    await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal((await topFrame(dc)).instructionPointerReference, TICK);
    assert.equal(BigInt((await scopeValues(dc, 'Registers')).get('s0')!.value.split(' ')[0]), s0 + 1n);

    // The lifecycle routes are the debugger's while it is attached.
    assert.match(d.vm('resume', 'a').stderr, /a debugger is attached/);

    await dc.disconnectRequest({ terminateDebuggee: false });

    await dc.stop();
    dc = undefined;
    await until('a to run again', async () => ((await info('a')).state === 'running' ? true : undefined));
    await growsPast('a', a0 + 1);
  });

  it('refuses a second debugger and an unknown VM in one line, and attaches again after a detach', async () => {
    dc = await attach({ vm: 'a', host: d.host });
    await dc.configurationDoneRequest();
    const second = new DebugClient('node', ADAPTER, 'hyperscope');
    await second.start();
    await second.initializeRequest();
    await assert.rejects(second.attachRequest({ vm: 'a', host: d.host } as DebugProtocol.AttachRequestArguments), /^Error: a: .*debugger attached already$/);
    await assert.rejects(second.attachRequest({ vm: 'nope', host: d.host } as DebugProtocol.AttachRequestArguments), /^Error: nope: no VM/);
    await assert.rejects(second.attachRequest({} as DebugProtocol.AttachRequestArguments), /attach needs "vm"/);
    await second.stop();
    // The client ends its session (a disconnect, then its adapter ends): the VM runs on and can be attached again.
    await dc.stop();
    dc = undefined;
    const a0 = (await info('a')).instructions;
    await growsPast('a', a0);
    dc = await attach({ vm: 'a', host: d.host });
    await dc.configurationDoneRequest();
    await Promise.all([dc.pauseRequest({ threadId: 1 }), stopped(dc)]);
    await dc.disconnectRequest({});
    await dc.stop();
    dc = undefined;
  });
});
