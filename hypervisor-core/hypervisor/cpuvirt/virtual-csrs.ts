/**
 * The virtual supervisor CSR file of a guest kernel run by classic trap-and-emulate
 * (`--cpu-virt trap-emulate`): the guest runs in the hart's U-mode, so every access it makes
 * to an S CSR traps as an illegal instruction and is answered from here, with each register's
 * WARL rules as the privileged spec gives them for S-mode (chapter 10, "Supervisor CSRs").
 *
 * Where the state lives: the hart's VS CSR slots (unused while V = 0) hold the guest's
 * sstatus, stvec, sscratch, sepc, scause, stval and stimecmp; the guest's sie is the VS bits
 * of the hart's mie and its sip the VS bits of the hart's pending interrupts (hvip from the
 * PLIC and SBI IPIs, VSTIP from vstimecmp), as under the H extension, so interrupt injection,
 * WFI wake-up and timer deadlines work unchanged. sstatus.FS is the hart's own mstatus.FS,
 * which is what enables the FPU in U-mode and what the hart sets Dirty. satp is the shadow
 * MMU's (memvirt/shadow.ts); scounteren and senvcfg are fields here.
 */
import { Csr, Irq, Mstatus } from '../../hart/csr-numbers';
import { Slot } from '../../hart/hart-state';
import type { Hart } from '../../hart/hart';
import { sdBit } from '../../hart/fpu/fp-status';

/** The VS-level interrupt bits of mie/mip (the guest's S-level ones shifted left by one). */
export const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);
/** sstatus bits the guest writes that are kept in the VS status slot. */
const STATUS_FIELDS = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.SUM | Mstatus.MXR;
/** sstatus high word: UXL = 2 (64-bit U-mode). */
const UXL64 = 2;
const M32 = 0xffffffffn;

/** CSR names for the statistics ("csrrs sstatus"). */
export const CSR_NAMES: Readonly<Record<number, string>> = {
  [Csr.SSTATUS]: 'sstatus', [Csr.SIE]: 'sie', [Csr.STVEC]: 'stvec', [Csr.SCOUNTEREN]: 'scounteren',
  [Csr.SENVCFG]: 'senvcfg', [Csr.SSCRATCH]: 'sscratch', [Csr.SEPC]: 'sepc', [Csr.SCAUSE]: 'scause',
  [Csr.STVAL]: 'stval', [Csr.SIP]: 'sip', [Csr.STIMECMP]: 'stimecmp', [Csr.SATP]: 'satp',
};

/** (lo, hi) as an unsigned 64-bit bigint. */
function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The guest kernel's S CSRs (satp aside). */
export class VirtualCsrs {
  /** scounteren as the guest wrote it: what its U-mode may read of cycle, time, instret, hpmcounterN. */
  scounteren = 0;
  /** senvcfg.FIOM (the only field without the extensions that give it more). */
  senvcfg = 0;

  constructor(private readonly hart: Hart) {}

  /** Reset as the SBI firmware enters a kernel: sstatus, sie, sip and the trap registers 0; scounteren 7, as OpenSBI leaves it. */
  reset(): void {
    const h = this.hart;
    for (const s of [Slot.VSSTATUS, Slot.VSTVEC, Slot.VSSCRATCH, Slot.VSEPC, Slot.VSCAUSE, Slot.VSTVAL]) h.set(s, 0, 0);
    h.set(Slot.VSTIMECMP, -1, -1);
    h.mie &= ~VS_IRQS;
    h.hvip = 0;
    h.c[Slot.MSTATUS * 2] &= ~Mstatus.FS_MASK;
    this.scounteren = 7;
    this.senvcfg = 0;
  }

  /** The guest's sstatus (low word), FS included. */
  statusLo(): number {
    return (this.hart.lo(Slot.VSSTATUS) & STATUS_FIELDS) | (this.hart.lo(Slot.MSTATUS) & Mstatus.FS_MASK);
  }

  /** Reads an S CSR; undefined when the guest kernel has no such register (an illegal instruction for it). */
  read(csr: number): bigint | undefined {
    const h = this.hart;
    const slot = (s: Slot) => u64(h.lo(s), h.hi(s));
    switch (csr) {
      case Csr.SSTATUS: {
        const lo = this.statusLo();
        return u64(lo, UXL64 | sdBit(lo));
      }
      case Csr.SIE: return BigInt((h.mie & VS_IRQS) >>> 1);
      case Csr.SIP: return BigInt((h.pendingInterrupts() & VS_IRQS) >>> 1);
      case Csr.STVEC: return slot(Slot.VSTVEC);
      case Csr.SSCRATCH: return slot(Slot.VSSCRATCH);
      case Csr.SEPC: return slot(Slot.VSEPC);
      case Csr.SCAUSE: return slot(Slot.VSCAUSE);
      case Csr.STVAL: return slot(Slot.VSTVAL);
      case Csr.STIMECMP: return slot(Slot.VSTIMECMP);
      case Csr.SCOUNTEREN: return BigInt(this.scounteren >>> 0);
      case Csr.SENVCFG: return BigInt(this.senvcfg);
    }
    return undefined;
  }

  /** Writes an S CSR with its WARL rules; false when the guest kernel has no such writable register. */
  write(csr: number, v: bigint): boolean {
    const h = this.hart;
    const lo = Number(BigInt.asIntN(32, v & M32)), hi = Number(BigInt.asIntN(32, v >> 32n));
    switch (csr) {
      case Csr.SSTATUS:
        h.c[Slot.VSSTATUS * 2] = (h.lo(Slot.VSSTATUS) & ~STATUS_FIELDS) | (lo & STATUS_FIELDS);
        h.c[Slot.MSTATUS * 2] = (h.lo(Slot.MSTATUS) & ~Mstatus.FS_MASK) | (lo & Mstatus.FS_MASK);
        return true;
      case Csr.SIE: h.mie = (h.mie & ~VS_IRQS) | ((lo << 1) & VS_IRQS); return true;
      // Only SSIP is writable; STIP follows stimecmp (Sstc) and SEIP the interrupt controller.
      case Csr.SIP: h.hvip = (h.hvip & ~(1 << Irq.VSSI)) | ((lo << 1) & (1 << Irq.VSSI)); return true;
      case Csr.STVEC: h.set(Slot.VSTVEC, lo & ~2, hi); return true; // MODE 2 and 3 are reserved
      case Csr.SSCRATCH: h.set(Slot.VSSCRATCH, lo, hi); return true;
      case Csr.SEPC: h.set(Slot.VSEPC, lo & ~1, hi); return true; // IALIGN = 16
      case Csr.SCAUSE: h.set(Slot.VSCAUSE, lo, hi); return true;
      case Csr.STVAL: h.set(Slot.VSTVAL, lo, hi); return true;
      case Csr.STIMECMP: h.set(Slot.VSTIMECMP, lo, hi); return true;
      case Csr.SCOUNTEREN: this.scounteren = lo; return true;
      case Csr.SENVCFG: this.senvcfg = lo & 1; return true;
    }
    return false;
  }
}
