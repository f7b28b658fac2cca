/**
 * What the VM keeps of a handled exit: its record in the exit trace (slice ends only in a
 * scratch slot: they would drown the interesting exits), its rows in the exit statistics
 * (reason, SBI call, MMIO device, virtio queue, page-fault outcome, emulated instruction, KVM's
 * view, exit sites) and its event on the vCPU timeline. The handling itself is vm.ts's and
 * vcpu.ts's; this runs after it, on every exit, without allocating.
 */
import { Cause } from '../hart/csr-numbers';
import { VirtioMmioReg, VirtioMmioTransport } from '../devices/virtio/transport/mmio';
import type { PageFaultOutcome } from './memvirt/port';
import type { RegisterCall } from './sbi/register-call';
import type { ExitReason } from './exit-reason';
import type { VmExit } from './exits';
import { ExitRecord, ExitRegs, ExitSlot } from './trace/exit-trace';
import type { Timeline } from './trace/timeline';
import type { Vcpu } from './vcpu';
import type { Vm } from './vm';

/** The statistics row of a handled page fault: "fill-read", "fill-write", "fill-fetch", "dirty" or "inject". */
function outcomeKey(o: PageFaultOutcome, cause: number): string {
  if (o.kind === 'fill') return cause === Cause.FETCH_PAGE_FAULT ? 'fill-fetch' : cause === Cause.STORE_PAGE_FAULT ? 'fill-write' : 'fill-read';
  return o.kind;
}

/** The parts of a VM an exit is recorded in. */
export type RecordingVm = Pick<Vm, 'trace' | 'stats' | 'timeline' | 'bus' | 'sbi'>;

/** Records the handled exits of one VM. */
export class ExitRecorder {
  /** Where slice ends are written (they are not traced). */
  private readonly scratch = new ExitSlot();

  constructor(private readonly vm: RecordingVm) {}

  /**
   * Records an exit `vcpu` made with `regs`, handled as `reason` in `ns` nanoseconds from host
   * time `t1`: `position` is the VM's retired instructions then (ExitRecord.position, -1 for
   * none), `sbiCall` the SBI call it made, if any.
   */
  record(vcpu: Vcpu, exit: VmExit, reason: ExitReason, regs: ExitRegs, position: number,
    sbiCall: RegisterCall | null, t1: number, ns: number): void {
    const { stats, timeline } = this.vm;
    const slot = reason === 'interrupt' ? this.scratch : this.vm.trace.claim();
    slot.vcpu = vcpu.id;
    slot.reason = reason;
    slot.copyRegs(regs);
    slot.ns = ns;
    slot.position = position;
    if (reason === 'interrupt') {
      stats.record(vcpu.id, reason, ns);
      stats.kvm.record(vcpu.id, exit, false);
      stats.sites.record(reason, regs.pcLo, regs.pcHi);
      timeline?.exit(vcpu.id, reason, t1, ns, regs.pcLo, regs.pcHi, 0, 0, -1);
      return;
    }
    let kernelMmio = false; // what KVM would answer in the kernel (an ioeventfd): see kvm-stats.ts
    if (exit.reason === 'sbi' && sbiCall) {
      const key = this.vm.sbi.statsKey(sbiCall.eid, sbiCall.fid);
      stats.recordSbi(vcpu.id, ns, key);
      slot.sbi = sbiCall;
      slot.sbiName = key;
    } else if (exit.reason === 'mmio') {
      const hit = exit.access ? this.vm.bus.lookup(exit.access.gpa, exit.access.size) : undefined;
      const device = hit?.device.name ?? 'unassigned';
      stats.recordMmio(vcpu.id, ns, device);
      slot.gpa = exit.gpa;
      if (exit.access) {
        const a = exit.access;
        const h = vcpu.hart;
        const vlo = a.reg === 0 ? 0 : h.x[a.reg * 2], vhi = a.reg === 0 ? 0 : h.x[a.reg * 2 + 1];
        slot.device = device;
        slot.mmioAddress = a.gpa; slot.mmioSize = a.size; slot.mmioWrite = a.write;
        slot.mmioLo = vlo; slot.mmioHi = vhi;
        if (hit?.device instanceof VirtioMmioTransport) {
          // Notifications are their own breakdown; a guest error is noted in the trace.
          if (a.write && hit.offset === VirtioMmioReg.QUEUE_NOTIFY) {
            stats.recordVirtio(`${device}.q${vlo & 0xffff}`, ns);
            kernelMmio = true;
          }
          const error = hit.device.takeError();
          if (error) slot.note = error;
        }
      }
    } else {
      if (exit.reason === 'guest-page-fault') slot.gpa = exit.gpa;
      stats.record(vcpu.id, reason, ns);
      if (exit.reason === 'page-fault' && exit.outcome) stats.recordPageFault(outcomeKey(exit.outcome, exit.cause), ns);
      if ((exit.reason === 'virtual-instruction' || exit.reason === 'illegal-instruction') && vcpu.lastEmulated) {
        stats.recordEmulated(vcpu.lastEmulated, ns);
        slot.note = vcpu.lastEmulated;
      }
    }
    stats.kvm.record(vcpu.id, exit, kernelMmio);
    stats.sites.record(reason, regs.pcLo, regs.pcHi);
    if (timeline) this.timelineExit(timeline, vcpu, exit, slot, kernelMmio, t1, ns);
  }

  /** The record of the last exit: the traced one, or the slice end in the scratch slot (a new object). */
  lastRecord(reason: ExitReason): ExitRecord {
    return reason === 'interrupt' ? this.scratch.toRecord() : this.vm.trace.latest()!;
  }

  /**
   * Puts a handled exit and its details on the timeline (`notify`: a virtio QueueNotify write);
   * notes when it left the vCPU blocked.
   */
  private timelineExit(tl: Timeline, vcpu: Vcpu, exit: VmExit, slot: ExitSlot, notify: boolean, t1: number, ns: number): void {
    let a = 0, b = 0, c = -1;
    if (slot.sbi) {
      a = slot.sbi.eid;
      b = slot.sbi.fid;
      c = 0; // the call is known: name it
    } else if (exit.reason === 'mmio') {
      const device = slot.device;
      a = exit.gpa;
      b = tl.deviceIndex(device ?? 'unassigned') + (device !== null ? 1000 * slot.mmioSize + (slot.mmioWrite ? 10000 : 0) : 0);
      if (notify && device !== null) c = slot.mmioLo & 0xffff;
    } else if (exit.reason === 'guest-page-fault') {
      a = exit.gpa;
    } else if (exit.reason === 'fault-redirect') {
      a = exit.cause;
    }
    tl.exit(vcpu.id, slot.reason, t1, ns, slot.pcLo, slot.pcHi, a, b, c);
    if (vcpu.state === 'blocked') tl.blocked(vcpu.id, t1 + ns / 1e6);
  }
}
