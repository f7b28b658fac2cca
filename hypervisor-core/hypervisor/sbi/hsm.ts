/**
 * Hart State Management extension (EID 0x48534D "HSM"), SBI v2.0 chapter 9.
 *
 *   fid 0 sbi_hart_start(hartid, start_addr, opaque)
 *           INVALID_PARAM no such hart; ALREADY_AVAILABLE hart not STOPPED;
 *           INVALID_ADDRESS start_addr not in guest RAM
 *   fid 1 sbi_hart_stop()                       does not return to the caller
 *   fid 2 sbi_hart_get_status(hartid)           -> HSM state; INVALID_PARAM no such hart
 *   fid 3 sbi_hart_suspend(suspend_type, resume_addr, opaque)
 *           suspend_type (uint32):
 *             0x00000000              default retentive      -> returns SUCCESS on wake-up
 *             0x80000000              default non-retentive  -> resumes at resume_addr,
 *                                     INVALID_ADDRESS when resume_addr is not in guest RAM
 *             reserved / platform-specific (none implemented) -> INVALID_PARAM
 *
 * A hart that is in any state but STOPPED counts as already available (KVM's behaviour).
 */
import { Eid } from './eids';
import { SbiExtension, arg, arg32, fail, notSupported, ok, validHart } from './extension';
import { HartState, SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';

/** Default retentive suspend type. */
export const SUSPEND_RETENTIVE = 0x00000000;
/** Default non-retentive suspend type. */
export const SUSPEND_NON_RETENTIVE = 0x80000000;

const NAMES = ['hart_start', 'hart_stop', 'hart_get_status', 'hart_suspend'];

/** True when guest code can be fetched at `gpa` (it lies in guest RAM). */
function executable(host: SbiHost, gpa: bigint): boolean {
  // The smallest instruction is 2 bytes (C extension).
  return host.readGuestPhys(gpa, 2) !== null;
}

/** The HSM extension. */
export class HsmExtension implements SbiExtension {
  readonly eids = [Eid.HSM];
  readonly name = 'HSM';

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one HSM call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    switch (call.fid) {
      case 0:
        return this.start(call, host);
      case 1:
        host.hartStop(call.hartId);
        return { error: SbiError.SUCCESS, value: 0n, resume: false };
      case 2: {
        const hart = validHart(host, arg(call, 0));
        if (hart < 0) return fail(SbiError.INVALID_PARAM);
        return ok(BigInt(host.hartState(hart)));
      }
      case 3:
        return this.suspend(call, host);
      default:
        return notSupported();
    }
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return NAMES[fid];
  }

  private start(call: SbiCall, host: SbiHost): SbiResult {
    const hart = validHart(host, arg(call, 0));
    if (hart < 0) return fail(SbiError.INVALID_PARAM);
    if (host.hartState(hart) !== HartState.STOPPED) return fail(SbiError.ALREADY_AVAILABLE);
    const startAddr = arg(call, 1);
    if (!executable(host, startAddr)) return fail(SbiError.INVALID_ADDRESS);
    host.hartStart(hart, startAddr, arg(call, 2));
    return ok();
  }

  private suspend(call: SbiCall, host: SbiHost): SbiResult {
    const type = arg32(call, 0);
    if (type === SUSPEND_RETENTIVE) {
      // Returns SUCCESS when an interrupt wakes the hart; the host blocks it meanwhile.
      host.hartSuspend(call.hartId);
      return ok();
    }
    if (type === SUSPEND_NON_RETENTIVE) {
      const resumeAddr = arg(call, 1);
      if (!executable(host, resumeAddr)) return fail(SbiError.INVALID_ADDRESS);
      host.hartSuspend(call.hartId, resumeAddr, arg(call, 2));
      return { error: SbiError.SUCCESS, value: 0n, resume: false };
    }
    // Reserved ranges, and platform-specific types of which none is implemented.
    return fail(SbiError.INVALID_PARAM);
  }
}
