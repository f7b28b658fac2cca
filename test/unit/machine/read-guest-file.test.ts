import { strict as assert } from 'node:assert';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSize, guestRamLimit, readGuestFile, readKernelFile } from '../../../hypervisor-core/machine/loaders/read-guest-file';

describe('readGuestFile / readKernelFile (sizes checked before reading)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-read-'));
  const MiB = 1024 * 1024;

  it('reads a regular file whole', () => {
    const f = join(dir, 'small');
    writeFileSync(f, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...readGuestFile(f, 'initrd', guestRamLimit(16 * MiB))], [1, 2, 3]);
  });

  it('refuses character devices and FIFOs (endless, size unknown) without reading', () => {
    assert.throws(() => readGuestFile('/dev/zero', 'initrd', guestRamLimit(16 * MiB)), /^GuestFileError: initrd \/dev\/zero: not a regular file$/);
    assert.throws(() => readKernelFile('/dev/zero', 16 * MiB), /^GuestFileError: kernel \/dev\/zero: not a regular file$/);
  });

  it('refuses a file larger than its limit by its size', () => {
    const f = join(dir, 'big');
    writeFileSync(f, '');
    truncateSync(f, 300 * MiB); // sparse
    assert.throws(() => readGuestFile(f, 'initrd', guestRamLimit(128 * MiB)), /initrd .*big: 300 MiB does not fit in 128 MiB of guest RAM$/);
    // Not an ELF: a kernel image must fit in guest RAM too.
    assert.throws(() => readKernelFile(f, 128 * MiB), /kernel .*big: 300 MiB does not fit in 128 MiB of guest RAM$/);
  });

  it('lets an ELF kernel be larger than guest RAM (debug information stays on the host)', () => {
    const f = join(dir, 'vmlinux');
    writeFileSync(f, Uint8Array.of(0x7f, 0x45, 0x4c, 0x46));
    truncateSync(f, 20 * MiB);
    assert.equal(readKernelFile(f, 16 * MiB).length, 20 * MiB);
  });

  it('says why a file cannot be opened, in one line', () => {
    assert.throws(() => readGuestFile(join(dir, 'none'), 'initrd', guestRamLimit(MiB)), /^GuestFileError: cannot read initrd '.*none': no such file$/);
    assert.throws(() => readKernelFile(dir, MiB), /cannot read kernel '.*': is a directory$/);
  });

  it('formats sizes in binary units', () => {
    assert.deepEqual([formatSize(512), formatSize(1536), formatSize(300 * MiB), formatSize(1.5 * 1024 * MiB)], ['512 bytes', '1.5 KiB', '300 MiB', '1.5 GiB']);
  });
});
