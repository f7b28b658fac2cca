/**
 * The virt board under the hypervisor: creates a VM with QEMU virt's memory map, loads the
 * kernel (ELF at its physical addresses, Image at RAM + text_offset, on request anything
 * else as a raw binary at RAM + 2 MiB) and the initrd, builds
 * the device tree the way QEMU does and places it at the top of RAM, and boots vCPU 0 with
 * a0 = 0 and a1 = the device tree address, the other harts waiting for HSM hart_start.
 */
import { Vm, VmOptions } from '../hypervisor/vm';
import { KernelFormatError, LoadedKernel, loadKernel } from './loaders/kernel';
import { buildVirtFdt, fdtAddress, initrdAddress } from './virt-fdt';
import { initrdOverlap } from './boot-layout';
import { CLINT_BASE, CLINT_SIZE, DRAM_BASE, PLIC_BASE, PLIC_SIZE, TEST_BASE, TEST_SIZE, UART0_BASE, UART0_SIZE } from './memory-map';
import { APLIC_S_BASE, APLIC_SIZE, IMSIC_S_BASE } from './memory-map';
import { VIRTIO_COUNT, VIRTIO_STRIDE, virtioSlotBase } from './memory-map';
import { EmptyVirtioSlot } from '../devices/virtio/transport/empty-slot';
import type { BlockBackend } from '../devices/virtio/block/backend';
import { VirtioBlock } from '../devices/virtio/block/device';
import { VirtioConsole } from '../devices/virtio/console/device';
import type { ConsoleSink } from '../devices/console-sink';
import { VirtioRng, hostEntropy, type EntropySource } from '../devices/virtio/rng/device';
import type { VirtioNet } from '../devices/virtio/net/device';
import { VirtioBalloon } from '../devices/virtio/balloon/device';
import { TIMEBASE_HZ } from './memory-map';

/** The ISA string the device tree advertises (what the hart implements). */
export const GUEST_ISA = 'rv64imafdc_zicsr_zifencei_zicntr_zihintpause_sstc';
/** The same with Svadu (hardware A/D updating), the default. */
export const GUEST_ISA_SVADU = `${GUEST_ISA}_svadu`;

/** What to boot. */
export interface BootOptions extends VmOptions {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  bootargs?: string;
  /** Virtio block disks, in virtio-mmio slots 0, 1... (Linux: /dev/vda, /dev/vdb...). */
  disks?: BlockBackend[];
  /** Adds a virtio console after the disks (Linux: /dev/hvc0), on the VM console and input. */
  virtioConsole?: boolean;
  /** Where the virtio console writes, with back-pressure (default: `console`, never full). */
  consoleSink?: ConsoleSink;
  /** Adds a virtio entropy device last: true for the host's generator, or a source. */
  rng?: boolean | EntropySource;
  /** Virtio network devices, after the other virtio devices (Linux: eth0, eth1...), already on their switches. */
  nics?: VirtioNet[];
  /**
   * Adds a virtio memory balloon last (QEMU's -device virtio-balloon): `target` is the size
   * to inflate it to once the driver is up (bytes, default 0); the guest's statistics are
   * polled every second of guest time.
   */
  balloon?: { target?: number };
  /**
   * Loads a kernel that is neither ELF nor Image as a raw binary at RAM + 2 MiB, as QEMU's
   * -kernel does (U-Boot's S-mode u-boot.bin); otherwise such a file is refused.
   */
  rawKernel?: boolean;
}

/** A booted VM and what was loaded into it. */
export interface BootedVm {
  vm: Vm;
  kernel: LoadedKernel;
  fdtAddress: number;
  fdt: Uint8Array;
}

/** The board without a guest: the VM with its disks, virtio console and entropy device, nothing loaded or started. */
export type BoardOptions = Omit<BootOptions, 'kernel' | 'initrd' | 'bootargs' | 'rawKernel'>;

/**
 * Creates the VM and its devices (what a snapshot restores onto): disks in virtio-mmio slots
 * 0, 1..., then the console, then the entropy device; the other slots answer "no device".
 */
export function createVirtBoard(opts: BoardOptions): Vm {
  const vm = new Vm(opts);
  for (const disk of opts.disks ?? []) vm.addVirtio(new VirtioBlock(disk));
  if (opts.virtioConsole) vm.addVirtio(new VirtioConsole(opts.consoleSink ?? opts.console, vm.input));
  if (opts.rng) vm.addVirtio(new VirtioRng(opts.rng === true ? hostEntropy : opts.rng));
  for (const nic of opts.nics ?? []) vm.addVirtio(nic);
  if (opts.balloon) {
    const balloon = new VirtioBalloon({
      ramBase: vm.ram.base, ramSize: vm.ram.size, releasePages: (gpas) => vm.releaseGuestPages(gpas), now: () => vm.clock.now(),
    }, TIMEBASE_HZ);
    balloon.setTarget(opts.balloon.target ?? 0);
    vm.addVirtio(balloon);
    vm.balloon = balloon;
  }
  // The other slots answer "no device" as on QEMU (not described in the device tree).
  for (let i = 0; i < VIRTIO_COUNT; i++) {
    if (!vm.virtio[i]) vm.bus.add(virtioSlotBase(i), VIRTIO_STRIDE, new EmptyVirtioSlot(`virtio-empty${i}`));
  }
  return vm;
}

/** Creates the VM, loads everything and starts vCPU 0. Throws KernelFormatError for bad input. */
export function bootVirt(opts: BootOptions): BootedVm {
  // Without firmware (-bios none) QEMU loads a raw binary at the start of RAM.
  const rawOffset = opts.bios === 'none' ? 0 : undefined;
  const kernel = loadKernel(opts.kernel, { base: DRAM_BASE, size: opts.memory }, { raw: opts.rawKernel, rawOffset });
  const vm = createVirtBoard(opts);
  for (const s of kernel.segments) vm.ram.write(s.addr, s.bytes);
  let initrd: { start: number; end: number } | undefined;
  if (opts.initrd) {
    try {
      initrd = initrdAddress(DRAM_BASE, opts.memory, kernel.entry, opts.initrd.length);
    } catch (e) {
      throw new KernelFormatError((e as Error).message);
    }
  }
  const fdt = buildVirtFdt({
    harts: opts.vcpus,
    isa: (opts.svadu === false ? GUEST_ISA : GUEST_ISA_SVADU) + (opts.aia ? '_ssaia' : ''),
    mmuType: 'riscv,sv48',
    ram: { base: DRAM_BASE, size: opts.memory },
    devices: [
      // The CLINT and test device only for a guest with its own M-mode (as under KVM, a
      // guest on SBI firmware has its timer from SBI or Sstc).
      ...(vm.finisher ? [{ base: TEST_BASE, size: TEST_SIZE, device: vm.finisher }] : []),
      ...(vm.clint ? [{ base: CLINT_BASE, size: CLINT_SIZE, device: vm.clint }] : []),
      ...(vm.plic ? [{ base: PLIC_BASE, size: PLIC_SIZE, device: vm.plic }] : []),
      ...(vm.aia ? [
        { base: APLIC_S_BASE, size: APLIC_SIZE, device: vm.aia.aplic },
        { base: IMSIC_S_BASE, size: vm.aia.guestWindow, device: vm.aia.node },
      ] : []),
      { base: UART0_BASE, size: UART0_SIZE, device: vm.uart },
      ...vm.virtio.flatMap((t, i) => (t ? [{ base: virtioSlotBase(i), size: VIRTIO_STRIDE, device: t }] : [])),
    ],
    bootargs: opts.bootargs ?? '',
    initrd,
    aia: opts.aia,
  });
  const at = fdtAddress(DRAM_BASE, opts.memory, fdt.length);
  if (at < kernel.end) throw new KernelFormatError('kernel and device tree do not both fit in memory');
  if (initrd && opts.initrd) {
    const kernelStart = Math.min(...kernel.segments.map((s) => s.addr));
    const problem = initrdOverlap(initrd, { start: kernelStart, end: kernel.end }, { start: at, end: at + fdt.length });
    if (problem) throw new KernelFormatError(problem);
    vm.ram.write(initrd.start, opts.initrd);
  }
  vm.ram.write(at, fdt);
  vm.boot(kernel.entry, at);
  return { vm, kernel, fdtAddress: at, fdt };
}
