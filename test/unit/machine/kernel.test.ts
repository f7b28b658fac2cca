import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKernel, KernelFormatError } from '../../../hypervisor-core/machine/loaders/kernel';
import { parseElf } from '../../../hypervisor-core/machine/loaders/elf';
import { parseImageHeader } from '../../../hypervisor-core/machine/loaders/image';

const RAM = { base: 0x80000000, size: 128 * 1024 * 1024 };
// out/test/unit/machine -> repository root
const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'machine');

interface Seg { type?: number; flags?: number; offset: number; vaddr?: number; paddr: number; filesz: number; memsz: number }

/** Builds a minimal ELF64 with program headers only; `fileSize` may cut it short. */
function makeElf(opts: { cls?: number; data?: number; machine?: number; type?: number; entry?: number; segs?: Seg[]; fileSize?: number }): Uint8Array {
  const segs = opts.segs ?? [{ offset: 0x100, paddr: 0x80000000, filesz: 0x10, memsz: 0x20, flags: 5 }];
  const size = opts.fileSize ?? Math.max(0x200, ...segs.map((s) => s.offset + s.filesz));
  const b = new Uint8Array(Math.max(size, 64 + 56 * segs.length));
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 2, opts.data ?? 1, 1]);
  v.setUint16(0x10, opts.type ?? 2, true);
  v.setUint16(0x12, opts.machine ?? 243, true);
  v.setBigUint64(0x18, BigInt(opts.entry ?? 0x80000000), true);
  v.setBigUint64(0x20, 64n, true);
  v.setUint16(0x36, 56, true);
  v.setUint16(0x38, segs.length, true);
  segs.forEach((s, i) => {
    const o = 64 + i * 56;
    v.setUint32(o, s.type ?? 1, true);
    v.setUint32(o + 4, s.flags ?? 5, true);
    v.setBigUint64(o + 8, BigInt(s.offset), true);
    v.setBigUint64(o + 0x10, BigInt(s.vaddr ?? s.paddr), true);
    v.setBigUint64(o + 0x18, BigInt(s.paddr), true);
    v.setBigUint64(o + 0x20, BigInt(s.filesz), true);
    v.setBigUint64(o + 0x28, BigInt(s.memsz), true);
    for (let k = 0; k < s.filesz && s.offset + k < b.length; k++) b[s.offset + k] = 0xa0 + (k & 0xf);
  });
  return opts.fileSize !== undefined ? b.subarray(0, opts.fileSize) : b;
}

function makeImage(textOffset: number, imageSize: number, length = 0x1000, magic2Only = false): Uint8Array {
  const b = new Uint8Array(length);
  const v = new DataView(b.buffer);
  v.setBigUint64(0x08, BigInt(textOffset), true);
  v.setBigUint64(0x10, BigInt(imageSize), true);
  v.setUint32(0x20, 2, true);
  if (!magic2Only) b.set([0x52, 0x49, 0x53, 0x43, 0x56, 0, 0, 0], 0x30);
  b.set([0x52, 0x53, 0x43, 0x05], 0x38);
  return b;
}

function rejects(bytes: Uint8Array, pattern: RegExp, opts = {}): void {
  assert.throws(
    () => loadKernel(bytes, RAM, opts),
    (e: unknown) => e instanceof KernelFormatError && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('loadKernel', () => {
  it('loads the ELF fixture: segments at p_paddr, bss zeroed, symbols, sections', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'tiny.elf')));
    const k = loadKernel(bytes, RAM);
    assert.equal(k.format, 'elf');
    assert.equal(k.entry, 0x80000000);
    assert.deepEqual(k.segments.map((s) => [s.addr, s.bytes.length]), [[0x80000000, 0x18], [0x80001000, 0x10c]]);
    const data = k.segments[1].bytes;
    assert.equal(new TextDecoder().decode(data.subarray(0, 5)), 'hello');
    assert.ok(data.subarray(6).every((b) => b === 0));
    assert.equal(k.end, 0x8000110c);
    const sym = (n: string) => k.symbols!.find((s) => s.name === n)!;
    assert.deepEqual(
      { ...sym('_start') },
      { name: '_start', value: 0x80000000n, size: 0x18, type: 'func', bind: 'global', shndx: 1 },
    );
    assert.equal(sym('message').type, 'object');
    assert.equal(sym('buffer').size, 256);
    assert.equal(sym('counter').bind, 'local');
    assert.equal(k.elf!.section('.text')!.addr, 0x80000000n);
    assert.equal(k.elf!.sectionBytes('.text')!.length, 0x18);
    assert.equal(k.elf!.sectionBytes('.bss'), undefined);
  });

  it('translates a virtual entry to physical like QEMU (vmlinux style)', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-high.elf')));
    const k = loadKernel(bytes, RAM);
    assert.equal(k.entry, 0x80200000);
    assert.equal(k.segments[0].addr, 0x80200000);
    assert.equal(k.symbols!.find((s) => s.name === 'message')!.value, 0xffffffff80000018n);
  });

  it('loads a synthetic ELF with zero fill', () => {
    const k = loadKernel(makeElf({}), RAM);
    assert.deepEqual([...k.segments[0].bytes.subarray(0x0e, 0x12)], [0xae, 0xaf, 0, 0]);
    assert.equal(k.end, 0x80000020);
    assert.deepEqual(k.symbols, []);
  });

  it('loads a RISC-V Image at RAM base + text_offset', () => {
    const k = loadKernel(makeImage(0x200000, 0x5000), RAM);
    assert.equal(k.format, 'image');
    assert.equal(k.entry, 0x80200000);
    assert.equal(k.end, 0x80205000);
    assert.equal(k.segments[0].bytes.length, 0x1000);
    assert.equal(loadKernel(makeImage(0x200000, 0, 0x1000, true), RAM).end, 0x80201000);
    assert.deepEqual(parseImageHeader(makeImage(0x200000, 0x5000)), { textOffset: 0x200000, imageSize: 0x5000, flags: 0, version: 2 });
  });

  it('loads raw binaries at 0x80200000 only when asked', () => {
    const raw = new Uint8Array([0x13, 0, 0, 0, 0x6f, 0, 0, 0]);
    rejects(raw, /^not an ELF or RISC-V Image file$/);
    const k = loadKernel(raw, RAM, { raw: true });
    assert.equal(k.format, 'raw');
    assert.equal(k.entry, 0x80200000);
    assert.equal(k.end, 0x80200008);
  });

  it('rejects unusable files with one-line KernelFormatErrors', () => {
    rejects(new Uint8Array(0), /^kernel file is empty$/);
    rejects(new Uint8Array(100).fill(0x20), /not an ELF or RISC-V Image/);
    rejects(makeElf({ cls: 1 }), /32-bit/);
    rejects(makeElf({ data: 2 }), /big-endian/);
    rejects(makeElf({ machine: 62 }), /^ELF is for machine x86-64, not RISC-V$/);
    rejects(makeElf({ machine: 183 }), /machine AArch64, not RISC-V/);
    rejects(makeElf({ machine: 9999 }), /machine number 9999, not RISC-V/);
    rejects(makeElf({ type: 1 }), /not an executable: type ET_REL/);
    rejects(makeElf({}).subarray(0, 40), /truncated ELF: header/);
    rejects(makeElf({ fileSize: 100 }), /truncated ELF: program headers/);
    rejects(makeElf({ segs: [{ offset: 0x100, paddr: 0x80000000, filesz: 0x1000, memsz: 0x1000 }], fileSize: 0x200 }), /truncated ELF: segment 0 extends past end of file/);
    rejects(makeElf({ segs: [{ type: 4, offset: 0x100, paddr: 0, filesz: 4, memsz: 4 }] }), /no loadable segments/);
    rejects(makeElf({ entry: 0x80000001 }), /^ELF entry point 0x80000001 is not 2-byte aligned$/);
    rejects(makeElf({ segs: [{ offset: 0x100, paddr: 0x1000, filesz: 0x10, memsz: 0x10 }] }), /^ELF segment at 0x1000 is outside RAM \(0x80000000-0x87ffffff\)$/);
    rejects(makeElf({ segs: [{ offset: 0x100, paddr: 0x87fff000, filesz: 0x10, memsz: 0x2000 }] }), /^kernel does not fit in memory: .*128 MiB/);
    rejects(makeImage(0x200000, 200 * 1024 * 1024), /does not fit in memory/);
    rejects(new Uint8Array(0x300001), /not an ELF/, {});
    assert.throws(() => loadKernel(new Uint8Array(0x9000000), RAM, { raw: true }), /does not fit in memory/);
  });

  it('parseElf exposes all program headers and sections', () => {
    const elf = parseElf(new Uint8Array(readFileSync(join(FIXTURES, 'tiny.elf'))));
    assert.equal(elf.entry, 0x80000000n);
    assert.ok(elf.sections.some((s) => s.name === '.symtab'));
    assert.ok(elf.programHeaders.length >= 2);
  });
});
