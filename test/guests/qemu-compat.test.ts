/**
 * Guests built for QEMU virt run unchanged: small guests of our own (test/guests/reproducers,
 * `make qemu` there runs each on qemu-system-riscv64 -M virt + OpenSBI, where each passes)
 * doing what xv6-riscv and U-Boot do.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runGuest } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
const guest = (file: string) => path.join('test', 'guests', 'reproducers', 'build', file);

function hyperscope(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
}

describe('guests built for QEMU virt', function () {
  this.timeout(60_000);

  it('virtio-xv6: xv6\'s virtio-blk bring-up (vendor "QEMU", features without VERSION_1) reads sector 0', () => {
    // QEMU 7.2 hw/virtio/virtio-mmio.c: VendorID reads VIRT_VENDOR 0x554d4551, and FEATURES_OK
    // stays set for a modern device whose driver did not accept VIRTIO_F_VERSION_1
    // (virtio_set_status validates features only when it was accepted).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-xv6-'));
    try {
      const disk = path.join(dir, 'xv6-disk.img');
      const img = Buffer.alloc(4096);
      img.write('xv6 disk\n');
      writeFileSync(disk, img);
      const r = hyperscope('run', guest('virtio-xv6.elf'), '--disk', disk, '--timeout', '30');
      assert.equal(r.stdout.trim(), 'virtio-xv6: PASS', r.stdout + r.stderr);
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uart-plic: THR-empty interrupts claimed and completed without reading IIR come 4 times, as on QEMU', () => {
    // One when the PLIC is enabled (IER's THRI rose while THR was empty), one per byte sent.
    // Before, the PLIC re-raised the still-high line at each completion: an endless storm.
    const r = runGuest(guest('uart-plic.elf'), 1, 50_000_000);
    assert.match(r.output, /^uart-plic: claims 4$/m, r.output.slice(-200));
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output.slice(-200));
  });

  it('timer-early: a timer interrupt never follows an rdtime that read a time before the comparator', () => {
    // kvm-unit-tests riscv/sbi.c timer_check_set_timer spins on `rdtime end; lbu flag; beqz`
    // and requires end - begin >= d; QEMU takes interrupts at translation-block starts, before
    // the rdtime, so it always passes. Under icount the delay 100 was measured as 99 here,
    // deterministically, because the check after the rdtime sampled the clock again.
    const r = runGuest(guest('timer-early.elf'), 1, 50_000_000);
    assert.equal(r.output.trim(), 'timer-early: PASS', r.output.slice(-200));
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
  });

  it('raw: a file that is neither ELF nor Image runs as a raw binary at 0x80200000, as QEMU -kernel loads it', () => {
    const r = hyperscope('run', guest('raw.bin'), '--timeout', '30');
    assert.equal(r.stdout.trim(), 'raw: PASS', r.stdout + r.stderr);
    assert.equal(r.status, 0, r.stderr);
    // Before, the CLI answered "not an ELF or RISC-V Image file" (the loader had the path).
  });
});
