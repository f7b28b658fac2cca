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
import { RegisterCall } from './sbi/register-call';
import { Eid } from './sbi/eids';
import { FwEvent } from './sbi/pmu-firmware-events';
import type { ThreadSbiCall } from './threads/sbi-on-thread';
import type { ExitReason } from './exit-reason';
import type { VmExit } from './exits';
import { ExitRecord, ExitRegs, ExitSlot } from './trace/exit-trace';
import type { Timeline } from './trace/timeline';
import type { Vcpu } from './vcpu';
import type { Vm } from './vm';
import type { ThreadAccessSite, UartFastAccess } from '../devices/uart-fast-path';

/** The statistics row of a handled page fault: "fill-read", "fill-write", "fill-fetch", "dirty" or "inject". */
function outcomeKey(o: PageFaultOutcome, cause: number): string {
  if (o.kind === 'fill') return cause === Cause.FETCH_PAGE_FAULT ? 'fill-fetch' : cause === Cause.STORE_PAGE_FAULT ? 'fill-write' : 'fill-read';
  return o.kind;
}

/** An MMIO access a vCPU's thread answered itself, as the VM's thread records it. */
export interface ThreadMmioAccess extends ThreadAccessSite {
  /** Guest physical address and size in bytes. */
  gpa: number;
  size: 1 | 2 | 4 | 8;
  write: boolean;
  /** The value written or read (low 32 bits). */
  value: number;
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

  /**
   * Records a UART access a vCPU's thread answered itself (threads/uart-on-thread.ts) when the
   * VM's thread replays it, as record() records an MMIO exit handled here: the UART is at
   * guest physical `base` and called `device`.
   */
  recordThreadUart(a: UartFastAccess, base: number, device: string): void {
    const m = this.mmio;
    m.vcpu = a.vcpu; m.gpa = base + a.offset; m.size = 1; m.write = a.write; m.value = a.value;
    m.pcLo = a.pcLo; m.pcHi = a.pcHi; m.stvalLo = a.stvalLo; m.stvalHi = a.stvalHi; m.htinst = a.htinst;
    m.instret = a.instret; m.ns = a.ns;
    this.recordThreadMmio(m, device);
  }

  /** Reused by recordThreadUart (no allocation per access). */
  private readonly mmio: ThreadMmioAccess = { vcpu: 0, gpa: 0, size: 1, write: false, value: 0, pcLo: 0, pcHi: 0, stvalLo: 0, stvalHi: 0, htinst: 0, instret: 0, ns: 0 };

  /**
   * Records an MMIO access a vCPU's thread answered itself (the UART's console path, the
   * PLIC: threads/uart-on-thread.ts, threads/plic-on-thread.ts) as record() records an MMIO
   * exit handled here, on the device called `device`.
   */
  recordThreadMmio(a: ThreadMmioAccess, device: string): void {
    const { stats } = this.vm;
    const exit = this.threadExit;
    exit.gpa = exit.access.gpa = a.gpa;
    exit.access.write = a.write;
    exit.access.size = a.size;
    stats.recordMmio(a.vcpu, a.ns, device);
    stats.kvm.record(a.vcpu, exit, false);
    stats.sites.record('mmio', a.pcLo, a.pcHi);
    const slot = this.vm.trace.claim();
    slot.vcpu = a.vcpu;
    slot.reason = 'mmio';
    slot.pcLo = a.pcLo; slot.pcHi = a.pcHi;
    slot.causeLo = a.write ? Cause.STORE_GUEST_PAGE_FAULT : Cause.LOAD_GUEST_PAGE_FAULT; slot.causeHi = 0;
    slot.tvalLo = a.stvalLo; slot.tvalHi = a.stvalHi;
    slot.htvalLo = Math.floor(a.gpa / 4) >>> 0; slot.htvalHi = 0; slot.htinst = a.htinst;
    slot.instret = a.instret;
    slot.ns = a.ns;
    slot.position = -1; // no single count of the VM's instructions on threads
    slot.gpa = a.gpa;
    slot.device = device;
    slot.mmioAddress = a.gpa; slot.mmioSize = a.size; slot.mmioWrite = a.write;
    slot.mmioLo = a.value; slot.mmioHi = 0;
  }

  /**
   * Records an SBI call a vCPU's thread answered itself (threads/sbi-on-thread.ts), as record()
   * records one handled here, and counts its SBI PMU firmware events as the SBI dispatcher does
   * (SBI_CALLS; per target one IPI or fence sent by the caller and received by the target).
   */
  recordThreadSbi(vcpu: number, c: ThreadSbiCall): void {
    const { stats, sbi } = this.vm;
    const x = new Int32Array(32);
    x.set(c.args, 20);
    const call = new RegisterCall(vcpu, c.eid, c.fid, x);
    const events = sbi.firmwareEvents;
    events.count(vcpu, FwEvent.SBI_CALLS);
    const [sent, received] = c.eid === Eid.IPI ? [FwEvent.IPI_SENT, FwEvent.IPI_RECEIVED]
      : c.fid === 0 ? [FwEvent.FENCE_I_SENT, FwEvent.FENCE_I_RECEIVED]
        : c.fid === 1 ? [FwEvent.SFENCE_VMA_SENT, FwEvent.SFENCE_VMA_RECEIVED] : [FwEvent.SFENCE_VMA_ASID_SENT, FwEvent.SFENCE_VMA_ASID_RECEIVED];
    for (const t of c.targets) {
      events.count(vcpu, sent);
      events.count(t, received);
    }
    const key = sbi.statsKey(c.eid, c.fid);
    stats.recordSbi(vcpu, c.ns, key);
    stats.kvm.record(vcpu, { reason: 'sbi', eid: c.eid, fid: c.fid }, false);
    stats.sites.record('sbi', c.pcLo, c.pcHi);
    const slot = this.vm.trace.claim();
    slot.vcpu = vcpu;
    slot.reason = 'sbi';
    slot.pcLo = c.pcLo; slot.pcHi = c.pcHi;
    slot.causeLo = Cause.ECALL_VS; slot.causeHi = 0;
    slot.tvalLo = 0; slot.tvalHi = 0; slot.htvalLo = 0; slot.htvalHi = 0; slot.htinst = 0;
    slot.instret = 0;
    slot.ns = c.ns;
    slot.position = -1;
    slot.sbi = call;
    slot.sbiName = key;
  }

  /** The exit recordThreadUart counts (reused). */
  private readonly threadExit = { reason: 'mmio' as const, gpa: 0, access: { gpa: 0, write: false, size: 1 as 1 | 2 | 4 | 8, signed: false, reg: 0, length: 4 as const } };

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
