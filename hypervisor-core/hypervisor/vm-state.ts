/**
 * A VM's whole state as data (the VM side of a snapshot): each vCPU with its hart, the PLIC,
 * UART, CLINT, virtio transports with their devices, the console input, SBI, the clock, the
 * scheduler's place, the memory virtualisation's own state (shadow paging: each vCPU's guest
 * satp, its tables being a cache rebuilt on faults), and the host memory's layout (allocator,
 * guest page backing, G-stage counts). The host memory's bytes travel apart
 * (snapshot-file.ts stores them sparsely).
 *
 * Save between scheduler slices (runFor returned): every vCPU is at an instruction boundary.
 * Restore onto a VM built with the same configuration (vCPUs, memory, firmware, the same
 * virtio devices in the same slots): a new one, or the same VM going back in time.
 */
import { arr, num, obj, StateError, type Saved } from '../state/persist';
import type { Vm } from './vm';

/** What must match between a saved VM and the VM that restores it. */
export interface VmShape {
  vcpus: number;
  memory: number;
  clock: 'realtime' | 'icount';
  bios: 'default' | 'none';
  svadu: boolean;
  /** The virtio device kind in each slot ('' for an empty one). */
  virtio: string[];
  /** Memory virtualisation (`--mmu`); absent in files of older writers: two-stage. */
  mmu: 'two-stage' | 'shadow';
  /** CPU virtualisation (`--cpu-virt`); absent in files of older writers: hardware. */
  cpuVirt: 'hardware' | 'trap-emulate';
}

/** The shape of `vm` (what a restore checks). */
export function vmShape(vm: Vm): VmShape {
  return {
    vcpus: vm.vcpus.length, memory: vm.opts.memory, clock: vm.clock.kind, bios: vm.opts.bios ?? 'default',
    svadu: vm.opts.svadu ?? true, virtio: vm.virtio.map((t) => t?.device.kind ?? ''),
    mmu: vm.memVirt.mode, cpuVirt: vm.opts.cpuVirt ?? 'hardware',
  };
}

/** The VM's state; its host memory is `vm.host.bytes`. */
export function saveVm(vm: Vm): Saved {
  if (!vm.plic) throw new StateError('a VM with the AIA (--aia) cannot be saved yet: its APLIC and IMSIC state is not in the snapshot format');
  // First: emptying the shadow tables gives pages back to the allocator saved below.
  const memVirt = vm.memVirt.save();
  const shape = vmShape(vm);
  return {
    shape: { ...shape, virtio: shape.virtio },
    instructions: vm.instructions,
    memory: { alloc: vm.alloc.save(), ram: vm.ram.save(), mappedPages: vm.gstage.mappedPages, hostSize: vm.host.size },
    clock: vm.clock.save(),
    scheduleNext: vm.scheduleNext,
    sliceLeft: vm.sliceLeft ? [vm.sliceLeft.vcpu, vm.sliceLeft.budget, vm.sliceLeft.cut ? 1 : 0] : null,
    vcpus: vm.vcpus.map((v) => v.save()),
    plic: vm.plic.save(),
    uart: vm.uart.save(),
    clint: vm.clint?.save() ?? null,
    virtio: vm.virtio.map((t) => t?.save() ?? null),
    input: vm.input.save(),
    sbi: vm.sbi.save(),
    memVirt,
  };
}

/**
 * The part of the VM's host memory that can hold anything but zeroes: up to the allocator's
 * high-water mark (pages past it were never handed out). What a snapshot scans for pages.
 */
export function usedHostMemory(vm: Vm): Uint8Array {
  return vm.host.bytes.subarray(0, vm.alloc.save().next - vm.host.base);
}

/** Why `state` cannot be restored on `vm` (one line), or null when the shapes match. */
export function shapeMismatch(vm: Vm, state: Saved): string | null {
  const s = obj(obj(state, 'VM').shape, 'VM shape');
  const want = vmShape(vm);
  if (s.vcpus !== want.vcpus) return `the snapshot has ${String(s.vcpus)} vCPUs, this VM ${want.vcpus}`;
  if (s.memory !== want.memory) return `the snapshot has ${String(s.memory)} bytes of RAM, this VM ${want.memory}`;
  if (s.clock !== want.clock) return `the snapshot ran with --clock ${String(s.clock)}, this VM with ${want.clock}`;
  if (s.bios !== want.bios) return `the snapshot ran with --bios ${String(s.bios)}, this VM with ${want.bios}`;
  if (s.svadu !== want.svadu) return 'the snapshot and this VM differ in Svadu (--no-svadu)';
  if ((s.mmu ?? 'two-stage') !== want.mmu) return `the snapshot ran with --mmu ${String(s.mmu ?? 'two-stage')}, this VM with ${want.mmu}`;
  if ((s.cpuVirt ?? 'hardware') !== want.cpuVirt) return `the snapshot ran with --cpu-virt ${String(s.cpuVirt ?? 'hardware')}, this VM with ${want.cpuVirt}`;
  if (!vm.plic) return 'a VM with the AIA (--aia) cannot be restored yet';
  if (JSON.stringify(s.virtio) !== JSON.stringify(want.virtio)) return 'the snapshot has other virtio devices than this VM';
  return null;
}

/**
 * The memory a restore fills: `vm`'s host memory, zeroed, after checking the shape. Throws
 * StateError when the snapshot does not fit this VM.
 */
export function memoryForRestore(vm: Vm, state: Saved): Uint8Array {
  const why = shapeMismatch(vm, state);
  if (why) throw new StateError(why);
  const m = obj(obj(state, 'VM').memory, 'memory');
  if (m.hostSize !== vm.host.size) throw new StateError('the snapshot\'s host memory has another size');
  vm.host.bytes.fill(0);
  return vm.host.bytes;
}

/**
 * Puts back `saveVm`'s state on `vm`, whose host memory already holds the snapshot's bytes
 * (memoryForRestore). Translated blocks and TLBs are dropped: they describe the old memory.
 */
export function restoreVm(vm: Vm, state: Saved): void {
  const s = obj(state, 'VM');
  const why = shapeMismatch(vm, state);
  if (why) throw new StateError(why);
  const m = obj(s.memory, 'memory');
  const alloc = obj(m.alloc, 'allocator');
  vm.alloc.restore({ next: num(alloc.next, 'next'), free: arr(alloc.free, 'free').map((p) => num(p, 'free page')) });
  vm.ram.restore(arr(m.ram, 'guest pages').map((pair) => arr(pair, 'guest page').map((v) => num(v, 'guest page'))));
  vm.gstage.mappedPages = num(m.mappedPages, 'mapped pages');
  for (const v of vm.vcpus) v.hart.flushCode();
  const c = obj(s.clock, 'clock');
  vm.clock.restore({ instructions: num(c.instructions, 'clock'), skipped: num(c.skipped, 'clock'), ms: num(c.ms, 'clock') });
  // Input before the devices that read it, devices before the PLIC that their lines drive, the
  // PLIC before the harts whose hvip its outputs set: the last word is the saved one.
  vm.input.restore(s.input ?? null);
  const virtio = arr(s.virtio, 'virtio');
  vm.virtio.forEach((t, i) => { if (t && virtio[i] !== null) t.restore(virtio[i]); });
  vm.uart.restore(s.uart ?? null);
  if (vm.clint) vm.clint.restore(s.clint ?? null);
  vm.plic?.restore(s.plic ?? null);
  vm.sbi.restore(s.sbi ?? null);
  const vcpus = arr(s.vcpus, 'vCPUs');
  vm.vcpus.forEach((v, i) => v.restore(vcpus[i]));
  // After the vCPUs: the shadow MMU sets each hart's satp (or vsatp and hgatp) from the guest's.
  if (vm.memVirt.mode !== 'two-stage') vm.memVirt.restore(s.memVirt ?? null, vm.vcpus.map((v) => v.hart));
  vm.scheduleNext = num(s.scheduleNext, 'scheduler');
  const cut = s.sliceLeft === undefined || s.sliceLeft === null ? null : arr(s.sliceLeft, 'slice').map((v) => num(v, 'slice'));
  if (cut && !(cut[0] >= 0 && cut[0] < vm.vcpus.length && cut[1] > 0)) throw new StateError('the scheduler\'s cut slice names no vCPU of this VM');
  // Snapshots before the third word descheduled at every resume: read as no cut.
  vm.sliceLeft = cut ? { vcpu: cut[0], budget: cut[1], cut: cut[2] === 1 } : null;
  vm.stopRequest = null;
}
