/**
 * virtio-balloon (virtio 1.2 section 5.5) driven as Linux's virtio_balloon drives it: the
 * target in config num_pages, page frame numbers (4 KiB) on inflateq and deflateq, `actual`
 * written back, one stats buffer of { le16 tag, le64 val } records held by the device and
 * handed back to ask for new figures. Tag numbers and libvirt's names from the spec's table
 * (5.5.6.3) and libvirt's qemuMonitorJSONGetBalloonStats (sizes reported in KiB).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BALLOON_DEVICE_ID, BalloonFeature, DEFLATE_QUEUE, INFLATE_QUEUE, STATS_QUEUE, VirtioBalloon,
} from '../../../../hypervisor-core/devices/virtio/balloon/device';
import { VirtioMmioReg as R, VIRTIO_MMIO_INT_CONFIG } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { bootVirt } from '../../../../hypervisor-core/machine/virt-board';
import { balloonStats } from '../../../../hypervisor-core/hypervisor/balloon-stats';
import { FakeDriver, RAM_BASE, RAM_SIZE } from './fake-driver';

const HELLO = join(__dirname, '../../../../../samples/hello/hello.elf');
const PFN0 = RAM_BASE / 4096;

/** le32 page frame numbers. */
function pfns(list: number[]): Uint8Array {
  const b = new Uint8Array(4 * list.length);
  list.forEach((p, i) => new DataView(b.buffer).setUint32(4 * i, p, true));
  return b;
}

/** Stats records. */
function stats(list: [number, number][]): Uint8Array {
  const b = new Uint8Array(10 * list.length);
  const v = new DataView(b.buffer);
  list.forEach(([tag, val], i) => {
    v.setUint16(10 * i, tag, true);
    v.setBigUint64(10 * i + 2, BigInt(val), true);
  });
  return b;
}

function standalone(statsInterval = 0, deflateOnOom = false) {
  const released: number[] = [];
  let now = 0;
  const dev = new VirtioBalloon({ ramBase: RAM_BASE, ramSize: RAM_SIZE, releasePages: (g) => released.push(...g), now: () => now }, statsInterval, deflateOnOom);
  const d = new FakeDriver(dev);
  return { dev, d, released, advance: (t: number) => { now += t; } };
}

describe('virtio-balloon', () => {
  it('is device 5 with STATS_VQ (DEFLATE_ON_OOM only when asked, as QEMU\'s deflate-on-oom), and tells the driver a new target', () => {
    // QEMU 7.2 hw/virtio/virtio-balloon.c: get_features adds STATS_VQ; "deflate-on-oom" defaults to false.
    assert.equal(standalone(0, true).d.deviceFeatures()[0] & 0xffffff, (1 << BalloonFeature.STATS_VQ) | (1 << BalloonFeature.DEFLATE_ON_OOM));
    const { dev, d } = standalone();
    assert.equal(d.r(R.DEVICE_ID), BALLOON_DEVICE_ID);
    const [lo, hi] = d.deviceFeatures();
    assert.equal(lo & 0xffffff, 1 << BalloonFeature.STATS_VQ); // device bits 0..23
    assert.equal(hi & 1, 1); // VERSION_1 from the transport
    d.start(3, 8);
    d.ack();
    dev.setTarget(40 * 1024 + 100); // rounded down to whole pages
    assert.equal(d.r(R.CONFIG), 10, 'num_pages');
    assert.equal(d.ack() & VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_CONFIG, 'config-change interrupt');
    d.w(R.CONFIG + 4, 10); // the driver's actual
    assert.equal(d.r(R.CONFIG + 4), 10);
    d.w(R.CONFIG, 99); // num_pages is the device's: ignored
    assert.equal(d.r(R.CONFIG), 10);
    assert.equal(dev.report().actualBytes, 40960);
  });

  it('releases inflated RAM pages once each, skips pages outside RAM, and takes deflated ones back', () => {
    const { dev, d, released } = standalone();
    d.start(3, 8);
    const list = [PFN0 + 100, PFN0 + 101, PFN0 + RAM_SIZE / 4096, 7, PFN0 + 100];
    d.addChain(INFLATE_QUEUE, [{ addr: d.alloc(20, pfns(list)), len: 20 }]);
    assert.deepEqual(d.takeUsed(INFLATE_QUEUE).length, 1);
    assert.deepEqual(released, [RAM_BASE + 100 * 4096, RAM_BASE + 101 * 4096]);
    assert.equal(dev.ignoredPages, 3);
    assert.equal(dev.report().inflatedBytes, 2 * 4096);
    d.addChain(DEFLATE_QUEUE, [{ addr: d.alloc(4, pfns([PFN0 + 101])), len: 4 }]);
    assert.equal(d.takeUsed(DEFLATE_QUEUE).length, 1);
    assert.equal(dev.report().inflatedBytes, 4096);
    d.addChain(INFLATE_QUEUE, [{ addr: d.alloc(4, pfns([PFN0 + 101])), len: 4 }]);
    assert.equal(released.length, 3, 'a deflated page can be given again');
    assert.equal(d.checked.violations, 0);
  });

  it('keeps the guest statistics under libvirt names and asks for new ones by returning the buffer', () => {
    const { dev, d, advance } = standalone(1000);
    d.start(3, 8);
    const buf = d.alloc(60, stats([[0, 8192], [2, 7], [3, 1234], [4, 10 << 20], [5, 64 << 20], [99, 5]]));
    d.addChain(STATS_QUEUE, [{ addr: buf, len: 60 }]);
    assert.deepEqual(d.takeUsed(STATS_QUEUE), [], 'the device holds the buffer');
    assert.deepEqual(dev.report().guest, { swap_in: 8, major_fault: 7, minor_fault: 1234, unused: 10240, available: 65536 });
    dev.tick();
    assert.deepEqual(d.takeUsed(STATS_QUEUE).length, 1, 'first tick asks at once');
    d.w(R.CONFIG + 4, 0);
    d.mem.write(buf, stats([[4, 20 << 20]]));
    d.addChain(STATS_QUEUE, [{ addr: buf, len: 10 }]);
    assert.deepEqual(dev.report().guest, { unused: 20480 });
    advance(999);
    dev.tick();
    assert.deepEqual(d.takeUsed(STATS_QUEUE), [], 'not before the interval');
    advance(1);
    dev.tick();
    assert.equal(d.takeUsed(STATS_QUEUE).length, 1);
  });

  it('takes the stats buffer a driver made available before DRIVER_OK (Linux\'s init_vqs does), so it can ask for statistics', () => {
    const { dev, d } = standalone(1000);
    assert.ok(d.negotiate());
    for (let i = 0; i < 3; i++) d.setupQueue(i, 8);
    const buf = d.alloc(10, stats([[4, 10 << 20]]));
    d.addChain(STATS_QUEUE, [{ addr: buf, len: 10 }]); // notified before DRIVER_OK: not for the device yet
    assert.deepEqual(dev.report().guest, {});
    d.driverOk();
    assert.deepEqual(dev.report().guest, { unused: 10240 }, 'taken at DRIVER_OK');
    dev.tick();
    assert.equal(d.takeUsed(STATS_QUEUE).length, 1, 'and handed back to ask for new figures');
  });

  it('saves and restores its state', () => {
    const { dev, d } = standalone();
    d.start(3, 8);
    dev.setTarget(8192);
    d.addChain(INFLATE_QUEUE, [{ addr: d.alloc(8, pfns([PFN0 + 5, PFN0 + 6])), len: 8 }]);
    const saved = JSON.parse(JSON.stringify(dev.save()));
    const other = standalone().dev;
    other.restore(saved);
    assert.deepEqual(other.report(), dev.report());
    assert.deepEqual(other.save(), dev.save());
    assert.throws(() => other.restore({ ...saved, inflated: 'AA==' }), /bitmap/);
    assert.throws(() => other.restore({ ...saved, target: 'x' }), /target: expected a number/);
  });
});

describe('virtio-balloon in a VM', () => {
  it('unmaps inflated pages and frees their host memory; the guest\'s next touch maps a zeroed page', () => {
    const { vm } = bootVirt({ kernel: readFileSync(HELLO), vcpus: 1, memory: 64 << 20, clock: 'icount', console: () => undefined, balloon: { target: 1 << 20 } });
    let stop = null;
    for (let i = 0; i < 100 && !stop; i++) stop = vm.runFor(1_000_000);
    assert.deepEqual(stop, { kind: 'shutdown', failure: false });
    const base = 0x10001000; // slot 0: the only virtio device
    const d = new FakeDriver(null, { mem: vm.ram, scratch: 0x82000000, read: (off) => vm.bus.read(base + off, 4)!, write: (off, v) => vm.bus.write(base + off, 4, v) });
    d.start(3, 8);
    assert.equal(d.r(R.CONFIG), 256, 'target 1 MiB = 256 pages');
    // hello's text is at 0x80200000 (its ELF): loaded, so committed and mapped by the guest's fetches.
    const pages = [0, 1, 2, 3].map((k) => 0x80200000 + 4096 * k);
    assert.ok(pages.every((g) => vm.ram.isPopulated(g)));
    d.addChain(INFLATE_QUEUE, [{ addr: d.alloc(16, pfns(pages.map((g) => g / 4096))), len: 16 }], { notify: false });
    vm.ram.read(d.queues[INFLATE_QUEUE].used, 8); // the driver's rings are host memory too: count them first
    const committed = vm.ram.committedBytes, mapped = vm.gstage.mappedPages;
    d.w(R.QUEUE_NOTIFY, INFLATE_QUEUE);
    assert.equal(vm.ram.committedBytes, committed - 4 * 4096);
    assert.equal(vm.gstage.mappedPages, mapped - 4);
    assert.ok(pages.every((g) => !vm.ram.isPopulated(g)));
    d.w(R.CONFIG + 4, 4);
    const s = balloonStats(vm)!;
    assert.deepEqual([s.targetBytes, s.actualBytes, s.committedBytes, s.guest.actual, s.guest.rss],
      [1 << 20, 4 * 4096, committed - 4 * 4096, (64 * 1024) - 16, (committed - 4 * 4096) / 1024]);
    // Deflated or not, touching the page brings back a fresh zeroed one.
    assert.ok(vm.ram.read(pages[0], 4096)!.every((b) => b === 0));
    assert.equal(vm.ram.committedBytes, committed - 3 * 4096);
  });
});
