/**
 * HTIF (host-target interface) `tohost` / `fromhost` protocol, as riscv-tests
 * (`env/p/riscv_test.h`, RVTEST_PASS / RVTEST_FAIL) and Spike's `fesvr` use it.
 * The guest writes a 64-bit command to the `tohost` symbol:
 *
 *   63..56 device   55..48 command   47..0 payload
 *
 *   device 0, payload bit 0 = 1   exit: payload >> 1 is the exit code (0 = pass), so
 *                                 tohost = 1 means pass and (code << 1) | 1 failure `code`
 *   device 0, payload bit 0 = 0   syscall through a memory block (proxy kernel): unsupported
 *   device 1, command 1           console putchar: the low byte is the character
 *   device 1, command 0           console getchar request (Spike answers 0x100 | char when a key is typed)
 *
 * After handling a command the host clears tohost and, for console commands, writes
 * `fromhost` = (device << 56) | (command << 48) | response, so the guest may continue.
 * Pure logic: the CPU side polls the tohost address and applies the action.
 */

/** What a tohost write asks for. */
export type HtifCommand =
  | { kind: 'exit'; code: number }
  | { kind: 'putchar'; char: number }
  | { kind: 'getchar' }
  | { kind: 'unknown'; device: number; command: number; payloadLo: number; payloadHi: number };

/**
 * Decodes a 64-bit tohost value given as two 32-bit halves. Returns undefined for 0
 * (nothing written yet).
 */
export function decodeTohost(lo: number, hi: number): HtifCommand | undefined {
  lo >>>= 0;
  hi >>>= 0;
  if (lo === 0 && hi === 0) return undefined;
  const device = hi >>> 24;
  const command = (hi >>> 16) & 0xff;
  const payloadHi = hi & 0xffff;
  if (device === 0 && command === 0 && (lo & 1) === 1) {
    // 47-bit exit code: exact as a number.
    return { kind: 'exit', code: payloadHi * 0x80000000 + (lo >>> 1) };
  }
  if (device === 1 && command === 1) return { kind: 'putchar', char: lo & 0xff };
  if (device === 1 && command === 0) return { kind: 'getchar' };
  return { kind: 'unknown', device, command, payloadLo: lo, payloadHi };
}

/** Value (as 32-bit halves) the host writes to fromhost to acknowledge a console command. */
export function fromhostReply(device: number, command: number, response: number): { lo: number; hi: number } {
  return { lo: response >>> 0, hi: (((device & 0xff) << 24) | ((command & 0xff) << 16)) >>> 0 };
}

/** Encodes a tohost value as the guest would (for tests and tools). */
export function encodeTohost(device: number, command: number, payload: number): { lo: number; hi: number } {
  const payloadHi = Math.floor(payload / 0x100000000) & 0xffff;
  return {
    lo: payload >>> 0,
    hi: (((device & 0xff) << 24) | ((command & 0xff) << 16) | payloadHi) >>> 0,
  };
}
