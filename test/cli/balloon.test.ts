/**
 * `hyperscope run --balloon [--balloon-target SIZE]`: the virtio-balloon device on the board
 * and its figures in --stats-json, under libvirt's names (virsh dommemstat: actual and rss in
 * KiB); bad values get one line and status 2.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');

function hyperscope(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hyperscope run --balloon', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-balloon-'));

  it('reports the balloon target, its size, the committed host memory and libvirt\'s actual and rss', () => {
    const out = path.join(tmp, 'stats.json');
    const r = hyperscope('run', 'samples/hello/hello.elf', '--clock', 'icount', '--balloon-target', '8M', '--stats-json', out);
    assert.equal(r.status, 0, r.stderr);
    const b = JSON.parse(readFileSync(out, 'utf8')).balloon;
    // hello has no balloon driver: the target stands, nothing is inflated, the guest keeps all 128 MiB.
    assert.equal(b.ramBytes, 128 << 20);
    assert.equal(b.targetBytes, 8 << 20);
    assert.equal(b.actualBytes, 0);
    assert.ok(b.committedBytes > 0 && b.committedBytes < 8 << 20, String(b.committedBytes));
    assert.deepEqual(b.guest, { actual: 128 * 1024, rss: b.committedBytes / 1024 });
  });

  it('leaves the report without a balloon when the VM has none', () => {
    const out = path.join(tmp, 'none.json');
    assert.equal(hyperscope('run', 'samples/hello/hello.elf', '--stats-json', out).status, 0);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).balloon, undefined);
  });

  it('refuses a bad target in one line with status 2', () => {
    for (const [args, message] of [
      [['--balloon-target', 'lots'], /--balloon-target must be a size like 64M, not 'lots'/],
      [['--balloon-target', '1G', '--memory', '64M'], /--balloon-target must not exceed the guest RAM/],
      [['--balloon', '--bare'], /--balloon adds a device to the virt board, not to a --bare run/],
    ] as const) {
      const r = hyperscope('run', 'samples/hello/hello.elf', ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
