/**
 * Memory virtualisation as a port: how guest addresses become host addresses is one object
 * behind this interface, chosen per VM (`--mmu`). `two-stage.ts` lets the hart's H-extension
 * hardware do it (vsatp in guest memory, then the hypervisor's G-stage); `shadow.ts` keeps
 * the hypervisor's own GVA -> HPA tables, built from the guest's on its page faults, as
 * hypervisors did before hardware two-stage translation (and as KVM still can).
 *
 * The vCPU's exit switch calls in here for the exits that belong to memory virtualisation:
 * page faults the hypervisor keeps for itself, trapped satp accesses and SFENCE.VMA; the SBI
 * RFENCE extension for remote fences; the balloon when it takes pages. G-stage misses are
 * the VM's under both (`Vm.mapGuestPage`, with dirty logging): shadow paging uses the
 * G-stage too while the guest's satp is Bare.
 */
import type { Hart } from '../../hart/hart';
import type { RemoteFence } from '../sbi/sbi-host';
import type { Saved } from '../../state/persist';

/** The memory virtualisation techniques. */
export const MMU_MODES = ['two-stage', 'shadow'] as const;
/** One technique's name, as `--mmu` and the statistics spell it. */
export type MmuMode = (typeof MMU_MODES)[number];

/** What the hypervisor made of a page fault it took from the guest. */
export type PageFaultOutcome =
  /** A shadow entry was made (the access retries and succeeds). */
  | { kind: 'fill' }
  /** A store to a clean page: the guest PTE's D bit set, the shadow entry made writable. */
  | { kind: 'dirty' }
  /** The guest's own page fault (or access fault): deliver `cause` to it. */
  | { kind: 'inject'; cause: number }
  /** The guest maps a device: emulate the access (`htinst`: the transformed instruction, 0 if unknown). */
  | { kind: 'mmio'; gpa: number; htinst: number };

/** Counters a technique keeps (all zero under two-stage but the walk references). */
export interface MemVirtCounters {
  /** Page faults answered with a new shadow entry, by access ('read', 'write', 'fetch'). */
  fills: Record<'read' | 'write' | 'fetch', number>;
  /** Stores to clean pages: D set in the guest PTE and the shadow entry made writable. */
  dirty: number;
  /** Page and access faults delivered to the guest. */
  injected: number;
  /** Shadow resynchronisations: fences of one page, of one ASID, of everything, and remote ones. */
  resyncs: Record<'page' | 'asid' | 'all' | 'remote', number>;
  /** PTE reads the hypervisor made walking the guest's tables in software. */
  softwarePteReads: number;
  /** Shadow table pages in use now. */
  tablePages: number;
  /** Times the shadow tables outgrew their pool and were all dropped. */
  poolResets: number;
}

/** One memory virtualisation technique. */
export interface MemVirt {
  readonly mode: MmuMode;
  readonly counters: MemVirtCounters;
  /** Sets a vCPU's hart up at reset: hgatp, vsatp, the page faults kept, hstatus.VTVM. */
  configure(vcpu: number, hart: Hart): void;
  /** A page fault (scause 12, 13, 15) the hart gave the hypervisor; stval holds the address. */
  onPageFault(vcpu: number, hart: Hart, cause: number): PageFaultOutcome;
  /**
   * A virtual-instruction exit: emulates a satp access or SFENCE.VMA (hstatus.VTVM) and
   * returns its name for the statistics ("csrrw satp", "sfence.vma"), or null when the
   * instruction is not one this technique traps (sepc is advanced only when emulated).
   */
  emulate(vcpu: number, hart: Hart, insn: number): string | null;
  /** Guest RAM pages lost their host pages (a balloon): forget every translation to host pages. */
  onGuestPagesReleased(): void;
  /** An SBI remote SFENCE.VMA arriving at `vcpu` (its hart's TLB is flushed by the caller). */
  onRemoteFence(vcpu: number, hart: Hart, fence: RemoteFence): void;
  /** The satp value the guest sees (vsatp under two-stage; the trapped value under shadow). */
  guestAtp(vcpu: number, hart: Hart): [number, number];
  /**
   * The technique's state for a snapshot, taken between slices, before the VM's allocator and
   * harts are saved; null when the harts and the G-stage hold it all (two-stage). Shadow
   * tables are a cache of the guest's tables: saving empties them (the VM runs on and refills
   * them, as a restored one does), so a snapshot carries no table but each current root.
   */
  save(): Saved | null;
  /**
   * Puts back `save`'s state after the VM's allocator and vCPUs were restored (the tables in
   * host memory before the restore belonged to the state it replaced); `harts` are the
   * vCPUs' (a VM built to be restored has configured none). Throws StateError.
   */
  restore(state: Saved | null, harts: readonly Hart[]): void;
}

/** Counters with everything zero. */
export function emptyCounters(): MemVirtCounters {
  return {
    fills: { read: 0, write: 0, fetch: 0 }, dirty: 0, injected: 0,
    resyncs: { page: 0, asid: 0, all: 0, remote: 0 }, softwarePteReads: 0, tablePages: 0, poolResets: 0,
  };
}
