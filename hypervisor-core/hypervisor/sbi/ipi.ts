/**
 * IPI extension (EID 0x735049 "sPI"), SBI v2.0 chapter 7.
 *
 *   fid 0 sbi_send_ipi(hart_mask, hart_mask_base)   raises a supervisor software interrupt
 *                                                   (VSSIP for a guest) on each hart;
 *                                                   INVALID_PARAM if a hart does not exist
 */
import { Eid } from './eids';
import { SbiExtension, arg, fail, notSupported, ok } from './extension';
import { decodeHartMask } from './hart-mask';
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';

/** The IPI extension. */
export class IpiExtension implements SbiExtension {
  readonly eids = [Eid.IPI];
  readonly name = 'IPI';

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one IPI call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    if (call.fid !== 0) return notSupported();
    const harts = decodeHartMask(host, arg(call, 0), arg(call, 1));
    if (harts === null) return fail(SbiError.INVALID_PARAM);
    for (const h of harts) host.sendIpi(h);
    return ok();
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return fid === 0 ? 'send_ipi' : undefined;
  }
}
