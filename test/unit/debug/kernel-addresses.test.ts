/**
 * Kernel virtual addresses (0xffffffff8...: beyond 2^53 as unsigned numbers) through the
 * debugger: exact code addresses, ELF symbols, DWARF 5 lines and functions with an inlined
 * copy and its call site, .debug_frame rows and the CFI unwinder, on a committed fixture
 * linked at 0xffffffff80000000 (fixtures/build-kernel-va.sh).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { DebugSymbols } from '../../../hypervisor-core/debug/debug-symbols';
import { bigAddr, codeAddr, codeAddrLoHi, hexAddr, isCodeAddr, loHiOf } from '../../../hypervisor-core/debug/address';
import { unwindStack } from '../../../hypervisor-core/debug/unwind';

const ROOT = resolve(__dirname, '../../../..');
const FIXTURE = resolve(ROOT, 'test/unit/debug/fixtures/kernel-va.elf');
const K = (a: bigint) => codeAddr(a);

describe('kernel virtual addresses in the debugger', () => {
  it('keeps 64-bit addresses exact as signed code addresses', () => {
    assert.equal(codeAddr(0xffffffff80001234n), -0x7fffedcc);
    assert.equal(hexAddr(codeAddr(0xffffffff801966d2n)), '0xffffffff801966d2');
    assert.equal(bigAddr(codeAddr(0xffffffc000000fffn)), 0xffffffc000000fffn, 'Sv39 lowest kernel address');
    assert.equal(bigAddr(codeAddr(0xffff800000000001n)), 0xffff800000000001n, 'Sv48 lowest kernel address');
    assert.equal(codeAddr(0x80200000n), 0x80200000);
    assert.equal(codeAddrLoHi(0x801966d2 | 0, -1), codeAddr(0xffffffff801966d2n));
    assert.deepEqual(loHiOf(codeAddr(0xffffffff801966d2n)), { lo: 0x801966d2 | 0, hi: -1 });
    assert.deepEqual(loHiOf(0x80200000), { lo: 0x80200000 | 0, hi: 0 });
    // Not representable exactly: never a wrong match, NaN instead.
    assert.ok(!isCodeAddr(codeAddr(0x8000000000000000n)));
    assert.ok(!isCodeAddr(codeAddrLoHi(0, 0x7fffffff)));
  });

  it('reads ELF symbols, DWARF lines and functions at kernel addresses', () => {
    const s = new DebugSymbols(parseElf(readFileSync(FIXTURE)));
    assert.equal(s.dwarfError, undefined);
    assert.equal(hexAddr(s.addressOf('syscall_body')!), '0xffffffff80000000');
    assert.equal(s.describe(K(0xffffffff8000003en)), '_start+0xe');
    assert.deepEqual(s.lineAt(K(0xffffffff80000012n)), { path: 'fixtures/kernel-va.c', line: 5, column: 17 });
    assert.deepEqual(s.addressesForLine('fixtures/kernel-va.c', 18), { line: 18, addresses: [K(0xffffffff80000038n)] });
    assert.deepEqual(s.functionAddresses('mix').map(hexAddr), ['0xffffffff80000010'], 'the inlined copy');
    assert.equal(s.functionAt(K(0xffffffff80000014n)), 'mix');
    const chainAt = (a: number) => s.inlineChainAt(a).map(({ name, inlined, call }) => (call ? { name, inlined, call } : { name, inlined }));
    assert.deepEqual(chainAt(K(0xffffffff80000014n)), [
      { name: 'mix', inlined: true, call: { path: 'fixtures/kernel-va.c', line: 12, column: 8 } },
      { name: 'syscall_body', inlined: false },
    ]);
    assert.equal(s.inlineChainAt(K(0xffffffff80000014n))[0].entry, K(0xffffffff80000010n), 'where the inlined copy begins');
    assert.deepEqual(chainAt(K(0xffffffff80000024n)), [{ name: 'syscall_body', inlined: false }]);
    assert.equal(s.frameRowAt(K(0xffffffff8000001en))?.cfaReg, 8, 'CFA = s0 after the prologue');
  });

  it('unwinds kernel frames with call-frame information', () => {
    const s = new DebugSymbols(parseElf(readFileSync(FIXTURE)));
    // syscall_body (a leaf: ra live) called from _start; kernel stack at 0xffffffc8...
    const cfa1 = 0xffffffc800004000n, cfa2 = 0xffffffc800004020n;
    const mem = new Map<bigint, bigint>([[cfa1 - 8n, cfa2], [cfa2 - 8n, 0n], [cfa2 - 16n, 0n]]);
    const regs = new Map<number, bigint>([[1, 0xffffffff8000003en], [2, cfa1 - 16n], [8, cfa1]]);
    const frames = unwindStack({
      pc: 0xffffffff80000014n, sp: cfa1 - 16n, fp: cfa1, ra: 0xffffffff8000003en,
      read64: (a) => mem.get(a), readInsn: () => undefined, reg: (n) => regs.get(n) ?? 0n,
    }, s);
    assert.deepEqual(frames.map((f) => [f.name, '0x' + f.pc.toString(16), '0x' + f.fp.toString(16)]), [
      ['mix', '0xffffffff80000014', '0xffffffc800004000'],
      ['_start', '0xffffffff8000003e', '0xffffffc800004020'],
    ]);
  });
});
