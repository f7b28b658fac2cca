/**
 * The `hyperscope` command as users run it: console output, exit statuses, one-line errors,
 * --stats and --stats-json, --timeout, --bare. Runs dist/cli.js (built by `npm test`).
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');

function hyperscope(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hyperscope CLI', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-cli-'));

  it('runs a sample guest: console on stdout, status 0 on SBI shutdown', () => {
    const r = hyperscope('run', 'samples/hello/hello.elf');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Hello from a Hyperscope guest!$/m);
    assert.equal(r.stderr, '');
  });

  it('--stats prints a perf-kvm-stat style table with breakdowns', () => {
    const r = hyperscope('run', 'samples/uart/uart.elf', '--stats', '--clock', 'icount');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Analyze events for all VMs, all VCPUs:/);
    assert.match(r.stderr, /VM-EXIT\s+Samples\s+Samples%\s+Time%\s+Min Time\s+Max Time\s+Avg time/);
    assert.match(r.stderr, /^\s+mmio\s+450\s/m);
    assert.match(r.stderr, /^\s+uart0\s+320\s/m);
    assert.match(r.stderr, /^\s+plic\s+130\s/m);
  });

  it('--stats-json writes the report (same counts with icount, run to run)', () => {
    const a = path.join(tmp, 'a.json'), b = path.join(tmp, 'b.json');
    assert.equal(hyperscope('run', 'samples/timer/timer.elf', '--clock', 'icount', '--stats-json', a).status, 0);
    assert.equal(hyperscope('run', 'samples/timer/timer.elf', '--clock', 'icount', '--stats-json', b).status, 0);
    const ra = JSON.parse(readFileSync(a, 'utf8')), rb = JSON.parse(readFileSync(b, 'utf8'));
    assert.equal(ra.schema, 'hyperscope.exit-stats/1');
    assert.equal(ra.clock, 'icount');
    assert.ok(ra.totalExits > 0);
    const counts = (r: { reasons: { key: string; samples: number }[] }) => r.reasons.map((x) => `${x.key}:${x.samples}`).join();
    assert.equal(counts(ra), counts(rb));
    assert.ok(ra.sbi.some((x: { key: string }) => x.key === 'TIME.set_timer'));
  });

  it('--stats and --stats-json give a log2 latency histogram per row whose counts sum to its samples', () => {
    const json = path.join(tmp, 'hist.json');
    const r = hyperscope('run', 'samples/hello/hello.elf', '--clock', 'icount', '--stats', '--stats-json', json);
    assert.equal(r.status, 0, r.stderr);
    type Row = { key: string; samples: number; histogram: { unit: string; buckets: { lo: number; hi: number; count: number }[] } };
    const report = JSON.parse(readFileSync(json, 'utf8')) as { reasons: Row[]; sbi: Row[]; mmio: Row[]; virtio: Row[] };
    const sbi = report.reasons.find((x) => x.key === 'sbi');
    assert.equal(sbi?.samples, 24); // the calls hello.c makes: 8 probes, 6 BASE queries, 9 writes, 1 reset
    assert.equal(report.sbi.find((x) => x.key === 'DBCN.console_write')?.samples, 9);
    for (const row of [...report.reasons, ...report.sbi, ...report.mmio, ...report.virtio]) {
      assert.equal(row.histogram.unit, 'ns');
      assert.equal(row.histogram.buckets.reduce((s, b) => s + b.count, 0), row.samples, row.key);
    }
    // stderr: after the perf table, one bpftrace-style block per exit reason, same counts.
    const [table, hists] = r.stderr.split(/\n(?=@exit_ns\[)/);
    assert.match(table, /Guest time:/);
    const blocks = r.stderr.slice(table.length + 1).split('\n\n').filter((b) => b.trim() !== '');
    assert.ok(hists !== undefined);
    assert.deepEqual(blocks.map((b) => b.split('\n')[0]), report.reasons.map((x) => `@exit_ns[${x.key}]:`));
    blocks.forEach((b, i) => {
      const counts = b.split('\n').slice(1).map((l) => {
        const m = /^\[\d+[KMG]?, \d+[KMG]?\) +(\d+) \|@* *\|$/.exec(l);
        assert.ok(m, `not a histogram line: '${l}'`);
        return Number(m[1]);
      });
      assert.equal(counts.reduce((s, c) => s + c, 0), report.reasons[i].samples, report.reasons[i].key);
    });
  });

  it('with the realtime clock, guest time passes while every vCPU waits (timer sample ends)', () => {
    const r = hyperscope('run', 'samples/timer/timer.elf', '--timeout', '20');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /timer: 10 ticks, at least 100 ms elapsed: yes/);
  });

  it('--vcpus 4 runs the SMP sample', () => {
    const r = hyperscope('run', 'samples/smp/smp.elf', '--vcpus', '4');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /hart 3 got IPI from hart 0/);
  });

  it('a guest that reports a system failure exits with status 1', () => {
    // The guest variant of an ISA test shuts down with reason "system failure" when a case
    // fails; a hand-made kernel calling SRST with reason 1 does the same.
    const elf = tinyKernel([
      0x535258b7, 0x3548889b, // li a7, 0x53525354 (lui + addiw)
      0x00000813, // li a6, 0 (fid system_reset)
      0x00000513, // li a0, 0 (shutdown)
      0x00100593, // li a1, 1 (system failure)
      0x00000073, // ecall
      0x0000006f, // j .
    ]);
    const f = path.join(tmp, 'fail.elf');
    writeFileSync(f, elf);
    const r = hyperscope('run', f);
    assert.equal(r.status, 1, r.stderr);
  });

  it('an SBI SRST reboot starts the guest again on a fresh VM (as QEMU does)', () => {
    const f = path.join(tmp, 'reboot.elf');
    writeFileSync(f, tinyKernel([
      0x00100893, // li a7, 1 (legacy console_putchar)
      0x05800513, // li a0, 'X'
      0x00000073, // ecall
      0x535258b7, 0x3548889b, // li a7, 0x53525354 (SRST)
      0x00000813, // li a6, 0 (system_reset)
      0x00100513, // li a0, 1 (cold reboot)
      0x00000593, // li a1, 0
      0x00000073, // ecall
      0x0000006f, // j .
    ]));
    const r = hyperscope('run', f, '--timeout', '1');
    assert.equal(r.status, 124);
    assert.ok(r.stdout.length >= 3 && /^X+$/.test(r.stdout), `output: ${r.stdout.slice(0, 80)}`);
  });

  it('--timeout ends a guest that never stops with status 124', () => {
    const f = path.join(tmp, 'spin.elf');
    writeFileSync(f, tinyKernel([0x0000006f])); // j .
    const r = hyperscope('run', f, '--timeout', '0.5');
    assert.equal(r.status, 124);
    assert.match(r.stderr, /timeout/);
  });

  it('stdout closed early (`| head`): the VM stops quietly with status 141, as a producer killed by SIGPIPE', async () => {
    const f = path.join(tmp, 'chatty.elf');
    writeFileSync(f, tinyKernel([
      0x00100893, // li a7, 1 (legacy console_putchar)
      0x05800513, // li a0, 'X'
      0x00000073, // ecall
      0xff5ff06f, // j -12
    ]));
    const child = spawn(process.execPath, [CLI, 'run', f, '--timeout', '30'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += b; });
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the first output
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    assert.equal(status, 141, stderr);
    assert.equal(stderr, '', 'no stack trace, no message');
  });

  it('a disk image another VM has open for writing is refused with one line; free again once that VM is gone', async () => {
    const runtime = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-runtime-'));
    const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
    const img = path.join(tmp, 'shared.img');
    writeFileSync(img, Buffer.alloc(4096));
    const spin = path.join(tmp, 'spin-disk.elf');
    writeFileSync(spin, tinyKernel([0x0000006f])); // j .
    const first = spawn(process.execPath, [CLI, 'run', spin, '--disk', img, '--timeout', '60'], { cwd: ROOT, env, stdio: 'ignore' });
    try {
      // The first VM holds the image once its entry is in the lock directory (a guard, not a timing).
      const locks = path.join(runtime, 'hyperscope-locks');
      for (let i = 0; i < 400 && !(existsSync(locks) && readdirSync(locks).some((n) => n.includes(`.${first.pid}.`))); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const flag of ['--disk', '--disk-readonly']) {
        const r = spawnSync(process.execPath, [CLI, 'run', 'samples/hello/hello.elf', flag, img], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`^hyperscope: disk .*shared\\.img: in use by another VM \\(pid ${first.pid}\\) for writing \\(Failed to get (shared )?"write" lock\\)\\n$`));
        assert.equal(r.stdout, '', 'the guest did not run');
      }
    } finally {
      first.kill(); // SIGTERM: its entry stays behind, stale
      await new Promise((r) => first.once('exit', r));
    }
    const again = spawnSync(process.execPath, [CLI, 'run', 'samples/hello/hello.elf', '--disk', img], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(again.status, 0, again.stderr);
  });

  it('--bare runs an ISA test on the hart alone (HTIF pass)', () => {
    assert.equal(hyperscope('run', '--bare', 'test/isa/build/bare/rv64i.elf').status, 0);
  });

  describe('bad input: one line on stderr, status 2, no stack trace', () => {
    const cases: [string, string[], RegExp][] = [
      ['missing kernel file', ['run', 'no/such/kernel.elf'], /cannot read kernel 'no\/such\/kernel.elf': no such file/],
      ['bad vcpus', ['run', 'samples/hello/hello.elf', '--vcpus', '0'], /--vcpus must be a number from 1 to 32/],
      ['bad memory', ['run', 'samples/hello/hello.elf', '--memory', 'lots'], /invalid size 'lots'/],
      ['bad clock', ['run', 'samples/hello/hello.elf', '--clock', 'fast'], /--clock must be realtime or icount/],
      ['unknown option', ['run', 'samples/hello/hello.elf', '--turbo'], /unknown option '--turbo'/],
      ['unknown command', ['launch'], /unknown command 'launch'/],
    ];
    for (const [name, args, message] of cases) {
      it(name, () => {
        const r = hyperscope(...args);
        assert.equal(r.status, 2, r.stderr + r.stdout);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      });
    }

    it('an ELF for another machine is refused (any other file runs as a raw binary, as on QEMU)', () => {
      const f = path.join(tmp, 'x86.elf');
      const elf = readFileSync(path.join(ROOT, 'samples/hello/hello.elf'));
      elf.writeUInt16LE(62, 18); // e_machine = EM_X86_64
      writeFileSync(f, elf);
      const r = hyperscope('run', f);
      assert.equal(r.status, 2, r.stderr + r.stdout);
      assert.match(r.stderr, /ELF is for machine x86-64, not RISC-V/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });

    it('an initrd that does not fit in guest memory is refused', () => {
      const f = path.join(tmp, 'big.cpio');
      writeFileSync(f, Buffer.alloc(10 * 1024 * 1024));
      const r = hyperscope('run', 'samples/hello/hello.elf', '--memory', '16M', '--initrd', f);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /initrd of 10485760 bytes does not fit in RAM/);
    });

    /** Status 2, exactly one line on stderr matching `message`, no stack frame, no guest output. */
    function refused(r: { status: number | null; stdout: string; stderr: string }, message: RegExp): void {
      assert.equal(r.status, 2, r.stderr + r.stdout);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
      assert.equal(r.stdout, '');
    }

    it('an endless file (/dev/zero) as kernel or initrd is refused before reading it', () => {
      refused(hyperscope('run', '/dev/zero'), /^hyperscope: kernel \/dev\/zero: not a regular file$/m);
      refused(hyperscope('run', 'samples/hello/hello.elf', '--initrd', '/dev/zero'), /initrd \/dev\/zero: not a regular file/);
      refused(hyperscope('run', '--bare', '/dev/zero'), /kernel \/dev\/zero: not a regular file/);
    });

    it('an initrd larger than guest RAM is refused by its size, before reading it', () => {
      const f = path.join(tmp, 'huge.cpio');
      writeFileSync(f, '');
      truncateSync(f, 300 * 1024 * 1024); // sparse: no disk space used
      refused(hyperscope('run', 'samples/hello/hello.elf', '--initrd', f),
        /initrd .*huge\.cpio: 300 MiB does not fit in 128 MiB of guest RAM/);
    });

    it('an initrd that would overlap the device tree is refused (QEMU would overwrite its end)', () => {
      // 128 MiB: the initrd goes at entry + 64 MiB = 0x84200000, the device tree at 0x87e00000.
      const f = path.join(tmp, 'overlap.cpio');
      writeFileSync(f, '');
      truncateSync(f, 61 * 1024 * 1024);
      refused(hyperscope('run', 'samples/hello/hello.elf', '--initrd', f), /initrd of 63963136 bytes at 0x84200000-0x87efffff overlaps the device tree at 0x87e00000/);
    });

    it('an ELF whose entry point is odd is refused', () => {
      const f = path.join(tmp, 'odd.elf');
      const elf = tinyKernel([0x0000006f]);
      elf.writeBigUInt64LE(0x80200001n, 24);
      writeFileSync(f, elf);
      refused(hyperscope('run', f), /ELF entry point 0x80200001 is not 2-byte aligned/);
    });

    it('more virtio devices than the 8 slots of the board are refused', () => {
      const disks = Array.from({ length: 8 }, () => ['--disk', 'a.img']).flat();
      refused(hyperscope('run', 'samples/hello/hello.elf', ...disks, '--rng'), /9 virtio devices .* the board has 8 virtio-mmio slots/);
    });

    it('an unwritable --stats-json path is refused before the guest runs', () => {
      refused(hyperscope('run', 'samples/hello/hello.elf', '--stats-json', path.join(tmp, 'no-such-dir', 's.json')),
        /cannot write --stats-json '.*s\.json': no such directory/);
      refused(hyperscope('run', 'samples/hello/hello.elf', '--stats-json', tmp), /cannot write --stats-json .*: is a directory/);
    });

    it('a 32-bit or non-RISC-V ELF is refused by name', () => {
      const f = path.join(tmp, 'x86.elf');
      const elf = tinyKernel([0x6f]);
      elf.writeUInt16LE(62, 18); // e_machine = EM_X86_64
      writeFileSync(f, elf);
      const r = hyperscope('run', f);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /not RISC-V/);
    });
  });
});

/** A minimal ELF64 RISC-V executable: the words at 0x80200000, entry there. */
function tinyKernel(words: number[]): Buffer {
  const code = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => code.writeUInt32LE(w >>> 0, i * 4));
  const eh = Buffer.alloc(64), ph = Buffer.alloc(56);
  eh.write('\x7fELF', 0, 'latin1');
  eh[4] = 2; eh[5] = 1; eh[6] = 1; // ELFCLASS64, little-endian, version
  eh.writeUInt16LE(2, 16); // ET_EXEC
  eh.writeUInt16LE(243, 18); // EM_RISCV
  eh.writeUInt32LE(1, 20);
  eh.writeBigUInt64LE(0x80200000n, 24); // entry
  eh.writeBigUInt64LE(64n, 32); // phoff
  eh.writeUInt16LE(64, 52); eh.writeUInt16LE(56, 54); eh.writeUInt16LE(1, 56); // ehsize, phentsize, phnum
  eh.writeUInt16LE(64, 58); // shentsize
  ph.writeUInt32LE(1, 0); ph.writeUInt32LE(5, 4); // PT_LOAD, R+X
  ph.writeBigUInt64LE(120n, 8); // offset
  ph.writeBigUInt64LE(0x80200000n, 16); ph.writeBigUInt64LE(0x80200000n, 24);
  ph.writeBigUInt64LE(BigInt(code.length), 32); ph.writeBigUInt64LE(BigInt(code.length), 40);
  ph.writeBigUInt64LE(4096n, 48);
  return Buffer.concat([eh, ph, code]);
}
