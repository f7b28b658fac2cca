import { strict as assert } from 'node:assert';
import { disassemble } from '../../../../hypervisor-core/hart/isa/disassembler';
import { PrivSpec } from '../../../../hypervisor-core/hart/isa/csr-names';
import { parseDump } from './objdump-fixture';

/** Compare disassemble() with every line of a listing; report all mismatches at once. */
function checkDump(name: string, privSpec: PrivSpec = '1.12'): void {
  const dump = parseDump(name);
  assert.ok(dump.lines.length > 0, `${name} has no instructions`);
  const bad: string[] = [];
  for (const l of dump.lines) {
    const got = disassemble(l.raw, l.addr, dump.symbolize, { privSpec });
    if (got.text !== l.text || got.length !== l.length) {
      bad.push(`${l.line.trim()}\n      got: ${got.text} (${got.length} bytes)`);
    }
  }
  assert.equal(bad.length, 0, `${bad.length} of ${dump.lines.length} lines differ from objdump:\n${bad.slice(0, 40).join('\n')}`);
}

describe('hart/isa disassembler (against riscv64-unknown-elf-objdump 2.40)', () => {
  it('base ISA, M, A, Zicsr, Zifencei, privileged and H (base.dump)', () => checkDump('base.dump'));
  it('F and D with every rounding mode and FP pseudo-instructions (fp.dump)', () => checkDump('fp.dump'));
  it('every Zicsr form on aliased CSRs (csrforms.dump)', () => checkDump('csrforms.dump'));
  it('random instances of every table row (random.dump)', () => checkDump('random.dump'));
  it('compressed forms (rvc.dump)', () => checkDump('rvc.dump'));
  it('every 16-bit encoding (c16.dump.gz)', () => checkDump('c16.dump.gz'));
  it('every CSR number, priv spec 1.12 (default)', () => checkDump('csr-1.12.dump.gz', '1.12'));
  it('every CSR number, priv spec 1.11', () => checkDump('csr-1.11.dump.gz', '1.11'));

  it('prints targets without a symbol, and wraps around the address space', () => {
    assert.deepEqual(disassemble(0x0080006f, 0x80000000n), { text: 'j\t80000008', length: 4 });
    assert.equal(disassemble(0xff9ff06f | 0, 0x4n).text, 'j\tfffffffffffffffc');
    assert.equal(disassemble(0xa001, 0x1000n, () => 'loop').text, 'j\t1000 <loop>');
  });
  it('ignores bits above the halfword of a compressed instruction', () => {
    assert.deepEqual(disassemble(0x12344501, 0n), { text: 'li\ta0,0', length: 2 });
  });
});
