/**
 * The Ssaia CSRs of a hart with the H extension (RISC-V AIA 1.0, chapters 2, 3.9 and 6):
 * siselect/sireg/stopei/stopi, vsiselect/vsireg/vstopei/vstopi, hvien, hvictl, hviprio1/2.
 *
 * Choices the spec leaves open, taken as the minimal implementation it allows:
 * - the supervisor-level iprio array (siselect 0x30..0x3F, even numbers) is read-only zero, so
 *   stopi's IPRIO is always 1 when stopi is not zero;
 * - hvien and hviprio1/2 are read-only zero (VS-level SSI and STI keep the default order);
 * - siselect and vsiselect keep 9 bits (0..0x1FF, the minimum range the spec asks for).
 * Access rules for sireg/vsireg/stopei/vstopei follow AIA 2.3 (inaccessible registers: illegal
 * instruction from M/HS, virtual instruction from VS); when hvictl.VTI = 1, VS-mode accesses to
 * sip and sie and writes to stimecmp raise a virtual instruction exception (AIA 6.3.3).
 */
import { Cause, Csr, Irq } from '../csr-numbers';
import type { Hart } from '../hart';
import type { HartAia } from './hart-aia';
import { HVICTL_MASK } from './hart-aia';
import { eipEieExists } from './interrupt-file';

/** What a failed access raises (0: none). */
type Fault = 0 | Cause.ILLEGAL_INSTRUCTION | Cause.VIRTUAL_INSTRUCTION;

const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);
const H_IRQS = VS_IRQS | (1 << Irq.SGEI);
const S_IRQS = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);
/** Default priority order for supervisor level (AIA table 5.x "majorIntrs"), highest first. */
const S_ORDER = [Irq.SEI, Irq.SSI, Irq.STI, Irq.SGEI, Irq.VSEI, Irq.VSSI, Irq.VSTI];
const HVICTL_VTI = 1 << 30;

/** Whether `n` is one of the CSRs this file implements. */
export function isAiaCsr(n: number): boolean {
  switch (n) {
    case Csr.SISELECT: case Csr.SIREG: case Csr.STOPEI: case Csr.STOPI:
    case Csr.VSISELECT: case Csr.VSIREG: case Csr.VSTOPEI: case Csr.VSTOPI:
    case Csr.HVIEN: case Csr.HVICTL: case Csr.HVIPRIO1: case Csr.HVIPRIO2:
      return true;
  }
  return false;
}

/** Registers of an interrupt file that RV64 code may select: 0x70..0xFF without odd eip/eie. */
function fileRegister(sel: number): boolean {
  return sel >= 0x70 && sel <= 0xff && eipEieExists(sel);
}

/**
 * The AIA rules for an access to CSR `n` (the number the instruction names, before the V=1
 * redirection), once the generic privilege check has passed. Returns the exception or 0.
 */
export function aiaAccessFault(h: Hart, n: number, write: boolean): Fault {
  const aia = h.aia;
  if (aia === null) return isAiaCsr(n) ? Cause.ILLEGAL_INSTRUCTION : 0;
  const virt = h.virt;
  switch (n) {
    case Csr.SIREG:
      if (virt) return fileRegister(aia.vsiselect) && aia.selectedGuestFile() !== null ? 0 : Cause.VIRTUAL_INSTRUCTION;
      if (aia.siselect >= 0x30 && aia.siselect <= 0x3f) return (aia.siselect & 1) === 0 ? 0 : Cause.ILLEGAL_INSTRUCTION;
      return fileRegister(aia.siselect) ? 0 : Cause.ILLEGAL_INSTRUCTION;
    case Csr.VSIREG: // from M or HS only (the generic check sent VS/VU a virtual instruction)
      return fileRegister(aia.vsiselect) && aia.selectedGuestFile() !== null ? 0 : Cause.ILLEGAL_INSTRUCTION;
    case Csr.STOPEI:
      return virt && aia.selectedGuestFile() === null ? Cause.VIRTUAL_INSTRUCTION : 0;
    case Csr.VSTOPEI:
      return aia.selectedGuestFile() === null ? Cause.ILLEGAL_INSTRUCTION : 0;
    case Csr.SIP: case Csr.SIE:
      return virt && (aia.hvictl & HVICTL_VTI) !== 0 ? Cause.VIRTUAL_INSTRUCTION : 0;
    case Csr.STIMECMP:
      return virt && write && (aia.hvictl & HVICTL_VTI) !== 0 ? Cause.VIRTUAL_INSTRUCTION : 0;
  }
  return 0;
}

/** Reads AIA CSR `n` (already checked and redirected) as [lo, hi]. */
export function readAiaCsr(h: Hart, aia: HartAia, n: number): [number, number] {
  switch (n) {
    case Csr.SISELECT: return [aia.siselect, 0];
    case Csr.VSISELECT: return [aia.vsiselect, 0];
    case Csr.SIREG: return aia.siselect < 0x70 ? [0, 0] : aia.sFile.read(aia.siselect);
    case Csr.VSIREG: return aia.selectedGuestFile()!.read(aia.vsiselect);
    case Csr.STOPEI: return [aia.sFile.topei(), 0];
    case Csr.VSTOPEI: return [aia.selectedGuestFile()!.topei(), 0];
    case Csr.STOPI: return [stopi(h), 0];
    case Csr.VSTOPI: return [vstopi(h, aia), 0];
    case Csr.HVICTL: return [aia.hvictl, 0];
  }
  return [0, 0]; // hvien, hviprio1, hviprio2: read-only zero
}

/** Writes AIA CSR `n` (already checked and redirected). */
export function writeAiaCsr(aia: HartAia, n: number, lo: number, hi: number): void {
  switch (n) {
    case Csr.SISELECT: aia.siselect = lo & 0x1ff; return;
    case Csr.VSISELECT: aia.vsiselect = lo & 0x1ff; return;
    case Csr.SIREG: if (aia.siselect >= 0x70) aia.sFile.write(aia.siselect, lo, hi); return; // iprio: read-only zero
    case Csr.VSIREG: aia.selectedGuestFile()!.write(aia.vsiselect, lo, hi); return;
    case Csr.STOPEI: aia.sFile.claim(); return;
    case Csr.VSTOPEI: aia.selectedGuestFile()!.claim(); return;
    case Csr.HVICTL: aia.hvictl = lo & HVICTL_MASK; return;
  }
}

/**
 * stopi (AIA 5.3.3 / the S-level section): the highest-priority interrupt pending and enabled
 * for supervisor level (sip/sie, and hip/hie) and not delegated on by hideleg; IID in 27:16,
 * IPRIO 1 (the iprio array is read-only zero).
 */
export function stopi(h: Hart): number {
  const p = h.pendingInterrupts() & h.mie & ((S_IRQS & h.mideleg) | H_IRQS) & ~h.hideleg;
  if (p === 0) return 0;
  for (const irq of S_ORDER) if (p & (1 << irq)) return (irq << 16) | 1;
  return 0;
}

/** A vstopi candidate: IID, priority number, and its default rank against SEI (0 above, 1 SEI, 2 below). */
interface Candidate { iid: number; prio: number; rank: number }

/**
 * vstopi (AIA 6.3.4): the best of the VS-level external interrupt (priority from vstopei, from
 * hvictl when VGEIN = 0, else 256), the other pending-and-enabled VS interrupts (SSI, STI: priority
 * number 0, default order below SEI) when hvictl.VTI = 0, and hvictl's own interrupt when VTI = 1
 * and IID != 9. IPRIO as hvictl.IPRIOM says.
 */
export function vstopi(h: Hart, aia: HartAia): number {
  const pend = h.pendingInterrupts() & h.mie & h.hideleg & VS_IRQS;
  const ctl = aia.hvictl;
  const vti = (ctl & HVICTL_VTI) !== 0, iid = (ctl >>> 16) & 0xfff, iprio = ctl & 0xff;
  let sei: Candidate | null = null;
  if (pend & (1 << Irq.VSEI)) {
    const file = aia.selectedGuestFile();
    const top = file ? file.topei() & 0x7ff : 0;
    const prio = top !== 0 ? top : aia.vgein === 0 && iid === Irq.SEI && iprio !== 0 ? iprio : 256;
    sei = { iid: Irq.SEI, prio, rank: 1 };
  }
  let other: Candidate | null = null;
  if (!vti) {
    // VS-level codes are the S-level ones (VSSI -> 1, VSTI -> 5); hviprio is zero.
    if (pend & (1 << Irq.VSSI)) other = { iid: Irq.SSI, prio: 0, rank: 2 };
    else if (pend & (1 << Irq.VSTI)) other = { iid: Irq.STI, prio: 0, rank: 2 };
  } else if (iid !== Irq.SEI) {
    other = { iid, prio: iprio, rank: (ctl & (1 << 9)) !== 0 ? 2 : 0 };
  }
  const best = sei === null ? other : other === null ? sei : before(other, sei) ? other : sei;
  if (best === null) return 0;
  return (best.iid << 16) | reportedPriority(best, (ctl & (1 << 8)) !== 0);
}

/** Priority number 0 sorts first when its default is above SEI, last when below (AIA table "intrPrios-S"). */
function key(c: Candidate): number {
  return c.prio !== 0 ? c.prio : c.rank === 0 ? -1 : Infinity;
}

function before(a: Candidate, b: Candidate): boolean {
  const ka = key(a), kb = key(b);
  return ka !== kb ? ka < kb : a.rank < b.rank;
}

/** vstopi.IPRIO: 1 unless IPRIOM; else the number when 1..255, else 0 or 255 as for stopi. */
function reportedPriority(c: Candidate, ipriom: boolean): number {
  if (!ipriom) return 1;
  if (c.prio >= 1 && c.prio <= 255) return c.prio;
  if (c.prio > 255) return 255;
  return c.rank === 0 ? 0 : 255;
}
