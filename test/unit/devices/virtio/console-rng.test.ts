import { strict as assert } from 'node:assert';
import { VirtioConsole } from '../../../../hypervisor-core/devices/virtio/console/device';
import { seededEntropy, VirtioRng } from '../../../../hypervisor-core/devices/virtio/rng/device';
import { VirtioMmioReg as R } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { FakeDriver } from './fake-driver';

describe('virtio console', () => {
  it('sends transmitq buffers to the console', () => {
    const out: string[] = [];
    const d = new FakeDriver(new VirtioConsole((b) => out.push(Buffer.from(b).toString())));
    assert.equal(d.r(R.DEVICE_ID), 3);
    d.start(2, 8);
    const text = new TextEncoder().encode('hello, hvc0\n');
    d.addChain(1, [{ addr: d.alloc(5, text.subarray(0, 5)), len: 5 }, { addr: d.alloc(7, text.subarray(5)), len: 7 }]);
    assert.deepEqual(out, ['hello, hvc0\n']);
    assert.deepEqual(d.takeUsed(1), [{ id: 0, len: 0 }]);
  });

  it('delivers input to receiveq buffers, keeping what arrives before the driver is ready', () => {
    const con = new VirtioConsole(() => undefined);
    const d = new FakeDriver(con);
    con.input(new TextEncoder().encode('early'));
    d.negotiate([0, 1]); // no EVENT_IDX: every used buffer interrupts
    d.setupQueue(0, 8);
    d.setupQueue(1, 8);
    const buf = d.alloc(3);
    d.addChain(0, [{ addr: buf, len: 3, write: true }], { notify: false });
    d.driverOk();
    assert.deepEqual(d.takeUsed(0), [{ id: 0, len: 3 }]);
    assert.equal(Buffer.from(d.bytes(buf, 3)).toString(), 'ear');
    assert.equal(con.pendingInput, 2);
    d.ack();
    const buf2 = d.alloc(16);
    d.addChain(0, [{ addr: buf2, len: 16, write: true }]);
    assert.deepEqual(d.takeUsed(0), [{ id: 1, len: 2 }]);
    assert.equal(d.irq.level, true);
    assert.equal(Buffer.from(d.bytes(buf2, 2)).toString(), 'ly');
    // posted buffer, then typing
    const buf3 = d.alloc(16);
    d.addChain(0, [{ addr: buf3, len: 16, write: true }]);
    assert.equal(d.takeUsed(0).length, 0, 'an empty buffer waits for input');
    con.input(Uint8Array.of(0x6c, 0x73, 0x0d));
    assert.deepEqual(d.takeUsed(0), [{ id: 2, len: 3 }]);
    assert.equal(Buffer.from(d.bytes(buf3, 3)).toString(), 'ls\r');
  });
});

describe('virtio entropy', () => {
  it('fills requestq buffers from the entropy source', () => {
    const rng = new VirtioRng(seededEntropy(42));
    const d = new FakeDriver(rng);
    assert.equal(d.r(R.DEVICE_ID), 4);
    d.start(1, 8);
    const a = d.alloc(32);
    const b = d.alloc(32);
    d.addChain(0, [{ addr: a, len: 16, write: true }, { addr: b, len: 16, write: true }]);
    assert.deepEqual(d.takeUsed(0), [{ id: 0, len: 32 }]);
    const expected = new Uint8Array(32);
    seededEntropy(42)(expected);
    assert.deepEqual([...d.bytes(a, 16), ...d.bytes(b, 16)], [...expected]);
    assert.equal(rng.bytesServed, 32);
  });

  it('uses the host generator by default', () => {
    const d = new FakeDriver(new VirtioRng());
    d.start(1, 8);
    const a = d.alloc(64);
    d.addChain(0, [{ addr: a, len: 64, write: true }]);
    assert.ok(d.bytes(a, 64).some((x) => x !== 0));
  });
});
