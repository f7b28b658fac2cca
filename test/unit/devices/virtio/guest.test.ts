import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBackend } from '../../../../hypervisor-core/devices/virtio/block/backend';
import { seededEntropy } from '../../../../hypervisor-core/devices/virtio/rng/device';
import { bootVirt } from '../../../../hypervisor-core/machine/virt-board';

const SAMPLE = join(__dirname, '../../../../../samples/virtio');

/** The disk the sample expects (as its Makefile makes it for QEMU). */
function disk(): MemoryBackend {
  const bytes = new Uint8Array(64 * 1024);
  bytes.set(new TextEncoder().encode('HYPERSCOPE VIRTIO DISK'));
  return new MemoryBackend(bytes);
}

/** Runs samples/virtio/virtio.elf to its shutdown; returns the console text and the VM. */
function run(virtioConsole: boolean) {
  const out: number[] = [];
  const d = disk();
  const { vm } = bootVirt({
    kernel: readFileSync(join(SAMPLE, 'virtio.elf')), vcpus: 1, memory: 64 * 1024 * 1024, clock: 'icount',
    console: (b) => out.push(...b), disks: [d], virtioConsole, rng: seededEntropy(7),
  });
  let stop = null;
  for (let i = 0; i < 100 && !stop; i++) stop = vm.runFor(1_000_000);
  assert.deepEqual(stop, { kind: 'shutdown', failure: false });
  return { text: Buffer.from(out).toString(), vm, disk: d };
}

describe('virtio guest sample (samples/virtio)', () => {
  it('prints what it prints under QEMU with virtio-blk-device and virtio-rng-device', () => {
    const { text, disk: d, vm } = run(false);
    assert.equal(text, readFileSync(join(SAMPLE, 'expected.txt'), 'utf8'));
    assert.equal(Buffer.from(d.bytes.subarray(512, 532)).toString(), 'written by the guest');
    assert.equal(d.flushes, 1);
    const virtio = vm.stats.report().virtio!;
    assert.deepEqual(virtio.map((r) => [r.key, r.samples]), [['virtio-blk0.q0', 5], ['virtio-rng0.q0', 1]]);
    assert.ok(vm.virtio.every((t) => t?.lastError == null));
  });

  it('writes through the virtio console', () => {
    const { text, vm } = run(true);
    assert.match(text, /^console: hello through virtio-console$/m);
    assert.ok(vm.stats.report().virtio!.some((r) => r.key === 'virtio-console0.q1' && r.samples === 1));
  });
});
