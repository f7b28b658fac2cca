/**
 * Timer extension (EID 0x54494D45 "TIME"), SBI v2.0 chapter 6.
 *
 *   fid 0 sbi_set_timer(stime_value)   programs the next timer event for the calling hart and
 *                                      clears its pending timer interrupt
 */
import { Eid } from './eids';
import { SbiExtension, arg, notSupported, ok } from './extension';
import { SbiCall, SbiHost, SbiResult } from './sbi-host';

/** The TIME extension. */
export class TimeExtension implements SbiExtension {
  readonly eids = [Eid.TIME];
  readonly name = 'TIME';

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one TIME call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    if (call.fid !== 0) return notSupported();
    host.setTimer(call.hartId, arg(call, 0));
    return ok();
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return fid === 0 ? 'set_timer' : undefined;
  }
}
