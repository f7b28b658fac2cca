import { strict as assert } from 'node:assert';
import {
  VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_MAGIC, VirtioMmioReg as R, VirtioStatus as S,
} from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { FdtBuilder } from '../../../../hypervisor-core/machine/fdt-builder';
import { FakeDriver, RAM_BASE } from './fake-driver';
import { RecordingDevice } from './recording-device';

describe('virtio-mmio transport', () => {
  it('identifies itself as a modern (version 2) device', () => {
    const d = new FakeDriver(new RecordingDevice());
    assert.equal(d.r(R.MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
    assert.equal(d.r(R.MAGIC_VALUE), 0x74726976);
    assert.equal(d.r(R.VERSION), 2);
    assert.equal(d.r(R.DEVICE_ID), 0x2a);
  });

  it('reports QEMU\'s vendor id 0x554d4551 ("QEMU"), which drivers written for QEMU virt check', () => {
    // QEMU hw/virtio/virtio-mmio.c: VIRTIO_MMIO_VENDOR_ID reads VIRT_VENDOR; xv6's
    // virtio_disk_init panics on any other value.
    assert.equal(new FakeDriver(new RecordingDevice()).r(R.VENDOR_ID), 0x554d4551);
  });

  it('offers VERSION_1, INDIRECT_DESC and EVENT_IDX with the device bits', () => {
    const d = new FakeDriver(new RecordingDevice());
    const [lo, hi] = d.deviceFeatures();
    assert.equal(hi, 1); // bit 32: VIRTIO_F_VERSION_1
    assert.equal(lo, (1 << 28) | (1 << 29) | (1 << 3));
    d.w(R.DEVICE_FEATURES_SEL, 2);
    assert.equal(d.r(R.DEVICE_FEATURES), 0);
  });

  it('keeps FEATURES_OK for a driver without VERSION_1 and drops bits it did not offer, as QEMU does', () => {
    // QEMU 7.2 virtio_mmio_write(STATUS) calls virtio_set_features, which masks the driver's
    // bits with the offered ones and whose result is ignored, then virtio_set_status, which
    // validates features only when VERSION_1 was accepted: FEATURES_OK always sticks.
    const d = new FakeDriver(new RecordingDevice());
    assert.equal(d.negotiate([1 << 3, 0]), true, 'no VERSION_1 (xv6 writes the low word only)');
    assert.deepEqual(d.transport.negotiatedFeatures, [1 << 3, 0]);
    assert.equal(d.negotiate([(1 << 4) | (1 << 3), 1]), true, 'bit 4 not offered');
    assert.deepEqual(d.transport.negotiatedFeatures, [1 << 3, 1], 'bit 4 dropped');
    assert.equal(d.negotiate([0, 1 | 2]), true, 'ACCESS_PLATFORM not offered');
    assert.deepEqual(d.transport.negotiatedFeatures, [0, 1]);
  });

  it('serves a driver without VERSION_1 like any other: its request completes', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    assert.equal(d.negotiate([0, 0]), true);
    d.setupQueue(0, 8);
    d.w(R.STATUS, S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
    assert.equal(dev.activations, 1);
    d.addChain(0, [{ addr: d.alloc(16), len: 16, write: true }]);
    assert.equal(dev.chains.length, 1);
  });

  it('refuses DRIVER_OK without FEATURES_OK and activates the device with it', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.w(R.STATUS, S.ACKNOWLEDGE | S.DRIVER);
    d.w(R.STATUS, S.ACKNOWLEDGE | S.DRIVER | S.DRIVER_OK);
    assert.equal(d.r(R.STATUS) & S.DRIVER_OK, 0);
    assert.equal(dev.activations, 0);
    d.start(1);
    assert.equal(d.r(R.STATUS), S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
    assert.equal(dev.activations, 1);
  });

  it('freezes driver features after FEATURES_OK', () => {
    const d = new FakeDriver(new RecordingDevice());
    d.negotiate([0, 1]);
    d.w(R.DRIVER_FEATURES_SEL, 0);
    d.w(R.DRIVER_FEATURES, 1 << 28);
    assert.deepEqual(d.transport.negotiatedFeatures, [0, 1]);
  });

  it('resets everything on Status = 0', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.start(1);
    d.w(R.STATUS, 0);
    assert.equal(d.r(R.STATUS), 0);
    assert.equal(dev.resets, 2); // once in negotiate(), once here
    d.w(R.QUEUE_SEL, 0);
    assert.equal(d.r(R.QUEUE_READY), 0);
    assert.equal(d.irq.level, false);
  });

  it('reports queue sizes, 0 for queues that do not exist', () => {
    const d = new FakeDriver(new RecordingDevice(2, 64));
    d.w(R.QUEUE_SEL, 1);
    assert.equal(d.r(R.QUEUE_NUM_MAX), 64);
    d.w(R.QUEUE_SEL, 2);
    assert.equal(d.r(R.QUEUE_NUM_MAX), 0);
    d.w(R.QUEUE_READY, 1); // no such queue: ignored
    assert.equal(d.r(R.QUEUE_READY), 0);
  });

  it('reads the config space at 0x100 with any width, and the generation', () => {
    const d = new FakeDriver(new RecordingDevice());
    assert.equal(d.transport.read(R.CONFIG, 4), 0x11223344);
    assert.equal(d.transport.read(R.CONFIG + 1, 1), 0x33);
    assert.equal(d.transport.read(R.CONFIG + 6, 2), 0x5566);
    assert.equal(d.transport.read(R.CONFIG + 64, 4), 0);
    assert.equal(d.r(R.CONFIG_GENERATION), 0);
  });

  it('ignores narrow register accesses and reports no shared memory', () => {
    const d = new FakeDriver(new RecordingDevice());
    assert.equal(d.transport.read(R.MAGIC_VALUE, 1), 0);
    assert.equal(d.transport.read(R.VERSION, 2), 0);
    d.transport.write(R.STATUS, 1, S.ACKNOWLEDGE);
    assert.equal(d.r(R.STATUS), 0);
    assert.equal(d.r(R.SHM_LEN_LOW), 0xffffffff);
    assert.equal(d.r(R.SHM_LEN_HIGH), 0xffffffff);
  });

  it('freezes queue registers while the queue is ready', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.start(1, 8);
    d.w(R.QUEUE_NUM, 4);
    d.w(R.QUEUE_DESC_LOW, 0);
    const buf = d.alloc(4);
    d.addChain(0, [{ addr: buf, len: 4, write: true }]);
    assert.equal(dev.chains.length, 1);
    assert.deepEqual([...d.bytes(buf, 4)], [0xaa, 0xaa, 0xaa, 0xaa]);
  });

  it('ignores notifications before DRIVER_OK', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.negotiate();
    d.setupQueue(0, 8);
    d.addChain(0, [{ addr: d.alloc(4), len: 4 }]);
    assert.equal(dev.chains.length, 0);
    d.driverOk();
    d.w(R.QUEUE_NOTIFY, 0);
    assert.equal(dev.chains.length, 1);
  });

  it('raises the line on a used buffer and lowers it on InterruptACK', () => {
    const d = new FakeDriver(new RecordingDevice());
    d.start(1);
    d.addChain(0, [{ addr: d.alloc(8), len: 8, write: true }]);
    assert.equal(d.irq.level, true);
    assert.equal(d.r(R.INTERRUPT_STATUS), 1);
    d.w(R.INTERRUPT_ACK, 1);
    assert.equal(d.irq.level, false);
    assert.deepEqual(d.takeUsed(0), [{ id: 0, len: 8 }]);
  });

  it('a bad queue layout sets DEVICE_NEEDS_RESET, raises a config interrupt after DRIVER_OK', () => {
    const d = new FakeDriver(new RecordingDevice());
    d.negotiate();
    d.setupQueue(0, 8, { desc: RAM_BASE - 0x1000 });
    assert.equal(d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, S.DEVICE_NEEDS_RESET);
    assert.match(d.transport.lastError!, /descriptor table at 0x7ffff000 .* outside guest RAM/);
    assert.equal(d.irq.level, false, 'no interrupt before DRIVER_OK');
    d.driverOk();
    d.w(R.STATUS, 0);
    assert.equal(d.r(R.STATUS), 0, 'reset clears NEEDS_RESET');
    d.start(1);
    d.addChain(0, [{ addr: d.alloc(8), len: 8, write: true }]);
    assert.equal(d.takeUsed(0).length, 1, 'works again after the reset');
    assert.equal(d.transport.takeError(), 'test0: queue 0: descriptor table at 0x7ffff000 (128 bytes) is outside guest RAM');
    assert.equal(d.transport.takeError(), null);
  });

  it('rejects queue sizes that are not powers of 2 or above the maximum', () => {
    for (const size of [3, 32, 0]) {
      const d = new FakeDriver(new RecordingDevice(1, 16));
      d.start(0);
      d.setupQueue(0, size);
      assert.equal(d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, S.DEVICE_NEEDS_RESET, `size ${size}`);
      assert.equal(d.ack(), VIRTIO_MMIO_INT_CONFIG);
    }
  });

  it('describes itself as a virtio,mmio node', () => {
    const d = new FakeDriver(new RecordingDevice());
    const fdt = new FdtBuilder();
    fdt.beginNode('');
    d.transport.describe(fdt, { cpuIntcPhandles: [1], plicPhandle: 3, base: 0x10001000, size: 0x1000 });
    fdt.endNode();
    const text = Buffer.from(fdt.finish()).toString('latin1');
    assert.ok(text.includes('virtio_mmio@10001000'));
    assert.ok(text.includes('virtio,mmio'));
  });
});
