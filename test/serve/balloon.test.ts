/**
 * `hyperscope vm balloon NAME SIZE` and the balloon in `vm info --json` (libvirt's virsh setmem
 * and dommemstat): the target reaches the VM's virtio-balloon; info reports target, actual,
 * committed host memory and libvirt's actual/rss (KiB). The guest is one that never ends
 * (test/guests/reproducers/src/isolation.S) and has no balloon driver, so nothing inflates.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { GUESTS, startTestDaemon, TestDaemon } from './daemon-harness';

describe('hyperscope serve: the memory balloon', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  before(async () => { d = await startTestDaemon(); });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0);
  });

  it('sets the target of a VM created with --balloon and reports it in vm info --json', () => {
    assert.equal(d.vm('create', 'bal', path.join(GUESTS, 'isolation-a.elf'), '--memory', '16M', '--balloon').status, 0);
    const r = d.vm('balloon', 'bal', '4M');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'bal: balloon target 4M\n');
    const info = JSON.parse(d.vm('info', 'bal', '--json').stdout);
    assert.equal(info.balloon.ramBytes, 16 << 20);
    assert.equal(info.balloon.targetBytes, 4 << 20);
    assert.equal(info.balloon.actualBytes, 0);
    assert.ok(info.balloon.committedBytes > 0);
    assert.equal(info.balloon.guest.actual, 16 * 1024);
    assert.equal(info.balloon.guest.rss, info.balloon.committedBytes / 1024);
    assert.match(d.vm('info', 'bal').stdout, /^balloon:\s+target 4M, actual 0M$/m);
    const stats = JSON.parse(d.vm('stats', 'bal', '--json').stdout);
    assert.equal(stats.balloon.targetBytes, 4 << 20);
  });

  it('refuses a VM without a balloon, a bad size and a target past the RAM in one line', () => {
    assert.equal(d.vm('create', 'plain', path.join(GUESTS, 'isolation-b.elf'), '--memory', '16M').status, 0);
    for (const [args, status, message] of [
      [['plain', '4M'], 2, /the VM has no balloon \(create it with --balloon\)/],
      [['bal', 'lots'], 2, /the balloon's size must be a size like 64M, not 'lots'/],
      [['bal', '1G'], 2, /cannot hold more than the guest's RAM/],
      [['nosuch', '4M'], 4, /nosuch/],
    ] as const) {
      const r = d.vm('balloon', ...args);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(d.vm('destroy', 'plain').status, 0);
    assert.equal(d.vm('destroy', 'bal').status, 0);
  });
});
