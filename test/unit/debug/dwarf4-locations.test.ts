/**
 * DWARF 4 location lists (.debug_loc) and entry values on the committed fixture
 * test/unit/debug/fixtures/dwarf4.elf (gcc -O1 -gdwarf-4): sum_squares' `n` is DW_OP_reg10
 * until 0x80200010 and then DW_OP_GNU_entry_value(a0), `s` and `i` are DW_OP_lit0 +
 * stack_value in the prologue and registers a0 / a5 in the loop, square() is inlined at
 * 0x80200010. Expected locations: `riscv64-unknown-elf-readelf --debug-dump=loc,info`; the
 * entry value of `n` is _start's DW_TAG_GNU_call_site_parameter (`li a0,4` before the call).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { DebugSymbols } from '../../../hypervisor-core/debug/debug-symbols';
import { FrameScope, FrameState } from '../../../hypervisor-core/debug/frame-scope';
import { formatValue, ValueMemory } from '../../../hypervisor-core/debug/values';
import { GuestDebugger } from '../../../hypervisor-core/debug/guest-debugger';
import { evaluateExpression } from '../../../hypervisor-core/debug/c-console';

const ROOT = resolve(__dirname, '../../../..');
const program = new DebugSymbols(parseElf(readFileSync(resolve(ROOT, 'test/unit/debug/fixtures/dwarf4.elf')))).program()!;

/** A frame of sum_squares at `pc` with a0 = 9 (s), a5 = 2 (i), a3 = 4, called from _start. */
function scopeAt(pc: bigint, inlineLevel = 0): FrameScope {
  const regs = new Map<number, bigint>([[10, 9n], [15, 2n], [13, 4n]]);
  const caller: FrameState = { pc: 0x80200034n, inner: false, reg: (n) => (n === 2 ? 0x80300000n : undefined), inlineLevel: 0 };
  const frame: FrameState = { pc, inner: true, reg: (n) => regs.get(n), inlineLevel, caller: () => caller };
  const mem: ValueMemory = { read: () => null, write: () => false, reg: (n) => regs.get(n) };
  return new FrameScope(program, frame, mem);
}

const shown = (s: FrameScope) => Object.fromEntries(s.locals().map((v) => [v.name, formatValue(v.value, s.mem)]));

describe('DWARF 4 location lists and entry values (fixtures/dwarf4.elf)', () => {
  it('reads a parameter from its register before the loop and from the caller\'s call site after', () => {
    assert.deepEqual(shown(scopeAt(0x80200006n)), { n: '9', s: '0', i: '0' });
    // In the loop a0 holds s; n is its entry value, which _start's call site gives: 4.
    assert.deepEqual(shown(scopeAt(0x80200014n)), { n: '4', s: '9', i: '2' });
  });

  it('shows the inlined square() as its own level, and <optimized out> where no list entry covers the pc', () => {
    const inner = scopeAt(0x80200010n, 0);
    assert.deepEqual(inner.locals().map((v) => v.name), ['x']);
    assert.deepEqual(shown(scopeAt(0x80200010n, 1)), { n: '4', s: '9', i: '2' });
    assert.equal(shown(scopeAt(0x8020001cn)).i, undefined); // outside the loop's block
    assert.equal(shown(scopeAt(0x8020001cn)).s, '<optimized out>');
  });
});

describe('DWARF 2-4 bitfields (fixtures/cvars-dwarf4.elf: DW_AT_bit_offset + DW_AT_byte_size)', () => {
  it('reads bitfields, signed ones included, as gdb does on the same file', async () => {
    // gdb-multiarch -batch -ex 'p triangle.flags' -ex 'p square.flags' -ex 'p triangle' cvars-dwarf4.elf
    const path = resolve(ROOT, 'test/unit/debug/fixtures/cvars-dwarf4.elf');
    const d = GuestDebugger.launch({ kernel: readFileSync(path), programPath: path, vcpus: 1, memory: 64 << 20, clock: 'icount', cwd: ROOT });
    const text = (e: string) => evaluateExpression(d, 0, e).text;
    assert.equal(text('triangle.flags'), '{ready = 1, mode = 5, delta = -3, count = 100}');
    assert.equal(text('square.flags'), '{ready = 0, mode = 2, delta = 7, count = 3}');
    assert.equal(text('triangle'), '{name = 0x802010a8 "triangle", color = GREEN, corners = {{x = 0, y = 0}, {x = 4, y = 0}, {x = 0, y = 3}}, ' +
      'flags = {ready = 1, mode = 5, delta = -3, count = 100}, scale = 2.5, u = {i = 1065353216, f = 1}, next = 0x0, area = 0x802000a4 <area>}');
    d.terminate();
  });
});
