/**
 * DWARF call-frame information: rows of hello.elf's .debug_frame as readelf prints them, an
 * .eh_frame with pc-relative pointers ('zR'), and unwinding through a leaf without a frame
 * record into a caller described by CFI and on to an assembly caller by frame pointers.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { DebugSymbols } from '../../../hypervisor-core/debug/debug-symbols';
import { CallFrameInfo } from '../../../hypervisor-core/debug/dwarf/call-frames';
import { unwindCfi, unwindStack } from '../../../hypervisor-core/debug/unwind';

const ROOT = join(__dirname, '../../../..');
const hello = new DebugSymbols(parseElf(readFileSync(join(ROOT, 'samples/hello/hello.elf'))));
const rules = (pc: number) => {
  const r = hello.frameRowAt(pc)!;
  return { cfa: [r.cfaReg, r.cfaOffset], saved: [...r.rules].map(([reg, rule]) => [reg, rule.kind === 'offset' ? rule.offset : rule.kind]) };
};

describe('debug call-frame information', () => {
  it('gives the rows readelf --debug-dump=frames shows for main', () => {
    assert.deepEqual(rules(0x802000a4), { cfa: [2, 0], saved: [] });
    assert.deepEqual(rules(0x802000a6), { cfa: [2, 192], saved: [] });
    assert.deepEqual(rules(0x802000ae), { cfa: [8, 0], saved: [[1, -8], [8, -16], [9, -24]] });
    assert.deepEqual(rules(0x80200246), { cfa: [2, 192], saved: [[9, -24], [18, -32], [19, -40], [20, -48], [21, -56]] });
    assert.equal(hello.frameRowAt(0x80200000), undefined); // crt0.S has none
  });

  it('reads .eh_frame: CIE id 0, zR augmentation, pc-relative sdata4 pointers', () => {
    const cie = [0, 0, 0, 0, 1, 0x7a, 0x52, 0, 1, 0x7c, 1, 1, 0x1b, 0x0c, 2, 0, 0]; // def_cfa sp+0; nop
    const body = (fdeStart: number) => {
      const pcField = 0x1000 + fdeStart + 8; // section address + offset of pc_begin
      const rel = 0x2000 - pcField;
      return [...u32(fdeStart + 4), ...u32(rel), ...u32(0x20), 0, 0x42, 0x0e, 0x10, 0x42, 0x81, 2, 0];
    };
    const cieBytes = [...u32(cie.length), ...cie];
    const fdeBody = body(cieBytes.length);
    const bytes = new Uint8Array([...cieBytes, ...u32(fdeBody.length), ...fdeBody, 0, 0, 0, 0]);
    const cfi = new CallFrameInfo([{ bytes, address: 0x1000, eh: true }]);
    assert.equal(cfi.size, 1);
    assert.deepEqual(cfi.rowAt(0x2000)?.cfaOffset, 0);
    assert.deepEqual(cfi.rowAt(0x2002)?.cfaOffset, 16);
    assert.deepEqual([...cfi.rowAt(0x2004)!.rules], [[1, { kind: 'offset', offset: -8 }]]);
    assert.equal(cfi.rowAt(0x2020), undefined);
  });

  it('unwinds a leaf (ra still in its register), a CFI caller and an assembly caller', () => {
    const mem = new Map<bigint, bigint>([[0x800n - 8n, 0x900n], [0x900n - 8n, 0x80200050n], [0x900n - 16n, 0xa00n]]);
    const regs = new Map<number, bigint>([[1, 0x802000fcn], [2, 0x7f0n], [8, 0x800n]]);
    const target = (pc: bigint) => ({
      pc, sp: regs.get(2)!, fp: regs.get(8)!, ra: regs.get(1)!, reg: (n: number) => regs.get(n) ?? 0n,
      read64: (a: bigint) => mem.get(a), readInsn: () => undefined,
    });
    const frames = unwindCfi(target(0x802002c2n), hello)!; // after sbi_get_spec_version's prologue
    assert.deepEqual(frames.map((f) => [f.name, f.pc, f.fp]), [
      // named from DWARF: sbi_ecall is inlined into sbi_get_spec_version, print_sbi_info into main
      ['sbi_ecall', 0x802002c2n, 0x800n], ['print_sbi_info', 0x802000fcn, 0x900n], ['_start', 0x80200050n, 0xa00n],
    ]);
    regs.set(2, 0x800n).set(8, 0x900n); // at its first instruction: nothing pushed yet
    assert.deepEqual(unwindStack(target(0x802002bcn), hello).map((f) => [f.name, f.fp]), [
      ['sbi_get_spec_version', 0x800n], ['print_sbi_info', 0x900n], ['_start', 0xa00n],
    ]);
    assert.equal(unwindCfi(target(0x80200000n), hello), undefined); // no CFI at the stop pc: frame pointers decide
  });
});

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
