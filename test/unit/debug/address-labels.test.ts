/**
 * Labels of code and data addresses. Expected values from gdb-multiarch 13.1 on the same ELF,
 * without a target: `gdb-multiarch -batch -ex 'output/a ADDR' samples/hello/hello.elf`
 * (`info symbol` agrees): 0x802016f0 <extensions+16>, 0x80201430 (no label: a string literal in
 * .rodata), 0x802000c2 <main+30>, 0x80221a0c <console_lock+4>, 0x80221a04 (no label: past the
 * 4 bytes of console_mode), 0x802017f0 <CSWTCH.47+8>.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { DebugSymbols } from '../../../hypervisor-core/debug/debug-symbols';

const HELLO = join(__dirname, '../../../../samples/hello/hello.elf');

describe('address labels (data symbols, not the nearest function)', () => {
  const s = new DebugSymbols(parseElf(readFileSync(HELLO)));
  it('labels data addresses with the data object that holds them', () => {
    assert.equal(s.describe(0x802016f0), 'extensions+0x10');
    assert.equal(s.describe(0x80221a0c), 'console_lock+0x4');
    assert.equal(s.describe(0x802017f0), 'CSWTCH.47+0x8');
  });
  it('gives no label where no symbol covers the address', () => {
    assert.equal(s.describe(0x80201430), undefined, 'a string literal after the last function');
    assert.equal(s.describe(0x80221a04), undefined, 'past console_mode\'s 4 bytes');
    assert.equal(s.describe(0x90000000), undefined, 'outside every section');
  });
  it('labels code as before', () => {
    assert.equal(s.describe(0x802000c2), 'main+0x1e');
    assert.equal(s.describe(0x802000a4), 'main');
  });
});
