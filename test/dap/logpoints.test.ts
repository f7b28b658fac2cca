/**
 * Logpoints and counting without stopping (issue 11, section 3), as DAP conversations on
 * samples/hello: a logpoint with `{expressions}` on the loop of print_sbi_info that probes
 * the SBI extensions (hello.c line 68 is `if (sbi_probe_extension(extensions[i].eid))`, one
 * address in the -O2 build where s1 points at extensions[i]); hit conditions; the VM-exit
 * filters in the breakpoint modes `log` and `count`.
 *
 * Expected values come from the source and the SBI spec, not from our output: the table
 * `extensions[]` in hello.c lists TIME, IPI, RFENCE, HSM, SRST, PMU, DBCN in that order, and
 * their extension ids are those of SBI 2.0 chapter 3 ff. (TIME 0x54494D45 "TIME", IPI 0x735049
 * "sPI", RFENCE 0x52464E43 "RFNC", HSM 0x48534D "HSM", SRST 0x53525354 "SRST", PMU 0x504D55
 * "PMU", DBCN 0x4442434E "DBCN").
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, launch, sample, startClient } from './dap-helpers';

const HELLO_C = join(ROOT, 'samples', 'hello', 'hello.c');
const EIDS = [0x54494d45n, 0x735049n, 0x52464e43n, 0x48534dn, 0x53525354n, 0x504d55n, 0x4442434en];

/** Collects the console output events of a client. */
function consoleLines(dc: DebugClient): DebugProtocol.OutputEvent[] {
  const out: DebugProtocol.OutputEvent[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') out.push(e); });
  return out;
}

/** The first number in a text, hex or decimal (the evaluator's display may be either). */
const firstNumber = (t: string): bigint => BigInt(/(0x[0-9a-f]+|\d+)/i.exec(t)![1]);

describe('debug adapter: logpoints and exit filters that log or count', function () {
  this.timeout(30_000);
  let dc: DebugClient | undefined;
  afterEach(async () => { await dc?.stop(); dc = undefined; });

  it('announces logpoints and the stop/log/count modes of the exception filters', async () => {
    dc = await startClient();
    const init = await dc.initializeRequest();
    assert.equal(init.body?.supportsLogPoints, true);
    const modes = (init.body as { breakpointModes?: DebugProtocol.BreakpointMode[] }).breakpointModes ?? [];
    assert.deepEqual(modes.map((m) => m.mode), ['stop', 'log', 'count']);
    assert.ok(modes.every((m) => m.appliesTo?.includes('exception')));
  });

  it('a logpoint prints its message with {expressions} on every hit and never stops; a hit condition picks hits', async () => {
    const client = dc = await startClient();
    const lines = consoleLines(client);
    let bps: DebugProtocol.SetBreakpointsResponse | undefined;
    const { firstStop } = await launch(client, { program: sample('hello') }, async () => {
      bps = await client.setBreakpointsRequest({
        source: { path: HELLO_C },
        breakpoints: [{ line: 68, logMessage: 'probe \\{eid\\} {*(uint64_t*)$s1}' }],
      });
      await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbi_probe_extension', logMessage: 'fn {$a0}' } as DebugProtocol.FunctionBreakpoint, { name: 'console_uses_dbcn' }] });
    });
    assert.ok(bps!.body.breakpoints[0].verified);
    const stop = await firstStop;
    assert.equal(stop.body.reason, 'function breakpoint', 'the logpoint did not stop; console_uses_dbcn (line 73) did');
    const probes = lines.filter((l) => l.body.output.startsWith('probe {eid} '));
    assert.deepEqual(probes.map((l) => firstNumber(l.body.output.slice('probe {eid} '.length))), EIDS);
    assert.ok(probes.every((l) => l.body.line === 68 && l.body.source?.path === HELLO_C), 'each line names the logpoint\'s source line');
    // The function logpoint: the console's own probe of DBCN at the first printf (console.c), then the loop's.
    const calls = lines.filter((l) => l.body.output.startsWith('fn ')).map((l) => firstNumber(l.body.output.slice(3)));
    assert.deepEqual(calls, [0x4442434en, ...EIDS]);
  });

  it('a logpoint with a hit condition logs only the hits it selects; a broken expression is shown in place', async () => {
    const client = dc = await startClient();
    const lines = consoleLines(client);
    const { firstStop } = await launch(client, { program: sample('hello') }, async () => {
      await client.setBreakpointsRequest({
        source: { path: HELLO_C },
        breakpoints: [{ line: 68, logMessage: 'even {*(uint64_t*)$s1} {nosuchname}', hitCondition: '% 2' }, { line: 71 }],
      });
    });
    assert.equal((await firstStop).body.reason, 'breakpoint');
    const even = lines.filter((l) => l.body.output.startsWith('even '));
    assert.deepEqual(even.map((l) => firstNumber(l.body.output.slice(5))), [EIDS[1], EIDS[3], EIDS[5]], 'hits 2, 4 and 6');
    assert.match(even[0].body.output, /<error: [^>]*nosuchname[^>]*>/);
  });

  it('refuses a log message with an unclosed brace when it is set, not at each hit', async () => {
    const client = dc = await startClient();
    let bps: DebugProtocol.SetBreakpointsResponse | undefined;
    await launch(client, { program: sample('hello'), stopOnEntry: true }, async () => {
      bps = await client.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line: 68, logMessage: 'x = {$a0' }] });
    });
    assert.equal(bps!.body.breakpoints[0].verified, false);
    assert.match(bps!.body.breakpoints[0].message ?? '', /not closed/);
  });

  it('exit-sbi in log mode prints each matching exit and runs on; count mode counts them and says so at the next stop', async () => {
    const client = dc = await startClient();
    const lines = consoleLines(client);
    let exc: DebugProtocol.SetExceptionBreakpointsResponse | undefined;
    const { firstStop } = await launch(client, { program: sample('hello') }, async () => {
      exc = await client.setExceptionBreakpointsRequest({
        filters: [],
        filterOptions: [
          { filterId: 'exit-sbi', condition: "ext == 'BASE' && fn == 'probe_extension'", mode: 'log' },
          { filterId: 'exit-mmio', mode: 'count' },
        ],
      } as DebugProtocol.SetExceptionBreakpointsArguments);
      await client.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line: 71 }] });
    });
    assert.deepEqual(exc!.body?.breakpoints?.map((b) => b.verified), [true, true]);
    assert.equal((await firstStop).body.reason, 'breakpoint', 'no exit stopped the guest');
    const logged = lines.filter((l) => l.body.output.startsWith('exit-sbi: '));
    // The seven probes of the loop, in order (console_uses_dbcn may probe DBCN before them).
    const probed = logged.map((l) => /BASE\.probe_extension\((0x[0-9a-f]+)/.exec(l.body.output)?.[1]).filter((x) => x !== undefined).map((x) => BigInt(x!));
    assert.deepEqual(probed.slice(-7), EIDS);
    // This guest touches no MMIO device before line 71 (its console is the SBI's): counted 0 times, so not reported.
    assert.ok(!lines.some((l) => l.body.output.includes('exit-mmio ')));
  });

  it('count mode: the count said at a stop equals the exit statistics for that reason', async () => {
    const client = dc = await startClient();
    const lines = consoleLines(client);
    const stats: { reasons: { key: string; samples: number }[] }[] = [];
    client.on('hyperscope.exitStats', (e: DebugProtocol.Event) => stats.push(e.body));
    const { firstStop } = await launch(client, { program: sample('hello') }, async () => {
      await client.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exit-sbi', mode: 'count' }] } as DebugProtocol.SetExceptionBreakpointsArguments);
      await client.setBreakpointsRequest({ source: { path: HELLO_C }, breakpoints: [{ line: 71 }] });
    });
    assert.equal((await firstStop).body.reason, 'breakpoint');
    const counted = lines.find((l) => l.body.output.startsWith('counted: '));
    assert.ok(counted, 'the counts are printed at the stop');
    const n = Number(/exit-sbi (\d+) \(\+(\d+) since the last stop\)/.exec(counted!.body.output)![1]);
    const sbiRow = stats[stats.length - 1].reasons.find((r) => r.key === 'sbi');
    assert.equal(n, sbiRow?.samples, 'every SBI exit was counted once');
    assert.ok(n >= 7 + 2, 'at least the seven probes and two lines of output');
  });

  it('an unknown mode is refused for that filter', async () => {
    const client = dc = await startClient();
    let exc: DebugProtocol.SetExceptionBreakpointsResponse | undefined;
    const { firstStop } = await launch(client, { program: sample('hello'), stopOnEntry: true }, async () => {
      exc = await client.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exit-sbi', mode: 'trace' }] } as DebugProtocol.SetExceptionBreakpointsArguments);
    });
    // The entry stop may come late on a busy machine: it must not be counted as an exit stop.
    assert.equal((await firstStop).body.reason, 'entry');
    assert.equal(exc!.body?.breakpoints?.[0].verified, false);
    assert.match(exc!.body?.breakpoints?.[0].message ?? '', /unknown breakpoint mode 'trace'/);
    // Refused means not enabled: the guest runs to its end without an exit stop.
    const ended = client.waitForEvent('terminated', 20_000);
    let stops = 0;
    client.on('stopped', () => { stops++; });
    await client.continueRequest({ threadId: 1 });
    await ended;
    assert.equal(stops, 0);
  });
});
