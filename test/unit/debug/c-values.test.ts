/**
 * Typed C values from DWARF (DIE trees, types, locations, values) on the cvars sample at -O2
 * and -O0, stopped at the 4th call of checkpoint() (compute's loop at i == 3). Expected
 * values are gdb's for the same binaries on QEMU's gdbstub: test/dap/cvars/gdb-*.txt,
 * recorded by test/dap/cvars/record-gdb.sh (see its README).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  GuestDebugger, cContext, childrenOf, derefOf, findMember, formatValue, memberOf, sizeOf, typeName, valueAt, toBigInt,
} from '../../../hypervisor-core/debug';
import { evalContext, evaluateExpression } from '../../../hypervisor-core/debug/c-console';
import { evaluateC } from '../../../hypervisor-core/debug/c-eval';

const ROOT = resolve(__dirname, '../../../..');

/** gdb's values: expression -> text, per frame (frame 1 after the `up` line of expressions.txt). */
export function gdbValues(name: string): { frame0: Map<string, string>; frame1: Map<string, string> } {
  const lines = readFileSync(resolve(ROOT, `test/dap/cvars/gdb-${name}.txt`), 'utf8').split('\n');
  const exprs = readFileSync(resolve(ROOT, 'test/dap/cvars/expressions.txt'), 'utf8').split('\n').filter(Boolean);
  const upAt = exprs.indexOf('up');
  const frame0 = new Map<string, string>(), frame1 = new Map<string, string>();
  let n = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('@@ ')) continue;
    const expr = lines[i].slice(3);
    const value = lines[i + 1].replace(/^\$\d+ = /, '');
    (n < upAt ? frame0 : frame1).set(expr, value);
    n++;
  }
  return { frame0, frame1 };
}

/** The line of checkpoint()'s body: where gdb's `break checkpoint` stops, after the prologue. */
export const CHECKPOINT_LINE = 101;

/** Launches a cvars build and runs to the 4th call of checkpoint(). */
async function stopAtCheckpoint(elf: string): Promise<GuestDebugger> {
  const path = resolve(ROOT, 'samples/cvars', elf);
  const d = GuestDebugger.launch({ kernel: readFileSync(path), programPath: path, vcpus: 1, memory: 64 << 20, clock: 'icount', cwd: ROOT });
  d.setSourceBreakpoints(resolve(ROOT, 'samples/cvars/cvars.c'), [{ line: CHECKPOINT_LINE, hitCondition: '4' }]);
  await d.continue();
  assert.equal(d.lastStop?.reason, 'breakpoint');
  return d;
}

/** gdb prints a top-level pointer with its type first; the Variables view shows the type apart. */
const withoutTypePrefix = (v: string) => v.replace(/^\((?:[^()]|\([^()]*\))*\) (?=0x)/, '');

for (const [elf, name] of [['cvars.elf', 'cvars'], ['cvars-O0.elf', 'cvars-O0']]) {
  describe(`C values from DWARF (${elf})`, function () {
    this.timeout(20_000);
    let d: GuestDebugger;
    const gdb = gdbValues(name);
    before(async () => { d = await stopAtCheckpoint(elf); });

    it('reads the stopped function\'s arguments as gdb does', () => {
      const c = cContext(d, 0, 0);
      const args = c.locals();
      assert.deepEqual(args.map((a) => a.name), ['step', 'sum']);
      for (const a of args) assert.equal(formatValue(a.value, c.mem), gdb.frame0.get(a.name), a.name);
    });

    it('reads the caller\'s parameters and locals from the registers call-frame information recovered', () => {
      const c = cContext(d, 0, 1);
      const byName = new Map(c.locals().map((v) => [v.name, v.value]));
      for (const n of ['n', 'k', 'sum', 'i', 's']) {
        const v = byName.get(n);
        assert.ok(v, `${n} is a local of compute`);
        assert.equal(formatValue(v, c.mem), withoutTypePrefix(gdb.frame1.get(n)!), n);
      }
    });

    it('reads globals of every kind as gdb prints them', () => {
      const c = cContext(d, 0, 1);
      for (const g of ['counter', 'big', 'negative', 'ratio', 'half', 'byte', 'yes', 'greeting', 'message', 'favourite', 'table',
        'triangle', 'squares[2]', 'triangle.corners[1]']) {
        const [base, ...rest] = g.split(/(?=[.[])/);
        let v = c.lookup(base);
        assert.ok(v, g);
        for (const step of rest) {
          if (step.startsWith('.')) v = memberOf(v!, step.slice(1));
          else v = childrenOf(v!, c.mem, Number(step.slice(1, -1)), 1)[0].value;
        }
        assert.equal(formatValue(v!, c.mem), gdb.frame1.get(g), g);
      }
    });

    it('follows pointers, lists members and sizes types as gdb does', () => {
      const c = cContext(d, 0, 1);
      const s = c.lookup('s')!;
      assert.equal(typeName(s.type), 'struct shape *');
      const shape = derefOf(s, c.mem);
      assert.equal(formatValue(shape, c.mem), gdb.frame1.get('*s'));
      assert.deepEqual(childrenOf(shape, c.mem).map((m) => m.name), ['name', 'color', 'corners', 'flags', 'scale', 'u', 'next', 'area']);
      assert.equal(formatValue(memberOf(memberOf(shape, 'flags')!, 'delta')!, c.mem), gdb.frame1.get('s->flags.delta'));
      assert.equal(formatValue(memberOf(derefOf(memberOf(shape, 'next')!, c.mem), 'name')!, c.mem), gdb.frame1.get('s->next->name'));
      const t = c.namedType('struct shape')!;
      assert.equal(String(sizeOf(t)), gdb.frame1.get('sizeof(struct shape)'));
      // A value of a named type at an address: what container_of needs.
      const addr = toBigInt(s, c.mem) as bigint;
      const again = valueAt(t, addr - BigInt(findMember(t, 'corners')!.offset) + BigInt(findMember(t, 'corners')!.offset));
      assert.equal(formatValue(memberOf(again, 'scale')!, c.mem), gdb.frame1.get('s->scale'));
    });

    it('says <error: cannot read ...> for an unreadable address instead of throwing', () => {
      const c = cContext(d, 0, 1);
      const t = c.namedType('struct shape')!;
      const bad = valueAt(t, 0x10n);
      assert.equal(formatValue(memberOf(bad, 'scale')!, c.mem), '<error: cannot read 0x38>');
    });
  });
}

for (const [elf, name] of [['cvars.elf', 'cvars'], ['cvars-O0.elf', 'cvars-O0']]) {
  describe(`C expressions (${elf})`, function () {
    this.timeout(20_000);
    let d: GuestDebugger;
    before(async () => { d = await stopAtCheckpoint(elf); });

    it('prints every expression of test/dap/cvars/expressions.txt exactly as gdb does', () => {
      const lines = readFileSync(resolve(ROOT, `test/dap/cvars/gdb-${name}.txt`), 'utf8').split('\n');
      let frame = 0, k = 0;
      const mismatches: string[] = [];
      for (const e of readFileSync(resolve(ROOT, 'test/dap/cvars/expressions.txt'), 'utf8').split('\n').filter(Boolean)) {
        if (e === 'up') { frame = 1; continue; }
        assert.equal(lines[2 * k], `@@ ${e}`);
        const want = lines[2 * k + 1].replace(/^\$\d+ = /, '');
        k++;
        let got: string;
        try { got = evaluateExpression(d, 0, e, frame).text; } catch (x) { got = `error: ${(x as Error).message}`; }
        if (got !== want) mismatches.push(`${e}: ${got} (gdb: ${want})`);
      }
      assert.ok(k >= 60);
      assert.deepEqual(mismatches, []);
    });

    it('answers bad expressions with gdb\'s one-line errors', () => {
      const err = (e: string) => { try { evaluateExpression(d, 0, e, 1); return 'no error'; } catch (x) { return (x as Error).message; } };
      assert.equal(err('nosuch + 1'), 'No symbol "nosuch" in current context.');
      assert.equal(err('triangle.nosuch'), 'There is no member named nosuch.');
      assert.equal(err('counter->x'), 'The -> operator needs a pointer, not a int');
      assert.equal(err('counter / 0'), 'Division by zero');
      assert.match(err('(struct nosuch *)0'), /No symbol "nosuch"/);
    });

    it('assigns locals, members, bitfields and array elements (setVariable/setExpression)', () => {
      const ctx = evalContext(d, 0, 1);
      for (const [lhs, rhs, shown] of [['triangle.flags.delta', '-5', '-5'], ['table[1][2]', 'table[1][2] * 10', '60'],
        ['square.scale', '0.75', '0.75'], ['favourite', 'GREEN', 'GREEN'], ['triangle.flags.count', '127', '127']]) {
        evaluateC(`${lhs} = ${rhs}`, ctx);
        assert.equal(evaluateExpression(d, 0, lhs, 1).text, shown, lhs);
      }
      // The neighbours of a bitfield are untouched.
      assert.equal(evaluateExpression(d, 0, 'triangle.flags', 1).text, '{ready = 1, mode = 5, delta = -5, count = 127}');
    });
  });
}
