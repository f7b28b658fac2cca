import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildVirtFdt, fdtAddress, initrdAddress, type VirtFdtOptions } from '../../../hypervisor-core/machine/virt-fdt';
import { initrdOverlap } from '../../../hypervisor-core/machine/boot-layout';
import { parseFdt } from '../../../hypervisor-core/machine/fdt-parser';
import { Uart16550 } from '../../../hypervisor-core/devices/uart16550';
import { Plic } from '../../../hypervisor-core/devices/plic';
import { Aclint } from '../../../hypervisor-core/devices/aclint';
import * as map from '../../../hypervisor-core/machine/memory-map';

const line = { set: () => {} };

function options(harts: number, extra: Partial<VirtFdtOptions> = {}): VirtFdtOptions {
  const lines = Array.from({ length: harts }, () => line);
  return {
    harts,
    isa: 'rv64imac_zicsr_zifencei_sstc',
    mmuType: 'riscv,sv48',
    ram: { base: map.DRAM_BASE, size: 128 * 1024 * 1024 },
    devices: [
      { base: map.UART0_BASE, size: map.UART0_SIZE, device: new Uart16550({ irq: line, sink: () => {} }) },
      { base: map.PLIC_BASE, size: map.PLIC_SIZE, device: new Plic({ contexts: [...lines, ...lines] }) },
      { base: map.CLINT_BASE, size: map.CLINT_SIZE, device: new Aclint({ time: () => 0, msip: lines, mtip: lines }) },
    ],
    ...extra,
  };
}

describe('virt device tree', () => {
  it('describes the board like QEMU virt', () => {
    const blob = buildVirtFdt(
      options(2, { bootargs: 'console=ttyS0 earlycon', initrd: { start: 0x88000000, end: 0x88123456 } }),
    );
    const root = parseFdt(blob).root;
    assert.equal(root.u32('#address-cells'), 2);
    assert.equal(root.u32('#size-cells'), 2);
    assert.equal(root.string('compatible'), 'riscv-virtio');
    assert.equal(root.string('model'), 'riscv-virtio,qemu');

    const chosen = root.find('/chosen')!;
    assert.equal(chosen.string('bootargs'), 'console=ttyS0 earlycon');
    assert.equal(chosen.string('stdout-path'), '/soc/serial@10000000');
    assert.deepEqual(chosen.u64s('linux,initrd-start'), [0x88000000]);
    assert.deepEqual(chosen.u64s('linux,initrd-end'), [0x88123456]);

    const mem = root.find('/memory@80000000')!;
    assert.equal(mem.string('device_type'), 'memory');
    assert.deepEqual(mem.u64s('reg'), [0x80000000, 0x8000000]);

    const cpus = root.find('/cpus')!;
    assert.equal(cpus.u32('timebase-frequency'), 10_000_000);
    assert.equal(cpus.u32('#address-cells'), 1);
    assert.equal(cpus.u32('#size-cells'), 0);
    const intcs: number[] = [];
    for (const h of [0, 1]) {
      const cpu = cpus.child(`cpu@${h}`)!;
      assert.equal(cpu.string('device_type'), 'cpu');
      assert.equal(cpu.u32('reg'), h);
      assert.equal(cpu.string('status'), 'okay');
      assert.equal(cpu.string('compatible'), 'riscv');
      assert.equal(cpu.string('riscv,isa'), 'rv64imac_zicsr_zifencei_sstc');
      assert.equal(cpu.string('mmu-type'), 'riscv,sv48');
      const intc = cpu.child('interrupt-controller')!;
      assert.equal(intc.string('compatible'), 'riscv,cpu-intc');
      assert.equal(intc.u32('#interrupt-cells'), 1);
      assert.ok(intc.has('interrupt-controller'));
      intcs.push(intc.u32('phandle')!);
      assert.equal(cpus.find(`cpu-map/cluster0/core${h}`)!.u32('cpu'), cpu.u32('phandle'));
    }
    assert.notEqual(intcs[0], intcs[1]);

    const soc = root.find('/soc')!;
    assert.equal(soc.string('compatible'), 'simple-bus');
    assert.ok(soc.has('ranges'));
    const plic = soc.child('plic@c000000')!;
    const plicPh = plic.u32('phandle')!;
    assert.deepEqual(plic.strings('compatible'), ['sifive,plic-1.0.0', 'riscv,plic0']);
    assert.equal(plic.u32('riscv,ndev'), 96); // QEMU 7.2: -M virt,dumpdtb=x.dtb; dtc -I dtb x.dtb
    assert.deepEqual(plic.u64s('reg'), [0xc000000, 0x600000]);
    assert.deepEqual(plic.u32s('interrupts-extended'), [intcs[0], 11, intcs[0], 9, intcs[1], 11, intcs[1], 9]);
    assert.equal(plic.u32('#interrupt-cells'), 1);
    assert.equal(plic.u32('#address-cells'), 0);
    assert.ok(plic.has('interrupt-controller'));

    const uart = soc.child('serial@10000000')!;
    assert.equal(uart.string('compatible'), 'ns16550a');
    assert.equal(uart.u32('clock-frequency'), 0x384000);
    assert.equal(uart.u32('interrupts'), 10);
    assert.equal(uart.u32('interrupt-parent'), plicPh);
    assert.deepEqual(uart.u64s('reg'), [0x10000000, 0x100]);

    const clint = soc.child('clint@2000000')!;
    assert.deepEqual(clint.strings('compatible'), ['sifive,clint0', 'riscv,clint0']);
    assert.deepEqual(clint.u32s('interrupts-extended'), [intcs[0], 3, intcs[0], 7, intcs[1], 3, intcs[1], 7]);
    assert.deepEqual(clint.u64s('reg'), [0x2000000, 0x10000]);
  });

  it('omits bootargs and initrd when not given', () => {
    const chosen = parseFdt(buildVirtFdt(options(1))).root.find('/chosen')!;
    assert.equal(chosen.has('bootargs'), false);
    assert.equal(chosen.has('linux,initrd-start'), false);
  });

  it('decodes cleanly with dtc when dtc is installed', function () {
    const probe = spawnSync('dtc', ['--version']);
    if (probe.error) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'hyperscope-fdt-'));
    try {
      for (const harts of [1, 4]) {
        const file = join(dir, `virt${harts}.dtb`);
        writeFileSync(file, buildVirtFdt(options(harts, { bootargs: 'x', initrd: { start: 0x88000000, end: 0x88001000 } })));
        const res = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' });
        assert.equal(res.status, 0, res.stderr);
        assert.equal(res.stderr, '', 'dtc printed warnings');
        assert.match(res.stdout, /serial@10000000/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('boot layout (QEMU 7.2 hw/riscv/boot.c)', () => {
  it('puts the FDT 2 MiB aligned below the end of RAM (or 3 GiB)', () => {
    assert.equal(fdtAddress(0x80000000, 128 * 1024 * 1024, 0x1000), 0x87e00000);
    assert.equal(fdtAddress(0x80000000, 2 * 1024 * 1024 * 1024, 0x1000), 0xbfe00000);
    assert.throws(() => fdtAddress(0x80000000, 0x1000, 0x2000), /does not fit/);
  });

  it('puts the initrd halfway into small RAM, 128 MiB above the kernel otherwise', () => {
    const MiB = 1024 * 1024;
    assert.deepEqual(initrdAddress(0x80000000, 128 * MiB, 0x80200000, 0x1000), {
      start: 0x80200000 + 64 * MiB,
      end: 0x80200000 + 64 * MiB + 0x1000,
    });
    assert.equal(initrdAddress(0x80000000, 1024 * MiB, 0x80200000, 0x1000).start, 0x80200000 + 128 * MiB);
    assert.throws(() => initrdAddress(0x80000000, 128 * MiB, 0x80200000, 100 * MiB), /does not fit/);
  });

  it('refuses an initrd that overlaps the kernel or the device tree, accepts one between them', () => {
    const kernel = { start: 0x80200000, end: 0x80400000 };
    const fdt = { start: 0x87e00000, end: 0x87e01000 };
    assert.equal(initrdOverlap({ start: 0x84200000, end: 0x87e00000 }, kernel, fdt), null);
    assert.match(initrdOverlap({ start: 0x84200000, end: 0x87e00001 }, kernel, fdt)!, /^initrd of 62914561 bytes at 0x84200000-0x87e00000 overlaps the device tree at 0x87e00000/);
    assert.match(initrdOverlap({ start: 0x80300000, end: 0x80301000 }, kernel, fdt)!, /overlaps the kernel \(0x80200000-0x803fffff\)/);
  });
});

describe('virt device tree with AIA (--aia)', () => {
  // Expected: qemu-system-riscv64 7.2 -M virt,aia=aplic-imsic,dumpdtb=x.dtb -smp 2, then
  // dtc -I dtb -O dts x.dtb: the supervisor-level nodes, properties in the same order.
  //   aplic@d000000 { phandle; riscv,num-sources = <0x60>; reg = <0x00 0xd000000 0x00 0x8000>;
  //     msi-parent = <&imsics>; interrupt-controller; #interrupt-cells = <0x02>; compatible = "riscv,aplic"; }
  //   imsics@28000000 { phandle; riscv,ipi-id = <0x01>; riscv,num-ids = <0xff>; reg = <0x00 0x28000000 0x00 0x2000>;
  //     interrupts-extended = <&cpu0-intc 0x09 &cpu1-intc 0x09>; msi-controller; interrupt-controller;
  //     #interrupt-cells = <0x00>; compatible = "riscv,imsics"; }
  //   serial@10000000 { interrupts = <0x0a 0x04>; interrupt-parent = <&aplic-s>; ... }
  it('has the APLIC and IMSIC nodes QEMU writes for the supervisor level, and devices with two interrupt cells', async () => {
    const { bootVirt } = await import('../../../hypervisor-core/machine/virt-board');
    const { readFileSync } = await import('node:fs');
    const kernel = readFileSync(join(__dirname, '../../../../samples/hello/hello.elf'));
    const { fdt } = bootVirt({ kernel, vcpus: 2, memory: 64 * 1024 * 1024, clock: 'icount', console: () => {}, aia: true, rng: true });
    const root = parseFdt(fdt).root;
    const soc = root.find('/soc')!;
    assert.equal(soc.child('plic@c000000'), undefined, 'no PLIC on the AIA board');
    const aplic = soc.child('aplic@d000000')!;
    const imsic = soc.child('imsics@28000000')!;
    assert.deepEqual([...aplic.props.keys()], ['phandle', 'riscv,num-sources', 'reg', 'msi-parent', 'interrupt-controller', '#interrupt-cells', 'compatible']);
    assert.equal(aplic.u32('riscv,num-sources'), 0x60);
    assert.deepEqual(aplic.u64s('reg'), [0xd000000, 0x8000]);
    assert.equal(aplic.u32('msi-parent'), imsic.u32('phandle'));
    assert.equal(aplic.u32('#interrupt-cells'), 2);
    assert.equal(aplic.string('compatible'), 'riscv,aplic');
    assert.deepEqual([...imsic.props.keys()], ['phandle', 'riscv,ipi-id', 'riscv,num-ids', 'reg', 'interrupts-extended',
      'msi-controller', 'interrupt-controller', '#interrupt-cells', 'compatible']);
    assert.equal(imsic.u32('riscv,ipi-id'), 1);
    assert.equal(imsic.u32('riscv,num-ids'), 0xff);
    assert.deepEqual(imsic.u64s('reg'), [0x28000000, 0x2000]);
    const intcs = [0, 1].map((h) => root.find(`/cpus/cpu@${h}/interrupt-controller`)!.u32('phandle')!);
    assert.deepEqual(imsic.u32s('interrupts-extended'), [intcs[0], 9, intcs[1], 9]);
    assert.equal(imsic.u32('#interrupt-cells'), 0);
    assert.equal(imsic.string('compatible'), 'riscv,imsics');
    const serial = soc.child('serial@10000000')!;
    assert.deepEqual(serial.u32s('interrupts'), [0x0a, 0x04]);
    assert.equal(serial.u32('interrupt-parent'), aplic.u32('phandle'));
    const rng = soc.child('virtio_mmio@10001000')!;
    assert.deepEqual(rng.u32s('interrupts'), [0x01, 0x04]);
    assert.match(root.find('/cpus/cpu@0')!.string('riscv,isa')!, /_ssaia$/);
  });
});
