/**
 * What every SBI extension file exports: an object the dispatcher routes calls to, in the
 * style of KVM's `struct kvm_vcpu_sbi_extension` (arch/riscv/kvm/vcpu_sbi.c), plus the small
 * helpers the extension files share.
 */
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';
import { RegisterCall } from './register-call';
import type { Saved } from '../../state/persist';

/** One SBI extension (one file in this folder). */
export interface SbiExtension {
  /** Extension ids served (one, or the nine legacy ids 0x00..0x08). */
  readonly eids: readonly number[];
  /** Short name used in statistics keys: "BASE", "TIME", ..., "legacy". */
  readonly name: string;
  /** Value returned by BASE probe_extension: 1 (or an extension-specific nonzero) if available. */
  probe(): number;
  /** Handles one call; an unknown fid returns NOT_SUPPORTED. */
  call(call: SbiCall, host: SbiHost): SbiResult;
  /** Optional: the hart (re)started (boot, HSM start, non-retentive resume): drop its per-hart state. */
  hartReset?(hartId: number, host: SbiHost): void;
  /** Name of a function ("set_timer"), or undefined for an unknown fid. Legacy names depend on eid. */
  functionName(fid: number, eid: number): string | undefined;
  /** Optional: the extension's own state for a snapshot (per-hart configuration); omitted when it has none. */
  save?(): Saved;
  /** Optional: puts back what `save` returned. */
  restore?(state: Saved): void;
}

/** Argument register a<i> of the call as an unsigned 64-bit value (0 when not supplied). */
export function arg(call: SbiCall, i: number): bigint {
  if (call instanceof RegisterCall) return call.arg(i);
  const v = call.args[i];
  return v === undefined ? 0n : BigInt.asUintN(64, v);
}

/** Low 32 bits of argument a<i>, for parameters the spec declares uint32_t. */
export function arg32(call: SbiCall, i: number): number {
  if (call instanceof RegisterCall) return call.lo(i);
  return Number(arg(call, i) & 0xffffffffn);
}

/** SBI_SUCCESS with a value in a1. */
export function ok(value: bigint = 0n): SbiResult {
  return { error: SbiError.SUCCESS, value };
}

/** An error in a0 and 0 in a1. */
export function fail(error: number): SbiResult {
  return { error, value: 0n };
}

/** SBI_ERR_NOT_SUPPORTED: the answer to an unknown function of a known extension. */
export function notSupported(): SbiResult {
  return fail(SbiError.NOT_SUPPORTED);
}

/** The hart id in a register if it names an existing vCPU, else -1. */
export function validHart(host: SbiHost, id: bigint): number {
  return id < BigInt(host.hartCount) ? Number(id) : -1;
}
