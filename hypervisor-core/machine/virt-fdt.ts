/**
 * The device tree of the virt board, laid out like QEMU 7.2's `create_fdt` in
 * hw/riscv/virt.c (compare: `qemu-system-riscv64 -M virt,dumpdtb=virt.dtb`):
 *
 *   / (#address-cells 2, #size-cells 2, compatible "riscv-virtio", model)
 *     chosen          bootargs, stdout-path, linux,initrd-start/end
 *     memory@80000000 device_type "memory", reg
 *     cpus            #address-cells 1, #size-cells 0, timebase-frequency
 *       cpu@N         phandle, device_type, reg, status, compatible, riscv,isa, mmu-type
 *         interrupt-controller   riscv,cpu-intc (phandle used by PLIC and CLINT)
 *       cpu-map/cluster0/coreN   cpu = <&cpuN>
 *     soc             simple-bus, ranges; every device adds its own node
 *
 * Differences from QEMU, on purpose: the cpu-intc nodes carry `#address-cells = <0>` (dtc's
 * interrupt_provider check warns without it). `riscv,ndev` is 96 as QEMU 7.2 writes it
 * (sources are ids 1..95; Linux sizes its tables from it and guests compare device trees).
 * With AIA the guest gets the supervisor-level APLIC and IMSIC nodes of QEMU's
 * `-M virt,aia=aplic-imsic` and not its machine-level ones, as QEMU leaves them out for a KVM
 * guest, which has no M-mode: the hypervisor is its firmware.
 */
import { FdtBuilder } from './fdt-builder';
import type { FdtDescribable } from '../devices/fdt-describable';
import { STDOUT_PATH, TIMEBASE_HZ } from './memory-map';

export { fdtAddress, initrdAddress, type PhysRange } from './boot-layout';

/** A device placed on the board. */
export interface VirtFdtDevice {
  /** MMIO base address. */
  base: number;
  /** MMIO window size. */
  size: number;
  /** The device, which writes its own node. */
  device: FdtDescribable;
}

/** What the board's device tree describes. */
export interface VirtFdtOptions {
  /** Number of harts (cpu@0 .. cpu@N-1). */
  harts: number;
  /** riscv,isa string, e.g. "rv64imac_zicsr_zifencei_sstc". */
  isa: string;
  /** mmu-type, e.g. "riscv,sv39" or "riscv,sv48". */
  mmuType: string;
  /** Guest RAM. */
  ram: { base: number; size: number };
  /** Devices under /soc (UART, PLIC, CLINT, virtio...). */
  devices: VirtFdtDevice[];
  /** Kernel command line (/chosen/bootargs); omitted when undefined. */
  bootargs?: string;
  /** Initrd location (/chosen/linux,initrd-start and -end). */
  initrd?: { start: number; end: number };
  /** /chosen/stdout-path (default "/soc/serial@10000000"). */
  stdoutPath?: string;
  /** Root model string (default "riscv-virtio,qemu", as QEMU). */
  model?: string;
  /**
   * AIA instead of the PLIC: the devices' interrupt parent is the APLIC (two interrupt cells)
   * and an IMSIC phandle is allocated for the APLIC's msi-parent.
   */
  aia?: boolean;
}

/** Builds the board's DTB. */
export function buildVirtFdt(opts: VirtFdtOptions): Uint8Array {
  const fdt = new FdtBuilder();
  const cpuPhandles: number[] = [];
  const cpuIntcPhandles: number[] = [];
  for (let h = 0; h < opts.harts; h++) {
    cpuPhandles.push(fdt.allocPhandle());
    cpuIntcPhandles.push(fdt.allocPhandle());
  }
  const imsicPhandle = opts.aia ? fdt.allocPhandle() : undefined;
  const plicPhandle = fdt.allocPhandle();
  const interruptCells = opts.aia ? 2 : 1;

  fdt
    .beginNode('')
    .propU32('#address-cells', 2)
    .propU32('#size-cells', 2)
    .propString('compatible', 'riscv-virtio')
    .propString('model', opts.model ?? 'riscv-virtio,qemu');

  fdt.beginNode('chosen');
  if (opts.bootargs !== undefined) fdt.propString('bootargs', opts.bootargs);
  fdt.propString('stdout-path', opts.stdoutPath ?? STDOUT_PATH);
  if (opts.initrd) {
    fdt.propU64('linux,initrd-start', opts.initrd.start).propU64('linux,initrd-end', opts.initrd.end);
  }
  fdt.endNode();

  fdt
    .beginNode(`memory@${opts.ram.base.toString(16)}`)
    .propString('device_type', 'memory')
    .propU64Array('reg', [opts.ram.base, opts.ram.size])
    .endNode();

  fdt.beginNode('cpus').propU32('#address-cells', 1).propU32('#size-cells', 0).propU32('timebase-frequency', TIMEBASE_HZ);
  for (let h = 0; h < opts.harts; h++) {
    fdt
      .beginNode(`cpu@${h.toString(16)}`)
      .propU32('phandle', cpuPhandles[h])
      .propString('device_type', 'cpu')
      .propU32('reg', h)
      .propString('status', 'okay')
      .propString('compatible', 'riscv')
      .propString('riscv,isa', opts.isa)
      .propString('mmu-type', opts.mmuType)
      .beginNode('interrupt-controller')
      .propU32('#interrupt-cells', 1)
      .propU32('#address-cells', 0)
      .propEmpty('interrupt-controller')
      .propString('compatible', 'riscv,cpu-intc')
      .propU32('phandle', cpuIntcPhandles[h])
      .endNode()
      .endNode();
  }
  fdt.beginNode('cpu-map').beginNode('cluster0');
  for (let h = 0; h < opts.harts; h++) fdt.beginNode(`core${h}`).propU32('cpu', cpuPhandles[h]).endNode();
  fdt.endNode().endNode();
  fdt.endNode(); // cpus

  fdt
    .beginNode('soc')
    .propU32('#address-cells', 2)
    .propU32('#size-cells', 2)
    .propString('compatible', 'simple-bus')
    .propEmpty('ranges');
  for (const d of opts.devices) {
    d.device.describe(fdt, { cpuIntcPhandles, plicPhandle, imsicPhandle, interruptCells, base: d.base, size: d.size });
  }
  fdt.endNode(); // soc

  fdt.endNode(); // root
  return fdt.finish();
}
