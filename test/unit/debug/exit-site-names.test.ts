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
import { ExitSiteNamer, KernelSiteNames, kernelSiteNamer } from '../../../hypervisor-core/debug/exit-site-names';
import { siteNamesWanted } from '../../../hypervisor-core/cli/run-command';
import { ExitStats } from '../../../hypervisor-core/hypervisor/stats/exit-stats';

const ROOT = resolve(__dirname, '../../../..');
const uartElf = () => readFileSync(resolve(ROOT, 'samples/uart/uart.elf'));
const uart = () => new DebugSymbols(parseElf(uartElf()));

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

  it('names from a kernel image: its ELF, none for a raw Image or bytes that are no ELF', () => {
    assert.deepEqual(kernelSiteNamer(uartElf())?.nameOf('0x802001d0'), { function: 'uart_read', symbol: 'uart_puts_polled+0x32', file: 'samples/uart/ns16550a.c', line: 13 });
    assert.equal(kernelSiteNamer(readFileSync(resolve(ROOT, 'test/guests/reproducers/build/raw.bin'))), null);
    const truncated = uartElf().subarray(0, 100); // an ELF header whose section table lies past the end
    assert.equal(kernelSiteNamer(truncated), null);
  });

  it('keeps one namer per kernel, so a daemon\'s repeated `vm stats` parse the DWARF once', () => {
    const names = new KernelSiteNames();
    const kernel = uartElf();
    const first = names.namerOf(kernel);
    assert.ok(first);
    assert.equal(names.namerOf(kernel), first, 'the same kernel: the same namer, its DWARF and names kept');
    const s = new ExitStats(1, 'icount');
    s.sites.record('mmio', 0x802001d0, 0);
    assert.equal(names.name(s.report(), kernel).attribution?.[0].sites[0].function, 'uart_read');
    assert.notEqual(names.namerOf(uartElf()), first, 'another image (a restored or migrated VM\'s): a new namer');
  });

  it('hyperscope run names exit sites only for the views that show them (--stats=sites or all) and --stats-json', () => {
    assert.equal(siteNamesWanted({ stats: true }, false), false, '--stats: perf\'s table has no names');
    assert.equal(siteNamesWanted({ stats: true, statsView: 'kvm' }, false), false);
    assert.equal(siteNamesWanted({ stats: true, statsView: 'sites' }, false), true);
    assert.equal(siteNamesWanted({ stats: true, statsView: 'all' }, false), true);
    assert.equal(siteNamesWanted({ stats: false }, true), true, '--stats-json carries the names');
    assert.equal(siteNamesWanted({ stats: false, statsView: 'sites' }, false), false, 'no report at all');
  });
});
