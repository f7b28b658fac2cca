/**
 * Notices a guest that loops on a fault: the same exit (same cause, same guest pc) over and
 * over with no instruction retired in between, e.g. a trap vector that is unmapped (stvec = 0)
 * and faults at itself for ever. Such a guest runs on (it may be waiting for an interrupt to
 * rescue it), but says so once. Constant state per vCPU, nothing allocated per exit.
 */

/** Identical exits in a row, with nothing retired, that count as a loop. */
export const FAULT_LOOP_EXITS = 10_000;

const CAUSE_NAMES: Record<number, string> = {
  0: 'an instruction address misaligned', 1: 'an instruction access fault', 2: 'an illegal instruction',
  3: 'a breakpoint', 4: 'a load address misaligned', 5: 'a load access fault',
  6: 'a store/AMO address misaligned', 7: 'a store/AMO access fault', 12: 'an instruction page fault',
  13: 'a load page fault', 15: 'a store/AMO page fault', 20: 'an instruction guest-page fault',
  21: 'a load guest-page fault', 22: 'a virtual instruction', 23: 'a store/AMO guest-page fault',
};

/** What a loop is described by. */
export function describeFaultLoop(vcpu: number, cause: number, pc: bigint, stvec: bigint): string {
  const name = CAUSE_NAMES[cause] ?? `scause ${cause}`;
  return `vCPU ${vcpu} loops on ${name} at pc 0x${pc.toString(16)} (stvec 0x${stvec.toString(16)}): the guest's trap vector faults`;
}

/** One vCPU's run of identical exits. */
export class FaultLoopDetector {
  private cause = -1;
  private pcLo = 0;
  private pcHi = 0;
  private instret = -1;
  private count = 0;

  /**
   * Notes one exit; true exactly once per run of identical exits, when it reaches
   * FAULT_LOOP_EXITS.
   */
  note(cause: number, pcLo: number, pcHi: number, instret: number): boolean {
    if (cause === this.cause && pcLo === this.pcLo && pcHi === this.pcHi && instret === this.instret) {
      return ++this.count === FAULT_LOOP_EXITS;
    }
    this.cause = cause;
    this.pcLo = pcLo;
    this.pcHi = pcHi;
    this.instret = instret;
    this.count = 1;
    return false;
  }
}
