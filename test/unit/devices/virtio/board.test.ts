import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBackend } from '../../../../hypervisor-core/devices/virtio/block/backend';
import { VirtioBlkType } from '../../../../hypervisor-core/devices/virtio/block/request';
import { seededEntropy } from '../../../../hypervisor-core/devices/virtio/rng/device';
import { VIRTIO_MMIO_MAGIC, VirtioMmioReg as R } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';
import { formatExitTable } from '../../../../hypervisor-core/hypervisor/stats/perf-table';
import { parseFdt } from '../../../../hypervisor-core/machine/fdt-parser';
import { bootVirt } from '../../../../hypervisor-core/machine/virt-board';
import { FakeDriver } from './fake-driver';

const HELLO = join(__dirname, '../../../../../samples/hello/hello.elf');

function boot(disk = new MemoryBackend(new Uint8Array(8192))) {
  const out: number[] = [];
  const booted = bootVirt({
    kernel: readFileSync(HELLO), vcpus: 1, memory: 64 * 1024 * 1024, clock: 'icount',
    console: (b) => out.push(...b), disks: [disk], virtioConsole: true, rng: seededEntropy(1),
  });
  return { ...booted, out, disk };
}

describe('virtio on the virt board', () => {
  it('puts disks, console and rng in slots 0, 1, 2 with PLIC sources 1, 2, 3, in the device tree', () => {
    const { vm, fdt } = boot();
    assert.deepEqual(vm.virtio.map((t) => t?.name), ['virtio-blk0', 'virtio-console0', 'virtio-rng0']);
    const soc = parseFdt(fdt).root.child('soc')!;
    const plic = soc.child('plic@c000000')!.u32('phandle');
    [2, 3, 4].forEach((id, i) => {
      const base = 0x10001000 + 0x1000 * i;
      const node = soc.child(`virtio_mmio@${base.toString(16)}`)!;
      assert.ok(node, `node for slot ${i}`);
      assert.equal(node.string('compatible'), 'virtio,mmio');
      assert.deepEqual(node.u64s('reg'), [base, 0x1000]);
      assert.equal(node.u32('interrupts'), 1 + i);
      assert.equal(node.u32('interrupt-parent'), plic);
      assert.equal(vm.bus.read(base, 4), VIRTIO_MMIO_MAGIC);
      assert.equal(vm.bus.read(base + R.VERSION, 4), 2);
      assert.equal(vm.bus.read(base + R.DEVICE_ID, 4), id);
    });
    assert.equal(soc.child('virtio_mmio@10004000'), undefined, 'empty slots are not described');
  });

  it('serves a driver through the VM bus and guest RAM, interrupting through the PLIC', () => {
    const { vm, disk } = boot();
    disk.bytes.fill(0x5a, 512, 1024);
    const base = 0x10001000;
    const d = new FakeDriver(null, {
      mem: vm.ram, scratch: 0x82000000,
      read: (off) => vm.bus.read(base + off, 4)!,
      write: (off, v) => vm.bus.write(base + off, 4, v),
    });
    d.start(1, 16);
    const hdr = new Uint8Array(16);
    hdr[0] = VirtioBlkType.IN;
    hdr[8] = 1;
    const data = d.alloc(512);
    const status = d.alloc(1, Uint8Array.of(0xff));
    d.addChain(0, [{ addr: d.alloc(16, hdr), len: 16 }, { addr: data, len: 512, write: true }, { addr: status, len: 1, write: true }]);
    assert.equal(vm.ram.read(status, 1)![0], 0);
    assert.ok(vm.ram.read(data, 512)!.every((x) => x === 0x5a));
    assert.equal(vm.plic!.isPending(1), true);
  });

  it('still runs a guest that does not use them', () => {
    const { vm, out } = boot();
    let stop = null;
    for (let i = 0; i < 100 && !stop; i++) stop = vm.runFor(1_000_000);
    assert.deepEqual(stop, { kind: 'shutdown', failure: false });
    assert.match(Buffer.from(out).toString(), /hello: shutting down/);
  });

  it('feeds typed input to the virtio console too', () => {
    const { vm } = boot();
    vm.sendInput(Uint8Array.of(0x61));
    const con = vm.virtio[1]!.device as unknown as { pendingInput: number };
    assert.equal(con.pendingInput, 1);
  });

  it('counts notifications per device and queue in a VIRTIO-NOTIFY table', () => {
    const s = new ExitStats(1, 'icount');
    s.recordMmio(0, 1000, 'virtio-blk0');
    s.recordVirtio('virtio-blk0.q0', 1000);
    s.recordMmio(0, 500, 'virtio-blk0');
    const r = s.report();
    assert.deepEqual(r.virtio!.map((x) => [x.key, x.samples]), [['virtio-blk0.q0', 1]]);
    assert.equal(r.totalExits, 2, 'a notification is an MMIO exit, counted once');
    assert.match(formatExitTable(r), /VIRTIO-NOTIFY[\s\S]*virtio-blk0\.q0 +1 /);
    s.reset();
    assert.deepEqual(s.report().virtio, []);
  });
});
