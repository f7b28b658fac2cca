/**
 * A vCPU: the guest state on a hart, its lifecycle, its small run loop and the one switch
 * that handles every VM exit (Firecracker `handle_kvm_exit`, KVM `kvm_riscv_vcpu_exit`).
 * Each vCPU is bound to its own hart; the VM's scheduler decides which runs next.
 */
import { Cause, EnvcfgHi, Hstatus, Irq, Mstatus, Priv } from '../hart/csr-numbers';
import { Hart, StopReason } from '../hart/hart';
import { toBigU64 } from '../hart/int64';
import { Slot } from '../hart/hart-state';
import { decodeExit, decodeMmio, MmioAccess, VmExit } from './exits';
import { advanceSepc, finishMmio } from './exit-completion';
import type { ExitReason } from './exit-reason';
import { FaultLoopDetector } from './fault-loop';
import { HartState as HsmState } from './sbi/sbi-host';
import type { Vm } from './vm';
import { HW_COUNTERS } from './sbi/pmu';
import { FwEvent } from './sbi/pmu-firmware-events';
import { KVM_HEDELEG, type VirtualMmode } from './virtual-mmode';
import type { TrapEmulate } from './cpuvirt/trap-emulate';
import { VCPU_GUEST_FILE } from './aia';
import { arr, bigText, num, obj, StateError, textBig, type Saved } from '../state/persist';

/** Lifecycle of a vCPU. */
export type VcpuState =
  /** Not started (HSM STOPPED): waits for hart_start. */
  | 'stopped'
  /** Ready to run guest code. */
  | 'runnable'
  /** In WFI or a retentive suspend: waits for an interrupt. */
  | 'blocked';

const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);
/** Exceptions delegated to the guest, as KVM does (arch/riscv/kvm/main.c). */
const HEDELEG = KVM_HEDELEG;
const TWO32 = 4294967296;
const HW_COUNTER_MASK = (1 << HW_COUNTERS) - 1;
/** The SBI PMU firmware event of a trap reflected to the guest. */
const FW_EVENT_OF_CAUSE: Partial<Record<number, FwEvent>> = {
  [Cause.ILLEGAL_INSTRUCTION]: FwEvent.ILLEGAL_INSN, [Cause.LOAD_ACCESS]: FwEvent.ACCESS_LOAD,
  [Cause.STORE_ACCESS]: FwEvent.ACCESS_STORE, [Cause.MISALIGNED_LOAD]: FwEvent.MISALIGNED_LOAD,
  [Cause.MISALIGNED_STORE]: FwEvent.MISALIGNED_STORE,
};
/** mstatus.FS = Initial (01). */
const FS_INITIAL = 1 << 13;

/** An interrupt for the guest is pending in the hart and enabled in vsie (WFI's wake-up condition). */
export function guestInterruptPending(h: Hart): boolean {
  return (h.pendingInterrupts() & h.mie & VS_IRQS) !== 0;
}

/**
 * Guest time at which the hart's VS timer (vstimecmp - htimedelta) fires and can wake it, or
 * Infinity when it is disarmed or the guest disabled the timer interrupt.
 */
export function guestTimerDeadline(h: Hart): number {
  if (h.hi(Slot.VSTIMECMP) === -1 && h.lo(Slot.VSTIMECMP) === -1) return Infinity; // disarmed
  if ((h.mie & (1 << Irq.VSTI)) === 0 || h.hi(Slot.HENVCFG) >= 0) return Infinity; // it cannot wake it
  const delta = h.hi(Slot.HTIMEDELTA) * TWO32 + (h.lo(Slot.HTIMEDELTA) >>> 0);
  return h.num(Slot.VSTIMECMP) - delta;
}

/** Where a vCPU resumes after a non-retentive suspend. */
interface ResumePoint { addr: bigint; opaque: bigint }

/** One virtual CPU. */
export class Vcpu {
  state: VcpuState = 'stopped';
  /** HSM state reported to the guest. */
  hsm: number = HsmState.STOPPED;
  /** Retired instructions at the start of the current slice (for the icount clock). */
  sliceStart = 0;
  /** Where a non-retentive suspend resumes (null: where it stopped). */
  resumeAt: ResumePoint | null = null;
  /** The instruction the last virtual-instruction exit emulated ("csrrw satp"), for the statistics. */
  lastEmulated: string | null = null;
  /** Notices the guest looping on one fault (see fault-loop.ts). */
  readonly faultLoop = new FaultLoopDetector();
  /** The guest's own M-mode, when it has one (bios 'none'); set by the VM. */
  mmode?: VirtualMmode;
  /** Classic trap-and-emulate of the guest (`cpuVirt` 'trap-emulate'), instead of the H extension; set by the VM. */
  cpuVirt?: TrapEmulate;

  constructor(readonly id: number, readonly hart: Hart, private readonly vm: Vm) {
    hart.hostTraps = true;
    hart.timeSource = (retired) => vm.clock.now(retired - this.sliceStart);
  }

  /**
   * Puts the hart in HS-mode with the H-extension state a KVM vCPU gets at reset, ready to
   * enter the guest at `entry` in VS-mode with a0 = hart id, a1 = `arg`.
   */
  reset(entry: bigint, arg: bigint): void {
    const h = this.hart;
    h.reset(0, 0);
    h.priv = Priv.S;
    h.virt = false;
    h.medeleg = 0xf0b7ff;
    h.mideleg = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI) | VS_IRQS | (1 << Irq.SGEI);
    h.hedeleg = HEDELEG;
    h.hideleg = VS_IRQS;
    // cycle, time, instret and hpmcounter3..10: the guest reads the counters its SBI PMU
    // configures itself, as on hardware (KVM traps hpmcounter reads instead: its counters are
    // host perf events).
    h.mcounteren = HW_COUNTER_MASK;
    h.hcounteren = HW_COUNTER_MASK;
    // What OpenSBI enters a kernel with: cycle, time and instret readable from U-mode (the
    // vDSO's rdtime). senvcfg stays 0, as OpenSBI leaves it.
    h.scounteren = 7;
    // Sstc available and given to the guest (vstimecmp); with Svadu, A/D bits are set by the
    // walker in both stages, as KVM sets henvcfg.ADUE when the host has Svadu.
    const envcfg = EnvcfgHi.STCE | (h.svadu ? EnvcfgHi.ADUE : 0);
    h.set(Slot.MENVCFG, 0, envcfg);
    h.set(Slot.HENVCFG, 0, envcfg);
    h.set(Slot.VSTIMECMP, -1, -1);
    // With AIA, the vCPU's guest interrupt file on its hart is its supervisor-level file.
    const vgein = h.aia ? VCPU_GUEST_FILE << 12 : 0;
    h.set(Slot.HSTATUS, Hstatus.SPV | Hstatus.SPVP | Hstatus.VTW | vgein, 2);
    // hgatp, vsatp, the page faults kept and hstatus.VTVM: the memory virtualisation's choice.
    this.vm.memVirt.configure(this.id, h);
    // FS = Initial in the host's mstatus: the guest's FPU is enabled (KVM's guest sstatus.FS),
    // and the guest's own vsstatus.FS decides whether it uses it.
    h.set(Slot.MSTATUS, Mstatus.SPP | (Priv.S << Mstatus.MPP_SHIFT) | FS_INITIAL, 0);
    h.set(Slot.SEPC, Number(BigInt.asIntN(32, entry)), Number(BigInt.asIntN(32, entry >> 32n)));
    h.x[10 * 2] = this.id;
    h.x[11 * 2] = Number(BigInt.asIntN(32, arg));
    h.x[11 * 2 + 1] = Number(BigInt.asIntN(32, arg >> 32n));
    this.mmode?.reset();
    this.cpuVirt?.reset();
    h.flushAllTlbs();
    h.hostSret();
    h.aia?.updateLines();
  }

  /** The vCPU's lifecycle, HSM state, resume point, hart, virtual M-mode and trap-and-emulate state, for a snapshot. */
  save(): Saved {
    return {
      state: this.state, hsm: this.hsm,
      resumeAt: this.resumeAt ? [bigText(this.resumeAt.addr), bigText(this.resumeAt.opaque)] : null,
      hart: this.hart.save(), mmode: this.mmode?.save() ?? null, cpuVirt: this.cpuVirt?.save() ?? null,
    };
  }

  /** Puts back `save`'s state on a vCPU of a VM with the same configuration. */
  restore(state: Saved): void {
    const s = obj(state, `vCPU ${this.id}`);
    if (s.state !== 'stopped' && s.state !== 'runnable' && s.state !== 'blocked') throw new StateError(`vCPU ${this.id}: unknown state`);
    this.state = s.state;
    this.hsm = num(s.hsm, 'hsm');
    const r = s.resumeAt === null || s.resumeAt === undefined ? null : arr(s.resumeAt, 'resume point');
    this.resumeAt = r ? { addr: textBig(r[0]), opaque: textBig(r[1]) } : null;
    this.hart.restore(s.hart ?? null);
    if ((s.mmode ?? null) !== null !== (this.mmode !== undefined)) throw new StateError(`vCPU ${this.id}: the snapshot's firmware (--bios) differs`);
    if (this.mmode) this.mmode.restore(s.mmode ?? null);
    if ((s.cpuVirt ?? null) !== null !== (this.cpuVirt !== undefined)) throw new StateError(`vCPU ${this.id}: the snapshot's CPU virtualisation (--cpu-virt) differs`);
    if (this.cpuVirt) this.cpuVirt.restore(s.cpuVirt ?? null);
    this.sliceStart = this.hart.instret;
  }

  /** Starts the vCPU (HSM hart_start or boot). */
  start(entry: bigint, arg: bigint): void {
    this.reset(entry, arg);
    this.vm.sbi.hartReset(this.id);
    this.state = 'runnable';
    this.hsm = HsmState.STARTED;
  }

  /** Stops the vCPU (HSM hart_stop). */
  stop(): void {
    this.state = 'stopped';
    this.hsm = HsmState.STOPPED;
  }

  /** Blocks until an interrupt (WFI, retentive or non-retentive suspend). */
  block(resume: ResumePoint | null = null, suspended = false): void {
    this.state = 'blocked';
    this.resumeAt = resume;
    if (suspended) this.hsm = HsmState.SUSPENDED;
    this.wakeOnGuestExternal(true);
  }

  /**
   * With AIA: while blocked, an interrupt arriving in the vCPU's guest interrupt file raises
   * SGEI at the hart (hgeie selects the file), which wakes it; while it runs, hgeie is 0, as
   * KVM does (kvm_riscv_aia_wakeon_hgei).
   */
  private wakeOnGuestExternal(on: boolean): void {
    const h = this.hart;
    if (!h.aia) return;
    h.hgeie = on ? 1 << VCPU_GUEST_FILE : 0;
    h.aia.updateLines();
  }

  /** An interrupt for the guest is pending and enabled in vsie (the WFI wake-up condition). */
  hasPendingInterrupt(): boolean {
    return guestInterruptPending(this.hart) || (this.mmode?.wakes() ?? false);
  }

  /**
   * The guest kernel runs with its interrupts off (VS-mode with vsstatus.SIE clear): most
   * likely inside a critical section under a spinlock (spin_lock_irqsave), which another vCPU
   * taking the lock could only spin on until this one runs again.
   */
  guestInterruptsOff(): boolean {
    const h = this.hart;
    return h.virt && h.priv === Priv.S && (h.lo(Slot.VSSTATUS) & Mstatus.SIE) === 0;
  }

  /** Wakes a blocked vCPU when an interrupt is pending; returns whether it is runnable. */
  tryWake(): boolean {
    if (this.state !== 'blocked' || !this.hasPendingInterrupt()) return this.state === 'runnable';
    this.state = 'runnable';
    this.wakeOnGuestExternal(false);
    this.hsm = HsmState.STARTED;
    if (this.resumeAt) {
      const { addr, opaque } = this.resumeAt;
      this.resumeAt = null;
      this.start(addr, opaque);
    }
    return true;
  }

  /**
   * Guest time at which this vCPU's timer fires and can wake it (vstimecmp - htimedelta),
   * or Infinity when it is disarmed or the guest disabled the timer interrupt.
   */
  timerDeadline(): number {
    const machine = this.mmode?.timerDeadline() ?? Infinity;
    return Math.min(machine, guestTimerDeadline(this.hart));
  }

  /**
   * Runs guest code for at most `budget` instructions and returns the exit that ended the
   * slice, or null when it stopped for the debugger (breakpoint), with the instructions
   * retired and the budget consumed (`cost`: trap entries inside the guest count too).
   * `resumesCut`: it goes on with a slice a debugger cut short, without descheduling the hart.
   */
  runSlice(budget: number, resumesCut = false): { exit: VmExit | null; instructions: number; cost: number; stop: StopReason } {
    const h = this.hart;
    if (!resumesCut) h.deschedule();
    const before = h.instret;
    this.sliceStart = before;
    this.mmode?.beforeRun();
    const stop = h.run(budget);
    const instructions = h.instret - before;
    this.sliceStart = h.instret;
    const cost = h.lastRunCost;
    if (stop === StopReason.HOST_TRAP) return { exit: this.cpuVirt?.decode() ?? decodeExit(h, this.vm.ram), instructions, cost, stop };
    if (stop === StopReason.BUDGET) return { exit: { reason: 'interrupt' }, instructions, cost, stop };
    return { exit: null, instructions, cost, stop };
  }

  /**
   * The exit switch: handles one exit and says whether the guest can be resumed at once.
   * Every case ends by resuming the guest (hostSret), blocking the vCPU, or stopping the VM.
   */
  handleExit(exit: VmExit): ExitReason | 'unhandled' {
    const h = this.hart;
    this.lastEmulated = null;
    if (this.mmode) {
      const reason = this.machineModeExit(this.mmode, exit);
      if (reason) return reason;
    }
    if (this.cpuVirt) {
      const reason = this.trapEmulateExit(this.cpuVirt, exit);
      if (reason) return reason;
    }
    switch (exit.reason) {
      case 'sbi':
        this.vm.handleSbi(this, exit.eid, exit.fid);
        return 'sbi';
      case 'guest-page-fault':
        this.vm.mapGuestPage(exit.gpa, exit.access === 'write');
        h.hostSret();
        return 'guest-page-fault';
      case 'mmio':
        if (exit.access === null || !this.emulateMmio(exit.access)) {
          // Nothing answers at this address: an access fault for the guest, as on hardware.
          // (a guest page fault under two-stage, the guest's own page fault under shadow paging)
          const cause = h.lo(Slot.SCAUSE);
          const fetch = cause === Cause.FETCH_GUEST_PAGE_FAULT || cause === Cause.FETCH_PAGE_FAULT;
          const write = exit.access?.write ?? (cause === Cause.STORE_GUEST_PAGE_FAULT || cause === Cause.STORE_PAGE_FAULT);
          this.redirectTrap(fetch ? Cause.FETCH_ACCESS : write ? Cause.STORE_ACCESS : Cause.LOAD_ACCESS);
        }
        return 'mmio';
      case 'wfi':
        this.advancePc(4);
        this.retireEmulated();
        h.hostSret();
        if (!this.hasPendingInterrupt()) this.block();
        return 'wfi';
      case 'virtual-instruction': {
        // satp and SFENCE.VMA under shadow paging (hstatus.VTVM); any other: like KVM for
        // unknown ones, an illegal instruction for the guest.
        const emulated = this.vm.memVirt.emulate(this.id, h, exit.insn);
        this.lastEmulated = emulated;
        if (emulated === null) {
          this.redirectTrap(Cause.ILLEGAL_INSTRUCTION);
        } else {
          this.advancePc(4);
          this.retireEmulated();
          h.hostSret();
        }
        return 'virtual-instruction';
      }
      case 'page-fault': {
        const o = exit.outcome;
        if (o === undefined || o.kind === 'inject' || o.kind === 'mmio') {
          this.redirectTrap(o?.kind === 'inject' ? o.cause : exit.cause);
          return this.vm.memVirt.mode === 'shadow' ? 'page-fault' : 'fault-redirect';
        }
        h.hostSret();
        return 'page-fault';
      }
      case 'illegal-instruction':
        this.lastEmulated = null; // reflected, not emulated (trap-and-emulate's own came earlier)
        this.redirectTrap(Cause.ILLEGAL_INSTRUCTION);
        return 'illegal-instruction';
      case 'fault-redirect':
        // A Linux user process gets SIGBUS for it, and the VM lives on (as on QEMU + OpenSBI).
        this.redirectTrap(exit.cause);
        return 'fault-redirect';
      case 'interrupt':
        return 'interrupt';
      case 'unhandled':
        this.vm.fail(this, `unhandled trap from the guest (scause ${exit.cause})`);
        return 'unhandled';
      default: {
        const never: never = exit;
        return never;
      }
    }
  }

  /**
   * The exits that mean something else to a guest with its own M-mode: M-mode instructions
   * to emulate, ecalls and undelegated exceptions for its M-mode, the hart's HS timer (the
   * guest's machine timer). Returns null for the common cases (MMIO, guest page faults, WFI).
   */
  private machineModeExit(m: VirtualMmode, exit: VmExit): ExitReason | null {
    const h = this.hart;
    switch (exit.reason) {
      case 'illegal-instruction': case 'virtual-instruction':
        return m.emulate(exit.insn) ? exit.reason : null; // else: an illegal instruction (redirectTrap)
      case 'sbi':
        // No SBI without firmware: the ecall is an exception like any other.
        h.set(Slot.STVAL, 0, 0);
        this.redirectTrap(m.ecallCause());
        return 'sbi';
      case 'unhandled':
        this.redirectTrap(exit.cause);
        return 'fault-redirect';
      case 'interrupt':
        if (!h.virt) h.hostSret(); // the HS timer trapped: the next slice takes the M interrupt
        return 'interrupt';
      default:
        return null;
    }
  }

  /**
   * The exits trap-and-emulate owns: a sensitive instruction of the guest kernel to emulate
   * (else the guest's own illegal instruction, reflected by the common case) and an interrupt
   * of the guest that the hart took for it. Returns null for the common cases.
   */
  private trapEmulateExit(t: TrapEmulate, exit: VmExit): ExitReason | null {
    switch (exit.reason) {
      case 'illegal-instruction':
        this.lastEmulated = t.emulate(exit.insn);
        if (this.lastEmulated === null) return null;
        this.retireEmulated();
        return 'illegal-instruction';
      case 'interrupt':
        if (!this.hart.virt && this.hart.priv === Priv.S) t.deliverInterrupt(); // else the slice ended
        return 'interrupt';
      default:
        return null;
    }
  }

  /**
   * Lets the memory virtualisation answer a page fault exit: under shadow paging it fills the
   * shadow table (or says the fault is the guest's), and a guest mapping of a device becomes
   * the MMIO exit it is. Call while the exit is being handled (its time is the exit's).
   */
  resolvePageFault(exit: VmExit): VmExit {
    if (exit.reason !== 'page-fault' || this.vm.memVirt.mode !== 'shadow') return exit;
    const outcome = this.vm.memVirt.onPageFault(this.id, this.hart, exit.cause);
    if (outcome.kind === 'mmio') return { reason: 'mmio', access: decodeMmio(outcome.htinst, outcome.gpa), gpa: outcome.gpa };
    return { reason: 'page-fault', cause: exit.cause, outcome };
  }

  /** Emulates a load/store on a device; false when no device is there. */
  private emulateMmio(a: MmioAccess): boolean {
    const h = this.hart, bus = this.vm.bus;
    if (a.write) {
      if (!bus.write(a.gpa, a.size, h.x[a.reg * 2], h.x[a.reg * 2 + 1])) return false;
      finishMmio(h, a, 0, 0);
    } else {
      const v = bus.read(a.gpa, a.size);
      if (v === undefined) return false;
      finishMmio(h, a, v, a.size === 8 ? bus.hi : 0);
    }
    return true;
  }

  /**
   * A privileged instruction the hypervisor carried out for the guest (trap-and-emulate's CSR
   * accesses, SRET and SFENCE.VMA; shadow paging's satp and SFENCE.VMA; WFI, which
   * hstatus.VTW traps under every technique) retires, as it does where it runs natively (QEMU
   * without a hypervisor, or two-stage for satp): the guest's instret, minstret and the icount
   * clock count it, so a program reads the same instret under every technique. MMIO accesses
   * and SBI calls retire nothing, as under KVM (an ECALL is not retired by the spec either).
   */
  retireEmulated(): void {
    this.hart.instret++;
  }

  /** sepc += n (the trapping instruction is done). */
  advancePc(n: number): void {
    advanceSepc(this.hart, n);
  }

  /**
   * Reflects the trap to the guest's own handler (KVM `kvm_riscv_vcpu_trap_redirect`): the
   * guest sees `cause` with vsepc = the trapping pc and vstval = stval, entering at vstvec.
   */
  redirectTrap(cause: number): void {
    const h = this.hart;
    if (this.mmode?.exception(cause, toBigU64(h.lo(Slot.STVAL), h.hi(Slot.STVAL)))) return;
    const event = FW_EVENT_OF_CAUSE[cause];
    if (event !== undefined) this.vm.sbi.firmwareEvent(this.id, event);
    if (this.cpuVirt) {
      this.cpuVirt.deliverException(cause, h.lo(Slot.STVAL), h.hi(Slot.STVAL));
      return;
    }
    let vs = h.lo(Slot.VSSTATUS);
    vs = (vs & ~(Mstatus.SPP | Mstatus.SPIE | Mstatus.SIE)) |
      ((h.lo(Slot.MSTATUS) & Mstatus.SPP) ? Mstatus.SPP : 0) | ((vs & Mstatus.SIE) ? Mstatus.SPIE : 0);
    h.c[Slot.VSSTATUS * 2] = vs;
    h.set(Slot.VSCAUSE, cause, 0);
    h.set(Slot.VSTVAL, h.lo(Slot.STVAL), h.hi(Slot.STVAL));
    h.set(Slot.VSEPC, h.lo(Slot.SEPC), h.hi(Slot.SEPC));
    h.set(Slot.SEPC, h.lo(Slot.VSTVEC) & ~3, h.hi(Slot.VSTVEC));
    h.c[Slot.MSTATUS * 2] |= Mstatus.SPP;
    h.hostSret();
  }

  /** Guest pc as a bigint (for traces and the debugger). */
  pc(): bigint {
    const h = this.hart;
    return toBigU64(h.pcLo, h.pcHi);
  }
}
