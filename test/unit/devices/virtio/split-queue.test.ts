import { strict as assert } from 'node:assert';
import { FlatGuestMemory } from '../../../../hypervisor-core/devices/virtio/guest-memory';
import { SplitQueue } from '../../../../hypervisor-core/devices/virtio/queue/split-queue';
import { VirtioMmioReg as R } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { FakeDriver, RAM_BASE } from './fake-driver';
import { RecordingDevice } from './recording-device';

const EVENT_IDX = 1 << 29;
const INDIRECT = 1 << 28;

describe('virtio split queue', () => {
  it('walks a chain into readable then writable segments', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.start(1, 8);
    const a = d.alloc(16, new Uint8Array(16).fill(1));
    const b = d.alloc(100);
    const c = d.alloc(3);
    const head = d.addChain(0, [{ addr: a, len: 16 }, { addr: b, len: 100, write: true }, { addr: c, len: 3, write: true }]);
    const chain = dev.chains[0];
    assert.equal(chain.head, head);
    assert.deepEqual(chain.readable, [{ addr: a, len: 16 }]);
    assert.deepEqual(chain.writable, [{ addr: b, len: 100 }, { addr: c, len: 3 }]);
    assert.equal(chain.readableBytes, 16);
    assert.equal(chain.writableBytes, 103);
    assert.deepEqual(d.takeUsed(0), [{ id: head, len: 103 }]);
    assert.equal(d.bytes(c + 2, 1)[0], 0xaa);
  });

  it('follows indirect descriptor tables', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.start(1, 8, [INDIRECT, 1]);
    const bufs = [0, 1, 2, 3].map((k) => ({ addr: d.alloc(32), len: 32, write: k >= 2 }));
    d.addChain(0, [{ addr: d.alloc(8), len: 8 }]);
    const head = d.addChain(0, bufs, { indirect: true });
    assert.equal(head, 1);
    assert.equal(dev.chains.length, 2);
    assert.deepEqual(dev.chains[1].readable, bufs.slice(0, 2).map(({ addr, len }) => ({ addr, len })));
    assert.deepEqual(dev.chains[1].writable, bufs.slice(2).map(({ addr, len }) => ({ addr, len })));
    assert.deepEqual(d.takeUsed(0), [{ id: 0, len: 0 }, { id: 1, len: 64 }]);
  });

  it('processes several chains made available before one notification, in order', () => {
    const dev = new RecordingDevice();
    const d = new FakeDriver(dev);
    d.start(1, 8);
    const heads = [1, 2, 3].map(() => d.addChain(0, [{ addr: d.alloc(4), len: 4, write: true }], { notify: false }));
    d.w(R.QUEUE_NOTIFY, 0);
    assert.deepEqual(d.takeUsed(0).map((u) => u.id), heads);
    assert.equal(d.irq.raised, 1, 'one interrupt for the batch');
  });

  it('honours VIRTQ_AVAIL_F_NO_INTERRUPT without event index', () => {
    const d = new FakeDriver(new RecordingDevice());
    d.start(1, 8, [0, 1]);
    d.u16(d.queues[0].avail, 1);
    d.addChain(0, [{ addr: d.alloc(4), len: 4, write: true }]);
    assert.equal(d.irq.level, false);
    assert.equal(d.takeUsed(0).length, 1);
  });

  it('with EVENT_IDX interrupts only when the used index passes used_event, and publishes avail_event', () => {
    const d = new FakeDriver(new RecordingDevice());
    d.start(1, 8, [EVENT_IDX, 1]);
    const q = d.queues[0];
    const usedEvent = q.avail + 4 + 2 * q.size;
    const availEvent = q.used + 4 + 8 * q.size;
    d.u16(usedEvent, 0); // interrupt after the first used entry
    d.addChain(0, [{ addr: d.alloc(4), len: 4, write: true }]);
    assert.equal(d.ack(), 1);
    assert.equal(d.getU16(availEvent), 1);
    d.u16(usedEvent, 2); // not for entry 2 (used idx 2), only when idx goes past 2
    d.addChain(0, [{ addr: d.alloc(4), len: 4, write: true }]);
    assert.equal(d.r(R.INTERRUPT_STATUS), 0);
    d.addChain(0, [{ addr: d.alloc(4), len: 4, write: true }]);
    assert.equal(d.ack(), 1);
    assert.equal(d.getU16(availEvent), 3);
    assert.equal(d.takeUsed(0).length, 3);
  });

  it('wraps the 16-bit indices around', () => {
    const mem = new FlatGuestMemory(RAM_BASE, 0x10000);
    const layout = { size: 4, desc: RAM_BASE, driver: RAM_BASE + 0x100, device: RAM_BASE + 0x200 };
    const q = new SplitQueue(mem, layout, { indirect: false, eventIdx: false });
    const setU16 = (a: number, v: number) => mem.write(a, Uint8Array.of(v & 0xff, v >> 8));
    const u16 = (a: number) => mem.bytes[a - RAM_BASE] | (mem.bytes[a - RAM_BASE + 1] << 8);
    for (let i = 0; i < 4; i++) {
      const d = new DataView(new ArrayBuffer(16));
      d.setUint32(0, RAM_BASE + 0x1000 + 16 * i, true);
      d.setUint32(8, 16, true);
      d.setUint16(12, 2, true);
      mem.write(layout.desc + 16 * i, new Uint8Array(d.buffer));
    }
    q.lastAvail = 0xfffe;
    q.usedIdx = 0xfffe;
    let avail = 0xfffe;
    const seen: number[] = [];
    for (let k = 0; k < 6; k++) {
      setU16(layout.driver + 4 + 2 * (avail % 4), k % 4);
      avail = (avail + 1) & 0xffff;
      setU16(layout.driver + 2, avail);
      const c = q.pop()!;
      seen.push(c.head);
      q.push(c.head, 16);
      assert.equal(q.pop(), null);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 0, 1]);
    assert.equal(q.lastAvail, 4);
    assert.equal(u16(layout.device + 2), 4);
    // 0xfffe % 4 = 2: the used entries went to slots 2, 3, 0, 1, 2, 3
    const id = (slot: number) => mem.bytes[layout.device + 4 + 8 * slot - RAM_BASE];
    assert.deepEqual([id(2), id(3), id(0), id(1)], [0, 1, 2, 3]);
  });
});
