/**
 * A guest cannot hold the host inside one notify: a virtio-blk read whose data buffer covers
 * its own request header and the available ring feeds the queue itself (every read brings the
 * next header and a bumped available index from the disk). The device does a bounded amount
 * per notify and continues at the next service point; the VM's run loop makes those between
 * slices and still returns within its budget.
 */
import { strict as assert } from 'node:assert';
import { MemoryBackend } from '../../../../hypervisor-core/devices/virtio/block/backend';
import { VirtioBlock } from '../../../../hypervisor-core/devices/virtio/block/device';
import { VirtioBlkStatus, VirtioBlkType } from '../../../../hypervisor-core/devices/virtio/block/request';
import { VirtioStatus } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { SERVICE_BYTES, SERVICE_CHAINS } from '../../../../hypervisor-core/devices/virtio/virtio-device';
import { DEVICE_ROUND_COST, Vm } from '../../../../hypervisor-core/hypervisor/vm';
import { FakeDriver } from './fake-driver';

const QUEUE_SIZE = 8;

/**
 * A disk whose sector i, read over [header | available ring], leaves a header asking for
 * sector i + 1 (0 after the last one when `cyclic`) and the available index at i + 2.
 */
function selfFeedingDisk(sectors: number, cyclic: boolean): MemoryBackend {
  const bytes = new Uint8Array(sectors * 512);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < sectors; i++) {
    const o = i * 512;
    v.setUint32(o, VirtioBlkType.IN, true);
    v.setUint32(o + 8, cyclic ? (i + 1) % sectors : i + 1, true);
    v.setUint16(o + 16 + 2, (i + 2) & 0xffff, true); // avail.idx; avail.ring[] stays head 0
  }
  return new MemoryBackend(bytes);
}

/** Posts the self-feeding request (head 0) and notifies; returns the status byte's address. */
function postSelfFeedingRead(d: FakeDriver): number {
  d.negotiate();
  const region = d.alloc(512);
  d.setupQueue(0, QUEUE_SIZE, { avail: region + 16 });
  d.driverOk();
  const hdr = new DataView(new ArrayBuffer(16));
  hdr.setUint32(0, VirtioBlkType.IN, true); // sector 0
  d.mem.write(region, new Uint8Array(hdr.buffer));
  const status = d.alloc(1, Uint8Array.of(0xff));
  d.addChain(0, [{ addr: region, len: 16 }, { addr: region, len: 512, write: true }, { addr: status, len: 1, write: true }]);
  return status;
}

describe('virtio: bounded device work per notify', () => {
  it('a read that feeds its own available ring: one notify does SERVICE_CHAINS requests, the rest continue later', () => {
    const sectors = 1024;
    const blk = new VirtioBlock(selfFeedingDisk(sectors, false));
    const d = new FakeDriver(blk);
    const status = postSelfFeedingRead(d);
    assert.equal(blk.requests, SERVICE_CHAINS, 'the notify returned after a bounded amount of work');
    assert.equal(d.transport.hasPendingWork, true);
    let rounds = 1;
    while (d.transport.hasPendingWork) {
      const before = blk.requests;
      assert.equal(d.transport.service(), 1);
      assert.ok(blk.requests - before <= SERVICE_CHAINS);
      rounds++;
    }
    // Every sector once, then one request past the end that fails: as if it had run at once.
    assert.equal(blk.requests, sectors + 1);
    assert.equal(rounds, Math.ceil((sectors + 1) / SERVICE_CHAINS));
    assert.equal(d.bytes(status, 1)[0], VirtioBlkStatus.IOERR);
    assert.equal(d.transport.deviceStatus & VirtioStatus.DEVICE_NEEDS_RESET, 0);
    assert.equal(d.transport.service(), 0, 'nothing left to do');
    assert.equal(d.checked.violations, 0);
  });

  it('a reset drops the unfinished work', () => {
    const blk = new VirtioBlock(selfFeedingDisk(1024, false));
    const d = new FakeDriver(blk);
    postSelfFeedingRead(d);
    assert.equal(d.transport.hasPendingWork, true);
    d.w(0x070, 0); // Status = 0
    assert.equal(d.transport.hasPendingWork, false);
  });

  for (const guest of ['spins', 'waits for interrupts'] as const) {
    it(`a guest that keeps a device busy forever: runFor still returns within its budget (the guest ${guest})`, () => {
      const vm = new Vm({ vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
      // 65536 sectors: the available index wraps exactly when the header wraps to sector 0.
      const blk = new VirtioBlock(selfFeedingDisk(65536, true));
      vm.addVirtio(blk);
      const code = guest === 'spins' ? [0x0000006f] /* j . */ : [0x10500073, 0xffdff06f] /* wfi; j -4 */;
      const bytes = new Uint8Array(code.length * 4);
      code.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w >>> 0, true));
      vm.ram.write(0x80200000, bytes);
      vm.boot(0x80200000, 0x80f00000);
      const base = 0x10001000;
      const d = new FakeDriver(null, {
        mem: vm.ram, scratch: 0x80400000,
        read: (off) => vm.bus.read(base + off, 4)!,
        write: (off, v) => vm.bus.write(base + off, 4, v),
      });
      postSelfFeedingRead(d);
      assert.equal(blk.requests, SERVICE_CHAINS);
      for (let i = 0; i < 3; i++) {
        const before = blk.requests;
        assert.equal(vm.runFor(2_000_000), null, 'the budget ran out; the caller gets control back');
        assert.ok(blk.requests > before, 'the device kept working between slices');
        assert.ok(blk.requests - before <= (2_000_000 / DEVICE_ROUND_COST + 1) * SERVICE_CHAINS, `${blk.requests - before} requests in one runFor`);
      }
      assert.equal(vm.virtio[0]!.lastError, null);
    });
  }
});

describe('virtio-blk: one large request moves in bounded steps', () => {
  it('a read of 16 MiB is done SERVICE_BYTES at a time, the request completing once, in order', () => {
    const MiB = 1024 * 1024;
    const disk = new MemoryBackend(new Uint8Array(16 * MiB).map((_, i) => (i >> 9) & 0xff));
    const blk = new VirtioBlock(disk);
    const d = new FakeDriver(blk);
    d.start(1, 128);
    const hdr = new DataView(new ArrayBuffer(16));
    hdr.setUint32(0, VirtioBlkType.IN, true);
    const status = d.alloc(1, Uint8Array.of(0xff));
    // 64 writable descriptors covering the same 256 KiB of the fake RAM: 16 MiB of data.
    const bufs = [{ addr: d.alloc(16, new Uint8Array(hdr.buffer)), len: 16 }];
    const data = d.alloc(256 * 1024);
    for (let i = 0; i < 64; i++) bufs.push({ addr: data, len: 256 * 1024, write: true } as never);
    bufs.push({ addr: status, len: 1, write: true } as never);
    d.addChain(0, bufs);
    assert.deepEqual(d.takeUsed(0), [], 'not done in one notify');
    assert.equal(d.transport.hasPendingWork, true);
    let rounds = 1;
    while (d.transport.hasPendingWork) {
      d.transport.service();
      rounds++;
    }
    assert.equal(rounds, (16 * MiB) / SERVICE_BYTES);
    assert.deepEqual(d.takeUsed(0), [{ id: 0, len: 16 * MiB + 1 }]);
    assert.equal(d.bytes(status, 1)[0], VirtioBlkStatus.OK);
    assert.equal(d.bytes(data + 5 * 512, 1)[0], ((16 * MiB - 256 * 1024) / 512 + 5) & 0xff, 'the buffer holds the last 256 KiB of the disk');
    assert.equal(blk.requests, 1);
  });
});
