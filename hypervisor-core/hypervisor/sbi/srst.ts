/**
 * System Reset extension (EID 0x53525354 "SRST"), SBI v2.0 chapter 10.
 *
 *   fid 0 sbi_system_reset(reset_type: uint32, reset_reason: uint32)   does not return
 *
 *   reset_type    0 shutdown, 1 cold reboot, 2 warm reboot;
 *                 0x3..0xEFFFFFFF reserved, 0xF0000000.. vendor (none implemented)
 *   reset_reason  0 no reason, 1 system failure; 0x2..0xDFFFFFFF reserved,
 *                 0xE0000000.. SBI-implementation specific, 0xF0000000.. vendor (none implemented)
 *
 * Any other type or reason is "reserved or platform-specific and unimplemented":
 * SBI_ERR_INVALID_PARAM as the spec's error table says (KVM answers NOT_SUPPORTED for an
 * unknown type and does not check the reason; we follow the spec).
 */
import { Eid } from './eids';
import { SbiExtension, arg32, fail, notSupported } from './extension';
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';

/** Reset types. */
export const ResetType = { SHUTDOWN: 0, COLD_REBOOT: 1, WARM_REBOOT: 2 } as const;
/** Reset reasons. */
export const ResetReason = { NONE: 0, SYSTEM_FAILURE: 1 } as const;

/** The SRST extension. */
export class SrstExtension implements SbiExtension {
  readonly eids = [Eid.SRST];
  readonly name = 'SRST';

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one SRST call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    if (call.fid !== 0) return notSupported();
    const type = arg32(call, 0);
    const reason = arg32(call, 1);
    if (type > ResetType.WARM_REBOOT || reason > ResetReason.SYSTEM_FAILURE) {
      return fail(SbiError.INVALID_PARAM);
    }
    host.systemReset(type, reason);
    return { error: SbiError.SUCCESS, value: 0n, resume: false };
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return fid === 0 ? 'system_reset' : undefined;
  }
}
