/**
 * gdb-multiarch against `hyperscope run samples/linux/Image --gdb` with vmlinux's symbols:
 * the kernel developer's session of README.md here, expected lines from gdb on
 * `qemu-system-riscv64 -M virt -smp 2 -s -S` with the same Image, initramfs and vmlinux.
 * vmlinux.xz is unpacked once next to it (as the debugger does); the suite skips without the
 * Linux sample or xz, and without gdb-multiarch (fails in CI).
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findSymbolFile } from '../../debug-adapter/compressed-symbols';
import { requireGdb, ROOT, runGdb, startStub, Stub, stopStub } from './gdb-harness';

const LINUX = join(ROOT, 'samples', 'linux');
const IMAGE = join(LINUX, 'Image');
const INITRD = join(LINUX, 'initramfs.cpio.gz');

describe('gdb stub: gdb-multiarch on the Linux sample', function () {
  // Guards against a hang only: gdb reading vmlinux's DWARF and the boot to init take ~15 s on
  // an idle 2-core machine, several times that when it is shared.
  this.timeout(240_000);
  let stub: Stub | undefined;
  let vmlinux = '';
  before(function () {
    this.timeout(60_000);
    requireGdb(this);
    if (![IMAGE, INITRD, join(LINUX, 'vmlinux.xz')].every(existsSync)) { console.log('    (Linux sample files are absent: skipped)'); this.skip(); }
    try {
      vmlinux = findSymbolFile(join(LINUX, 'vmlinux')).path;
    } catch (e) {
      console.log(`    (${(e as Error).message}: skipped)`);
      this.skip();
    }
  });
  afterEach(() => { stopStub(stub); stub = undefined; });

  it('breaks on start_kernel and ksys_write: bt, init_task.comm, threads, x/2i, stepi, info args', async () => {
    stub = await startStub([IMAGE, '--initrd', INITRD, '--append', 'console=ttyS0', '--vcpus', '2']);
    const g = await runGdb(vmlinux, stub.port, [
      'break start_kernel', 'continue', 'bt', 'p init_task.comm', 'info threads', 'x/2i $pc', 'stepi', 'p $pc',
      'info registers priv', 'delete', 'break ksys_write', 'continue', 'info args', 'bt', 'p $a0', 'p $a2', 'kill',
    ], undefined, 200_000);
    const out = g.stdout;
    const expect = (re: RegExp) => assert.match(out, re, out + g.stderr);
    expect(/^Breakpoint 1 at 0xffffffff8024f59a: file init\/main\.c, line 914\.$/m);
    expect(/^Thread 1 hit Breakpoint 1, start_kernel \(\) at init\/main\.c:914$/m);
    expect(/^#0  start_kernel \(\) at init\/main\.c:914\n#1  0xffffffff800001ac in _start_kernel \(\) at arch\/riscv\/kernel\/head\.S:329\nBacktrace stopped: frame did not save the PC$/m);
    expect(/^\$1 = "swapper\\000\\000\\000\\000\\000\\000\\000\\000"$/m);
    expect(/^\* 1    Thread 1\.1 \(vCPU 0 \[running\]\) start_kernel \(\) at init\/main\.c:914$/m);
    // QEMU: "2    Thread 1.2 (CPU#1 [running]) 0x00000000800049dc in ?? ()": OpenSBI parks it there;
    // here the second vCPU has not been started (SBI HSM, as under KVM).
    expect(/^  2    Thread 1\.2 \(vCPU 1 \[halted\]\)/m);
    expect(/^=> 0xffffffff8024f59a <start_kernel>:\tadd\tsp,sp,-96\n   0xffffffff8024f59c <start_kernel\+2>:\tsd\tra,88\(sp\)$/m);
    expect(/^0xffffffff8024f59c\t914\t/m);
    expect(/^\$2 = \(void \(\*\)\(\)\) 0xffffffff8024f59c <start_kernel\+2>$/m);
    expect(/^priv\s+0x1\tprv:1 \[Supervisor\]$/m);
    expect(/^Breakpoint 2 at 0xffffffff80093e36: file fs\/read_write\.c, line 628\.$/m);
    // The first write is init's "2\n" on QEMU too; which vCPU runs it, and the user buffer, vary.
    expect(/^Thread \d hit Breakpoint 2, ksys_write \(fd=1, buf=0x[0-9a-f]+ "2\\n\\033", count=2\) at fs\/read_write\.c:628$/m);
    expect(/^fd = 1\nbuf = 0x[0-9a-f]+ "2\\n\\033"\ncount = 2$/m);
    expect(/^#1  0xffffffff80093ec4 in __do_sys_write \(count=<optimized out>, buf=<optimized out>, fd=<optimized out>\) at fs\/read_write\.c:649$/m);
    expect(/^#2  __se_sys_write \(fd=<optimized out>, buf=<optimized out>, count=<optimized out>\) at fs\/read_write\.c:646$/m);
    expect(/^#3  0xffffffff80001dd6 in handle_exception \(\) at arch\/riscv\/kernel\/entry\.S:233$/m);
    expect(/^\$3 = 1\n\$4 = 2$/m);
    expect(/^\[Inferior 1 \(process 1\) killed\]$/m);
    assert.equal(await stub.exited, 0, stub.stderr());
  });
});
