/**
 * Guests that attack the hypervisor through its devices, run by the `hyperscope` command as
 * users run it (the guests are test/fixtures/hostile/*.S, prebuilt):
 * - blk-self-feed: a virtio-blk read whose data buffer covers its own header and available
 *   ring keeps the device busy forever; --timeout and Ctrl-C must still work.
 * - console-flood: one virtio-console chain of 16 descriptors each covering all of RAM
 *   (2 GiB); host memory must stay bounded and output to a file must not crash.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'hostile');

/** The disk blk-self-feed reads forever: sector i asks for sector i + 1 (mod 65536) and sets avail.idx to i + 2. */
function selfFeedingDisk(file: string): void {
  const sectors = 65536; // the available index wraps exactly when the header wraps to sector 0
  const b = Buffer.alloc(sectors * 512);
  for (let i = 0; i < sectors; i++) {
    b.writeUInt32LE((i + 1) % sectors, i * 512 + 8);
    b.writeUInt16LE((i + 2) & 0xffff, i * 512 + 18);
  }
  writeFileSync(file, b);
}

/** The peak resident set of a running process, in bytes (Linux /proc). */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

describe('hyperscope CLI: hostile guests', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-hostile-'));
    selfFeedingDisk(path.join(tmp, 'self-feed.img'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('a virtio-blk queue that feeds itself forever: --timeout 1 still ends the run with 124', () => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'run', path.join(HOSTILE, 'blk-self-feed.elf'), '--disk', path.join(tmp, 'self-feed.img'), '--timeout', '1'],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000, input: '' });
    assert.equal(r.status, 124, r.stderr);
    assert.equal(r.stdout, '>');
    assert.equal(r.stderr, '\nhyperscope: timeout\n');
    assert.ok(Date.now() - t0 < 20_000, 'a guard against a hang, not a measurement');
  });

  it('a virtio-blk queue that feeds itself forever: Ctrl-C (SIGINT) still stops the VM', async () => {
    const child = spawn(process.execPath, [CLI, 'run', path.join(HOSTILE, 'blk-self-feed.elf'), '--disk', path.join(tmp, 'self-feed.img'), '--timeout', '50'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += b; });
    // '>' comes just before the notify: from then on the device is busy.
    child.stdout.once('data', () => child.kill('SIGINT'));
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.deepEqual([code, signal], [0, null], stderr);
    assert.equal(stderr, '');
  });

  it('a virtio-console chain covering all of RAM 16 times: streamed with bounded memory, to a file without crashing', async () => {
    const out = path.join(tmp, 'console.out');
    const fd = openSync(out, 'w');
    const child = spawn(process.execPath, [CLI, 'run', path.join(HOSTILE, 'console-flood.elf'), '--virtio-console', '--timeout', '1'],
      { cwd: ROOT, stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.on('data', (b) => { stderr += b; });
    let peak = 0;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    let done = false;
    void exited.then(() => { done = true; });
    while (!done) {
      peak = Math.max(peak, peakRss(child.pid!));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await exited, 124, stderr);
    assert.equal(stderr, '\nhyperscope: timeout\n');
    // 2 GiB of output went through 64 KiB pieces: the host stays near its usual size (once 2.3 GB).
    assert.ok(peak < 768 * 1024 * 1024, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(statSync(out).size > 0, 'the output reached the file');
  });
});
