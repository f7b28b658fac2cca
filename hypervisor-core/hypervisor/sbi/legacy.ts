/**
 * Legacy extensions (EIDs 0x00..0x08), SBI v2.0 chapter 5. a6 (fid) is ignored, only a0 is
 * returned (`legacy: true`, the value in `error`), every other register is preserved.
 *
 *   0x00 sbi_set_timer(stime_value)                          -> 0
 *   0x01 sbi_console_putchar(ch)                             -> 0
 *   0x02 sbi_console_getchar()                               -> byte, or -1 when none
 *   0x03 sbi_clear_ipi()                                     -> 1 if an IPI was pending, else 0
 *   0x04 sbi_send_ipi(const unsigned long *hart_mask)        -> 0
 *   0x05 sbi_remote_fence_i(hart_mask)                       -> 0
 *   0x06 sbi_remote_sfence_vma(hart_mask, start, size)       -> 0
 *   0x07 sbi_remote_sfence_vma_asid(hart_mask, start, size, asid) -> 0
 *   0x08 sbi_shutdown()                                      does not return
 *
 * `hart_mask` points to a bit vector of ceil(harts / 64) unsigned longs. The spec makes it a
 * guest *virtual* address; KVM reads it with HLV under the guest's vsatp and redirects a
 * fault to the guest (vcpu_sbi_v01.c). We do the same through `host.readGuestVirt` when the
 * host provides it, and otherwise read it as guest-physical. A null pointer means every hart
 * (KVM's behaviour, which Linux relies on). Mask bits beyond the last hart are ignored.
 */
import { Eid } from './eids';
import { SbiExtension, arg, notSupported } from './extension';
import { RemoteFence, SbiCall, SbiError, SbiGuestFault, SbiHost, SbiResult } from './sbi-host';

const NAMES = [
  'set_timer',
  'console_putchar',
  'console_getchar',
  'clear_ipi',
  'send_ipi',
  'remote_fence_i',
  'remote_sfence_vma',
  'remote_sfence_vma_asid',
  'shutdown',
];

function legacy(a0: number): SbiResult {
  return { error: a0, value: 0n, legacy: true };
}

/** The nine legacy extensions, served by one object. */
export class LegacyExtension implements SbiExtension {
  readonly eids = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  readonly name = 'legacy';

  /** Always available (probe_extension(0x01) = 1, as KVM and OpenSBI answer). */
  probe(): number {
    return 1;
  }

  /** Handles one legacy call; the eid selects the function. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    switch (call.eid) {
      case Eid.LEGACY_SET_TIMER:
        host.setTimer(call.hartId, arg(call, 0));
        return legacy(0);
      case Eid.LEGACY_CONSOLE_PUTCHAR:
        host.consoleWrite(Uint8Array.of(Number(arg(call, 0) & 0xffn)));
        return legacy(0);
      case Eid.LEGACY_CONSOLE_GETCHAR: {
        const b = host.consoleRead();
        return legacy(b < 0 ? -1 : b & 0xff);
      }
      case Eid.LEGACY_CLEAR_IPI:
        return legacy(host.clearIpi?.(call.hartId) ? 1 : 0);
      case Eid.LEGACY_SEND_IPI:
      case Eid.LEGACY_REMOTE_FENCE_I:
      case Eid.LEGACY_REMOTE_SFENCE_VMA:
      case Eid.LEGACY_REMOTE_SFENCE_VMA_ASID:
        return this.masked(call, host);
      case Eid.LEGACY_SHUTDOWN:
        host.systemReset(0, 0);
        return { error: SbiError.SUCCESS, value: 0n, legacy: true, resume: false };
      default:
        return notSupported();
    }
  }

  /** Function name by eid (the fid is ignored by legacy calls). */
  functionName(_fid: number, eid: number): string | undefined {
    return NAMES[eid];
  }

  /** The calls that take a hart-mask pointer in a0. */
  private masked(call: SbiCall, host: SbiHost): SbiResult {
    const harts = readHartMask(call, host, arg(call, 0));
    if (harts === null) return legacy(SbiError.INVALID_ADDRESS);
    if (!Array.isArray(harts)) {
      return { error: SbiError.SUCCESS, value: 0n, legacy: true, redirect: harts };
    }
    let fence: RemoteFence | undefined;
    if (call.eid === Eid.LEGACY_REMOTE_FENCE_I) fence = { kind: 'fence.i' };
    else if (call.eid === Eid.LEGACY_REMOTE_SFENCE_VMA) {
      fence = { kind: 'sfence.vma', start: arg(call, 1), size: arg(call, 2) };
    } else if (call.eid === Eid.LEGACY_REMOTE_SFENCE_VMA_ASID) {
      fence = { kind: 'sfence.vma', start: arg(call, 1), size: arg(call, 2), asid: arg(call, 3) };
    }
    for (const h of harts) {
      if (fence) host.remoteFence(h, fence);
      else host.sendIpi(h);
    }
    return legacy(0);
  }
}

/**
 * Reads the hart mask at `ptr`: the selected harts, the fault to redirect, or null when the
 * pointer is not guest RAM (physical fallback).
 */
function readHartMask(call: SbiCall, host: SbiHost, ptr: bigint): number[] | SbiGuestFault | null {
  const n = host.hartCount;
  if (ptr === 0n) return Array.from({ length: n }, (_, i) => i);
  const length = Math.ceil(n / 64) * 8;
  const got = host.readGuestVirt ? host.readGuestVirt(call.hartId, ptr, length) : host.readGuestPhys(ptr, length);
  if (got === null) return null;
  if (!(got instanceof Uint8Array)) return got;
  const harts: number[] = [];
  for (let h = 0; h < n; h++) {
    if ((got[h >> 3] >> (h & 7)) & 1) harts.push(h);
  }
  return harts;
}
