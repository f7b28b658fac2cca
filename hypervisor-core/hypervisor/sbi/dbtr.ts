/**
 * Debug Triggers extension (EID 0x44425452 "DBTR"), SBI v3.0 chapter "Debug Triggers":
 * a guest kernel's hardware breakpoints and watchpoints (ptrace, kgdb) on the Sdtrig
 * triggers of its vCPU's hart.
 *
 *   fid 0 sbi_debug_num_triggers(trig_tdata1)               -> trig_max, or how many support it
 *   fid 1 sbi_debug_set_shmem(lo, hi, flags)                -> 0 (all-ones lo/hi: disable)
 *   fid 2 sbi_debug_read_triggers(trig_idx_base, count)     -> 0; state, tdata1..3 in shmem
 *   fid 3 sbi_debug_install_triggers(count)                 -> 0; trig_idx written to shmem
 *   fid 4 sbi_debug_update_triggers(count)                  -> 0
 *   fid 5 sbi_debug_uninstall_triggers(trig_idx_base, mask) -> 0
 *   fid 6 sbi_debug_enable_triggers(trig_idx_base, mask)    -> 0
 *   fid 7 sbi_debug_disable_triggers(trig_idx_base, mask)   -> 0
 *
 * Shared memory: entry i at shmem + 32 * i is four little-endian 64-bit words: trig_idx (or
 * trig_state for read), tdata1, tdata2, tdata3. trig_state: hw_trig_idx in bits 63:8,
 * have_hw_trig 5, and saved copies of vs 4, vu 3, s 2, u 1; mapped 0. As OpenSBI, the state
 * carries the hardware index but not have_hw_trig (kvm-unit-tests' sbi dbtr test expects
 * exactly mapped | s for a trigger at index 0).
 *
 * The guest programs its triggers as a kernel would on bare hardware: type 2 (mcontrol) or 6
 * (mcontrol6), with s/u for its own S and U modes. Each vCPU has a hart of its own, so a
 * trigger is installed in that hart's trigger CSRs as an mcontrol6 with vs/vu in place of the
 * guest's s/u: it fires only while the guest runs, and the breakpoint (cause 3) goes straight
 * to the guest through hedeleg. trig_idx i is hart trigger i. KVM has no DBTR yet; OpenSBI's
 * lib/sbi/sbi_dbtr.c is the model for the checks.
 */
import type { Triggers } from '../../hart/triggers';
import { TRIGGER_COUNT } from '../../hart/triggers';
import { Eid } from './eids';
import { SbiExtension, arg, fail, notSupported, ok } from './extension';
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';
import { arr, bigText, num, obj, textBig, type Saved } from '../../state/persist';

const NAMES = ['num_triggers', 'set_shmem', 'read_triggers', 'install_triggers', 'update_triggers',
  'uninstall_triggers', 'enable_triggers', 'disable_triggers'];
const ALL_ONES = (1n << 64n) - 1n;
const ENTRY = 32;
const MASK64 = ALL_ONES;

/** tdata1 bits (RV64) the checks look at. */
const TYPE_SHIFT = 60n, DMODE = 1n << 59n, CHAIN = 1n << 11n, M = 1n << 6n, S = 1n << 4n, U = 1n << 3n;
const VS6 = 1n << 24n, VU6 = 1n << 23n, HIT6 = 1n << 22n, SELECT6 = 1n << 21n, HIT2 = 1n << 20n, SELECT2 = 1n << 19n;
const TIMING2 = 1n << 18n, KINDS = 7n;

/** trig_state bits. */
const ST_MAPPED = 1n, ST_U = 2n, ST_S = 4n;

/** One installed trigger as the guest sees it. */
interface Installed { tdata1: bigint; tdata2: bigint; state: bigint }

/** A hart's DBTR state: the shared memory and the installed triggers by trig_idx. */
interface HartDbtr { shmem: bigint | null; slots: (Installed | null)[] }

/** Where DBTR programs triggers: the calling vCPU's hart. Implemented by the VM's SBI host. */
export interface DbtrHost extends SbiHost {
  /** The trigger module of the hart running vCPU `hartId`. */
  hartTriggers(hartId: number): Triggers;
}

/** The DBTR extension. */
export class DbtrExtension implements SbiExtension {
  readonly eids = [Eid.DBTR];
  readonly name = 'DBTR';
  private readonly harts = new Map<number, HartDbtr>();

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** A hart (re)started: no shared memory, no triggers (as OpenSBI's warm boot leaves it). */
  hartReset(hartId: number, host: SbiHost): void {
    this.harts.delete(hartId);
    if (hasTriggers(host)) for (let i = 0; i < TRIGGER_COUNT; i++) clearHw(host.hartTriggers(hartId), i);
  }

  /** Handles one DBTR call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    if (!hasTriggers(host)) return notSupported();
    let st = this.harts.get(call.hartId);
    if (!st) this.harts.set(call.hartId, (st = { shmem: null, slots: new Array(TRIGGER_COUNT).fill(null) }));
    const hw = host.hartTriggers(call.hartId);
    switch (call.fid) {
      case 0: return ok(BigInt(numTriggers(arg(call, 0))));
      case 1: return setShmem(st, host, arg(call, 0), arg(call, 1), arg(call, 2));
      case 2: return this.read(st, host, hw, arg(call, 0), arg(call, 1));
      case 3: return this.install(st, host, hw, arg(call, 0));
      case 4: return this.update(st, host, hw, arg(call, 0));
      case 5: case 6: case 7: return this.masked(call.fid, st, hw, arg(call, 0), arg(call, 1));
      default: return notSupported();
    }
  }

  /** Each hart's shared memory and installed triggers, for a snapshot (the hart saves its trigger CSRs). */
  save(): Saved {
    return [...this.harts].map(([hart, st]) => ({
      hart, shmem: st.shmem === null ? null : bigText(st.shmem),
      slots: st.slots.map((t) => (t ? [bigText(t.tdata1), bigText(t.tdata2), bigText(t.state)] : null)),
    }));
  }

  /** Puts back `save`'s state. */
  restore(state: Saved): void {
    this.harts.clear();
    for (const item of arr(state, 'DBTR')) {
      const s = obj(item, 'DBTR hart');
      const slots = arr(s.slots, 'DBTR slots').map((v) => {
        if (v === null) return null;
        const t = arr(v, 'DBTR slot');
        return { tdata1: textBig(t[0]), tdata2: textBig(t[1]), state: textBig(t[2]) };
      });
      this.harts.set(num(s.hart, 'hart'), { shmem: s.shmem === null || s.shmem === undefined ? null : textBig(s.shmem), slots });
    }
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return NAMES[fid];
  }

  private read(st: HartDbtr, host: SbiHost, hw: Triggers, base: bigint, count: bigint): SbiResult {
    if (st.shmem === null) return fail(SbiError.NO_SHMEM);
    // The spec's table says base + count >= trig_max; read as the intent (no entry past the
    // last trigger), or the last trigger could never be read.
    if (base >= BigInt(TRIGGER_COUNT) || base + count > BigInt(TRIGGER_COUNT)) return fail(SbiError.BAD_RANGE);
    const out = new Uint8Array(Number(count) * ENTRY);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < Number(count); i++) {
      const idx = Number(base) + i, s = st.slots[idx];
      const words = s === null ? [0n, 0n, 0n, 0n] : [s.state, withHit(s.tdata1, hw, idx), s.tdata2, 0n];
      words.forEach((w, k) => dv.setBigUint64(i * ENTRY + 8 * k, w, true));
    }
    return host.writeGuestPhys(st.shmem, out) ? ok() : fail(SbiError.FAILED);
  }

  private install(st: HartDbtr, host: SbiHost, hw: Triggers, count: bigint): SbiResult {
    const req = requestEntries(st, host, count);
    if ('error' in req) return req;
    const { shmem, cfg } = req;
    const n = cfg.length;
    for (let i = 0; i < n; i++) {
      const e = check(cfg[i].tdata1, cfg[i].tdata3);
      if (e !== 0) return { error: e, value: BigInt(i) };
    }
    if (n > 0 && (cfg[n - 1].tdata1 & CHAIN) !== 0n) return { error: SbiError.INVALID_PARAM, value: BigInt(n - 1) };
    // Assign trig_idx in order; a chain gets contiguous triggers (it is checked whole first).
    const free = st.slots.map((s) => s === null);
    const assigned: number[] = [];
    for (let i = 0; i < n;) {
      let len = 1;
      while ((cfg[i + len - 1].tdata1 & CHAIN) !== 0n) len++;
      const at = freeRun(free, len);
      if (at < 0) return { error: SbiError.FAILED, value: BigInt(i) };
      for (let k = 0; k < len; k++) { free[at + k] = false; assigned.push(at + k); }
      i += len;
    }
    const ids = new Uint8Array(8);
    for (let i = 0; i < n; i++) {
      const idx = assigned[i];
      st.slots[idx] = { tdata1: cfg[i].tdata1 & ~(HIT2 | HIT6), tdata2: cfg[i].tdata2, state: stateOf(cfg[i].tdata1, idx) };
      program(hw, idx, st.slots[idx]!);
      new DataView(ids.buffer).setBigUint64(0, BigInt(idx), true);
      if (!host.writeGuestPhys(shmem + BigInt(i * ENTRY), ids)) return { error: SbiError.FAILED, value: BigInt(i) };
    }
    return ok();
  }

  private update(st: HartDbtr, host: SbiHost, hw: Triggers, count: bigint): SbiResult {
    const req = requestEntries(st, host, count);
    if ('error' in req) return req;
    const { cfg } = req;
    const n = cfg.length;
    for (let i = 0; i < n; i++) {
      const { id, tdata1, tdata3 } = cfg[i];
      if (id >= BigInt(TRIGGER_COUNT)) return { error: SbiError.INVALID_PARAM, value: BigInt(i) };
      const s = st.slots[Number(id)];
      if (s === null) return { error: SbiError.FAILED, value: BigInt(i) };
      const e = check(tdata1, tdata3);
      if (e !== 0) return { error: e, value: BigInt(i) };
      // The type and the chain bit must stay those of the installed trigger.
      if (tdata1 >> TYPE_SHIFT !== s.tdata1 >> TYPE_SHIFT || (tdata1 & CHAIN) !== (s.tdata1 & CHAIN)) {
        return { error: SbiError.INVALID_PARAM, value: BigInt(i) };
      }
    }
    for (const { id, tdata1, tdata2 } of cfg) {
      const idx = Number(id);
      st.slots[idx] = { tdata1: tdata1 & ~(HIT2 | HIT6), tdata2, state: stateOf(tdata1, idx) };
      program(hw, idx, st.slots[idx]!);
    }
    return ok();
  }

  /**
   * uninstall (5), enable (6), disable (7) of the triggers base + set bits of mask. An index
   * past the last trigger, or uninstalling one that is not installed, is an invalid parameter;
   * enable and disable pass over triggers that are not installed, as OpenSBI does (kvm-unit-
   * tests' "uninstall enable" expects SBI_SUCCESS there).
   */
  private masked(fid: number, st: HartDbtr, hw: Triggers, base: bigint, mask: bigint): SbiResult {
    const picked: number[] = [];
    for (let b = 0n; b < 64n; b++) {
      if (((mask >> b) & 1n) === 0n) continue;
      const idx = base + b;
      if (idx >= BigInt(TRIGGER_COUNT)) return fail(SbiError.INVALID_PARAM);
      if (st.slots[Number(idx)] === null) {
        if (fid === 5) return fail(SbiError.INVALID_PARAM);
        continue;
      }
      picked.push(Number(idx));
    }
    for (const idx of picked) {
      const s = st.slots[idx]!;
      if (fid === 5) {
        st.slots[idx] = null;
        clearHw(hw, idx);
        continue;
      }
      // Enable restores the s/u (vs/vu) bits from trig_state; disable clears them.
      const sBit = 4n, uBit = 3n;
      const enable = fid === 6;
      const s1 = enable ? (s.state & ST_S ? 1n : 0n) : 0n, u1 = enable ? (s.state & ST_U ? 1n : 0n) : 0n;
      s.tdata1 = (s.tdata1 & ~(S | U)) | (s1 << sBit) | (u1 << uBit);
      program(hw, idx, s);
    }
    return ok();
  }
}

/** Whether the host gives access to the harts' triggers (the VM's host does). */
function hasTriggers(host: SbiHost): host is DbtrHost {
  return typeof (host as Partial<DbtrHost>).hartTriggers === 'function';
}

/** num_triggers: every trigger supports types 2 and 6 (as mcontrol6 underneath). */
function numTriggers(tdata1: bigint): number {
  if (tdata1 === 0n) return TRIGGER_COUNT;
  const type = Number(tdata1 >> TYPE_SHIFT);
  return type === 2 || type === 6 ? TRIGGER_COUNT : 0;
}

function setShmem(st: HartDbtr, host: SbiHost, lo: bigint, hi: bigint, flags: bigint): SbiResult {
  if (flags !== 0n) return fail(SbiError.INVALID_PARAM);
  if (lo === ALL_ONES && hi === ALL_ONES) {
    st.shmem = null;
    return ok();
  }
  if ((lo & 7n) !== 0n) return fail(SbiError.INVALID_PARAM);
  // The whole area (trig_max entries) must be guest RAM (section 3.2's rules for shared memory).
  if (hi !== 0n || host.readGuestPhys(lo, TRIGGER_COUNT * ENTRY) === null) return fail(SbiError.INVALID_ADDRESS);
  st.shmem = lo;
  return ok();
}

/** The `count` entries an install or update call hands over, or the error it gets. */
function requestEntries(st: HartDbtr, host: SbiHost, count: bigint): { shmem: bigint; cfg: Entry[] } | SbiResult {
  if (st.shmem === null) return fail(SbiError.NO_SHMEM);
  if (count > BigInt(TRIGGER_COUNT)) return fail(SbiError.BAD_RANGE);
  const cfg = readEntries(host, st.shmem, Number(count));
  return cfg === null ? fail(SbiError.FAILED) : { shmem: st.shmem, cfg };
}

/** One shared-memory entry: trig_idx and tdata1..3. */
type Entry = { id: bigint; tdata1: bigint; tdata2: bigint; tdata3: bigint };

/** The first `n` shared-memory entries, or null when they are not guest RAM. */
function readEntries(host: SbiHost, shmem: bigint, n: number): Entry[] | null {
  const bytes = host.readGuestPhys(shmem, n * ENTRY);
  if (bytes === null) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const w = (k: number) => dv.getBigUint64(i * ENTRY + 8 * k, true);
    out.push({ id: w(0), tdata1: w(1), tdata2: w(2), tdata3: w(3) });
  }
  return out;
}

/**
 * 0 when the configuration can be installed, else the error: dmode or m set is an invalid
 * value (the spec's two constraints); a type other than 2 and 6 has no hardware trigger; what
 * the triggers lack (another action, timing = 1, NAPOT on mcontrol, vs/vu for a guest that
 * has no H extension, textra in tdata3) is not supported.
 */
function check(tdata1: bigint, tdata3: bigint): number {
  const type = Number(tdata1 >> TYPE_SHIFT);
  if ((tdata1 & DMODE) !== 0n || (tdata1 & M) !== 0n) return SbiError.INVALID_PARAM;
  if (type !== 2 && type !== 6) return SbiError.FAILED;
  const action = (tdata1 >> 12n) & 15n, match = (tdata1 >> 7n) & 15n;
  if (action !== 0n || tdata3 !== 0n) return SbiError.NOT_SUPPORTED;
  if (type === 2 && ((tdata1 & TIMING2) !== 0n || (match !== 0n && match !== 2n && match !== 3n))) return SbiError.NOT_SUPPORTED;
  if (type === 6 && ((tdata1 & (VS6 | VU6)) !== 0n || match > 3n)) return SbiError.NOT_SUPPORTED;
  const size = type === 2 ? (((tdata1 >> 21n) & 3n) << 2n) | ((tdata1 >> 16n) & 3n) : (tdata1 >> 16n) & 15n;
  if (size === 4n || size > 5n) return SbiError.NOT_SUPPORTED;
  return 0;
}

/** trig_state of a trigger installed at `idx` from the guest's tdata1. */
function stateOf(tdata1: bigint, idx: number): bigint {
  // vs and vu are never set (check refuses them), so their saved copies (ST_VS, ST_VU) stay 0.
  return ST_MAPPED | (BigInt(idx) << 8n) | (tdata1 & S ? ST_S : 0n) | (tdata1 & U ? ST_U : 0n);
}

/**
 * Programs hart trigger `idx` for the guest's configuration: an mcontrol6 with the guest's
 * kinds, match, chain, select and size, and vs/vu for its s/u. tdata1 = 0 first, then tdata2,
 * then tdata1 (Sdtrig 5.5: tdata2 may not be legal for the old tdata1).
 */
function program(hw: Triggers, idx: number, s: Installed): void {
  const d1 = s.tdata1, type2 = d1 >> TYPE_SHIFT === 2n;
  const size = type2 ? (((d1 >> 21n) & 3n) << 2n) | ((d1 >> 16n) & 3n) : (d1 >> 16n) & 15n;
  const select = (d1 & (type2 ? SELECT2 : SELECT6)) !== 0n;
  let v = (6n << TYPE_SHIFT) | (size << 16n) | (d1 & (CHAIN | (15n << 7n) | KINDS)) | (select ? SELECT6 : 0n);
  if (d1 & S) v |= VS6;
  if (d1 & U) v |= VU6;
  hw.writeData1(idx, 0, 0);
  hw.writeData2(idx, lo32(s.tdata2), hi32(s.tdata2));
  hw.writeData1(idx, lo32(v), hi32(v));
}

/** tdata1..3 of hart trigger `idx` cleared. */
function clearHw(hw: Triggers, idx: number): void {
  hw.writeData1(idx, 0, 0);
  hw.writeData2(idx, 0, 0);
}

/** The guest's tdata1 with the hit bit the hardware trigger set since. */
function withHit(tdata1: bigint, hw: Triggers, idx: number): bigint {
  const [lo] = hw.data1(idx);
  if ((lo & (1 << 22)) === 0) return tdata1;
  return tdata1 | (tdata1 >> TYPE_SHIFT === 2n ? HIT2 : HIT6);
}

/** Start of `len` free contiguous slots, or -1. */
function freeRun(free: boolean[], len: number): number {
  for (let at = 0; at + len <= free.length; at++) {
    let k = 0;
    while (k < len && free[at + k]) k++;
    if (k === len) return at;
  }
  return -1;
}

const lo32 = (v: bigint) => Number(BigInt.asIntN(32, v & MASK64));
const hi32 = (v: bigint) => Number(BigInt.asIntN(32, (v & MASK64) >> 32n));
