/**
 * Guest memory for the debugger: guest-physical reads and writes of RAM (MMIO is never
 * touched: reading a device register has side effects; reads never populate a page: an
 * untouched page reads as zeros), guest-virtual ones through the stopped vCPU's VS-stage
 * table, and the full two-stage translation for `translate`: the VS-stage walk (vsatp; each
 * PTE address a GPA, itself translated by the G stage) then the G-stage walk of the final
 * GPA (hgatp; tables in host memory) to the HPA (privileged spec 4.3.2, H extension 9.5).
 */
import type { Hart } from '../hart/hart';
import { Slot } from '../hart/hart-state';
import { toBigU64 } from '../hart/int64';
import type { Vm } from '../hypervisor/vm';
import { PAGE_SIZE } from '../memory/address';
import {
  AddressWalk, MAX_DUMP_LEAVES, PageTableDump, PageTableEntry, PageTableStage, PteReader, WalkStep, dumpTables, formatOf, listTable, walkAddress,
} from './page-tables';

export type { WalkStep } from './page-tables';

/** One VS-stage level with the G-stage walk of its PTE's GPA. */
export interface TwoStageStep extends WalkStep {
  /** The G-stage walk of `pteAddress` (a GPA). */
  gstage: AddressWalk;
}

/** A GVA -> GPA -> HPA translation. */
export interface Translation {
  gva: bigint;
  /** The VS-stage mode: 'bare', 'sv39' or 'sv48'. */
  mode: string;
  /** GPA of the VS-stage root table. */
  root: bigint;
  steps: TwoStageStep[];
  gpa?: bigint;
  /** The G-stage walk of the final GPA. */
  gstage?: AddressWalk;
  /** Host physical address of the GPA: from the G stage, else from the RAM slot when populated. */
  hpa?: bigint;
  /** True when `hpa` comes from the RAM slot because the G stage has no mapping yet. */
  hpaFromSlot?: boolean;
  /** Why the walk failed. */
  fault?: string;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const csr = (h: Hart, s: Slot): bigint => (BigInt(h.hi(s) >>> 0) << 32n) | BigInt(h.lo(s) >>> 0);

/** Debugger access to one VM's memory. */
export class GuestMemory {
  /** Reads PTEs of guest RAM (VS-stage tables). */
  readonly guestPte: PteReader = (gpa) => {
    const b = this.readPhys(gpa, 8);
    return b ? new DataView(b.buffer, b.byteOffset).getBigUint64(0, true) : undefined;
  };
  /** Reads PTEs of host memory (G-stage tables). */
  readonly hostPte: PteReader = (hpa) => {
    const host = this.vm.host;
    if (hpa > MAX_SAFE || !host.contains(Number(hpa), 8)) return undefined;
    return host.view.getBigUint64(Number(hpa) - host.base, true);
  };

  constructor(private readonly vm: Vm) {}

  /** Reads guest RAM at a guest physical address (zeros for untouched pages); null when any byte is not RAM. */
  readPhys(gpa: bigint, length: number): Uint8Array | null {
    const a = Number(gpa);
    const ram = this.vm.ram;
    if (gpa > MAX_SAFE || !ram.contains(a, length)) return null;
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const p = a + done;
      const n = Math.min(length - done, PAGE_SIZE - (p % PAGE_SIZE));
      if (ram.isPopulated(p)) out.set(ram.read(p, n)!, done);
      done += n;
    }
    return out;
  }

  /** Writes guest RAM; false when any byte is not RAM. Harts see the new bytes at once. */
  writePhys(gpa: bigint, data: Uint8Array): boolean {
    const a = Number(gpa);
    if (gpa > MAX_SAFE || !this.vm.ram.contains(a, data.length)) return false;
    return this.vm.ram.write(a, data);
  }

  /**
   * The guest's satp ('vs') or the VM's G-stage hgatp ('g'). Under shadow paging the hart's
   * vsatp points at the hypervisor's shadow table and hgatp is Bare while the guest pages:
   * the guest's own tables are what a debugger shows.
   */
  private atp(h: Hart, stage: PageTableStage): bigint {
    const mv = this.vm.memVirt;
    if (mv.mode === 'two-stage') return csr(h, stage === 'vs' ? Slot.VSATP : Slot.HGATP);
    if (stage === 'g') {
      const [lo, hi] = this.vm.gstage.hgatp(this.vm.vmid);
      return toBigU64(lo, hi);
    }
    const [lo, hi] = mv.guestAtp(Math.max(0, this.vm.vcpus.findIndex((v) => v.hart === h)), h);
    return toBigU64(lo, hi);
  }

  /** The VS-stage walk of `gva` (vsatp) as the guest's S-mode would do it, without permission checks. */
  walkVs(h: Hart, gva: bigint): AddressWalk {
    const { format, root } = formatOf('vs', this.atp(h, 'vs'));
    return walkAddress(format, root, this.guestPte, gva);
  }

  /** The G-stage walk of `gpa` (hgatp). */
  walkG(h: Hart, gpa: bigint): AddressWalk {
    const { format, root } = formatOf('g', this.atp(h, 'g'));
    return walkAddress(format, root, this.hostPte, gpa);
  }

  /** The full two-stage translation of `gva` on vCPU hart `h`. */
  translate(h: Hart, gva: bigint): Translation {
    gva &= (1n << 64n) - 1n;
    let vs: AddressWalk;
    try {
      vs = this.walkVs(h, gva);
    } catch (e) {
      return { gva, mode: 'unknown', root: 0n, steps: [], fault: (e as Error).message };
    }
    const t: Translation = {
      gva, mode: vs.mode, root: vs.root, fault: vs.fault,
      steps: vs.steps.map((s) => ({ ...s, gstage: this.safeWalkG(h, s.pteAddress) })),
    };
    if (vs.output === undefined) return t;
    t.gpa = vs.output;
    t.gstage = this.safeWalkG(h, t.gpa);
    if (t.gstage.output !== undefined) {
      t.hpa = t.gstage.output;
    } else {
      const g = Number(t.gpa);
      if (this.vm.ram.isPopulated(g)) {
        t.hpa = BigInt(this.vm.ram.backingPage(g) + (g % PAGE_SIZE));
        t.hpaFromSlot = true;
      }
    }
    return t;
  }

  private safeWalkG(h: Hart, gpa: bigint): AddressWalk {
    try {
      return this.walkG(h, gpa);
    } catch (e) {
      return { mode: 'unknown', root: 0n, steps: [], fault: (e as Error).message };
    }
  }

  /** The valid entries of a vCPU's VS-stage (vsatp) or G-stage (hgatp) tables; throws RangeError on an unknown mode. */
  pageTable(h: Hart, stage: PageTableStage, maxLeaves = MAX_DUMP_LEAVES): PageTableDump {
    const { format, root } = formatOf(stage, this.atp(h, stage));
    return dumpTables(stage, format, root, stage === 'vs' ? this.guestPte : this.hostPte, maxLeaves);
  }

  /**
   * One table of a vCPU's VS- or G-stage tree: the root when `table` is absent, else the table
   * at `table` (a GPA for 'vs', an HPA for 'g') of `level`, mapping from `base`.
   */
  pageTableLevel(h: Hart, stage: PageTableStage, table?: { address: bigint; level: number; base: bigint }):
    { mode: string; root: bigint; levels: number; entries: PageTableEntry[] } {
    const { format, root } = formatOf(stage, this.atp(h, stage));
    const t = table ?? { address: root, level: format.levels - 1, base: 0n };
    return { mode: format.mode, root, levels: format.levels, entries: listTable(format, t.address, t.level, t.base, stage === 'vs' ? this.guestPte : this.hostPte) };
  }

  /** The GPA of a GVA through the VS stage, or undefined. */
  private gpaOf(h: Hart, gva: bigint): bigint | undefined {
    try {
      return this.walkVs(h, gva).output;
    } catch {
      return undefined;
    }
  }

  /** Reads through the VS-stage of `h`, page by page; null when any page is unmapped or not RAM. */
  readVirt(h: Hart, gva: bigint, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = gva + BigInt(done);
      const n = Math.min(length - done, 4096 - Number(a & 0xfffn));
      const gpa = this.gpaOf(h, a);
      const chunk = gpa === undefined ? null : this.readPhys(gpa, n);
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
      const gpa = this.gpaOf(h, a);
      if (gpa === undefined || !this.writePhys(gpa, data.subarray(done, done + n))) break;
      done += n;
    }
    return done;
  }
}
