/**
 * Base extension (EID 0x10), SBI v2.0 chapter 4. Mandatory: version, implementation and
 * extension probing.
 *
 *   fid 0 sbi_get_spec_version()        -> (major << 24) | minor = 2.0
 *   fid 1 sbi_get_impl_id()             -> host.implId
 *   fid 2 sbi_get_impl_version()        -> host.implVersion
 *   fid 3 sbi_probe_extension(eid)      -> 0 if absent, else the extension's probe value
 *   fid 4 sbi_get_mvendorid()           -> 0
 *   fid 5 sbi_get_marchid()             -> 0
 *   fid 6 sbi_get_mimpid()              -> 0
 */
import { Eid } from './eids';
import { SbiExtension, arg, notSupported, ok } from './extension';
import { SbiCall, SbiHost, SbiResult } from './sbi-host';

/** SBI specification version implemented: 2.0. */
export const SBI_SPEC_VERSION = (2 << 24) | 0;
const SPEC_VERSION = BigInt(SBI_SPEC_VERSION);

const NAMES = [
  'get_spec_version',
  'get_impl_id',
  'get_impl_version',
  'probe_extension',
  'get_mvendorid',
  'get_marchid',
  'get_mimpid',
];

/** The BASE extension; `probe` answers probe_extension for any eid (the dispatcher's lookup). */
export class BaseExtension implements SbiExtension {
  readonly eids = [Eid.BASE];
  readonly name = 'BASE';

  /** @param probeEid probe value of an extension id, 0 when not implemented. */
  constructor(private readonly probeEid: (eid: number) => number) {}

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one BASE call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    switch (call.fid) {
      case 0:
        return ok(SPEC_VERSION);
      case 1:
        return ok(BigInt(host.implId));
      case 2:
        return ok(BigInt(host.implVersion));
      case 3: {
        const eid = arg(call, 0);
        // Extension ids are 32-bit in practice; anything wider names nothing.
        return ok(eid > 0xffffffffn ? 0n : BigInt(this.probeEid(Number(eid))));
      }
      case 4:
      case 5:
      case 6:
        // A virtual hart reports no machine vendor, architecture or implementation.
        return ok(0n);
      default:
        return notSupported();
    }
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return NAMES[fid];
  }
}
