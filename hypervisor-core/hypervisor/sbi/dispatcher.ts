/**
 * Routes an SBI call to its extension by eid, like KVM's kvm_riscv_vcpu_sbi_ecall
 * (arch/riscv/kvm/vcpu_sbi.c). An unknown or unimplemented extension answers
 * SBI_ERR_NOT_SUPPORTED and probes as 0. Also names calls for the statistics:
 * "TIME.set_timer", "legacy.console_putchar", "PMU.fid_0", "0x12345.fid_3".
 */
import { BaseExtension } from './base';
import { DbcnExtension } from './dbcn';
import { DbtrExtension } from './dbtr';
import { StaExtension } from './sta';
import { LEGACY_EID_LAST, UNIMPLEMENTED_EXTENSION_NAMES, hexId } from './eids';
import { SbiExtension, notSupported } from './extension';
import { HsmExtension } from './hsm';
import { IpiExtension } from './ipi';
import { LegacyExtension } from './legacy';
import { PmuExtension } from './pmu';
import { FirmwareEvents, FwEvent, countingHost } from './pmu-firmware-events';
import { RfenceExtension } from './rfence';
import { SbiCall, SbiHost, SbiResult } from './sbi-host';
import { SrstExtension } from './srst';
import { TimeExtension } from './time';
import { obj, type Saved } from '../../state/persist';

/** The SBI implementation of one VM. */
export class SbiDispatcher {
  private readonly byEid = new Map<number, SbiExtension>();
  /** Statistics keys of known extensions, built once so that naming a call allocates nothing. */
  private readonly keys = new Map<number, Map<number, string>>();
  /** Firmware events per hart (the PMU's firmware counters read them). */
  readonly firmwareEvents: FirmwareEvents;
  /** The host the extensions get: counts timer, IPI and fence requests of the calling hart. */
  private readonly counted: SbiHost;
  private caller = 0;

  /**
   * @param host the VM services the extensions act through
   * @param extensions the extensions besides BASE; by default every one this folder implements
   */
  constructor(
    /** The VM services the extensions act through. */
    readonly host: SbiHost,
    extensions: readonly SbiExtension[] = [
      new PmuExtension(),
      new TimeExtension(),
      new IpiExtension(),
      new RfenceExtension(),
      new HsmExtension(),
      new SrstExtension(),
      new DbcnExtension(),
      new DbtrExtension(),
      new StaExtension(),
      new LegacyExtension(),
    ],
  ) {
    this.register(new BaseExtension((eid) => this.probe(eid)));
    for (const ext of extensions) this.register(ext);
    this.firmwareEvents = extensions.find((e): e is PmuExtension => e instanceof PmuExtension)?.events ?? new FirmwareEvents();
    this.counted = countingHost(host, this.firmwareEvents, () => this.caller);
  }

  /** The firmware event totals and every extension's own state, by extension name, for a snapshot. */
  save(): Saved {
    const extensions: { [name: string]: Saved } = {};
    for (const ext of new Set(this.byEid.values())) if (ext.save) extensions[ext.name] = ext.save();
    return { firmwareEvents: this.firmwareEvents.save(), extensions };
  }

  /** Puts back `save`'s state. */
  restore(state: Saved): void {
    const s = obj(state, 'SBI');
    this.firmwareEvents.restore(s.firmwareEvents ?? null);
    const saved = obj(s.extensions, 'SBI extensions');
    for (const ext of new Set(this.byEid.values())) if (ext.restore && saved[ext.name] !== undefined) ext.restore(saved[ext.name]);
  }

  /** Handles one call from the guest. Never throws for any guest input. */
  handle(call: SbiCall): SbiResult {
    this.caller = call.hartId;
    this.firmwareEvents.count(call.hartId, FwEvent.SBI_CALLS);
    const ext = this.byEid.get(call.eid);
    return ext ? ext.call(call, this.counted) : notSupported();
  }

  /** Counts a firmware event the vCPU saw (a trap reflected to the guest). */
  firmwareEvent(hartId: number, code: FwEvent): void {
    this.firmwareEvents.count(hartId, code);
  }

  /** A vCPU (re)started: the extensions forget what they kept for it (shared memory, triggers). */
  hartReset(hartId: number): void {
    for (const ext of new Set(this.byEid.values())) ext.hartReset?.(hartId, this.host);
  }

  /** probe_extension's answer for `eid`: the extension's probe value, or 0. */
  probe(eid: number): number {
    return this.byEid.get(eid)?.probe() ?? 0;
  }

  /** The extension serving `eid`, if any. */
  extension(eid: number): SbiExtension | undefined {
    return this.byEid.get(eid);
  }

  /** "TIME", "legacy", "PMU" (recognised but unimplemented) or "0x<hex>" for anything else. */
  extensionName(eid: number): string {
    const ext = this.byEid.get(eid);
    if (ext) return ext.name;
    if (eid >= 0 && eid <= LEGACY_EID_LAST) return 'legacy';
    return UNIMPLEMENTED_EXTENSION_NAMES.get(eid) ?? hexId(eid);
  }

  /** "set_timer", "console_putchar"... or "fid_<n>" for an unknown function. */
  functionName(eid: number, fid: number): string {
    return this.byEid.get(eid)?.functionName(fid, eid) ?? `fid_${fid}`;
  }

  /**
   * The statistics key "EXT.function". Cached (no allocation) for the functions of the
   * implemented extensions; built on each call otherwise, so a guest probing random ids
   * cannot grow the cache.
   */
  statsKey(eid: number, fid: number): string {
    const ext = this.byEid.get(eid);
    const known = ext !== undefined && ext.functionName(fid, eid) !== undefined;
    if (!known) return `${this.extensionName(eid)}.${this.functionName(eid, fid)}`;
    // Legacy names depend on the eid only: cache under fid 0.
    const f = ext.name === 'legacy' ? 0 : fid;
    let perEid = this.keys.get(eid);
    if (!perEid) this.keys.set(eid, (perEid = new Map()));
    let key = perEid.get(f);
    if (key === undefined) perEid.set(f, (key = `${ext.name}.${ext.functionName(fid, eid)}`));
    return key;
  }

  private register(ext: SbiExtension): void {
    for (const eid of ext.eids) this.byEid.set(eid, ext);
  }
}
