/**
 * The VM exits: what a trap from the guest into HS-mode means to the hypervisor, as a
 * discriminated union (Firecracker `VcpuExit`, kvmtool `KVM_EXIT_*`). `decodeExit` reads the
 * HS trap CSRs the hart left (scause, stval, htval, htinst, sepc) exactly as KVM's
 * `kvm_riscv_vcpu_exit` does and classifies the exit; the vCPU's one switch handles it.
 */
import { Cause, Hstatus } from '../hart/csr-numbers';
import { Slot } from '../hart/hart-state';
import type { Hart } from '../hart/hart';
import type { GuestRam } from './guest-ram';
import type { PageFaultOutcome } from './memvirt/port';

/** An MMIO access decoded from htinst (the transformed load/store). */
/** htinst of a guest page fault on a VS-stage PTE's A/D update (privileged spec, table 8.12: a 64-bit store). */
const IMPLICIT_PTE_WRITE = 0x3020;

export interface MmioAccess {
  gpa: number;
  write: boolean;
  size: 1 | 2 | 4 | 8;
  /** Sign-extend a loaded value. */
  signed: boolean;
  /** Destination register of a load / source register of a store. */
  reg: number;
  /** Length of the trapping instruction (2 or 4). */
  length: 2 | 4;
}

/** One VM exit. */
export type VmExit =
  /** ecall from VS-mode: an SBI call (a7 = eid, a6 = fid). */
  | { reason: 'sbi'; eid: number; fid: number }
  /** G-stage miss on guest RAM: map the page. */
  | { reason: 'guest-page-fault'; gpa: number; access: 'read' | 'write' | 'fetch' }
  /**
   * A page fault (scause 12, 13, 15) kept from the guest: under shadow paging, the hypervisor
   * fills its table from the guest's or delivers the fault (`outcome`, once handled).
   */
  | { reason: 'page-fault'; cause: number; outcome?: PageFaultOutcome }
  /** G-stage miss on a device (or on nothing): emulate the access. */
  | { reason: 'mmio'; access: MmioAccess | null; gpa: number }
  /** A virtual-instruction exception other than WFI. */
  | { reason: 'virtual-instruction'; insn: number }
  /** WFI in VS-mode (hstatus.VTW = 1); from VU-mode it is an illegal instruction for the guest. */
  | { reason: 'wfi' }
  /** An illegal instruction (not delegated, as under KVM): reflected to the guest. */
  | { reason: 'illegal-instruction'; insn: number }
  /**
   * A misaligned access the hart does not do (AMO, LR/SC) or an access fault: the guest's own
   * business, reflected to it as KVM does (`kvm_riscv_vcpu_trap_redirect`).
   */
  | { reason: 'fault-redirect'; cause: number }
  /** The slice ran out: the host's timer preempted the guest. */
  | { reason: 'interrupt' }
  /** Any other trap: the VM cannot continue. */
  | { reason: 'unhandled'; cause: number };

const WFI = 0x10500073;
const TWO32 = 4294967296;

/**
 * The exit is WFI of the guest kernel: a virtual-instruction exception from VS-mode
 * (hstatus.SPVP = 1) with the instruction in stval. WFI from VU-mode also raises one, but
 * for the guest it is an illegal instruction, as for any U-mode when S-mode exists
 * (privileged spec 3.3.3; QEMU and OpenSBI deliver it so).
 */
export function isGuestWfi(hart: Hart): boolean {
  return hart.lo(Slot.SCAUSE) === Cause.VIRTUAL_INSTRUCTION && hart.hi(Slot.SCAUSE) >= 0 &&
    hart.lo(Slot.STVAL) === WFI && (hart.lo(Slot.HSTATUS) & Hstatus.SPVP) !== 0;
}

/** Decodes the MMIO access from a transformed instruction (htinst). */
export function decodeMmio(htinst: number, gpa: number): MmioAccess | null {
  if (htinst === 0) return null;
  const length: 2 | 4 = (htinst & 2) !== 0 ? 4 : 2;
  const opcode = (htinst | 2) & 0x7f;
  const funct3 = (htinst >>> 12) & 7;
  if (opcode === 0x03) {
    if (funct3 === 7) return null;
    return { gpa, write: false, size: (1 << (funct3 & 3)) as 1 | 2 | 4 | 8, signed: funct3 < 4, reg: (htinst >>> 7) & 31, length };
  }
  if (opcode === 0x23 && funct3 < 4) {
    return { gpa, write: true, size: (1 << funct3) as 1 | 2 | 4 | 8, signed: false, reg: (htinst >>> 20) & 31, length };
  }
  return null; // AMOs and FP accesses to MMIO are not emulated
}

/** Classifies the trap the hart just took into HS-mode. */
export function decodeExit(hart: Hart, ram: GuestRam): VmExit {
  const cause = hart.lo(Slot.SCAUSE);
  const interrupt = hart.hi(Slot.SCAUSE) < 0;
  if (interrupt) return { reason: 'interrupt' };
  switch (cause) {
    case Cause.ECALL_VS:
      return { reason: 'sbi', eid: hart.x[17 * 2], fid: hart.x[16 * 2] };
    case Cause.FETCH_GUEST_PAGE_FAULT:
    case Cause.LOAD_GUEST_PAGE_FAULT:
    case Cause.STORE_GUEST_PAGE_FAULT: {
      const htval = (hart.hi(Slot.HTVAL) >>> 0) * TWO32 + (hart.lo(Slot.HTVAL) >>> 0);
      const gpa = htval * 4 + (hart.lo(Slot.STVAL) & 3);
      if (ram.contains(gpa)) {
        // htinst 0x3020: the hart was updating A/D in a VS-stage PTE there, an implicit store.
        const access = hart.lo(Slot.HTINST) === IMPLICIT_PTE_WRITE ? 'write'
          : cause === Cause.FETCH_GUEST_PAGE_FAULT ? 'fetch' : cause === Cause.LOAD_GUEST_PAGE_FAULT ? 'read' : 'write';
        return { reason: 'guest-page-fault', gpa, access };
      }
      const access = cause === Cause.FETCH_GUEST_PAGE_FAULT ? null : decodeMmio(hart.lo(Slot.HTINST), gpa);
      return { reason: 'mmio', access, gpa };
    }
    case Cause.VIRTUAL_INSTRUCTION: {
      const insn = hart.lo(Slot.STVAL);
      if (isGuestWfi(hart)) return { reason: 'wfi' };
      return insn === WFI ? { reason: 'illegal-instruction', insn } : { reason: 'virtual-instruction', insn };
    }
    case Cause.ILLEGAL_INSTRUCTION:
      return { reason: 'illegal-instruction', insn: hart.lo(Slot.STVAL) };
    case Cause.FETCH_PAGE_FAULT:
    case Cause.LOAD_PAGE_FAULT:
    case Cause.STORE_PAGE_FAULT:
      return { reason: 'page-fault', cause };
    case Cause.FETCH_ACCESS:
    case Cause.MISALIGNED_LOAD:
    case Cause.LOAD_ACCESS:
    case Cause.MISALIGNED_STORE:
    case Cause.STORE_ACCESS:
      return { reason: 'fault-redirect', cause };
  }
  return { reason: 'unhandled', cause };
}
