/**
 * Naming the guest code behind exits from the ELF and DWARF. Expected names from
 * `riscv64-unknown-elf-addr2line -f -i -e samples/uart/uart.elf 0x802001d0 0x802009d2`:
 * uart_read (ns16550a.c:13) inlined into uart_puts_polled, and sbi_ecall (sbi.c:21) inlined
 * into sbi_debug_console_write; `nm`: uart_puts_polled at 0x8020019e, sbi_debug_console_write
 * at 0x802009ba.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { DebugSymbols } from '../../../hypervisor-core/debug/debug-symbols';
import { ExitSiteNamer } from '../../../hypervisor-core/debug/exit-site-names';
import { ExitStats } from '../../../hypervisor-core/hypervisor/stats/exit-stats';

const ROOT = resolve(__dirname, '../../../..');
const uart = () => new DebugSymbols(parseElf(readFileSync(resolve(ROOT, 'samples/uart/uart.elf'))));

describe('exit site names', () => {
  it('names a pc with its innermost function, ELF symbol+offset and source line', () => {
    const n = new ExitSiteNamer([uart()]);
    assert.deepEqual(n.nameOf('0x802001d0'), { function: 'uart_read', symbol: 'uart_puts_polled+0x32', file: 'samples/uart/ns16550a.c', line: 13 });
    assert.deepEqual(n.nameOf('0x802009d2'), { function: 'sbi_ecall', symbol: 'sbi_debug_console_write+0x18', file: 'samples/common/sbi.c', line: 21 });
    assert.deepEqual(n.nameOf('0x10000000'), {}, 'no symbol there');
    assert.deepEqual(n.nameOf('not a pc'), {});
  });

  it('fills the sites of a report', () => {
    const s = new ExitStats(1, 'icount');
    s.sites.record('mmio', 0x802001d0, 0);
    const r = new ExitSiteNamer([uart()]).name(s.report());
    assert.equal(r.attribution?.[0].sites[0].function, 'uart_read');
  });

  it('without parseDwarf, uses ELF symbols until DWARF is parsed, then the inlined function and line', () => {
    const syms = uart();
    const n = new ExitSiteNamer([syms], false);
    assert.deepEqual(n.nameOf('0x802001d0'), { function: 'uart_puts_polled', symbol: 'uart_puts_polled+0x32' });
    assert.equal(syms.dwarfParsed, false, 'naming did not parse DWARF');
    syms.loadDwarf();
    assert.deepEqual(n.nameOf('0x802001d0'), { function: 'uart_read', symbol: 'uart_puts_polled+0x32', file: 'samples/uart/ns16550a.c', line: 13 });
  });
});
