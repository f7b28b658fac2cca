/**
 * Debug Console extension (EID 0x4442434E "DBCN"), SBI v2.0 chapter 12.
 *
 *   fid 0 sbi_debug_console_write(num_bytes, base_addr_lo, base_addr_hi)  -> bytes written
 *   fid 1 sbi_debug_console_read(num_bytes, base_addr_lo, base_addr_hi)   -> bytes read
 *   fid 2 sbi_debug_console_write_byte(byte)                              -> 0
 *
 * The buffer is guest-physical memory (base_addr_hi holds address bits 64 and up, so it must
 * be 0 here). A buffer that is not entirely guest RAM gives SBI_ERR_INVALID_PARAM (section
 * 3.2, "Shared memory physical address range parameter"). Both calls are non-blocking and
 * may transfer fewer bytes than asked: at most MAX_TRANSFER per call, so a guest cannot make
 * the hypervisor copy gigabytes in one exit; callers (Linux's hvc_sbi, OpenSBI's
 * sbi_nputs users) loop on the returned count.
 */
import { Eid } from './eids';
import { SbiExtension, arg, fail, notSupported, ok } from './extension';
import { SbiCall, SbiError, SbiHost, SbiResult } from './sbi-host';

/** Largest number of bytes moved by one console_write or console_read. */
export const MAX_TRANSFER = 4096;

const NAMES = ['console_write', 'console_read', 'console_write_byte'];
const TWO_64 = 1n << 64n;

/** The DBCN extension. */
export class DbcnExtension implements SbiExtension {
  readonly eids = [Eid.DBCN];
  readonly name = 'DBCN';

  /** Always available. */
  probe(): number {
    return 1;
  }

  /** Handles one DBCN call. */
  call(call: SbiCall, host: SbiHost): SbiResult {
    switch (call.fid) {
      case 0:
        return this.write(call, host);
      case 1:
        return this.read(call, host);
      case 2:
        host.consoleWrite(Uint8Array.of(Number(arg(call, 0) & 0xffn)));
        return ok();
      default:
        return notSupported();
    }
  }

  /** Function name by fid. */
  functionName(fid: number): string | undefined {
    return NAMES[fid];
  }

  private write(call: SbiCall, host: SbiHost): SbiResult {
    const n = chunk(call, host);
    if (n < 0) return fail(SbiError.INVALID_PARAM);
    if (n === 0) return ok(0n);
    const bytes = host.readGuestPhys(arg(call, 1), n);
    if (bytes === null) return fail(SbiError.INVALID_PARAM);
    host.consoleWrite(bytes);
    return ok(BigInt(n));
  }

  private read(call: SbiCall, host: SbiHost): SbiResult {
    const n = chunk(call, host);
    if (n < 0) return fail(SbiError.INVALID_PARAM);
    const got: number[] = [];
    while (got.length < n) {
      const b = host.consoleRead();
      if (b < 0) break;
      got.push(b & 0xff);
    }
    if (got.length > 0 && !host.writeGuestPhys(arg(call, 1), Uint8Array.from(got))) {
      return fail(SbiError.FAILED);
    }
    return ok(BigInt(got.length));
  }
}

/**
 * Validates the buffer (num_bytes, base_addr_lo, base_addr_hi) and returns how many bytes
 * this call transfers, or -1 when the buffer is not guest RAM. The first chunk and the last
 * byte are checked: guest RAM is one contiguous range, so that covers the whole buffer.
 */
function chunk(call: SbiCall, host: SbiHost): number {
  const num = arg(call, 0);
  const lo = arg(call, 1);
  if (arg(call, 2) !== 0n) return -1;
  if (num === 0n) return 0;
  if (lo + num > TWO_64) return -1;
  const n = num > BigInt(MAX_TRANSFER) ? MAX_TRANSFER : Number(num);
  if (host.readGuestPhys(lo, n) === null) return -1;
  if (host.readGuestPhys(lo + num - 1n, 1) === null) return -1;
  return n;
}
