/**
 * Linux 6.1 (samples/linux, built from Debian's linux-source-6.1 and busybox) boots as a
 * guest to an interactive shell, runs commands, writes a file on a virtio disk made on the
 * host, and powers off through SBI SRST, on 1 and 2 vCPUs. Driven through the CLI, as a
 * user would, with the icount clock.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootLinuxCli, haveLinuxSample } from './linux-cli-boot';

describe('Linux guest (samples/linux)', function () {
  this.timeout(180_000);
  before(function () {
    if (!haveLinuxSample()) this.skip();
  });

  for (const vcpus of [1, 2, 4]) {
    it(`boots to a busybox shell on ${vcpus} vCPU(s), runs commands, powers off with status 0`, async () => {
      const r = await bootLinuxCli(['--vcpus', String(vcpus)], [
        'uname -a', 'cat /proc/cpuinfo', 'cat /proc/interrupts', 'poweroff'], 120_000);
      assert.equal(r.status, 0, r.output.slice(-2000));
      assert.match(r.output, /Linux version 6\.1\./);
      assert.match(r.output, /Linux hyperscope 6\.1\.\S+ #1 SMP .* riscv64 GNU\/Linux/);
      assert.equal((r.output.match(/^processor\s*: \d+/gm) ?? []).length, vcpus, 'one /proc/cpuinfo entry per vCPU');
      assert.match(r.output, /isa\s*: rv64imafdc/);
      assert.match(r.output, /riscv-timer/, '/proc/interrupts lists the timer');
      assert.match(r.output, /reboot: Power down/);
    });
  }

  it('a file written to an ext2 disk in the guest is on the host image after poweroff', async function () {
    const mke2fs = ['/usr/sbin/mke2fs', '/sbin/mke2fs'].find(existsSync);
    const debugfs = ['/usr/sbin/debugfs', '/sbin/debugfs'].find(existsSync);
    if (!mke2fs || !debugfs) this.skip(); // e2fsprogs is part of every Debian system
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-disk-'));
    const disk = path.join(dir, 'disk.img');
    const made = spawnSync(mke2fs!, ['-q', '-F', '-t', 'ext2', disk, '4M']);
    assert.equal(made.status, 0, made.stderr?.toString());
    const r = await bootLinuxCli(['--disk', disk], [
      'mount -t ext2 /dev/vda /mnt', 'echo written-by-the-guest > /mnt/hello.txt', 'cat /mnt/hello.txt',
      'cat /proc/interrupts', 'umount /mnt', 'poweroff'], 120_000);
    assert.equal(r.status, 0, r.output.slice(-2000));
    assert.match(r.output, /virtio_blk virtio\d+: \[vda\]/);
    assert.match(r.output, /virtio\d/, '/proc/interrupts lists a virtio interrupt');
    const read = spawnSync(debugfs!, ['-R', 'cat /hello.txt', disk]);
    assert.equal(read.stdout.toString().trim(), 'written-by-the-guest');
  });
});
