/**
 * `hyperscope run --save-at N --save FILE` and `hyperscope run --restore FILE`: with the icount
 * clock, a run saved and restored prints exactly what the uninterrupted run prints. The
 * expected consoles are the samples' expected files, recorded from QEMU virt + OpenSBI runs
 * (samples/NAME/expected*.txt), so the split run must match QEMU's output byte for byte.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
/** Two points in the paging sample's run: in its kernel with paging on, and in its user task's demand paging. */
const PAGING_EARLY = 330_000;
const PAGING_LATE = 380_000;

function hyperscope(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Saves at `at`, restores, and returns both parts of the console with the statuses. */
function splitRun(file: string, at: number, args: string[]) {
  const a = hyperscope('run', ...args, '--save-at', String(at), '--save', file);
  const b = hyperscope('run', '--restore', file);
  return { a, b, console: a.stdout + b.stdout };
}

describe('hyperscope run --save-at / --restore', function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-snap-'));
  const snap = path.join(tmp, 'vm.snap');

  for (const [vcpus, at] of [[2, 80_000], [4, 100_000], [4, 130_000]]) {
    it(`smp on ${vcpus} vCPUs saved near ${at} instructions and restored prints QEMU's console`, () => {
      const expected = readFileSync(path.join(ROOT, `samples/smp/expected-smp${vcpus}.txt`), 'utf8');
      const r = splitRun(snap, at, ['samples/smp/smp.elf', '--vcpus', String(vcpus), '--clock', 'icount']);
      assert.equal(r.a.status, 0, r.a.stderr);
      assert.match(r.a.stderr, new RegExp(`saved the VM at \\d+ instructions to ${snap.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.equal(r.b.status, 0, r.b.stderr);
      assert.ok(r.a.stdout.length > 0 && r.b.stdout.length > 0, 'both halves print something');
      assert.equal(r.console, expected);
    });
  }

  // Shadow paging keeps the guest's satp and its own tables; trap-and-emulate also the guest's
  // privilege and virtual CSRs. The tables are a cache: the snapshot drops them, the restored
  // VM refills them from the guest's tables on its first accesses.
  for (const technique of [['--mmu', 'shadow'], ['--cpu-virt', 'trap-emulate']]) {
    it(`paging (Sv39, a U-mode task, demand paging) under ${technique.join(' ')} saved at two points and restored prints QEMU's console`, () => {
      const expected = readFileSync(path.join(ROOT, 'samples/paging/expected.txt'), 'utf8');
      for (const at of [PAGING_EARLY, PAGING_LATE]) {
        const r = splitRun(snap, at, ['samples/paging/paging.elf', '--clock', 'icount', ...technique]);
        assert.equal(r.a.status, 0, r.a.stderr);
        assert.equal(r.b.status, 0, r.b.stderr);
        assert.ok(r.a.stdout.length > 0 && r.b.stdout.length > 0, `both halves print something (at ${at})`);
        assert.equal(r.console, expected, `saved at ${at}`);
      }
    });
  }

  it('smp on 2 vCPUs under --mmu shadow saved and restored prints QEMU\'s console', () => {
    const expected = readFileSync(path.join(ROOT, 'samples/smp/expected-smp2.txt'), 'utf8');
    const r = splitRun(snap, 80_000, ['samples/smp/smp.elf', '--vcpus', '2', '--clock', 'icount', '--mmu', 'shadow']);
    assert.equal(r.b.status, 0, r.b.stderr);
    assert.equal(r.console, expected);
  });

  it('the timer sample (interrupts, idle time) saved between ticks and restored prints QEMU\'s console', () => {
    const expected = readFileSync(path.join(ROOT, 'samples/timer/expected.txt'), 'utf8');
    const r = splitRun(snap, 70_000, ['samples/timer/timer.elf', '--clock', 'icount']);
    assert.equal(r.b.status, 0, r.b.stderr);
    assert.match(r.a.stdout, /tick 1\n/);
    assert.equal(r.console, expected);
  });

  it('the virtio sample with a disk, entropy and console continues its requests after a restore', () => {
    const disk = path.join(tmp, 'disk.img');
    const args = ['samples/virtio/virtio.elf', '--disk', disk, '--rng', '--virtio-console', '--clock', 'icount', '--memory', '64M'];
    copyFileSync(path.join(ROOT, 'samples/virtio/disk.img'), disk);
    const whole = hyperscope('run', ...args);
    assert.equal(whole.status, 0, whole.stderr);
    for (const at of [40_000, 76_000]) {
      copyFileSync(path.join(ROOT, 'samples/virtio/disk.img'), disk);
      const r = splitRun(snap, at, args);
      assert.equal(r.b.status, 0, r.b.stderr);
      assert.equal(r.console, whole.stdout, `saved at ${at}`);
    }
  });

  it('a VM with a balloon is saved and restored with its device: same console as QEMU, the target still set', () => {
    const expected = readFileSync(path.join(ROOT, 'samples/timer/expected.txt'), 'utf8');
    const stats = path.join(tmp, 'balloon-stats.json');
    const a = hyperscope('run', 'samples/timer/timer.elf', '--clock', 'icount', '--balloon', '--balloon-target', '8M', '--save-at', '70000', '--save', snap);
    assert.equal(a.status, 0, a.stderr);
    const b = hyperscope('run', '--restore', snap, '--stats-json', stats);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(a.stdout + b.stdout, expected);
    assert.equal(JSON.parse(readFileSync(stats, 'utf8')).balloon.targetBytes, 8 << 20, 'the restored VM has the balloon with its target');
  });

  it('a 2-vCPU VM saved on one thread continues on two (--restore --threads 2) and prints QEMU\'s console', () => {
    const expected = readFileSync(path.join(ROOT, 'samples/parallel/expected-smp2.txt'), 'utf8');
    const a = hyperscope('run', 'samples/parallel/parallel.elf', '--vcpus', '2', '--save-at', '2000000', '--save', snap);
    assert.equal(a.status, 0, a.stderr);
    const b = hyperscope('run', '--restore', snap, '--threads', '2');
    assert.equal(b.status, 0, b.stderr);
    assert.equal(a.stdout + b.stdout, expected);
  });

  it('--restore --threads N is checked against the snapshot: its vCPUs and its icount clock, one line, status 2', () => {
    const one = hyperscope('run', 'samples/hello/hello.elf', '--save-at', '20000', '--save', snap);
    assert.equal(one.status, 0, one.stderr);
    const r1 = hyperscope('run', '--restore', snap, '--threads', '2');
    assert.equal(r1.status, 2, r1.stderr);
    assert.equal(r1.stderr, "hyperscope: --threads 2 is more than the snapshot's 1 vCPU(s): at most one thread per vCPU\n");
    const icount = hyperscope('run', 'samples/smp/smp.elf', '--vcpus', '2', '--clock', 'icount', '--save-at', '20000', '--save', snap);
    assert.equal(icount.status, 0, icount.stderr);
    const r2 = hyperscope('run', '--restore', snap, '--threads', '2');
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /^hyperscope: --threads 2 cannot go with the snapshot's --clock icount/);
    assert.equal(r2.stderr.trim().split('\n').length, 1, r2.stderr);
  });

  it('refuses a file that is not a snapshot, truncated, corrupt or of another version: one line, status 4', () => {
    const r0 = splitRun(snap, 20_000, ['samples/smp/smp.elf', '--vcpus', '2', '--clock', 'icount']);
    assert.equal(r0.a.status, 0, r0.a.stderr);
    const good = readFileSync(snap);
    const cases: [string, Buffer, RegExp][] = [
      ['foreign', Buffer.from('\x7fELF not a snapshot at all'), /not a Hyperscope snapshot file/],
      ['truncated', good.subarray(0, good.length - 100), /truncated/],
      ['corrupt', Buffer.from(good.map((b, i) => (i === good.length - 10 ? b ^ 0x40 : b))), /corrupt \(checksum mismatch\)/],
      ['version', Buffer.from(good.map((b, i) => (i === 8 ? 99 : b))), /format version 99/],
    ];
    for (const [name, bytes, message] of cases) {
      const f = path.join(tmp, `${name}.snap`);
      writeFileSync(f, bytes);
      const r = hyperscope('run', '--restore', f);
      assert.equal(r.status, 4, `${name}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
      assert.equal(r.stdout, '');
    }
  });

  it('refuses a disk image changed since the snapshot (status 5) unless --force', () => {
    const disk = path.join(tmp, 'changed.img');
    copyFileSync(path.join(ROOT, 'samples/virtio/disk.img'), disk);
    const a = hyperscope('run', 'samples/virtio/virtio.elf', '--disk', disk, '--clock', 'icount', '--memory', '64M', '--save-at', '20000', '--save', snap);
    assert.equal(a.status, 0, a.stderr);
    const later = new Date(Date.now() + 5000);
    utimesSync(disk, later, later);
    const refused = hyperscope('run', '--restore', snap);
    assert.equal(refused.status, 5, refused.stderr);
    assert.match(refused.stderr, /disk image '.*changed\.img' was modified after the snapshot \(--force restores anyway\)/);
    const forced = hyperscope('run', '--restore', snap, '--force');
    assert.equal(forced.status, 0, forced.stderr);
  });

  it('a guest that ends before --save-at leaves no file and says so', () => {
    const f = path.join(tmp, 'never.snap');
    const r = hyperscope('run', 'samples/hello/hello.elf', '--clock', 'icount', '--save-at', '999999999', '--save', f);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /before --save-at 999999999: nothing saved/);
    assert.equal(existsSync(f), false);
  });

  it('usage errors: options the snapshot fixes, a kernel with --restore, --save without --save-at', () => {
    for (const [args, message] of [
      [['--restore', snap, '--vcpus', '2'], /--vcpus comes from the snapshot with --restore/],
      [['samples/hello/hello.elf', '--restore', snap], /give no kernel/],
      [['samples/hello/hello.elf', '--save', snap], /--save-at INSTRUCTIONS and --save FILE go together/],
      [['samples/hello/hello.elf', '--save-at', 'x', '--save', snap], /--save-at must be a number of instructions/],
      [['--restore', path.join(tmp, 'missing.snap')], /cannot read --restore .*: no such file/],
    ] as [string[], RegExp][]) {
      const r = hyperscope('run', ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});
