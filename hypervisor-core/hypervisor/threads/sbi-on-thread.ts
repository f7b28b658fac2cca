/**
 * A vCPU thread answers the SBI calls whose whole effect lies in the words it shares with the
 * other threads, without a round trip to the VM's thread:
 *
 *   IPI    send_ipi(hart_mask, hart_mask_base)        VSSIP raised on each target (its LINES/DIRTY
 *                                                     words and its thread's doorbell, as
 *                                                     VcpuThreads.setIrq does)
 *   RFENCE remote_fence_i / remote_sfence_vma(_asid)  a fence request to each target's thread,
 *                                                     the caller resuming once all are done (as
 *                                                     the VM's thread's reply waits for them)
 *
 * A Linux boot on 2 vCPUs makes about 400 remote_fence_i (one per executable page mapped in
 * user space) and 370 send_ipi calls. Anything else, an invalid hart mask (the error is the
 * VM's thread's to give) and every call under a debugger (it sees every exit) still goes to
 * the VM's thread. The caller gets SBI_SUCCESS; the VM's thread counts the call afterwards
 * (statistics, trace, SBI PMU firmware events) from the note the thread posts.
 */
import { Cause, Irq } from '../../hart/csr-numbers';
import type { Hart } from '../../hart/hart';
import { Slot } from '../../hart/hart-state';
import { Eid } from '../sbi/eids';
import { FenceKind, requestFence, ring, threadOf, W } from './shared-words';

/** What a thread tells the VM's thread of an SBI call it answered. */
export interface ThreadSbiCall {
  eid: number;
  fid: number;
  /** a0..a5 as (lo, hi) pairs. */
  args: number[];
  /** The harts the call reached. */
  targets: number[];
  pcLo: number;
  pcHi: number;
  /** Host nanoseconds its handling took (the fence waits included). */
  ns: number;
}

/** The harts selected by (hart_mask, hart_mask_base) as int32 pairs (SBI v2.0 3.1), or null when a bit names no hart. */
function targetsOf(x: Int32Array, harts: number): number[] | null {
  const maskLo = x[20], maskHi = x[21], baseLo = x[22], baseHi = x[23];
  const out: number[] = [];
  if (baseLo === -1 && baseHi === -1) {
    for (let h = 0; h < harts; h++) out.push(h);
    return out;
  }
  for (let bit = 0; bit < 64; bit++) {
    if ((((bit < 32 ? maskLo : maskHi) >>> (bit & 31)) & 1) === 0) continue;
    const hart = baseHi === 0 ? (baseLo >>> 0) + bit : Infinity;
    if (hart >= harts) return null;
    out.push(hart);
  }
  return out;
}

/**
 * Handles the SBI call `h` stopped with (a VS-mode ecall) when it is one of the calls above,
 * for vCPU `vcpu` of `harts` on `threads` threads; `waitFences` waits until the listed
 * fences are done. Returns the note for the VM's thread, or null: the call goes there.
 */
export function sbiOnThread(h: Hart, vcpu: number, ctl: Int32Array, harts: number, threads: number,
  waitFences: (fences: [number, number][]) => void): ThreadSbiCall | null {
  if (h.hi(Slot.SCAUSE) < 0 || h.lo(Slot.SCAUSE) !== Cause.ECALL_VS) return null;
  const x = h.x;
  const eid = x[17 * 2] >>> 0, fid = x[16 * 2] >>> 0;
  const ipi = eid === Eid.IPI && fid === 0;
  if (!ipi && !(eid === Eid.RFENCE && fid <= 2)) return null;
  const t0 = performance.now();
  const targets = targetsOf(x, harts);
  if (targets === null) return null;
  if (ipi) {
    const bit = 1 << Irq.VSSI;
    for (const t of targets) {
      Atomics.or(ctl, W.lines(t), bit);
      // Marked dirty after the level is written: the target's thread reads dirty, then the level.
      Atomics.or(ctl, W.dirty(t), bit);
      ring(ctl, threadOf(t, threads));
    }
  } else {
    const kind = fid === 0 ? FenceKind.CODE : FenceKind.TLB;
    waitFences(targets.map((t): [number, number] => [t, requestFence(ctl, t, kind, threads)]));
  }
  const args = Array.from(x.subarray(20, 32));
  const pcLo = h.lo(Slot.SEPC), pcHi = h.hi(Slot.SEPC);
  x[20] = 0; x[21] = 0; // SBI_SUCCESS
  x[22] = 0; x[23] = 0;
  const lo = (pcLo + 4) | 0;
  h.set(Slot.SEPC, lo, (pcHi + ((lo >>> 0) < 4 ? 1 : 0)) | 0);
  h.hostSret();
  return { eid, fid, args, targets, pcLo, pcHi, ns: Math.round((performance.now() - t0) * 1e6) };
}
