import { strict as assert } from 'node:assert';
import { VirtioMmioReg as R, VirtioStatus as S, VIRTIO_MMIO_INT_CONFIG } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { FakeDriver, RAM_BASE, RAM_SIZE } from './fake-driver';
import { RecordingDevice } from './recording-device';

const INDIRECT = 1 << 28;

/** A started driver on a size-8 queue, indirect descriptors negotiated. */
function started(features: [number, number] = [INDIRECT, 1]): { d: FakeDriver; dev: RecordingDevice } {
  const dev = new RecordingDevice();
  const d = new FakeDriver(dev);
  d.start(1, 8, features);
  return { d, dev };
}

/** Asserts the device went to NEEDS_RESET with a message matching `re`, nothing processed. */
function assertNeedsReset(d: FakeDriver, dev: RecordingDevice, re: RegExp): void {
  assert.equal(d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, S.DEVICE_NEEDS_RESET);
  assert.equal(d.r(R.INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_CONFIG);
  assert.equal(d.irq.level, true);
  assert.match(d.transport.lastError ?? '', re);
  assert.equal(dev.chains.length, 0);
  assert.equal(d.takeUsed(0).length, 0);
  assert.equal(d.checked.violations, 0, 'no access outside guest RAM');
}

describe('virtio malformed input', () => {
  it('a buffer outside guest RAM', () => {
    const { d, dev } = started();
    assert.doesNotThrow(() => d.addChain(0, [{ addr: RAM_BASE + RAM_SIZE - 8, len: 16, write: true }]));
    assertNeedsReset(d, dev, /buffer at 0x800ffff8 \(16 bytes\) is outside guest RAM/);
  });

  it('a buffer in MMIO space or at a 64-bit address', () => {
    for (const addr of [0x10000000, 2 ** 40, 2 ** 64 - 4096]) {
      const { d, dev } = started();
      d.addChain(0, [{ addr, len: 8 }]);
      assertNeedsReset(d, dev, /outside guest RAM/);
    }
  });

  it('a descriptor loop', () => {
    const { d, dev } = started();
    const q = d.queues[0];
    const buf = d.alloc(8);
    d.writeDesc(q.desc, 0, buf, 8, 1, 1);
    d.writeDesc(q.desc, 1, buf, 8, 1, 2);
    d.writeDesc(q.desc, 2, buf, 8, 1, 0);
    d.publish(0, 0);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /loops at descriptor 0/);
  });

  it('a self-loop in an indirect table', () => {
    const { d, dev } = started();
    const q = d.queues[0];
    const table = d.alloc(32);
    d.writeDesc(table, 0, d.alloc(8), 8, 1, 1);
    d.writeDesc(table, 1, d.alloc(8), 8, 1, 1);
    d.writeDesc(q.desc, 0, table, 32, 4, 0);
    d.publish(0, 0);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /indirect descriptor table loops at entry 1/);
  });

  it('an indirect table longer than the queue size', () => {
    const { d, dev } = started();
    const bufs = Array.from({ length: 9 }, () => ({ addr: d.alloc(8), len: 8 }));
    d.addChain(0, bufs, { indirect: true });
    assertNeedsReset(d, dev, /indirect table of 9 descriptors is longer than the queue size 8/);
  });

  it('next pointing past the queue, a head past the queue', () => {
    let { d, dev } = started();
    d.writeDesc(d.queues[0].desc, 0, d.alloc(8), 8, 1, 8);
    d.publish(0, 0);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /points at 8, out of the queue/);
    ({ d, dev } = started());
    d.publish(0, 0x1234);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /descriptor head 4660 is out of the queue/);
  });

  it('an indirect descriptor without the feature, with NEXT, or nested', () => {
    let { d, dev } = started([0, 1]);
    d.addChain(0, [{ addr: d.alloc(8), len: 8 }], { indirect: true });
    assertNeedsReset(d, dev, /VIRTIO_F_INDIRECT_DESC was not negotiated/);

    ({ d, dev } = started());
    const table = d.alloc(16);
    d.writeDesc(table, 0, d.alloc(8), 8, 0, 0);
    d.writeDesc(d.queues[0].desc, 0, table, 16, 4 | 1, 1);
    d.publish(0, 0);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /indirect descriptor 0 also has NEXT set/);

    ({ d, dev } = started());
    const outer = d.alloc(16);
    d.writeDesc(outer, 0, table, 16, 4, 0);
    d.writeDesc(d.queues[0].desc, 0, outer, 16, 4, 0);
    d.publish(0, 0);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /entry 0 is itself indirect/);

    ({ d, dev } = started());
    d.writeDesc(d.queues[0].desc, 0, table, 12, 4, 0);
    d.publish(0, 0);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /indirect table length 12/);
  });

  it('a readable buffer after a writable one', () => {
    const { d, dev } = started();
    d.addChain(0, [{ addr: d.alloc(8), len: 8, write: true }, { addr: d.alloc(8), len: 8 }]);
    assertNeedsReset(d, dev, /device-readable descriptor follows a device-writable one/);
  });

  it('an available index running ahead by more than the queue size', () => {
    const { d, dev } = started();
    d.u16(d.queues[0].avail + 2, 9);
    d.w(R.QUEUE_NOTIFY, 0);
    assertNeedsReset(d, dev, /available index ran 9 entries ahead/);
  });

  it('a device that throws is contained too, and ignores notifications until reset', () => {
    const dev = new RecordingDevice();
    dev.processQueue = () => {
      throw new Error('boom');
    };
    const d = new FakeDriver(dev);
    d.start(1);
    assert.doesNotThrow(() => d.w(R.QUEUE_NOTIFY, 0));
    assert.equal(d.transport.lastError, 'test0: device error: boom');
    assert.equal(d.transport.errorCount, 1);
    d.w(R.QUEUE_NOTIFY, 0);
    assert.equal(d.transport.errorCount, 1, 'a device needing reset does no work');
    assert.doesNotThrow(() => d.w(R.QUEUE_NOTIFY, 99));
  });
});
