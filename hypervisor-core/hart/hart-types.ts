/**
 * What the hart's users see of `Hart.run` besides the hart: why a run stopped, the debugger's
 * watchpoints, the bus of the bare machine, the budget rules and the register names.
 */

/** Why `run()` returned. */
export const enum StopReason {
  /** The instruction budget ran out. */
  BUDGET = 0,
  /** A trap into HS-mode or M-mode with `hostTraps` set: host software must handle it. */
  HOST_TRAP = 1,
  /** WFI with no interrupt pending (bare machine: advance time, then run again). */
  WFI = 2,
  /** The pc reached a debugger breakpoint (the instruction there has not executed). */
  BREAKPOINT = 3,
  /** A load or store touched a debugger watchpoint (`watchHit`); the instruction has not executed. */
  WATCHPOINT = 4,
  /** A trap was taken into VS-mode and `onGuestTrap` asked to stop; pc is the guest handler's first instruction. */
  GUEST_TRAP = 5,
}

/** A debugger watchpoint: `length` bytes at the 64-bit address (lo, hi) as the running mode sees it. */
export interface HartWatchpoint {
  lo: number;
  hi: number;
  length: number;
  read: boolean;
  write: boolean;
}

/** Physical accesses outside RAM (MMIO on the bare machine). */
export interface PhysBus {
  /** Reads size bytes; returns undefined when nothing answers (access fault). 8-byte reads leave the high word in `hi`. */
  read(addr: number, size: 1 | 2 | 4 | 8): number | undefined;
  /** Writes; returns false when nothing answers. */
  write(addr: number, size: 1 | 2 | 4 | 8, lo: number, hi?: number): boolean;
  /** High word of the last 8-byte read. */
  hi: number;
}

/**
 * Failed test-and-set swaps after which a run ends early ({@link Hart.yieldOnSpin}): about
 * a thousand instructions of xv6's four-instruction acquire loop, far below a slice's budget.
 */
export const SPIN_YIELD_SWAPS = 256;

/**
 * Most instructions compiled code runs between two looks at {@link Hart.pollWord} (on a vCPU
 * thread): a kick reaches a vCPU looping in a translated region within this many instructions.
 */
export const POLL_SPAN = 2000;

/**
 * What taking one trap costs of `run()`'s budget, in instructions. A trap retires nothing but
 * costs the host about a hundred simple instructions (the throw, the catch, the trap entry), so
 * a guest whose trap handler itself traps (a trap storm) must spend its budget as fast, in host
 * time, as one that computes: otherwise a slice of it never ends in reasonable time.
 */
export const TRAP_COST = 64;

/** Names of the ABI registers, x0..x31. */
export const ABI_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
