/**
 * The debugger with the vCPUs on host threads ("threads": 2), all-stop as gdb and QEMU's
 * gdbstub have it: a breakpoint hit on vCPU 1 stops vCPU 0 too (its retired instructions and
 * its counter in memory stand still), a step moves the selected vCPU alone, and pause stops
 * every vCPU (the time it took is printed; the guard is generous: the promise is 100 ms).
 * The guest (test/fixtures/smp-debug/spin.c) counts on both harts forever; hart 1 alone
 * calls tick() every 4096 counts.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { launch, ROOT, sample, startClient, stopped } from './dap-helpers';

const SPIN = join(ROOT, 'test', 'fixtures', 'smp-debug', 'spin.elf');
/** What pause may take at most here, against a hang (the README promises 100 ms). */
const PAUSE_GUARD_MS = 2_000;

interface VcpuLine { state: string; pc: bigint; instret: number }

describe('debug adapter: vCPUs on threads (all-stop)', function () {
  this.timeout(30_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  const repl = async (expression: string): Promise<string> => (await dc.evaluateRequest({ expression, context: 'repl' })).body.result;
  /** `info vcpus`: "vCPU 0: runnable pc=0x802000ea <spin+44> VS instret=123". */
  const vcpus = async (): Promise<VcpuLine[]> => (await repl('info vcpus')).split('\n').map((l) => {
    const m = /^vCPU \d+: (\w+) pc=(0x[0-9a-f]+).* instret=(\d+)$/.exec(l);
    assert.ok(m, l);
    return { state: m[1], pc: BigInt(m[2]), instret: Number(m[3]) };
  });
  const count = async (): Promise<string> => repl('count');
  const settle = () => new Promise((r) => setTimeout(r, 200));

  it('stops every vCPU at a breakpoint hit on one, steps one vCPU alone, and pauses all', async () => {
    const { firstStop } = await launch(dc, { program: SPIN, vcpus: 2, threads: 2, clock: 'realtime' }, () =>
      dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'tick' }] }));
    const hit = await firstStop;
    assert.equal(hit.body.reason, 'function breakpoint');
    assert.equal(hit.body.threadId, 2); // vCPU 1 calls tick
    assert.equal(hit.body.allThreadsStopped, true);
    const at = await vcpus();
    assert.equal(at[1].pc, 0x802000a4n); // tick (nm spin.elf)
    assert.ok(at[0].instret > 0, 'vCPU 0 ran to its hart_start call');
    const counted = await count();
    await settle();
    assert.deepEqual(await vcpus(), at, 'vCPU 0 stands still while vCPU 1 is stopped');
    assert.equal(await count(), counted);

    // Step vCPU 0 (thread 1): one instruction there, none on vCPU 1; then vCPU 1 alone.
    await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), stopped(dc)]);
    const s0 = await vcpus();
    assert.equal(s0[0].instret, at[0].instret + 1);
    assert.notEqual(s0[0].pc, at[0].pc);
    assert.deepEqual(s0[1], at[1]);
    await Promise.all([dc.stepInRequest({ threadId: 2, granularity: 'instruction' }), stopped(dc)]);
    const s1 = await vcpus();
    assert.deepEqual(s1[0], s0[0]);
    assert.equal(s1[1].pc, 0x802000a6n); // the next instruction in tick (a compressed one)
    assert.equal(s1[1].instret, at[1].instret + 1);

    // Continue to the next hit (vCPU 1 counted 4096 more; how far vCPU 0 got meanwhile is up to the host's scheduler).
    const [, again] = await Promise.all([dc.continueRequest({ threadId: 2 }), stopped(dc)]);
    assert.equal(again.body.threadId, 2);
    const c = await vcpus();
    assert.equal(c[1].pc, 0x802000a4n);
    assert.ok(c[0].instret >= s1[0].instret && c[1].instret > s1[1].instret);

    // Pause: both stop, and stay stopped.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await dc.continueRequest({ threadId: 1 });
    await settle(); // let both threads run
    const t0 = performance.now();
    const [, paused] = await Promise.all([dc.pauseRequest({ threadId: 1 }), stopped(dc, PAUSE_GUARD_MS)]);
    const ms = performance.now() - t0;
    console.log(`      (pause of 2 vCPUs on 2 threads: ${ms.toFixed(1)} ms from the request to the stopped event)`);
    assert.equal(paused.body.reason, 'pause');
    const p = await vcpus();
    assert.ok(p[0].instret >= c[0].instret && p[1].instret >= c[1].instret);
    await settle();
    assert.deepEqual(await vcpus(), p);
  });

  it('stops every vCPU at a watched write on one (a data breakpoint armed in each thread)', async () => {
    const { firstStop } = await launch(dc, { program: SPIN, vcpus: 2, threads: 2, clock: 'realtime' }, async () => {
      const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: '0x80221590/8', accessType: 'write' }] }); // ticks
      assert.equal(r.body.breakpoints[0].verified, true);
    });
    // crt0 clears .bss on vCPU 0 before vCPU 1 starts: that write stops first.
    const bss = await firstStop;
    assert.equal(bss.body.reason, 'data breakpoint');
    assert.equal(bss.body.threadId, 1);
    const [, w] = await Promise.all([dc.continueRequest({ threadId: 1 }), stopped(dc)]);
    assert.equal(w.body.reason, 'data breakpoint');
    assert.equal(w.body.threadId, 2); // tick's ticks++ on vCPU 1
    assert.equal(await repl('ticks'), '0');
    const v = await vcpus();
    await settle();
    assert.deepEqual(await vcpus(), v);
    // The store happens on the step over it (vCPU 1 alone).
    await Promise.all([dc.nextRequest({ threadId: 2, granularity: 'instruction' }), stopped(dc)]);
    assert.equal(await repl('ticks'), '1');
    assert.equal((await vcpus())[0].instret, v[0].instret);
  });

  it('stops every vCPU at an exit filter hit by one (the exit handled on the VM\'s thread)', async () => {
    // samples/smp: vCPU 1's first SBI call is its console line, while vCPU 0 polls started[1].
    const { firstStop } = await launch(dc, { program: sample('smp'), vcpus: 2, threads: 2, clock: 'realtime' }, () =>
      dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exit-sbi', condition: 'vcpu == 1' }] }));
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'exception');
    assert.equal(ev.body.threadId, 2);
    assert.equal((await dc.exceptionInfoRequest({ threadId: 2 })).body.exceptionId, 'exit-sbi');
    const v = await vcpus();
    assert.equal(v[0].state, 'runnable'); // polling, not halted
    await settle();
    assert.deepEqual(await vcpus(), v, 'vCPU 0 stands still while the exit filter holds vCPU 1');
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const out: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stdout') out.push(e.body.output); });
    await Promise.all([dc.continueRequest({ threadId: 2 }), dc.waitForEvent('terminated', 20_000)]);
    assert.match(out.join(''), /smp: done/);
  });

  it('stops every vCPU at a guest interrupt taken on one (the filter decided on the VM\'s thread)', async () => {
    // samples/smp: vCPU 0 sends vCPU 1 an IPI; vCPU 1 takes the supervisor software interrupt (cause 1).
    const { firstStop } = await launch(dc, { program: sample('smp'), vcpus: 2, threads: 2, clock: 'realtime' }, () =>
      dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'guest-interrupt', condition: 'cause == 1' }] }));
    const ev = await firstStop;
    assert.equal(ev.body.reason, 'exception');
    assert.equal(ev.body.threadId, 2);
    assert.match(ev.body.description ?? '', /^guest interrupt: software interrupt \(cause 1\)$/);
    const v = await vcpus();
    await settle();
    assert.deepEqual(await vcpus(), v);
  });
});
