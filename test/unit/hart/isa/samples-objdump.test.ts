/**
 * The disassembler against GNU objdump on the samples' whole .text: every instruction line of
 * `riscv64-unknown-elf-objdump -d -j .text` (committed in test/fixtures/samples-objdump,
 * regenerated with `regen.sh` there) must read the same. objdump's trailing `# addr <sym>`
 * address comments are left out (they need the previous instruction).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { disassemble } from '../../../../hypervisor-core/hart/isa/disassembler';
import { parseElf } from '../../../../hypervisor-core/machine/loaders/elf';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
const SAMPLES = ['hello', 'paging', 'timer', 'uart', 'smp', 'cpu-bound'];

/** objdump's symbolizer: the closest symbol at or below the address. */
function symbolizer(elfBytes: Uint8Array): (addr: bigint) => string | undefined {
  const syms = parseElf(elfBytes).symbols
    .filter((s) => s.name !== '' && (s.type === 'func' || s.type === 'notype' || s.type === 'object') && s.shndx !== 0 && !s.name.startsWith('$'))
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return (addr) => {
    let best: (typeof syms)[number] | undefined;
    for (const s of syms) {
      if (s.value > addr) break;
      if (!best || s.value > best.value || (s.value === best.value && s.bind === 'global' && best.bind !== 'global')) best = s;
    }
    if (!best) return undefined;
    const off = addr - best.value;
    return off === 0n ? best.name : `${best.name}+0x${off.toString(16)}`;
  };
}

describe('disassembler matches objdump on the samples', () => {
  for (const name of SAMPLES) {
    it(`${name}.elf .text`, () => {
      const elf = readFileSync(path.join(ROOT, 'samples', name, `${name}.elf`));
      const sym = symbolizer(elf);
      const dump = readFileSync(path.join(ROOT, 'test', 'fixtures', 'samples-objdump', `${name}.dump`), 'utf8');
      const mismatches: string[] = [];
      let lines = 0;
      for (const line of dump.split('\n')) {
        const m = /^\s+([0-9a-f]+):\t([0-9a-f]+)\s+\t(.*)$/.exec(line);
        if (!m) continue;
        lines++;
        const expected = m[3].replace(/\s+#.*$/, '').trimEnd();
        const got = disassemble(parseInt(m[2], 16), BigInt('0x' + m[1]), sym, { privSpec: '1.11' }).text;
        if (got !== expected) mismatches.push(`${m[1]}: ${m[2]} expected '${expected}' got '${got}'`);
      }
      assert.ok(lines > 100, `only ${lines} lines parsed`);
      assert.deepEqual(mismatches, []);
    });
  }
});
