/**
 * Guest memory for the debugger: guest-physical reads and writes of RAM (MMIO is never
 * touched: reading a device register has side effects), and guest-virtual ones through the
 * stopped vCPU's VS-stage table (vsatp: Bare, Sv39 or Sv48; privileged spec 4.3.2 / 4.4),
 * walked here without side effects and reported level by level for `translate`.
 * GPA -> HPA is the VM's memory slot (what the G-stage maps once the guest touches a page).
 */
import type { Hart } from '../hart/hart';
import { Slot } from '../hart/hart-state';
import type { Vm } from '../hypervisor/vm';

/** One level of a page-table walk. */
export interface WalkStep {
  level: number;
  /** Guest physical address of the PTE. */
  pteAddress: bigint;
  pte: bigint;
  /** "V R W X U G A D" letters present, e.g. "VRWXAD". */
  flags: string;
}

/** A GVA -> GPA -> HPA translation. */
export interface Translation {
  gva: bigint;
  /** 'bare', 'sv39' or 'sv48'. */
  mode: string;
  steps: WalkStep[];
  gpa?: bigint;
  /** Host physical address backing the GPA, when RAM and populated. */
  hpa?: bigint;
  /** Why the walk failed. */
  fault?: string;
}

const FLAG_NAMES = 'VRWXUGAD';
const flagsOf = (pte: bigint): string => [...FLAG_NAMES].filter((_, i) => (pte >> BigInt(i)) & 1n).join('');

/** Debugger access to one VM's memory. */
export class GuestMemory {
  constructor(private readonly vm: Vm) {}

  /** Reads guest RAM at a guest physical address; null when any byte is not RAM. */
  readPhys(gpa: bigint, length: number): Uint8Array | null {
    const a = Number(gpa);
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER) || !this.vm.ram.contains(a, length)) return null;
    return this.vm.ram.read(a, length);
  }

  /** Writes guest RAM; false when any byte is not RAM. Harts see the new bytes at once. */
  writePhys(gpa: bigint, data: Uint8Array): boolean {
    const a = Number(gpa);
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER) || !this.vm.ram.contains(a, data.length)) return false;
    return this.vm.ram.write(a, data);
  }

  /** Walks vsatp for `gva` as the guest's S-mode would (no permission checks). */
  translate(h: Hart, gva: bigint): Translation {
    gva &= (1n << 64n) - 1n;
    const satp = (BigInt(h.hi(Slot.VSATP) >>> 0) << 32n) | BigInt(h.lo(Slot.VSATP) >>> 0);
    const modeBits = Number(satp >> 60n);
    const t: Translation = { gva, mode: 'bare', steps: [] };
    if (modeBits === 0) {
      t.gpa = gva;
    } else if (modeBits === 8 || modeBits === 9) {
      const levels = modeBits === 8 ? 3 : 4;
      t.mode = modeBits === 8 ? 'sv39' : 'sv48';
      const vaBits = 12 + 9 * levels;
      const top = BigInt.asIntN(64, gva) >> BigInt(vaBits - 1);
      if (top !== 0n && top !== -1n) return { ...t, fault: `address not canonical for ${t.mode}` };
      let table = (satp & ((1n << 44n) - 1n)) << 12n;
      for (let level = levels - 1; level >= 0; level--) {
        const vpn = (gva >> BigInt(12 + 9 * level)) & 0x1ffn;
        const pteAddress = table + vpn * 8n;
        const bytes = this.readPhys(pteAddress, 8);
        if (!bytes) return { ...t, fault: `PTE at 0x${pteAddress.toString(16)} is outside guest RAM` };
        const pte = new DataView(bytes.buffer).getBigUint64(0, true);
        t.steps.push({ level, pteAddress, pte, flags: flagsOf(pte) });
        if ((pte & 1n) === 0n) return { ...t, fault: `invalid PTE at level ${level}` };
        const ppn = (pte >> 10n) & ((1n << 44n) - 1n);
        if ((pte & 0xen) !== 0n) { // a leaf: R, W or X
          const pageBits = BigInt(12 + 9 * level);
          t.gpa = ((ppn << 12n) & ~((1n << pageBits) - 1n)) | (gva & ((1n << pageBits) - 1n));
          break;
        }
        if (level === 0) return { ...t, fault: 'no leaf PTE at level 0' };
        table = ppn << 12n;
      }
    } else {
      return { ...t, mode: `mode ${modeBits}`, fault: `unsupported vsatp mode ${modeBits}` };
    }
    const gpa = Number(t.gpa!);
    if (this.vm.ram.isPopulated(gpa)) t.hpa = BigInt(this.vm.ram.backingPage(gpa) + (gpa % 4096));
    return t;
  }

  /** Reads through the VS-stage of `h`, page by page; null when any page is unmapped or not RAM. */
  readVirt(h: Hart, gva: bigint, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = gva + BigInt(done);
      const n = Math.min(length - done, 4096 - Number(a & 0xfffn));
      const t = this.translate(h, a);
      const chunk = t.gpa === undefined ? null : this.readPhys(t.gpa, n);
      if (!chunk) return done > 0 ? out.subarray(0, done) : null;
      out.set(chunk, done);
      done += n;
    }
    return out;
  }

  /** Writes through the VS-stage of `h`; returns the bytes written (stops at the first bad page). */
  writeVirt(h: Hart, gva: bigint, data: Uint8Array): number {
    let done = 0;
    while (done < data.length) {
      const a = gva + BigInt(done);
      const n = Math.min(data.length - done, 4096 - Number(a & 0xfffn));
      const t = this.translate(h, a);
      if (t.gpa === undefined || !this.writePhys(t.gpa, data.subarray(done, done + n))) break;
      done += n;
    }
    return done;
  }
}
