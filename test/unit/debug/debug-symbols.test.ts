/**
 * DWARF line programs (v5 from the samples, v4 from a committed fixture), DWARF functions with
 * inlined copies, ELF symbols, and source path resolution.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { DebugSymbols } from '../../../hypervisor-core/debug/debug-symbols';
import { filePath, parseLinePrograms } from '../../../hypervisor-core/debug/dwarf/line-program';
import { SourceResolver } from '../../../hypervisor-core/debug/source-resolver';

const ROOT = resolve(__dirname, '../../../..');
const elfOf = (p: string) => parseElf(readFileSync(resolve(ROOT, p)));
const HELLO = 'samples/hello/hello.elf';
const DWARF4 = 'test/unit/debug/fixtures/dwarf4.elf';

describe('debug symbols', () => {
  it('parses DWARF 5 line programs with their directory and file tables', () => {
    const elf = elfOf(HELLO);
    const progs = parseLinePrograms({ debugLine: elf.sectionBytes('.debug_line')!, debugLineStr: elf.sectionBytes('.debug_line_str') });
    assert.ok(progs.length >= 5);
    const hello = progs.find((p) => p.files.some((f) => f?.name === 'hello.c'))!;
    assert.equal(hello.version, 5);
    assert.equal(hello.directories[0], 'samples');
    assert.equal(filePath(hello, 1), 'samples/hello/hello.c');
    assert.ok(hello.rows.some((r) => r.endSequence));
  });

  it('maps addresses to lines and lines to breakpoint addresses (DWARF 5)', () => {
    const s = new DebugSymbols(elfOf(HELLO));
    assert.equal(s.dwarfError, undefined);
    assert.deepEqual(s.lineAt(0x80200000), { path: 'samples/common/crt0.S', line: 22, column: 0 });
    assert.deepEqual(s.addressesForLine('samples/hello/hello.c', 48), { line: 48, addresses: [0x802000c2] });
    // A line whose statement has an empty range (two rows at one address) still gets its address.
    assert.deepEqual(s.addressesForLine('samples/hello/hello.c', 92), { line: 92, addresses: [0x80200242] });
    // No code on a comment line: the next line with code is used.
    assert.equal(s.addressesForLine('samples/hello/hello.c', 86)?.line, 87);
    assert.equal(s.addressesForLine('samples/hello/nope.c', 1), undefined);
  });

  it('knows ELF symbols and DWARF functions, including inlined copies', () => {
    const s = new DebugSymbols(elfOf(HELLO));
    assert.equal(s.addressOf('main'), 0x802000a4);
    assert.equal(s.describe(0x802000a8), 'main+0x4');
    assert.equal(s.symbolAt(0x80200000)?.name, '_start'); // the function wins over the __image_start label
    assert.deepEqual(s.functionAddresses('say_hello'), [0x802000b8]); // inlined into main
    assert.equal(s.functionAt(0x802000c2), 'say_hello');
    assert.equal(s.functionAt(0x802000a4), 'main');
    assert.deepEqual(s.functionAddresses('no_such_function'), []);
  });

  it('puts function breakpoints where gdb puts `break NAME`: past the prologue only in units without location lists', () => {
    // gdb-multiarch 13 on samples/cvars/cvars-O0.elf: "Breakpoint 1 at 0x80200130: file
    // cvars/cvars.c, line 106." (compute is at 0x8020011a), main at 0x802001f8 (entry
    // 0x802001e8); memset, from the -O2 library whose unit has location lists, at its entry.
    const s = new DebugSymbols(elfOf('samples/cvars/cvars-O0.elf'));
    assert.deepEqual(s.functionAddresses('compute'), [0x80200130]);
    assert.deepEqual(s.functionAddresses('main'), [0x802001f8]);
    assert.deepEqual(s.functionAddresses('memset'), [0x80200888]);
    assert.equal(s.addressOf('compute'), 0x8020011a);
  });

  it('reads DWARF 4 line programs with comp_dir from .debug_info', () => {
    const elf = elfOf(DWARF4);
    const progs = parseLinePrograms({ debugLine: elf.sectionBytes('.debug_line')! }, new Map([[0, 'fixtures']]));
    assert.equal(progs[0].version, 4);
    assert.equal(filePath(progs[0], 1), 'fixtures/dwarf4.c');
    const s = new DebugSymbols(elf);
    assert.equal(s.dwarfError, undefined);
    assert.deepEqual(s.lineAt(0x80200000), { path: 'fixtures/dwarf4.c', line: 8, column: 1 });
    assert.equal(s.addressesForLine('fixtures/dwarf4.c', 17)?.addresses[0], 0x8020002e);
    assert.deepEqual(s.functionAddresses('square'), [0x80200010]);
    assert.equal(s.functionAt(0x80200010), 'square');
    assert.equal(s.addressOf('sum_squares'), 0x80200000);
  });

  it('resolves relative recorded paths upward from the program and applies substitutions', () => {
    const r = new SourceResolver(resolve(ROOT, 'samples/hello'), '/');
    assert.equal(r.toLocal('samples/hello/hello.c'), resolve(ROOT, 'samples/hello/hello.c'));
    assert.deepEqual(r.matching(resolve(ROOT, 'samples/hello/hello.c'), ['samples/common/sbi.c', 'samples/hello/hello.c']), ['samples/hello/hello.c']);
    const sub = new SourceResolver('/tmp', '/', [{ from: '/build/src', to: resolve(ROOT, 'samples') }]);
    assert.equal(sub.toLocal('/build/src/hello/hello.c'), resolve(ROOT, 'samples/hello/hello.c'));
  });

  it('guesses a missing file where most of its folders exist (kernel sources not fetched yet)', () => {
    // From the samples folder (cwd, as `npm start` opens it) the recorded path lies under the repository root.
    const r = new SourceResolver(resolve(ROOT, 'samples/linux'), resolve(ROOT, 'samples'));
    assert.equal(r.toLocal('samples/linux/no-such-build/linux-source-6.1/init/main.c'),
      resolve(ROOT, 'samples/linux/no-such-build/linux-source-6.1/init/main.c'));
  });
});
