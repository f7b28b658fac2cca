/**
 * SBI extension ids (SBI v2.0, one chapter per extension) and the short names used in the
 * statistics ("TIME.set_timer"). Names are given for the standard extensions this
 * hypervisor does not implement too (SUSP, CPPC...), so an unsupported call is still counted
 * under a readable key.
 */

/** Extension ids: ASCII of the name for v0.2+ extensions; 0x00..0x0f are the legacy calls. */
export const Eid = {
  LEGACY_SET_TIMER: 0x00,
  LEGACY_CONSOLE_PUTCHAR: 0x01,
  LEGACY_CONSOLE_GETCHAR: 0x02,
  LEGACY_CLEAR_IPI: 0x03,
  LEGACY_SEND_IPI: 0x04,
  LEGACY_REMOTE_FENCE_I: 0x05,
  LEGACY_REMOTE_SFENCE_VMA: 0x06,
  LEGACY_REMOTE_SFENCE_VMA_ASID: 0x07,
  LEGACY_SHUTDOWN: 0x08,
  BASE: 0x10,
  TIME: 0x54494d45,
  IPI: 0x735049,
  RFENCE: 0x52464e43,
  HSM: 0x48534d,
  SRST: 0x53525354,
  PMU: 0x504d55,
  DBCN: 0x4442434e,
  SUSP: 0x53555350,
  CPPC: 0x43505043,
  NACL: 0x4e41434c,
  STA: 0x535441,
  SSE: 0x535345,
  FWFT: 0x46574654,
  DBTR: 0x44425452,
  MPXY: 0x4d505859,
} as const;

/** Names of standard extensions that are recognised but not implemented (probe 0). */
export const UNIMPLEMENTED_EXTENSION_NAMES: ReadonlyMap<number, string> = new Map([
  [Eid.SUSP, 'SUSP'],
  [Eid.CPPC, 'CPPC'],
  [Eid.NACL, 'NACL'],
  [Eid.SSE, 'SSE'],
  [Eid.FWFT, 'FWFT'],
  [Eid.MPXY, 'MPXY'],
]);

/** Largest eid of the legacy range (0x09..0x0f are reserved). */
export const LEGACY_EID_LAST = 0x0f;

/** "0x" + lower-case hex, the name of an eid nobody knows. */
export function hexId(n: number): string {
  return '0x' + n.toString(16);
}
