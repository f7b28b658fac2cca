/**
 * A guest's own M-mode, emulated (`--bios none`, as `qemu-system-riscv64 -M virt -bios none`
 * starts a kernel): the guest begins at its entry in virtual M-mode and may configure
 * M-mode and `mret` to S-mode, as xv6-riscv's start.c does, or keep an M-mode trap handler
 * such as xv6's CLINT timervec.
 *
 * The guest never runs in the hart's M-mode. Virtual M-mode code runs in VS-mode with
 * its translation bare (vsatp = 0, the guest's satp kept here), every exception exiting to
 * the hypervisor (hedeleg = 0), satp/SFENCE.VMA and SRET trapping (hstatus.VTVM, VTSR) and
 * the guest's S-level interrupts held off (vsstatus.SIE = 0, its value kept here). Its M
 * CSR accesses and `mret` raise illegal-instruction exits that this file emulates against a
 * per-vCPU CSR file (privileged spec 3.1); S CSRs go to the VS CSRs, which hold the guest's
 * S state in every mode. Traps the guest's medeleg does not delegate, and the machine
 * interrupts (CLINT MSIP/MTIP, PLIC M context), enter the virtual M-mode at mtvec.
 *
 * In virtual S/U-mode the guest runs as any VS guest, with hedeleg = what both KVM's set and
 * the guest's medeleg delegate, hcounteren = its mcounteren and henvcfg.STCE = its
 * menvcfg.STCE. The machine timer reaches the hypervisor while the guest runs through the
 * hart's own (HS) stimecmp, set to the guest's mtimecmp.
 *
 * Under shadow paging (`shadow`), the guest's satp is the shadow MMU's: entering M-mode
 * suspends it (addresses are physical, through the G-stage) and leaving M-mode puts its
 * shadow root back; S-mode keeps its page faults, satp and SFENCE.VMA trapping to the
 * hypervisor (hstatus.VTVM) whatever the guest's mstatus.TVM says.
 *
 * Not emulated: mstatus.MPRV (M-mode loads and stores through S translation), S-level
 * interrupts that the guest's mideleg keeps in M-mode (they always go to S), PMP checks
 * (the registers hold what is written), mip.SEIP written by M-mode, mstatus.TW.
 */
import { arr, bigText, num, obj, StateError, textBig, type Saved } from '../state/persist';
import { Cause, Csr, EnvcfgHi, Hstatus, Irq, Mstatus, Priv } from '../hart/csr-numbers';
import { Slot } from '../hart/hart-state';
import type { Hart } from '../hart/hart';
import { toBigU64, toPair } from '../hart/int64';
import { PAGE_FAULT_BITS, type ShadowMmu } from './memvirt/shadow';

const M64 = (1n << 64n) - 1n;
const INTERRUPT = 1n << 63n;
/** Exceptions M-mode may delegate (QEMU 7.2 DELEGABLE_EXCPS without the H ones). */
const MEDELEG_MASK = 0xb3ffn;
/** S-level interrupts M-mode may delegate (SSIP, STIP, SEIP). */
const MIDELEG_MASK = (1n << 1n) | (1n << 5n) | (1n << 9n);
const M_IRQS = (1 << Irq.MSI) | (1 << Irq.MTI) | (1 << Irq.MEI);
const S_IRQS = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);
const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);
/** mstatus fields kept here; the S fields live in vsstatus. */
const M_FIELDS = Mstatus.MIE | Mstatus.MPIE | Mstatus.MPP_MASK | Mstatus.MPRV | Mstatus.TVM | Mstatus.TW | Mstatus.TSR;
const S_FIELDS = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.FS_MASK | Mstatus.SUM | Mstatus.MXR;
/** misa as the guest sees it: RV64 IMAFDC with S and U (the H extension is the host's). */
const MISA = (2n << 62n) | BigInt((1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20));
/** menvcfg bits kept: FIOM, ADUE (with Svadu), STCE. */
const MENVCFG_MASK = 1n | (1n << 61n) | (1n << 63n);
const MRET = 0x30200073;
const SRET = 0x10200073;
const NEVER = -1; // as both halves of a 64-bit comparator

/** Where the guest resumes after an emulated step. */
export interface GuestPoint {
  pc: bigint;
  /** The guest's privilege: M (virtual), S or U. */
  priv: Priv;
}

/** What a virtual M-mode needs from the machine. */
export interface MmodeBoard {
  /** Guest time now (mtime), in ticks. */
  time(): number;
  /** This hart's mtimecmp in the CLINT, as a tick (Infinity: never). */
  mtimecmp(): number;
  /** Whether the hart implements Svadu (menvcfg.ADUE is writable). */
  svadu: boolean;
}

/** The emulated M-mode of one vCPU. */
export class VirtualMmode {
  /** The guest is in its (virtual) M-mode. */
  active = true;
  mstatus = 0n; // the M fields only (M_FIELDS)
  mtvec = 0n;
  mepc = 0n;
  mcause = 0n;
  mtval = 0n;
  mscratch = 0n;
  medeleg = 0n;
  mideleg = 0n;
  /** The M-level enables (MSIE, MTIE, MEIE); the S ones are the hart's VS enables. */
  mieM = 0;
  menvcfg = 0n;
  mcounteren = 0n;
  mcountinhibit = 0n;
  readonly pmpcfg = new Array<bigint>(16).fill(0n);
  readonly pmpaddr = new Array<bigint>(64).fill(0n);
  /** Interrupt lines into the hart: the CLINT's MSIP and the PLIC's M-context output. */
  msip = false;
  meip = false;
  /** The guest's satp and sstatus.SIE while it is in M-mode (the hart's are bare and 0). */
  private satp = 0n;
  private sie = false;

  /**
   * @param shadow the VM's shadow MMU when it shadows (`--mmu shadow`), which then owns the
   *   guest's satp; the vCPU's index there is `hartId`
   */
  constructor(readonly hart: Hart, readonly hartId: number, private readonly board: MmodeBoard, private readonly shadow?: ShadowMmu) {}

  /** Reset: M-mode, everything 0 (privileged spec 3.4). The caller enters the guest after. */
  reset(): void {
    this.active = true;
    this.mstatus = this.mtvec = this.mepc = this.mcause = this.mtval = this.mscratch = 0n;
    this.medeleg = this.mideleg = this.menvcfg = this.mcounteren = this.mcountinhibit = 0n;
    this.mieM = 0;
    // ADUE resets to 1 with Svadu, as on QEMU: kernels built for it (xv6) leave A/D to the hart.
    if (this.board.svadu) this.menvcfg = 1n << 61n;
    this.pmpcfg.fill(0n);
    this.pmpaddr.fill(0n);
    this.msip = this.meip = false;
    this.satp = 0n;
    this.sie = false;
    const h = this.hart;
    h.set(Slot.VSSTATUS, 0, 2); // UXL = 64, FS off, as M-mode finds it at reset
    h.set(Slot.VSATP, 0, 0);
    h.mie &= ~VS_IRQS;
    h.hvip = 0;
    h.scounteren = 0;
    this.shadow?.suspend(this.hartId, h, true);
    this.configureHart();
  }

  /** The virtual M-mode's CSRs and lines, for a snapshot (the hart saves its own CSRs). */
  save(): Saved {
    return {
      active: this.active,
      csrs: [this.mstatus, this.mtvec, this.mepc, this.mcause, this.mtval, this.mscratch, this.medeleg, this.mideleg,
        this.menvcfg, this.mcounteren, this.mcountinhibit, this.satp].map(bigText),
      mieM: this.mieM, pmpcfg: this.pmpcfg.map(bigText), pmpaddr: this.pmpaddr.map(bigText),
      msip: this.msip, meip: this.meip, sie: this.sie,
    };
  }

  /** Puts back `save`'s state; the hart's CSRs, restored by the hart, already match it. */
  restore(state: Saved): void {
    const s = obj(state, 'virtual M-mode');
    const c = arr(s.csrs, 'M CSRs').map(textBig);
    if (c.length !== 12) throw new StateError('virtual M-mode: wrong CSR count');
    [this.mstatus, this.mtvec, this.mepc, this.mcause, this.mtval, this.mscratch, this.medeleg, this.mideleg,
      this.menvcfg, this.mcounteren, this.mcountinhibit, this.satp] = c;
    this.active = s.active === true;
    this.mieM = num(s.mieM, 'mie');
    const pmpcfg = arr(s.pmpcfg, 'pmpcfg'), pmpaddr = arr(s.pmpaddr, 'pmpaddr');
    if (pmpcfg.length !== this.pmpcfg.length || pmpaddr.length !== this.pmpaddr.length) throw new StateError('virtual M-mode: wrong PMP count');
    pmpcfg.forEach((v, i) => { this.pmpcfg[i] = textBig(v); });
    pmpaddr.forEach((v, i) => { this.pmpaddr[i] = textBig(v); });
    this.msip = s.msip === true;
    this.meip = s.meip === true;
    this.sie = s.sie === true;
  }

  /** The M-level interrupts pending (mip's M bits). */
  pendingM(): number {
    let p = 0;
    if (this.msip) p |= 1 << Irq.MSI;
    if (this.board.time() >= this.board.mtimecmp()) p |= 1 << Irq.MTI;
    if (this.meip) p |= 1 << Irq.MEI;
    return p;
  }

  /** An M-level interrupt is pending and enabled in mie (the WFI wake-up condition). */
  wakes(): boolean {
    return (this.pendingM() & this.mieM) !== 0;
  }

  /** Tick at which the machine timer can wake this vCPU (Infinity when it cannot). */
  timerDeadline(): number {
    return (this.mieM & (1 << Irq.MTI)) !== 0 ? this.board.mtimecmp() : Infinity;
  }

  /**
   * Before the guest runs (the hart in guest mode at an instruction boundary): takes a
   * pending M-level interrupt into the virtual M-mode (enabled in M-mode by mstatus.MIE,
   * always below it), then arms the hart's HS timer for the next machine timer interrupt.
   */
  beforeRun(): void {
    const h = this.hart;
    const enabled = this.pendingM() & this.mieM;
    if (enabled !== 0 && (!this.active || (this.mstatus & BigInt(Mstatus.MIE)) !== 0n)) {
      const irq = enabled & (1 << Irq.MEI) ? Irq.MEI : enabled & (1 << Irq.MSI) ? Irq.MSI : Irq.MTI;
      const at = { pc: toBigU64(h.pcLo, h.pcHi), priv: this.active ? Priv.M : h.priv };
      this.trap(BigInt(irq) | INTERRUPT, 0n, at, false);
    }
    this.armTimer();
  }

  /**
   * Handles an instruction exit of a guest in virtual M-mode (the hart in HS-mode after the
   * trap; `insn` from stval): an M CSR access, mret, sret, satp and SFENCE.VMA are emulated,
   * anything else is an illegal instruction for the guest's M-mode. Returns false when the
   * guest is not in M-mode (the exit is the guest's S-mode business).
   */
  emulate(insn: number): boolean {
    if (!this.active) return false;
    const h = this.hart;
    const epc = toBigU64(h.lo(Slot.SEPC), h.hi(Slot.SEPC));
    const next = { pc: (epc + 4n) & M64, priv: Priv.M };
    if (insn === MRET) {
      this.mret();
      return true;
    }
    if (insn === SRET) {
      this.sret();
      return true;
    }
    if ((insn & 0xfe007fff) === 0x12000073) { // SFENCE.VMA: translation is bare in M-mode
      this.shadow?.emulate(this.hartId, h, insn); // the shadow tables resynchronise for S-mode
      h.flushAllTlbs();
      this.resume(next, true);
      return true;
    }
    if ((insn & 0x7f) === 0x73 && (insn & 0x3000) !== 0 && this.csrInstruction(insn)) {
      this.resume(next, true);
      return true;
    }
    this.trap(BigInt(Cause.ILLEGAL_INSTRUCTION), BigInt(insn >>> 0), { pc: epc, priv: Priv.M }, true);
    return true;
  }

  /**
   * Delivers an exception the guest raised (the hart in HS-mode after the exit, sepc = the
   * faulting pc): to its S-mode when it came from S/U and the guest's medeleg delegates it
   * (returns false: the caller reflects it into VS), else to the virtual M-mode.
   */
  exception(cause: number, tval: bigint): boolean {
    const h = this.hart;
    const from = this.active ? Priv.M : (h.lo(Slot.MSTATUS) & Mstatus.SPP) ? Priv.S : Priv.U;
    if (from !== Priv.M && ((this.medeleg >> BigInt(cause)) & 1n) !== 0n) return false;
    const epc = toBigU64(h.lo(Slot.SEPC), h.hi(Slot.SEPC));
    this.trap(BigInt(cause), tval, { pc: epc, priv: from }, true);
    return true;
  }

  /** The cause an ecall of the guest has: from M-mode, from S-mode or from U-mode. */
  ecallCause(): number {
    if (this.active) return Cause.ECALL_M;
    return (this.hart.lo(Slot.MSTATUS) & Mstatus.SPP) ? Cause.ECALL_S : Cause.ECALL_U;
  }

  // ---- traps and returns ----

  /**
   * Trap entry into the virtual M-mode (privileged spec 3.1.6.1): mepc, mcause, mtval,
   * MPIE = MIE, MIE = 0, MPP = the previous mode; pc = mtvec (vectored for interrupts).
   * `fromExit`: the hart is in HS-mode after an exit (else in guest mode between slices).
   */
  private trap(cause: bigint, tval: bigint, at: GuestPoint, fromExit: boolean): void {
    if (!this.active) this.enterM();
    this.mepc = at.pc;
    this.mcause = cause;
    this.mtval = tval;
    let s = this.mstatus & ~BigInt(Mstatus.MPIE | Mstatus.MPP_MASK | Mstatus.MIE);
    if (this.mstatus & BigInt(Mstatus.MIE)) s |= BigInt(Mstatus.MPIE);
    this.mstatus = s | (BigInt(at.priv) << BigInt(Mstatus.MPP_SHIFT));
    let pc = this.mtvec & ~3n;
    if ((this.mtvec & 3n) === 1n && (cause & INTERRUPT) !== 0n) pc += 4n * (cause & 0xffn);
    this.resume({ pc: pc & M64, priv: Priv.M }, fromExit);
  }

  /** mret: back to MPP at mepc; MIE = MPIE, MPIE = 1, MPP = U, MPRV = 0 unless to M. */
  private mret(): void {
    const mpp = Number((this.mstatus >> BigInt(Mstatus.MPP_SHIFT)) & 3n);
    let s = this.mstatus & ~BigInt(Mstatus.MIE | Mstatus.MPP_MASK);
    if (this.mstatus & BigInt(Mstatus.MPIE)) s |= BigInt(Mstatus.MIE);
    s |= BigInt(Mstatus.MPIE);
    const to: Priv = mpp === Priv.M ? Priv.M : mpp === Priv.S ? Priv.S : Priv.U; // 2 is reserved
    if (to !== Priv.M) s &= ~BigInt(Mstatus.MPRV);
    this.mstatus = s;
    if (to !== Priv.M) this.leaveM();
    this.resume({ pc: this.mepc & ~1n, priv: to }, true);
  }

  /** sret in M-mode: to SPP at sepc (the VS CSRs), SIE = SPIE, SPIE = 1, SPP = U. */
  private sret(): void {
    const h = this.hart;
    let vs = h.lo(Slot.VSSTATUS);
    const to = (vs & Mstatus.SPP) ? Priv.S : Priv.U;
    this.sie = (vs & Mstatus.SPIE) !== 0;
    vs = (vs & ~(Mstatus.SPP | Mstatus.SIE)) | Mstatus.SPIE;
    h.c[Slot.VSSTATUS * 2] = vs;
    this.mstatus &= ~BigInt(Mstatus.MPRV);
    this.leaveM();
    this.resume({ pc: toBigU64(h.lo(Slot.VSEPC), h.hi(Slot.VSEPC)), priv: to }, true);
  }

  /** Into M-mode: the guest's satp and SIE set aside, translation bare, every trap exits. */
  private enterM(): void {
    const h = this.hart;
    this.active = true;
    if (this.shadow) {
      this.shadow.suspend(this.hartId, h, true);
    } else {
      this.satp = toBigU64(h.lo(Slot.VSATP), h.hi(Slot.VSATP));
      h.set(Slot.VSATP, 0, 0);
    }
    const vs = h.lo(Slot.VSSTATUS);
    this.sie = (vs & Mstatus.SIE) !== 0;
    h.c[Slot.VSSTATUS * 2] = vs & ~Mstatus.SIE;
    this.configureHart();
    h.flushAllTlbs();
  }

  /** Out of M-mode to S or U: the guest's satp and SIE back, its delegations in force. */
  private leaveM(): void {
    const h = this.hart;
    this.active = false;
    if (this.shadow) {
      this.shadow.suspend(this.hartId, h, false);
    } else {
      const [lo, hi] = toPair(this.satp);
      h.set(Slot.VSATP, lo, hi);
    }
    if (this.sie) h.c[Slot.VSSTATUS * 2] |= Mstatus.SIE;
    this.configureHart();
    h.flushAllTlbs();
  }

  /** The hart's H-extension controls for the guest's current mode. */
  private configureHart(): void {
    const h = this.hart;
    let hs = h.lo(Slot.HSTATUS) & ~(Hstatus.VTVM | Hstatus.VTSR);
    hs |= Hstatus.VTW;
    const adue = this.board.svadu ? EnvcfgHi.ADUE : 0;
    if (this.active) {
      hs |= Hstatus.VTVM | Hstatus.VTSR;
      h.hedeleg = 0;
      h.hcounteren = 7;
      h.set(Slot.HENVCFG, 0, EnvcfgHi.STCE | adue);
    } else {
      if (this.mstatus & BigInt(Mstatus.TVM)) hs |= Hstatus.VTVM;
      if (this.mstatus & BigInt(Mstatus.TSR)) hs |= Hstatus.VTSR;
      h.hedeleg = KVM_HEDELEG & Number(this.medeleg) & (this.shadow ? ~PAGE_FAULT_BITS : -1);
      if (this.shadow) hs |= Hstatus.VTVM;
      h.hcounteren = Number(this.mcounteren & 7n);
      const stce = (this.menvcfg >> 63n) !== 0n ? EnvcfgHi.STCE : 0;
      const guestAdue = (this.menvcfg >> 61n) & 1n ? adue : 0;
      h.set(Slot.HENVCFG, Number(this.menvcfg & 1n), stce | guestAdue);
    }
    h.c[Slot.HSTATUS * 2] = hs;
  }

  /** The hart's HS timer fires at the guest's mtimecmp when the interrupt could be taken. */
  private armTimer(): void {
    const h = this.hart;
    const can = (this.mieM & (1 << Irq.MTI)) !== 0 && (!this.active || (this.mstatus & BigInt(Mstatus.MIE)) !== 0n);
    const cmp = can ? this.board.mtimecmp() : Infinity;
    if (cmp === Infinity) {
      h.set(Slot.STIMECMP, NEVER, NEVER);
    } else {
      const delta = h.num(Slot.HTIMEDELTA); // hart time + htimedelta = guest time
      const [lo, hi] = toPair(BigInt(Math.max(0, cmp - delta)));
      h.set(Slot.STIMECMP, lo, hi);
    }
    h.mie |= 1 << Irq.STI;
  }

  /**
   * Continues the guest at `to`. After an exit (the hart in HS-mode) like SRET from HS into
   * VS/VU; between slices (the hart already in guest mode) by setting mode and pc.
   */
  private resume(to: GuestPoint, fromExit: boolean): void {
    const h = this.hart;
    const vsPriv = to.priv === Priv.U ? Priv.U : Priv.S; // virtual M and S both run in VS
    const [lo, hi] = toPair(to.pc);
    if (fromExit) {
      h.set(Slot.SEPC, lo, hi);
      h.c[Slot.HSTATUS * 2] = (h.lo(Slot.HSTATUS) & ~Hstatus.SPVP) | Hstatus.SPV | (vsPriv === Priv.S ? Hstatus.SPVP : 0);
      h.c[Slot.MSTATUS * 2] = (h.lo(Slot.MSTATUS) & ~Mstatus.SPP) | (vsPriv === Priv.S ? Mstatus.SPP : 0);
      h.hostSret();
    } else {
      h.priv = vsPriv;
      h.virt = true;
      h.pcLo = lo;
      h.pcHi = hi;
    }
  }

  // ---- the CSR file ----

  /** Emulates a CSR instruction of M-mode code; false when the CSR is not one M-mode has. */
  private csrInstruction(insn: number): boolean {
    const h = this.hart;
    const csr = insn >>> 20;
    const funct3 = (insn >>> 12) & 7;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31;
    const src = funct3 >= 5 ? BigInt(rs1) : toBigU64(h.x[rs1 * 2], h.x[rs1 * 2 + 1]);
    const kind = funct3 & 3; // 1 write, 2 set, 3 clear
    const writes = kind === 1 || rs1 !== 0;
    const old = this.read(csr);
    if (old === undefined) return false;
    if (writes) {
      if ((csr >>> 10) === 3) return false; // read-only CSR
      const value = kind === 1 ? src : kind === 2 ? old | src : old & ~src;
      if (!this.write(csr, value & M64)) return false;
    }
    if (rd !== 0) {
      const [lo, hi] = toPair(old);
      h.x[rd * 2] = lo;
      h.x[rd * 2 + 1] = hi;
    }
    return true;
  }

  /** Reads an M-mode CSR (or satp, which M-mode code reaches here); undefined: no such CSR. */
  read(csr: number): bigint | undefined {
    const h = this.hart;
    if (csr >= Csr.PMPCFG0 && csr < Csr.PMPCFG0 + 16) return (csr & 1) ? undefined : this.pmpcfg[csr - Csr.PMPCFG0];
    if (csr >= Csr.PMPADDR0 && csr < Csr.PMPADDR0 + 64) return this.pmpaddr[csr - Csr.PMPADDR0];
    if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return 0n; // hpm counters
    switch (csr) {
      case Csr.MVENDORID: case Csr.MARCHID: case Csr.MIMPID: case Csr.MCONFIGPTR: return 0n;
      case Csr.MHARTID: return BigInt(this.hartId);
      case Csr.MISA: return MISA;
      case Csr.MSTATUS: {
        let s = BigInt(h.lo(Slot.VSSTATUS) & S_FIELDS) | this.mstatus;
        if (this.active) s = this.sie ? s | BigInt(Mstatus.SIE) : s & ~BigInt(Mstatus.SIE);
        s |= (2n << 32n) | (2n << 34n); // UXL = SXL = 64
        if (((s >> 13n) & 3n) === 3n) s |= 1n << 63n; // SD
        return s;
      }
      case Csr.MEDELEG: return this.medeleg;
      case Csr.MIDELEG: return this.mideleg;
      case Csr.MIE: return BigInt(this.mieM | ((h.mie & VS_IRQS) >>> 1));
      case Csr.MIP: return BigInt(this.pendingM() | ((h.pendingInterrupts() & VS_IRQS) >>> 1));
      case Csr.MTVEC: return this.mtvec;
      case Csr.MCOUNTEREN: return this.mcounteren;
      case Csr.MENVCFG: return this.menvcfg;
      case Csr.MCOUNTINHIBIT: return this.mcountinhibit;
      case Csr.MSCRATCH: return this.mscratch;
      case Csr.MEPC: return this.mepc;
      case Csr.MCAUSE: return this.mcause;
      case Csr.MTVAL: return this.mtval;
      case Csr.MTINST: case Csr.MTVAL2: return 0n;
      case Csr.MCYCLE: case Csr.MINSTRET: return BigInt(h.retired());
      case Csr.SATP: {
        if (!this.shadow) return this.satp;
        const [lo, hi] = this.shadow.guestAtp(this.hartId);
        return toBigU64(lo, hi);
      }
    }
    return undefined;
  }

  /** Writes an M-mode CSR with its WARL rules; false: no such writable CSR. */
  write(csr: number, v: bigint): boolean {
    const h = this.hart;
    if (csr >= Csr.PMPCFG0 && csr < Csr.PMPCFG0 + 16) {
      if (csr & 1) return false;
      this.pmpcfg[csr - Csr.PMPCFG0] = v;
      return true;
    }
    if (csr >= Csr.PMPADDR0 && csr < Csr.PMPADDR0 + 64) {
      this.pmpaddr[csr - Csr.PMPADDR0] = v & ((1n << 54n) - 1n);
      return true;
    }
    if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return true;
    switch (csr) {
      case Csr.MISA: return true; // not writable
      case Csr.MSTATUS: {
        const lo = Number(v & 0xffffffffn);
        let mpp = (lo & Mstatus.MPP_MASK) >> Mstatus.MPP_SHIFT;
        if (mpp === 2) mpp = Priv.U;
        this.mstatus = BigInt((lo & M_FIELDS & ~Mstatus.MPP_MASK) | (mpp << Mstatus.MPP_SHIFT));
        const vs = h.lo(Slot.VSSTATUS);
        let s = (vs & ~S_FIELDS) | (lo & S_FIELDS);
        if (this.active) {
          this.sie = (lo & Mstatus.SIE) !== 0;
          s &= ~Mstatus.SIE;
        }
        h.c[Slot.VSSTATUS * 2] = s;
        if (!this.active) this.configureHart();
        return true;
      }
      case Csr.MEDELEG: this.medeleg = v & MEDELEG_MASK; return true;
      case Csr.MIDELEG: this.mideleg = v & MIDELEG_MASK; return true;
      case Csr.MIE: {
        const n = Number(v & 0xfffn);
        this.mieM = n & M_IRQS;
        h.mie = (h.mie & ~VS_IRQS) | ((n & S_IRQS) << 1);
        return true;
      }
      case Csr.MIP: {
        // M-mode may raise the S-level software and (without Sstc) timer interrupts.
        const n = Number(v & 0xfffn);
        const sw = (1 << Irq.VSSI) | ((this.menvcfg >> 63n) ? 0 : 1 << Irq.VSTI);
        h.hvip = (h.hvip & ~sw) | ((n << 1) & sw);
        return true;
      }
      case Csr.MTVEC: this.mtvec = (v & 3n) >= 2n ? v & ~3n : v; return true;
      case Csr.MCOUNTEREN: this.mcounteren = v & 0xffffffffn; return true;
      case Csr.MENVCFG: {
        this.menvcfg = v & MENVCFG_MASK & (this.board.svadu ? M64 : ~(1n << 61n));
        return true;
      }
      case Csr.MCOUNTINHIBIT: this.mcountinhibit = v & 0xfffffffdn; return true;
      case Csr.MSCRATCH: this.mscratch = v; return true;
      case Csr.MEPC: this.mepc = v & ~1n; return true;
      case Csr.MCAUSE: this.mcause = v; return true;
      case Csr.MTVAL: this.mtval = v; return true;
      case Csr.MTINST: case Csr.MTVAL2: return true;
      case Csr.MCYCLE: case Csr.MINSTRET: return true; // the counters the clock follows are not rewound
      case Csr.SATP: {
        if (this.shadow) {
          const [lo, hi] = toPair(v);
          this.shadow.writeGuestAtp(this.hartId, h, lo, hi);
          return true;
        }
        const mode = v >> 60n;
        if (mode === 0n || mode === 8n || mode === 9n) this.satp = v; // bare, Sv39, Sv48
        return true;
      }
    }
    return false;
  }
}

/** Exceptions KVM delegates to a guest (see vcpu.ts); the guest's medeleg narrows them. */
export const KVM_HEDELEG = (1 << Cause.MISALIGNED_FETCH) | (1 << Cause.BREAKPOINT) | (1 << Cause.ECALL_U) |
  (1 << Cause.FETCH_PAGE_FAULT) | (1 << Cause.LOAD_PAGE_FAULT) | (1 << Cause.STORE_PAGE_FAULT);
