/**
 * Two-stage translation (H extension 9.5): the guest's own tables (vsatp, in guest memory)
 * give guest physical addresses and the hypervisor's G-stage (hgatp) host ones, both walked
 * by the hart. The hypervisor only fills the G-stage on guest page faults; the guest's page
 * faults, satp and SFENCE.VMA never leave it.
 */
import { Slot } from '../../hart/hart-state';
import type { Hart } from '../../hart/hart';
import type { GStage } from '../gstage';
import { emptyCounters, MemVirt, PageFaultOutcome } from './port';

/** The hardware-assisted technique. */
export class TwoStage implements MemVirt {
  readonly mode = 'two-stage' as const;
  readonly counters = emptyCounters();

  constructor(private readonly gstage: GStage, private readonly vmid: number) {}

  configure(_vcpu: number, hart: Hart): void {
    const [lo, hi] = this.gstage.hgatp(this.vmid);
    hart.set(Slot.HGATP, lo, hi);
  }

  onPageFault(_vcpu: number, _hart: Hart, cause: number): PageFaultOutcome {
    return { kind: 'inject', cause }; // delegated in hedeleg: only reaches here with an M-mode of the guest's own
  }

  emulate(): string | null {
    return null;
  }

  onGuestPagesReleased(): void {
    // The G-stage leaves were unmapped by the caller.
  }

  onRemoteFence(): void {
    // The hart's TLB is all there is to flush.
  }

  guestAtp(_vcpu: number, hart: Hart): [number, number] {
    return [hart.lo(Slot.VSATP), hart.hi(Slot.VSATP)];
  }

  save(): null {
    return null; // vsatp and hgatp are the harts', the G-stage tables are in host memory
  }

  restore(): void {
    // Nothing beyond the harts and host memory.
  }
}
