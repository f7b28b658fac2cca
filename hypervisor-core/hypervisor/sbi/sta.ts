/**
 * Steal-time Accounting extension (EID 0x535441 "STA"), SBI v2.0 chapter 16.
 *
 *   fid 0 sbi_steal_time_set_shmem(shmem_phys_lo, shmem_phys_hi, flags)
 *
 * The shared memory (64 bytes, 64-byte aligned) is the sbi_sta_struct:
 *
 *   offset  0  le32 sequence   odd while the hypervisor updates `steal`, even otherwise
 *   offset  4  le32 flags      0
 *   offset  8  le64 steal      ns this vCPU was runnable but not running (never its idle time)
 *   offset 16  u8   preempted  advisory; 0 is written before the vCPU runs again (never set here)
 *   offset 17  pad[47]
 *
 * As KVM does (arch/riscv/kvm/vcpu_sbi_sta.c): set_shmem zeroes the structure and notes the
 * steal time so far; each time the vCPU is about to run, `recordSteal` adds the steal time
 * measured since (the vCPU's wait time: runnable while another vCPU held the host thread,
 * stats/vcpu-times.ts) between two increments of `sequence`. All-ones lo and hi stop the
 * reporting; a hart that (re)starts has none.
 */
import { Eid } from './eids';
import { SbiExtension, arg, fail, notSupported, ok } from './extension';
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';
import { arr, bigText, num, obj, textBig, type Saved } from '../../state/persist';

/** Size of sbi_sta_struct. */
export const STA_STRUCT_SIZE = 64;
const ALL_ONES = (1n << 64n) - 1n;

/** What a vCPU registered: the structure's GPA and the steal time (host ns) already reported. */
interface HartSta {
  shmem: bigint;
  lastSteal: number;
}

/** The STA extension. */
export class StaExtension implements SbiExtension {
  readonly eids = [Eid.STA];
  readonly name = 'STA';
  private readonly harts = new Map<number, HartSta>();
  /** Bumped at every change of a registration (vCPU threads republish the structures' addresses then). */
  version = 0;

  /** Available (the vCPUs' steal time is always measured). */
  probe(): number {
    return 1;
  }

  /** True when some vCPU reports its steal time (the scheduler then calls recordSteal). */
  get active(): boolean {
    return this.harts.size > 0;
  }

  /** A hart (re)started: it reports nothing until it sets its shared memory again. */
  hartReset(hartId: number): void {
    if (this.harts.delete(hartId)) this.version++;
  }

  /** The GPA of `hartId`'s structure, or null when it reports nothing. */
  shmemOf(hartId: number): bigint | null {
    return this.harts.get(hartId)?.shmem ?? null;
  }

  /**
   * Every steal time measured so far counts as reported: the vCPU threads wrote it into the
   * structures themselves (at each schedule-in), so recordSteal goes on from here.
   */
  markReported(host: SbiHost): void {
    if (!host.stealNs) return;
    for (const [hart, st] of this.harts) st.lastSteal = host.stealNs(hart);
  }

  /** Handles one STA call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    if (call.fid !== 0 || !host.stealNs) return notSupported();
    const lo = arg(call, 0), hi = arg(call, 1), flags = arg(call, 2);
    if (flags !== 0n) return fail(SbiError.INVALID_PARAM);
    if (lo === ALL_ONES && hi === ALL_ONES) {
      this.harts.delete(call.hartId);
      this.version++;
      return ok();
    }
    if ((lo & 63n) !== 0n) return fail(SbiError.INVALID_PARAM);
    if (hi !== 0n) return fail(SbiError.INVALID_ADDRESS); // RV64: the address is lo alone
    if (!host.writeGuestPhys(lo, new Uint8Array(STA_STRUCT_SIZE))) return fail(SbiError.INVALID_ADDRESS);
    this.harts.set(call.hartId, { shmem: lo, lastSteal: host.stealNs(call.hartId) });
    this.version++;
    return ok();
  }

  /**
   * `hartId` is about to run: adds the steal time since the last update to its structure,
   * with `sequence` odd meanwhile (the guest retries a read that saw it odd or changing).
   */
  recordSteal(hartId: number, host: SbiHost): void {
    const st = this.harts.get(hartId);
    if (!st || !host.stealNs) return;
    const now = host.stealNs(hartId);
    const delta = BigInt(Math.max(0, Math.round(now - st.lastSteal)));
    const head = host.readGuestPhys(st.shmem, 16);
    if (!head) return; // the guest's RAM went (a balloon page): nothing to write to
    st.lastSteal = now;
    const view = new DataView(head.buffer, head.byteOffset, 16);
    const seq = view.getUint32(0, true);
    view.setUint32(0, (seq + 1) >>> 0, true);
    host.writeGuestPhys(st.shmem, head.subarray(0, 4));
    view.setBigUint64(8, BigInt.asUintN(64, view.getBigUint64(8, true) + delta), true);
    host.writeGuestPhys(st.shmem + 8n, head.subarray(8, 16));
    view.setUint32(0, (seq + 2) >>> 0, true);
    host.writeGuestPhys(st.shmem, head.subarray(0, 4));
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return fid === 0 ? 'steal_time_set_shmem' : undefined;
  }

  /** Each hart's structure address, for a snapshot (steal counts again from the restore). */
  save(): Saved {
    return [...this.harts].map(([hart, st]) => ({ hart, shmem: bigText(st.shmem) }));
  }

  /** Puts back `save`'s state. */
  restore(state: Saved): void {
    this.harts.clear();
    this.version++;
    for (const item of arr(state, 'STA')) {
      const s = obj(item, 'STA hart');
      this.harts.set(num(s.hart, 'hart'), { shmem: textBig(s.shmem), lastSteal: 0 });
    }
  }
}
