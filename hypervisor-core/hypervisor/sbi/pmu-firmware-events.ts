/**
 * Firmware events for the SBI PMU (SBI v2.0 chapter 11, "Firmware events", event type 15):
 * what the SBI implementation itself does for a hart, counted per hart. The counts come from
 * watching the SBI host (the dispatcher hands extensions a `CountingHost`) and from the vCPU's
 * trap redirection (illegal instruction, access and misaligned faults reflected to the guest).
 */
import { RemoteFence, SbiHost } from './sbi-host';
import { arr, fillArray, num, type Saved } from '../../state/persist';

/** Firmware event codes (SBI_PMU_FW_*), and our implementation-specific ones from 256. */
export const enum FwEvent {
  MISALIGNED_LOAD = 0, MISALIGNED_STORE = 1, ACCESS_LOAD = 2, ACCESS_STORE = 3, ILLEGAL_INSN = 4,
  SET_TIMER = 5, IPI_SENT = 6, IPI_RECEIVED = 7, FENCE_I_SENT = 8, FENCE_I_RECEIVED = 9,
  SFENCE_VMA_SENT = 10, SFENCE_VMA_RECEIVED = 11, SFENCE_VMA_ASID_SENT = 12, SFENCE_VMA_ASID_RECEIVED = 13,
  HFENCE_GVMA_SENT = 14, HFENCE_GVMA_RECEIVED = 15, HFENCE_GVMA_VMID_SENT = 16, HFENCE_GVMA_VMID_RECEIVED = 17,
  HFENCE_VVMA_SENT = 18, HFENCE_VVMA_RECEIVED = 19, HFENCE_VVMA_ASID_SENT = 20, HFENCE_VVMA_ASID_RECEIVED = 21,
  /** Implementation-specific (256..65534): every SBI call the hart made. */
  SBI_CALLS = 256,
}

/** Whether `code` is a firmware event this implementation counts. */
export function fwEventSupported(code: number): boolean {
  return (code >= 0 && code <= FwEvent.HFENCE_VVMA_ASID_RECEIVED) || code === FwEvent.SBI_CALLS;
}

/** Per-hart totals of every firmware event (they always count; PMU counters read offsets into them). */
export class FirmwareEvents {
  private readonly totals = new Map<number, Float64Array>();

  /** Adds one occurrence of `code` on hart `hartId`. */
  count(hartId: number, code: FwEvent): void {
    this.of(hartId)[code === FwEvent.SBI_CALLS ? 22 : code]++;
  }

  /** The total of `code` on hart `hartId` so far. */
  total(hartId: number, code: number): number {
    return this.of(hartId)[code === FwEvent.SBI_CALLS ? 22 : code] ?? 0;
  }

  /** The totals of every hart, for a snapshot: [hartId, totals...] rows. */
  save(): Saved {
    return [...this.totals].map(([hart, t]) => [hart, ...Array.from(t)]);
  }

  /** Puts back `save`'s totals. */
  restore(state: Saved): void {
    this.totals.clear();
    for (const row of arr(state, 'firmware events')) {
      const r = arr(row, 'firmware events');
      fillArray(this.of(num(r[0], 'hart')), r.slice(1), 'firmware events');
    }
  }

  private of(hartId: number): Float64Array {
    let t = this.totals.get(hartId);
    if (!t) this.totals.set(hartId, (t = new Float64Array(23)));
    return t;
  }
}

/** The firmware events of a remote fence: [sent, received]. */
function fenceEvents(f: RemoteFence): [FwEvent, FwEvent] {
  switch (f.kind) {
    case 'fence.i': return [FwEvent.FENCE_I_SENT, FwEvent.FENCE_I_RECEIVED];
    case 'sfence.vma': return f.asid === undefined ? [FwEvent.SFENCE_VMA_SENT, FwEvent.SFENCE_VMA_RECEIVED]
      : [FwEvent.SFENCE_VMA_ASID_SENT, FwEvent.SFENCE_VMA_ASID_RECEIVED];
    case 'hfence.gvma': return f.vmid === undefined ? [FwEvent.HFENCE_GVMA_SENT, FwEvent.HFENCE_GVMA_RECEIVED]
      : [FwEvent.HFENCE_GVMA_VMID_SENT, FwEvent.HFENCE_GVMA_VMID_RECEIVED];
    default: return f.asid === undefined ? [FwEvent.HFENCE_VVMA_SENT, FwEvent.HFENCE_VVMA_RECEIVED]
      : [FwEvent.HFENCE_VVMA_ASID_SENT, FwEvent.HFENCE_VVMA_ASID_RECEIVED];
  }
}

/**
 * The SBI host as the extensions see it during one call of hart `caller`: every service goes
 * to the real host, and the timer, IPIs and remote fences are counted as they happen (a
 * broadcast IPI is one IPI_SENT per target, as OpenSBI counts).
 */
export function countingHost(host: SbiHost, events: FirmwareEvents, caller: () => number): SbiHost {
  return new Proxy(host, {
    get(target, prop, receiver) {
      switch (prop) {
        case 'setTimer': return (hartId: number, deadline: bigint) => {
          events.count(caller(), FwEvent.SET_TIMER);
          target.setTimer(hartId, deadline);
        };
        case 'sendIpi': return (hartId: number) => {
          events.count(caller(), FwEvent.IPI_SENT);
          events.count(hartId, FwEvent.IPI_RECEIVED);
          target.sendIpi(hartId);
        };
        case 'remoteFence': return (hartId: number, fence: RemoteFence) => {
          const [sent, received] = fenceEvents(fence);
          events.count(caller(), sent);
          events.count(hartId, received);
          target.remoteFence(hartId, fence);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
