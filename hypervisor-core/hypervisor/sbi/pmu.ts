/**
 * Performance Monitoring Unit extension (EID 0x504D55 "PMU"), SBI v2.0 chapter 11: the guest's
 * perf (Linux drivers/perf/riscv_pmu_sbi.c) configures the calling vCPU's hart counters and
 * reads firmware counters.
 *
 *   fid 0 sbi_pmu_num_counters()                                         -> HW_COUNTERS + FW_COUNTERS
 *   fid 1 sbi_pmu_counter_get_info(counter_idx)                          -> csr | width << 12, or type bit 63 (firmware)
 *   fid 2 sbi_pmu_counter_config_matching(base, mask, flags, event_idx, event_data) -> counter_idx
 *   fid 3 sbi_pmu_counter_start(base, mask, flags, initial_value)
 *   fid 4 sbi_pmu_counter_stop(base, mask, flags)
 *   fid 5 sbi_pmu_counter_fw_read(counter_idx)                           -> value
 *   fid 6 sbi_pmu_counter_fw_read_hi(counter_idx)                        -> 0 (RV64)
 *   fid 7 sbi_pmu_snapshot_set_shmem                                     -> NOT_SUPPORTED (optional)
 *
 * Counters 0..10 are the hart's: 0 cycle, 1 time (listed, as OpenSBI and KVM list it, never
 * matched), 2 instret, 3..10 hpmcounter3..10. The guest reads them itself with rdcycle,
 * rdinstret and csrr hpmcounterN (mcounteren and hcounteren give it all eleven). Hardware
 * events: cycles, instructions (general events 1, 2), data TLB load/store misses and
 * instruction TLB misses (cache events DTLB/ITLB read/write miss), page-table walks (raw event
 * data 0x20001). Counters 11..26 are firmware counters of the SBI_PMU_FW_* events (set_timer,
 * IPIs and remote fences sent and received, illegal-instruction, access and misaligned traps
 * reflected to the guest) and event 256, the SBI calls the hart made. There is no Sscofpmf
 * (no overflow interrupt): perf stat works, perf record does not.
 *
 * The rules follow OpenSBI's lib/sbi/sbi_pmu.c where the spec leaves room: a counter is free
 * until configured and stays configured until stopped with the RESET flag; start and stop skip
 * counters that are not configured. KVM's arch/riscv/kvm/vcpu_pmu.c is the hypervisor model.
 */
import { Counters, HPM_LAST, HpmEvent } from '../../hart/counters';
import { Eid } from './eids';
import { SbiExtension, arg, fail, notSupported, ok } from './extension';
import { FirmwareEvents, FwEvent, fwEventSupported } from './pmu-firmware-events';
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';
import { arr, bigText, fillArray, num, obj, textBig, type Saved } from '../../state/persist';

/** Hardware counters: cycle, time, instret, hpmcounter3..HPM_LAST. */
export const HW_COUNTERS = HPM_LAST + 1;
/** Firmware counters (OpenSBI has 16 too). */
export const FW_COUNTERS = 16;
const TOTAL = HW_COUNTERS + FW_COUNTERS;

const NAMES = ['num_counters', 'counter_get_info', 'counter_config_matching', 'counter_start', 'counter_stop',
  'counter_fw_read', 'counter_fw_read_hi', 'snapshot_set_shmem', 'event_get_info'];

/** config_matching flags. */
const CFG_SKIP_MATCH = 1n, CFG_CLEAR_VALUE = 2n, CFG_AUTO_START = 4n, CFG_RESERVED = ~0xffn;
/** start flags: SET_INIT_VALUE, INIT_SNAPSHOT; stop flags: RESET, TAKE_SNAPSHOT. */
const START_SET_INIT = 1n, START_SNAPSHOT = 2n, STOP_RESET = 1n, STOP_SNAPSHOT = 2n, FLAGS_RESERVED = ~3n;
const TYPE_FW = 15;

/** Where the PMU finds a hart's counters. Implemented by the VM's SBI host. */
export interface PmuHost extends SbiHost {
  /** The counters of the hart running vCPU `hartId`. */
  hartCounters(hartId: number): Counters;
}

/** A firmware counter: its event (or -1 when free), and value = total + offset while started. */
interface FwCounter { event: number; started: boolean; offset: bigint; frozen: bigint }

/**
 * Per-hart state: the event of each hardware counter (-1 none; cycle and instret always have
 * theirs), which ones config_matching handed out, and the firmware counters.
 */
interface HartPmu { hw: number[]; busy: boolean[]; fw: FwCounter[] }

/** The PMU extension. */
export class PmuExtension implements SbiExtension {
  readonly eids = [Eid.PMU];
  readonly name = 'PMU';
  private readonly harts = new Map<number, HartPmu>();

  /** @param events the firmware event totals (the dispatcher counts into the same object) */
  constructor(readonly events: FirmwareEvents = new FirmwareEvents()) {}

  /** Always available (a host without `hartCounters` answers NOT_SUPPORTED to the calls). */
  probe(): number {
    return 1;
  }

  /** A hart (re)started: every programmable counter free (its hart reset stopped nothing). */
  hartReset(hartId: number): void {
    this.harts.delete(hartId);
  }

  /** Handles one PMU call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    if (!hasCounters(host)) return notSupported();
    const hw = host.hartCounters(call.hartId);
    const st = this.state(call.hartId);
    switch (call.fid) {
      case 0: return ok(BigInt(TOTAL));
      case 1: return counterInfo(arg(call, 0));
      case 2: return this.configMatching(call.hartId, st, hw, arg(call, 0), arg(call, 1), arg(call, 2), arg(call, 3), arg(call, 4));
      case 3: return this.startStop(call.hartId, st, hw, arg(call, 0), arg(call, 1), arg(call, 2), arg(call, 3), true);
      case 4: return this.startStop(call.hartId, st, hw, arg(call, 0), arg(call, 1), arg(call, 2), 0n, false);
      case 5: case 6: {
        const idx = arg(call, 0);
        if (idx < BigInt(HW_COUNTERS) || idx >= BigInt(TOTAL)) return fail(SbiError.INVALID_PARAM);
        return ok(call.fid === 6 ? 0n : this.fwValue(call.hartId, st.fw[Number(idx) - HW_COUNTERS]));
      }
      default: return notSupported(); // snapshot shared memory (optional) and event info
    }
  }

  /** Each hart's counter configuration, for a snapshot (the event totals save themselves). */
  save(): Saved {
    return [...this.harts].map(([hart, st]) => ({
      hart, hw: st.hw, busy: st.busy,
      fw: st.fw.map((c) => [c.event, c.started ? 1 : 0, bigText(c.offset), bigText(c.frozen)]),
    }));
  }

  /** Puts back `save`'s configuration. */
  restore(state: Saved): void {
    this.harts.clear();
    for (const item of arr(state, 'PMU')) {
      const s = obj(item, 'PMU hart');
      const st = this.state(num(s.hart, 'hart'));
      fillArray(st.hw, s.hw ?? null, 'PMU counters');
      arr(s.busy, 'busy').forEach((b, i) => { if (i < st.busy.length) st.busy[i] = b === true; });
      arr(s.fw, 'firmware counters').forEach((v, i) => {
        const c = arr(v, 'firmware counter');
        if (i < st.fw.length) st.fw[i] = { event: num(c[0], 'event'), started: c[1] === 1, offset: textBig(c[2]), frozen: textBig(c[3]) };
      });
    }
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return NAMES[fid];
  }

  private state(hartId: number): HartPmu {
    let st = this.harts.get(hartId);
    if (!st) {
      const hw = new Array<number>(HW_COUNTERS).fill(-1);
      hw[0] = HpmEvent.CYCLES; // fixed counters, always configured
      hw[2] = HpmEvent.INSTRUCTIONS;
      const fw = Array.from({ length: FW_COUNTERS }, () => ({ event: -1, started: false, offset: 0n, frozen: 0n }));
      this.harts.set(hartId, (st = { hw, busy: new Array<boolean>(HW_COUNTERS).fill(false), fw }));
    }
    return st;
  }

  private fwValue(hartId: number, c: FwCounter): bigint {
    return c.started ? BigInt.asUintN(64, BigInt(this.events.total(hartId, c.event)) + c.offset) : c.frozen;
  }

  private configMatching(hartId: number, st: HartPmu, hw: Counters, base: bigint, mask: bigint, flags: bigint,
    eventIdx: bigint, eventData: bigint): SbiResult {
    const set = counterSet(base, mask);
    if (set === null || (flags & CFG_RESERVED) !== 0n) return fail(SbiError.INVALID_PARAM);
    let idx: number;
    if (flags & CFG_SKIP_MATCH) {
      // The caller names a counter it configured before (OpenSBI's reading of SKIP_MATCH).
      idx = set[0] ?? -1;
      if (idx < 0 || (idx < HW_COUNTERS ? st.hw[idx] : st.fw[idx - HW_COUNTERS].event) < 0) return fail(SbiError.INVALID_PARAM);
    } else {
      const type = Number((eventIdx >> 16n) & 0xfn), code = Number(eventIdx & 0xffffn);
      if (eventIdx > 0xfffffn) return fail(SbiError.INVALID_PARAM);
      if (type === TYPE_FW) {
        if (!fwEventSupported(code)) return notSupported();
        idx = set.find((i) => i >= HW_COUNTERS && st.fw[i - HW_COUNTERS].event < 0) ?? -1;
        if (idx < 0) return notSupported();
        const c = st.fw[idx - HW_COUNTERS];
        c.event = code; c.started = false; c.frozen = 0n; c.offset = 0n;
      } else {
        const event = hardwareEvent(type, code, eventData);
        if (event === HpmEvent.NONE) return notSupported();
        idx = pickHardware(st, set, event);
        if (idx < 0) return notSupported();
        st.busy[idx] = true;
        if (idx >= 3) {
          hw.setInhibit(hw.inhibit | (1 << idx)); // configured stopped
          hw.setEvent(idx, event);
          st.hw[idx] = event;
        }
      }
    }
    if (flags & CFG_CLEAR_VALUE) this.setValue(hartId, st, hw, idx, 0n);
    if (flags & CFG_AUTO_START) this.start(hartId, st, hw, idx);
    return ok(BigInt(idx));
  }

  private startStop(hartId: number, st: HartPmu, hw: Counters, base: bigint, mask: bigint, flags: bigint, value: bigint, start: boolean): SbiResult {
    const set = counterSet(base, mask);
    if (set === null || (flags & FLAGS_RESERVED) !== 0n) return fail(SbiError.INVALID_PARAM);
    if (flags & (start ? START_SNAPSHOT : STOP_SNAPSHOT)) return fail(SbiError.NO_SHMEM);
    let already = false;
    for (const idx of set) {
      const configured = idx < HW_COUNTERS ? st.hw[idx] >= 0 : st.fw[idx - HW_COUNTERS].event >= 0;
      if (!configured) continue;
      if (start) {
        if (flags & START_SET_INIT) this.setValue(hartId, st, hw, idx, value);
        if (!this.start(hartId, st, hw, idx)) already = true;
      } else {
        if (!this.stop(hartId, st, hw, idx)) already = true;
        if (flags & STOP_RESET) this.release(st, hw, idx);
      }
    }
    return already ? fail(start ? SbiError.ALREADY_STARTED : SbiError.ALREADY_STOPPED) : ok();
  }

  private setValue(hartId: number, st: HartPmu, hw: Counters, idx: number, value: bigint): void {
    if (idx < HW_COUNTERS) { hw.write(idx, value); return; }
    const c = st.fw[idx - HW_COUNTERS];
    if (c.started) c.offset = value - BigInt(this.events.total(hartId, c.event));
    else c.frozen = BigInt.asUintN(64, value);
  }

  /** Starts a counter; false when it was running already. */
  private start(hartId: number, st: HartPmu, hw: Counters, idx: number): boolean {
    if (idx < HW_COUNTERS) {
      if ((hw.inhibit & (1 << idx)) === 0) return false;
      hw.setInhibit(hw.inhibit & ~(1 << idx));
      return true;
    }
    const c = st.fw[idx - HW_COUNTERS];
    if (c.started) return false;
    c.offset = c.frozen - BigInt(this.events.total(hartId, c.event));
    c.started = true;
    return true;
  }

  /** Stops a counter; false when it was stopped already. */
  private stop(hartId: number, st: HartPmu, hw: Counters, idx: number): boolean {
    if (idx < HW_COUNTERS) {
      if (hw.inhibit & (1 << idx)) return false;
      hw.setInhibit(hw.inhibit | (1 << idx));
      return true;
    }
    const c = st.fw[idx - HW_COUNTERS];
    if (!c.started) return false;
    c.frozen = this.fwValue(hartId, c);
    c.started = false;
    return true;
  }

  /** STOP_FLAG_RESET: the counter forgets its event (cycle and instret keep theirs). */
  private release(st: HartPmu, hw: Counters, idx: number): void {
    if (idx < HW_COUNTERS) st.busy[idx] = false;
    if (idx === 0 || idx === 2) return;
    if (idx < HW_COUNTERS) {
      st.hw[idx] = -1;
      hw.setEvent(idx, HpmEvent.NONE);
      return;
    }
    st.fw[idx - HW_COUNTERS].event = -1;
  }
}

/** cycle and instret for their own events when not handed out, else a free programmable counter. */
function pickHardware(st: HartPmu, set: number[], event: number): number {
  const fixed = event === HpmEvent.CYCLES ? 0 : event === HpmEvent.INSTRUCTIONS ? 2 : -1;
  if (fixed >= 0 && set.includes(fixed) && !st.busy[fixed]) return fixed;
  return set.find((i) => i >= 3 && i < HW_COUNTERS && !st.busy[i]) ?? -1;
}

/** Whether the host gives access to the harts' counters. */
function hasCounters(host: SbiHost): host is PmuHost {
  return typeof (host as Partial<PmuHost>).hartCounters === 'function';
}

/**
 * counter_get_info: csr and width (64 bits) of a hardware counter; bit 63 and width 64 for a
 * firmware one (the spec says to ignore its width, but Linux 6.1 masks firmware counter values
 * with it, and OpenSBI reports 63).
 */
function counterInfo(idx: bigint): SbiResult {
  if (idx >= BigInt(TOTAL)) return fail(SbiError.INVALID_PARAM);
  if (idx >= BigInt(HW_COUNTERS)) return ok((1n << 63n) | (63n << 12n));
  return ok((0xc00n + idx) | (63n << 12n));
}

/** The counters base + set bits of mask, or null when one does not exist. */
function counterSet(base: bigint, mask: bigint): number[] | null {
  const out: number[] = [];
  for (let b = 0n; b < 64n; b++) {
    if (((mask >> b) & 1n) === 0n) continue;
    if (base + b >= BigInt(TOTAL)) return null;
    out.push(Number(base + b));
  }
  return out;
}

/** The mhpmevent value for an SBI hardware event, or NONE when the hart cannot count it. */
function hardwareEvent(type: number, code: number, data: bigint): number {
  switch (type) {
    case 0: return code === 1 ? HpmEvent.CYCLES : code === 2 ? HpmEvent.INSTRUCTIONS : HpmEvent.NONE;
    case 1: {
      const e = (1 << 16) | code; // cache events: mhpmevent = event_idx
      return e === HpmEvent.DTLB_READ_MISS || e === HpmEvent.DTLB_WRITE_MISS || e === HpmEvent.ITLB_READ_MISS ? e : HpmEvent.NONE;
    }
    case 2: case 3: // raw: event_data is the mhpmevent value
      return code === 0 && data === BigInt(HpmEvent.PAGE_WALKS) ? HpmEvent.PAGE_WALKS : HpmEvent.NONE;
    default: return HpmEvent.NONE;
  }
}

export { FwEvent };
