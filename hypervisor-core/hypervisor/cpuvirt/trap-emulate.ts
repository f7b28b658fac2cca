/**
 * Classic trap-and-emulate (`--cpu-virt trap-emulate`): CPU virtualisation as it was done
 * before the H extension (Popek and Goldberg 1974; on RISC-V, MIT's RVirt). The guest sees no
 * H extension: its kernel runs deprivileged in the hart's U-mode with V = 0, and so do its user
 * programs. Every sensitive instruction of the kernel traps to the hypervisor, which emulates
 * it against the virtual CSR file (virtual-csrs.ts):
 *
 * - CSR accesses to sstatus, sie, sip, stvec, sscratch, sepc, scause, stval, satp,
 *   scounteren, senvcfg and stimecmp trap as illegal instructions and are emulated;
 * - SRET (illegal in U-mode) returns to the guest's SPP at its sepc;
 * - SFENCE.VMA and satp go to the shadow MMU, which is always on (there is no G-stage);
 * - WFI (illegal in U-mode when S-mode exists) blocks the vCPU, as a WFI exit does;
 * - ECALL from the guest kernel is an SBI call; from its user programs it is delivered to the
 *   kernel as an environment call from U-mode;
 * - every other exception and the guest's interrupts are delivered into the guest's stvec in
 *   software: sepc, scause, stval, SPP, SPIE, SIE, as the hart would (privileged spec 10.1.1).
 *
 * Which privilege the guest is in is the hypervisor's knowledge (`priv`), not the hart's. The
 * guest's interrupts reach the hypervisor only while the guest could take them: hideleg holds
 * them off (V = 0 never takes a delegated VS interrupt) while the guest kernel has SIE = 0.
 */
import { Cause, Csr, Mstatus, Priv, Irq, Hstatus } from '../../hart/csr-numbers';
import { Slot } from '../../hart/hart-state';
import type { Hart } from '../../hart/hart';
import { toBigU64, toPair } from '../../hart/int64';
import type { VmExit } from '../exits';
import { ShadowView, type ShadowMmu } from '../memvirt/shadow';
import { HW_COUNTERS } from '../sbi/pmu';
import { CSR_NAMES, VirtualCsrs, VS_IRQS } from './virtual-csrs';
import { num, obj, StateError, type Saved } from '../../state/persist';

/** The CPU virtualisation techniques. */
export const CPU_VIRT_MODES = ['hardware', 'trap-emulate'] as const;
/** One technique's name, as `--cpu-virt` and the statistics spell it. */
export type CpuVirtMode = (typeof CPU_VIRT_MODES)[number];

const SRET = 0x10200073;
const WFI = 0x10500073;
const SFENCE_MASK = 0xfe007fff;
const SFENCE_VMA = 0x12000073;
const CSR_OPS = ['', 'csrrw', 'csrrs', 'csrrc', '', 'csrrwi', 'csrrsi', 'csrrci'];
const HW_COUNTER_MASK = (1 << HW_COUNTERS) - 1;
/** The guest's interrupts in the order the hart takes them (SEI, SSI, STI), as VS-level bits. */
const PRIORITY = [Irq.VSEI, Irq.VSSI, Irq.VSTI];
const M64 = (1n << 64n) - 1n;

/** The trap-and-emulate state of one vCPU. */
export class TrapEmulate {
  /** The guest's privilege: S (its kernel) or U (its programs); the hart runs both in U. */
  priv: Priv.S | Priv.U = Priv.S;
  readonly csrs: VirtualCsrs;

  constructor(readonly hart: Hart, readonly vcpu: number, private readonly shadow: ShadowMmu) {
    this.csrs = new VirtualCsrs(hart);
  }

  /**
   * Reset, after the vCPU's hart was set up to enter the guest at sepc: the guest kernel is
   * entered in (virtual) S-mode with its S CSRs cleared, the hart in U-mode with V = 0.
   */
  reset(): void {
    const h = this.hart;
    this.priv = Priv.S;
    this.csrs.reset();
    h.c[Slot.HSTATUS * 2] &= ~(Hstatus.SPV | Hstatus.SPVP);
    h.c[Slot.MSTATUS * 2] &= ~Mstatus.SPP;
    this.sync();
  }

  /**
   * What lives outside the hart's registers, for a snapshot: the guest's privilege, its
   * scounteren and senvcfg (its other S CSRs are the hart's VS slots, saved with the hart).
   */
  save(): Saved {
    return { priv: this.priv, scounteren: this.csrs.scounteren, senvcfg: this.csrs.senvcfg };
  }

  /**
   * Puts back `save`'s state on a vCPU whose hart was restored (hideleg and scounteren, which
   * follow this state, come back with it; the shadow MMU restores its view of the guest).
   */
  restore(state: Saved): void {
    const s = obj(state, `trap-and-emulate of vCPU ${this.vcpu}`);
    const priv = num(s.priv, 'guest privilege');
    if (priv !== Priv.S && priv !== Priv.U) throw new StateError(`vCPU ${this.vcpu}: guest privilege ${priv} is neither S nor U`);
    this.priv = priv;
    this.csrs.scounteren = num(s.scounteren, 'scounteren') | 0;
    this.csrs.senvcfg = num(s.senvcfg, 'senvcfg') & 1;
  }

  /**
   * Writes one of the guest kernel's S CSRs from outside the guest (a debugger), as its csrw
   * would, and sets the hart's controls from the result. False for satp (the shadow MMU's,
   * changed by the guest's own writes only) and for a CSR the guest kernel does not have.
   */
  writeCsr(csr: number, value: bigint): boolean {
    if (csr === Csr.SATP || !this.csrs.write(csr, value & M64)) return false;
    this.sync();
    return true;
  }

  /** Classifies the trap the hart took into HS-mode from the guest (V = 0: no H-extension causes). */
  decode(): VmExit {
    const h = this.hart;
    if (h.hi(Slot.SCAUSE) < 0) return { reason: 'interrupt' };
    const cause = h.lo(Slot.SCAUSE);
    switch (cause) {
      case Cause.ECALL_U:
        return this.priv === Priv.S ? { reason: 'sbi', eid: h.x[17 * 2], fid: h.x[16 * 2] } : { reason: 'fault-redirect', cause };
      case Cause.ILLEGAL_INSTRUCTION: {
        const insn = h.lo(Slot.STVAL);
        return insn === WFI && this.priv === Priv.S ? { reason: 'wfi' } : { reason: 'illegal-instruction', insn };
      }
      case Cause.FETCH_PAGE_FAULT: case Cause.LOAD_PAGE_FAULT: case Cause.STORE_PAGE_FAULT:
        return { reason: 'page-fault', cause };
    }
    return { reason: 'fault-redirect', cause };
  }

  /**
   * Emulates a sensitive instruction of the guest kernel (the hart in HS-mode after the
   * illegal-instruction exit, sepc at it) and resumes the guest after it. Returns the
   * instruction's name for the statistics, or null when it is illegal for the guest too (from
   * its U-mode, or an M or H CSR): the caller delivers the illegal instruction.
   */
  emulate(insn: number): string | null {
    if (this.priv !== Priv.S) return null;
    if (insn === SRET) {
      this.sret();
      return 'sret';
    }
    let name: string | null;
    if ((insn & SFENCE_MASK) === SFENCE_VMA || ((insn & 0x7f) === 0x73 && insn >>> 20 === Csr.SATP)) {
      name = this.shadow.emulate(this.vcpu, this.hart, insn);
    } else {
      name = this.csrInstruction(insn);
    }
    if (name === null) return null;
    this.sync();
    const h = this.hart;
    const lo = (h.lo(Slot.SEPC) + 4) | 0;
    this.resume(lo, (h.hi(Slot.SEPC) + ((lo >>> 0) < 4 ? 1 : 0)) | 0);
    return name;
  }

  /**
   * Delivers an exception to the guest kernel's trap handler (the hart in HS-mode after the
   * exit, sepc = the faulting pc): the trap entry of privileged spec 10.1.1 done in software.
   */
  deliverException(cause: number, tvalLo: number, tvalHi: number): void {
    const h = this.hart;
    this.enter(cause, false, tvalLo, tvalHi, h.lo(Slot.SEPC), h.hi(Slot.SEPC));
  }

  /**
   * The hart took one of the guest's interrupts into HS-mode (the guest could take it):
   * delivers the highest-priority one. False when none is deliverable any more (it was
   * cleared meanwhile): the guest just resumes.
   */
  deliverInterrupt(): boolean {
    const h = this.hart;
    if (this.takeInterrupt(h.lo(Slot.SEPC), h.hi(Slot.SEPC))) return true;
    this.resume(h.lo(Slot.SEPC), h.hi(Slot.SEPC));
    return false;
  }

  /** Whether the guest takes interrupts now: always in its U-mode, with SIE in its S-mode. */
  private interruptsEnabled(): boolean {
    return this.priv === Priv.U || (this.hart.lo(Slot.VSSTATUS) & Mstatus.SIE) !== 0;
  }

  /**
   * Sets the hart's controls from the guest's state: hideleg keeps the guest's interrupts from
   * trapping while it has them disabled, scounteren gives its U-mode what its own scounteren
   * allows (its kernel reads every counter, as KVM's hcounteren gives a VS guest), and the
   * shadow MMU's view follows its privilege, SUM and MXR.
   */
  private sync(): void {
    const h = this.hart;
    h.hideleg = this.interruptsEnabled() ? 0 : VS_IRQS;
    h.scounteren = this.priv === Priv.S ? HW_COUNTER_MASK : this.csrs.scounteren & HW_COUNTER_MASK;
    const vs = h.lo(Slot.VSSTATUS);
    const view = (this.priv === Priv.U ? ShadowView.USER : ShadowView.KERNEL) |
      ((vs & Mstatus.SUM) !== 0 ? ShadowView.SUM : 0) | ((vs & Mstatus.MXR) !== 0 ? ShadowView.MXR : 0);
    this.shadow.setView(this.vcpu, h, view);
  }

  /** SRET of the guest kernel: privilege = SPP, SIE = SPIE, SPIE = 1, SPP = U, pc = sepc. */
  private sret(): void {
    const h = this.hart;
    let vs = h.lo(Slot.VSSTATUS);
    this.priv = (vs & Mstatus.SPP) !== 0 ? Priv.S : Priv.U;
    vs = (vs & ~(Mstatus.SIE | Mstatus.SPP)) | ((vs & Mstatus.SPIE) !== 0 ? Mstatus.SIE : 0) | Mstatus.SPIE;
    h.c[Slot.VSSTATUS * 2] = vs;
    this.sync();
    this.resume(h.lo(Slot.VSEPC), h.hi(Slot.VSEPC));
  }

  /** A CSR instruction on the virtual CSR file (satp aside); null when the CSR is not the guest kernel's. */
  private csrInstruction(insn: number): string | null {
    const funct3 = (insn >>> 12) & 7;
    if ((insn & 0x7f) !== 0x73 || funct3 === 0 || funct3 === 4) return null;
    const h = this.hart;
    const csr = insn >>> 20;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31;
    const src = funct3 >= 5 ? BigInt(rs1) : toBigU64(h.x[rs1 * 2], h.x[rs1 * 2 + 1]);
    const op = funct3 & 3; // 1 write, 2 set, 3 clear
    const old = this.csrs.read(csr);
    if (old === undefined) return null;
    if (op === 1 || rs1 !== 0) {
      const value = op === 1 ? src : op === 2 ? old | src : old & ~src;
      if (!this.csrs.write(csr, value & M64)) return null;
    }
    if (rd !== 0) {
      const [lo, hi] = toPair(old);
      h.x[rd * 2] = lo;
      h.x[rd * 2 + 1] = hi;
    }
    return `${CSR_OPS[funct3]} ${CSR_NAMES[csr]}`;
  }

  /**
   * Continues the guest at (lo, hi), unless an interrupt it can take is pending: then it
   * enters its handler first, as the hart would at that instruction boundary.
   */
  private resume(lo: number, hi: number): void {
    if (this.takeInterrupt(lo, hi)) return;
    this.jump(lo, hi);
  }

  /** Delivers the highest-priority interrupt the guest can take now, interrupting it at (lo, hi). */
  private takeInterrupt(lo: number, hi: number): boolean {
    if (!this.interruptsEnabled()) return false;
    const h = this.hart;
    const ready = h.pendingInterrupts() & h.mie & VS_IRQS;
    if (ready === 0) return false;
    const irq = PRIORITY.find((i) => (ready & (1 << i)) !== 0)!;
    this.enter(irq - 1, true, 0, 0, lo, hi); // VSxI is the guest's SxI
    return true;
  }

  /** Trap entry into the guest kernel at its stvec (vectored for interrupts in MODE 1). */
  private enter(cause: number, interrupt: boolean, tvalLo: number, tvalHi: number, epcLo: number, epcHi: number): void {
    const h = this.hart;
    let vs = h.lo(Slot.VSSTATUS);
    vs = (vs & ~(Mstatus.SPP | Mstatus.SPIE | Mstatus.SIE)) |
      (this.priv === Priv.S ? Mstatus.SPP : 0) | ((vs & Mstatus.SIE) !== 0 ? Mstatus.SPIE : 0);
    h.c[Slot.VSSTATUS * 2] = vs;
    h.set(Slot.VSCAUSE, cause, interrupt ? 0x80000000 | 0 : 0);
    h.set(Slot.VSTVAL, tvalLo, tvalHi);
    h.set(Slot.VSEPC, epcLo, epcHi);
    this.priv = Priv.S;
    this.sync();
    const tvec = h.lo(Slot.VSTVEC);
    const base = toBigU64(tvec & ~3, h.hi(Slot.VSTVEC));
    const [lo, hi] = toPair((base + ((tvec & 3) === 1 && interrupt ? BigInt(4 * cause) : 0n)) & M64);
    this.jump(lo, hi);
  }

  /** Returns from the hypervisor into the guest at (lo, hi): SRET from HS-mode to U-mode with V = 0. */
  private jump(lo: number, hi: number): void {
    const h = this.hart;
    h.set(Slot.SEPC, lo, hi);
    h.c[Slot.MSTATUS * 2] &= ~Mstatus.SPP;
    h.c[Slot.HSTATUS * 2] &= ~Hstatus.SPV;
    h.hostSret();
  }
}
