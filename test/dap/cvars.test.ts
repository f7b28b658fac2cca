/**
 * C variables and expressions as DAP conversations (issue 11, sections 1, 2 and 8) on the
 * cvars sample at -O2 and -O0, stopped in checkpoint() at its 4th call (compute's loop at
 * i == 3) by a breakpoint with a C condition on checkpoint's parameter. Expected values are
 * gdb's on QEMU's gdbstub for the same binaries (test/dap/cvars/README.md says how they were
 * recorded); gdb's top-level pointer type prefix is compared apart (DAP `type`).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, launch, startClient } from './dap-helpers';

const CVARS_C = join(ROOT, 'samples', 'cvars', 'cvars.c');
/** checkpoint()'s body (`last_sum = sum + step;`), where gdb's `break checkpoint` stops. */
const CHECKPOINT_LINE = 101;
/** main's printf line, after compute() has returned. */
const PRINTF_LINE = 121;

/** gdb's answers for one build: expression -> value, for compute's frame (after `up`). */
function gdbFrame1(name: string): Map<string, string> {
  const lines = readFileSync(join(ROOT, `test/dap/cvars/gdb-${name}.txt`), 'utf8').split('\n');
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i++) if (lines[i].startsWith('@@ ')) out.set(lines[i].slice(3), lines[i + 1].replace(/^\$\d+ = /, ''));
  return out;
}
const withoutTypePrefix = (v: string) => v.replace(/^\((?:[^()]|\([^()]*\))*\) (?=0x)/, '');

async function variables(dc: DebugClient, ref: number, extra: Partial<DebugProtocol.VariablesArguments> = {}): Promise<Map<string, DebugProtocol.Variable>> {
  const r = await dc.variablesRequest({ variablesReference: ref, ...extra });
  return new Map(r.body.variables.map((v) => [v.name, v]));
}

async function scopes(dc: DebugClient, frameId: number): Promise<Map<string, DebugProtocol.Scope>> {
  const r = await dc.scopesRequest({ frameId });
  return new Map(r.body.scopes.map((s) => [s.name, s]));
}

for (const [elf, name] of [['cvars.elf', 'cvars'], ['cvars-O0.elf', 'cvars-O0']]) {
  describe(`debug adapter: C variables and expressions (${elf})`, function () {
    this.timeout(30_000);
    let dc: DebugClient | undefined;
    const gdb = gdbFrame1(name);
    afterEach(async () => { await dc?.stop(); dc = undefined; });

    /** Launches and stops at checkpoint() when step == 3; returns the frames. */
    async function stopAtStep3(): Promise<DebugProtocol.StackFrame[]> {
      dc = await startClient();
      const init = await dc.initializeRequest();
      assert.equal(init.body?.supportsEvaluateForHovers, true);
      assert.equal(init.body?.supportsSetExpression, true);
      assert.equal(init.body?.supportsSetVariable, true);
      const { firstStop } = await launch(dc, { program: join(ROOT, 'samples/cvars', elf) }, async () => {
        const r = await dc!.setBreakpointsRequest({ source: { path: CVARS_C }, breakpoints: [{ line: CHECKPOINT_LINE, condition: 'step == 3' }] });
        assert.equal(r.body.breakpoints[0].verified, true);
      });
      assert.equal((await firstStop).body.reason, 'breakpoint');
      const st = await dc.stackTraceRequest({ threadId: 1 });
      assert.deepEqual(st.body.stackFrames.slice(0, 3).map((f) => f.name), ['checkpoint', 'compute', 'main']);
      return st.body.stackFrames;
    }

    it('shows Locals and Globals first, with gdb\'s values, types, evaluateName and memoryReference', async () => {
      const frames = await stopAtStep3();
      const sc = await scopes(dc!, frames[0].id);
      assert.deepEqual([...sc.keys()].slice(0, 2), ['Locals', 'Globals']);
      assert.equal(sc.get('Globals')!.expensive, true);
      const top = await variables(dc!, sc.get('Locals')!.variablesReference);
      assert.equal(top.get('step')?.value, '3');
      assert.equal(top.get('step')?.type, 'int');
      assert.equal(top.get('sum')?.value, '22');

      // compute's frame: its registers come from call-frame information.
      const locals = await variables(dc!, (await scopes(dc!, frames[1].id)).get('Locals')!.variablesReference);
      for (const n of ['n', 'k', 'sum', 'i']) assert.equal(locals.get(n)?.value, gdb.get(n), n);
      const s = locals.get('s')!;
      assert.equal(s.value, withoutTypePrefix(gdb.get('s')!));
      assert.equal(s.type, 'struct shape *');
      assert.equal(s.memoryReference, /0x[0-9a-f]+/.exec(gdb.get('s')!)![0]);
      assert.ok(s.variablesReference > 0);
      // A pointer to a struct opens on the struct's members.
      const shape = await variables(dc!, s.variablesReference);
      assert.deepEqual([...shape.keys()], ['name', 'color', 'corners', 'flags', 'scale', 'u', 'next', 'area']);
      assert.equal(shape.get('name')?.value, gdb.get('s->name'));
      assert.equal(shape.get('name')?.evaluateName, 's->name');
      assert.equal(shape.get('scale')?.value, gdb.get('s->scale'));
      const flags = await variables(dc!, shape.get('flags')!.variablesReference);
      assert.equal(flags.get('delta')?.value, gdb.get('s->flags.delta'));
      assert.equal(flags.get('delta')?.evaluateName, 's->flags.delta');
      const corners = await variables(dc!, shape.get('corners')!.variablesReference);
      const c2 = await variables(dc!, corners.get('[2]')!.variablesReference);
      assert.equal(c2.get('y')?.value, gdb.get('s->corners[2].y'));
      assert.equal(c2.get('y')?.evaluateName, 's->corners[2].y');
    });

    it('pages big arrays and evaluates Watch expressions, hovers and the console in the selected frame', async () => {
      const frames = await stopAtStep3();
      const globals = await variables(dc!, (await scopes(dc!, frames[1].id)).get('Globals')!.variablesReference);
      for (const g of ['counter', 'big', 'ratio', 'greeting', 'message', 'favourite', 'table', 'triangle']) assert.equal(globals.get(g)?.value, gdb.get(g), g);
      const squares = globals.get('squares')!;
      assert.equal(squares.indexedVariables, 300);
      const page = await variables(dc!, squares.variablesReference, { filter: 'indexed', start: 2, count: 3 });
      assert.deepEqual([...page.keys()], ['[2]', '[3]', '[4]']);
      assert.equal(page.get('[2]')?.value, gdb.get('squares[2]'));
      assert.equal(page.get('[3]')?.evaluateName, 'squares[3]');

      for (const e of ['s->next->name', 'current->corners[2].x * 2 + 1', 'sizeof(struct shape)', '&squares[3] - &squares[0]',
        'negative + 1U', '-1 < 0U', '(enum color)5', '*message@5', 'ratio * 4', 's->area']) {
        const r = await dc!.evaluateRequest({ expression: e, frameId: frames[1].id, context: 'watch' });
        assert.equal(r.body.result, gdb.get(e), e);
      }
      const w = await dc!.evaluateRequest({ expression: 'triangle', frameId: frames[1].id, context: 'watch' });
      assert.equal(w.body.type, 'struct shape');
      assert.ok(w.body.variablesReference > 0);
      assert.equal(w.body.memoryReference, (await dc!.evaluateRequest({ expression: '&triangle', frameId: frames[1].id, context: 'watch' })).body.memoryReference);
      const hover = await dc!.evaluateRequest({ expression: 'sum', frameId: frames[1].id, context: 'hover' });
      assert.equal(hover.body.result, gdb.get('sum'));
      // A word under the mouse is never run as a console command.
      await assert.rejects(dc!.evaluateRequest({ expression: 'exits', frameId: frames[1].id, context: 'hover' }));
      // The console: C, then the hypervisor's own commands as before.
      assert.equal((await dc!.evaluateRequest({ expression: 'step * 100', frameId: frames[0].id, context: 'repl' })).body.result, '300');
      assert.match((await dc!.evaluateRequest({ expression: 'x/2xw &table', frameId: frames[1].id, context: 'repl' })).body.result, /:\t0x00000001\t0x00000000$/);
      assert.match((await dc!.evaluateRequest({ expression: '$sp', context: 'repl' })).body.result, /^0x8[0-9a-f]+ \(\d+\)/);
    });

    it('changes locals, globals, members and array elements (setVariable, setExpression)', async () => {
      const frames = await stopAtStep3();
      const globalsRef = (await scopes(dc!, frames[0].id)).get('Globals')!.variablesReference;
      const set = await dc!.setVariableRequest({ variablesReference: globalsRef, name: 'counter', value: 'counter * 6' });
      assert.equal(set.body.value, '42');
      const tri = (await variables(dc!, globalsRef)).get('triangle')!;
      const flags = (await variables(dc!, tri.variablesReference)).get('flags')!;
      const f = await dc!.setVariableRequest({ variablesReference: flags.variablesReference, name: 'mode', value: '3' });
      assert.equal(f.body.value, '3');
      const setExpression = (args: DebugProtocol.SetExpressionArguments) =>
        dc!.customRequest('setExpression', args) as Promise<DebugProtocol.SetExpressionResponse>;
      const e = await setExpression({ expression: 'table[3][0]', value: '-1', frameId: frames[0].id });
      assert.equal(e.body.value, '-1');
      const r = await setExpression({ expression: 'ratio', value: '1.5', frameId: frames[0].id });
      assert.equal(r.body.value, '1.5');
      const ev = (x: string) => dc!.evaluateRequest({ expression: x, frameId: frames[0].id, context: 'watch' }).then((a) => a.body.result);
      assert.equal(await ev('counter'), '42');
      assert.equal(await ev('triangle.flags'), '{ready = 1, mode = 3, delta = -3, count = 100}');
      assert.equal(await ev('table[3]'), '{-1, 11, 12}');
      // A parameter of the innermost frame, wherever DWARF keeps it (a register at -O2, the stack at -O0).
      const localsRef = (await scopes(dc!, frames[0].id)).get('Locals')!.variablesReference;
      assert.equal((await dc!.setVariableRequest({ variablesReference: localsRef, name: 'sum', value: '1000' })).body.value, '1000');
      assert.equal(await ev('sum + step'), '1003');
    });

    it('reports a condition that cannot be evaluated once, marks it unverified and never stops on it', async () => {
      dc = await startClient();
      await dc.initializeRequest();
      const console: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') console.push(e.body.output); });
      const changed: DebugProtocol.BreakpointEvent[] = [];
      dc.on('breakpoint', (e: DebugProtocol.BreakpointEvent) => changed.push(e));
      let bad = 0;
      const { firstStop } = await launch(dc, { program: join(ROOT, 'samples/cvars', elf) }, async () => {
        const r = await dc!.setBreakpointsRequest({ source: { path: CVARS_C }, breakpoints: [
          { line: CHECKPOINT_LINE, condition: 'nosuch == 3' }, { line: PRINTF_LINE }, { line: 112, condition: 'i ==' },
        ] });
        bad = r.body.breakpoints[0].id!;
        assert.equal(r.body.breakpoints[0].verified, true);
        assert.equal(r.body.breakpoints[2].verified, false); // a syntax error is refused at once
        assert.match(r.body.breakpoints[2].message ?? '', /incomplete expression/);
      });
      const stop = await firstStop;
      assert.equal(stop.body.reason, 'breakpoint');
      assert.equal((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].line, PRINTF_LINE);
      assert.deepEqual(changed.map((e) => [e.body.reason, e.body.breakpoint.id, e.body.breakpoint.verified]), [['changed', bad, false]]);
      assert.match(changed[0].body.breakpoint.message ?? '', /No symbol "nosuch" in current context/);
      assert.equal(console.filter((l) => l.includes('nosuch')).length, 1);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    });
  });
}

describe('debug adapter: hover and scopes without DWARF', function () {
  this.timeout(30_000);
  let dc: DebugClient | undefined;
  afterEach(async () => { await dc?.stop(); dc = undefined; });

  it('keeps the register scopes alone where no C function is (the entry in crt0.S)', async () => {
    dc = await startClient();
    await dc.initializeRequest();
    const { firstStop } = await launch(dc, { program: join(ROOT, 'samples/cvars/cvars.elf'), stopOnEntry: true });
    await firstStop;
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.deepEqual([...(await scopes(dc, frame.id)).keys()], ['Registers', 'Guest CSRs', 'Hypervisor', 'VM exit']);
    // Globals are still there for Watch and hover: static data is loaded before the first instruction.
    assert.equal((await dc.evaluateRequest({ expression: 'triangle.scale', frameId: frame.id, context: 'hover' })).body.result, '2.5');
  });
});
