/**
 * RFENCE extension (EID 0x52464E43 "RFNC"), SBI v2.0 chapter 8. Every function takes
 * (hart_mask, hart_mask_base) in a0/a1; start/size in a2/a3 cover the whole address space
 * when both are 0 or size is all ones.
 *
 *   fid 0 remote_fence_i(mask, base)
 *   fid 1 remote_sfence_vma(mask, base, start, size)
 *   fid 2 remote_sfence_vma_asid(mask, base, start, size, asid)
 *   fid 3 remote_hfence_gvma_vmid(mask, base, start, size, vmid)   NOT_SUPPORTED
 *   fid 4 remote_hfence_gvma(mask, base, start, size)              NOT_SUPPORTED
 *   fid 5 remote_hfence_vvma_asid(mask, base, start, size, asid)   NOT_SUPPORTED
 *   fid 6 remote_hfence_vvma(mask, base, start, size)              NOT_SUPPORTED
 *
 * The HFENCE functions exist for a hypervisor running on the SBI implementation. Our guests
 * have no H extension, so, as KVM does since Linux 6.16 (vcpu_sbi_replace.c, "Until nested
 * virtualization is implemented, the SBI HFENCE calls should return not supported"), they
 * return SBI_ERR_NOT_SUPPORTED. Remote SFENCE.VMAs of a guest are guest-stage fences: the
 * host performs them as HFENCE.VVMA for the VM's VMID, as KVM does.
 */
import { Eid } from './eids';
import { SbiExtension, arg, fail, notSupported, ok } from './extension';
import { decodeHartMask } from './hart-mask';
import { RemoteFence, SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';

const NAMES = [
  'remote_fence_i',
  'remote_sfence_vma',
  'remote_sfence_vma_asid',
  'remote_hfence_gvma_vmid',
  'remote_hfence_gvma',
  'remote_hfence_vvma_asid',
  'remote_hfence_vvma',
];

/** The RFENCE extension. */
export class RfenceExtension implements SbiExtension {
  readonly eids = [Eid.RFENCE];
  readonly name = 'RFENCE';

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one RFENCE call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    let fence: RemoteFence;
    switch (call.fid) {
      case 0:
        fence = { kind: 'fence.i' };
        break;
      case 1:
        fence = { kind: 'sfence.vma', start: arg(call, 2), size: arg(call, 3) };
        break;
      case 2:
        fence = { kind: 'sfence.vma', start: arg(call, 2), size: arg(call, 3), asid: arg(call, 4) };
        break;
      default:
        // fids 3..6 (HFENCE) and anything unknown.
        return notSupported();
    }
    const harts = decodeHartMask(host, arg(call, 0), arg(call, 1));
    if (harts === null) return fail(SbiError.INVALID_PARAM);
    for (const h of harts) host.remoteFence(h, fence);
    return ok();
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return NAMES[fid];
  }
}
