/**
 * Interpreter warm-up: every path of `Hart.run` executed once, on a scratch hart in a scratch
 * memory, before the first guest runs.
 *
 * Why: V8 optimises `run` (one large function) once it is hot, with the type feedback it has
 * gathered so far; a path that has never run is compiled as a deoptimisation, and the first
 * time a guest reaches it (a rare opcode, a load's slow path, the first MMIO access...) the
 * whole function falls back to the bytecode interpreter and is compiled again. A Linux boot
 * met a dozen such paths one after the other, and each recompilation of `run` cost 60-500 ms
 * of CPU time: more than a third of the CPU time to the shell prompt went to compiling the
 * interpreter. Executing each instruction of the table here, in M-mode and in VS-mode, on
 * both sides of the TLB and with the slow paths (MMIO, faults, page-crossing fetch, an
 * interrupt, a compiled loop), gives V8 the feedback up front, so `run` is optimised once.
 *
 * Nothing here touches guest state: the scratch hart and memory are its own (kept alive, see
 * `scratch`), and every error is swallowed (a warm-up must never stop the program it speeds up).
 */
import { PhysMemory } from '../memory/phys-memory';
import { EnvcfgHi, Irq, Mstatus, Priv } from './csr-numbers';
import { Slot } from './hart-state';
import { Hart, PhysBus, SPIN_YIELD_SWAPS } from './hart';
import { Fmt, TABLE } from './isa/table';
import { expandCompressed, decode } from './isa/decoder';
import { Op, PAUSE } from './isa/opcodes';
import { withEagerTierUp } from './eager-tier-up';
import { SharedAtomics } from './shared-atomics';

const BASE = 0x80000000;
/**
 * Scratch RAM: code (with a page-crossing fetch at its end), data, a VS-stage and a G-stage
 * root, and the instruction table (instructionWords, each at an address of its own).
 */
const SIZE = 9 * 4096;
const CODE = BASE;
const TABLE_AT = BASE + 0x8000;
const DATA = BASE + 0x2800;
const VS_ROOT = BASE + 0x3000;
/** The Sv39x4 root: 16 KiB, 16 KiB aligned. */
const G_ROOT = BASE + 0x4000;
/** An address outside RAM: the scratch bus answers it in M-mode, a guest page fault (MMIO) in VS-mode. */
const DEVICE = 0x10000800;
/** Base addresses of loads and stores: RAM, a device, and one that faults in M-mode. */
const BASES = [DATA, DEVICE, 0];
/**
 * (rs1, rs2) values as (lo, hi) pairs that take the ALU, branch, shift and divide paths apart:
 * shift amounts 0, 3, 35 and 63, equal and different high words, signed and unsigned order.
 */
const VALUES: [number, number, number, number][] = [[35, 0, 0, 0], [3, 0, 3, 0], [-1, -1, 35, 0], [0, -2147483648, -1, -1]];
/** Immediates in bits [31:20] (shift amounts 0, 3 and 35; a negative offset). */
const IMMEDIATES = [0, 3, 35, 0xff8];

let done = false;

/**
 * The scratch hart and memory, kept for the life of the process (some 2 MB: 0.55 MB of heap,
 * 1.6 MB of buffers). The type feedback the warm-up leaves, and the optimised code built from
 * it, hold the maps (hidden classes) of their objects weakly: once the scratch objects are
 * garbage, the first full GC (a CLI run has one as it allocates the guest's RAM) frees the maps
 * no guest object shares yet. Then the optimised `run` is thrown away if V8 had built it
 * (test/unit/hart/eager-tier-up.test.ts), or its compile, still under way, finds that
 * feedback cleared and the guest deoptimises `run` at its first interrupt ("insufficient
 * type feedback" at `t.cause = irq` in checkInterrupts): 5 cold runs in 40 of the timer sample
 * under --cpu-virt trap-emulate (also seen with --mmu shadow, --aia, and plain), none in 80
 * with them kept.
 */
let scratch: { h: Hart; mem: PhysMemory } | null = null;
/** The scratch hart's shared-RAM atomics, kept for the same reason (sharedFence). */
let scratchAtomics: SharedAtomics | null = null;

/** What warmUpInterpreter may do besides the warm-up. */
export interface WarmUpOptions {
  /**
   * Afterwards, have V8 start compiling the optimised `run` at once (eager-tier-up.ts), on its
   * compiler thread, while the caller goes on building the machine. For a process that runs
   * one guest right away (the CLI); left to V8's own rule elsewhere.
   */
  optimise?: boolean;
  /**
   * For a vCPU thread: the scratch hart as the thread's harts are, over a memory shared like
   * the guest's RAM (typed arrays over a SharedArrayBuffer, V8 keeps other feedback for them),
   * with an interpreter area of its own (the fast path runs there too), a poll word and the
   * A extension through Atomics.
   */
  threads?: boolean;
}

/**
 * Runs the warm-up once per process (later calls return at once). Costs some tens of
 * milliseconds; the VM, the bare machine and each vCPU thread call it before their first hart,
 * the CLI earlier still (with `optimise`).
 */
export function warmUpInterpreter(options: WarmUpOptions = {}): void {
  if (done) return;
  done = true;
  try {
    const { h, mem } = scratch = warmUp(options.threads ?? false);
    if (options.optimise) {
      refresh(h, mem);
      withEagerTierUp(() => optimiseRun(h, mem));
    }
  } catch {
    // A path that throws here is no reason to stop: the guest will warm it up itself.
  }
}

/** Whether this thread's interpreter was warmed up (a VM whose vCPUs run on threads skips it). */
export function interpreterWarmedUp(): boolean {
  return done;
}

/** A bus that answers every access (the MMIO path of loads and stores). */
const scratchBus: PhysBus = { hi: 0, read: () => 0, write: () => true };

/**
 * A scratch memory of `bytes` at BASE with a hart area and an interpreter area, as a VM's: of
 * one thread, or (`threads`) shared as a VM's on vCPU threads, whose interpreter area is taken
 * as a vCPU thread takes its own.
 */
function scratchMemory(bytes: number, threads: boolean): PhysMemory {
  if (!threads) return new PhysMemory(BASE, bytes, false, 1);
  const mem = new PhysMemory(BASE, bytes, true, 1, 1);
  mem.claimInterpreterArea(0);
  return mem;
}

/** What a step needs besides the instruction: the mode and the register values. */
interface Step { virt: boolean; rs1: number; values: [number, number, number, number] }

function warmUp(threads: boolean): { h: Hart; mem: PhysMemory } {
  // Over a WebAssembly.Memory with a hart area, as a VM's harts are.
  const mem = scratchMemory(SIZE, threads);
  const h = new Hart(0, mem);
  if (threads) {
    h.pollWord = new Int32Array(new SharedArrayBuffer(4)); // never rung: 0, as pollSeen
    h.setSharedAtomics(scratchAtomics = new SharedAtomics(mem.sharedBuffer!, new Int32Array(new SharedArrayBuffer(8)), 0));
  }
  h.bus = scratchBus;
  // Off while single instructions are rewritten in place (one at a time, each decoded afresh).
  h.setJit(false);
  h.setDeviceGpa((gpa) => gpa < BASE);
  pageTables(mem);
  // V8 gives a function its feedback vector only after some calls: the first calls teach it nothing.
  reset(h, false);
  code(mem, 0, 0x00028293); // addi t0, t0, 0
  for (let k = 0; k < 100; k++) stepAt(h, CODE, { virt: false, rs1: DATA, values: VALUES[0] });
  // Each instruction of the table at an address of its own, written once: a step is then a
  // call of `run`, not a write that drops the page's decoded instructions and its TLB entries.
  const words = instructionWords();
  words.forEach(([w], i) => mem.view.setInt32(TABLE_AT - BASE + 4 * i, w, true));
  mem.noteWrite(TABLE_AT - BASE, 4 * words.length);
  // The paths of a few instructions in a row first: V8 may start optimising before the end, and
  // what runs after that start is not in the optimised code.
  secondFastPath(threads); // once: the call's feedback stays megamorphic for refresh() too
  compiledLoop(h, mem);
  reset(h, false);
  largeCounts(h, mem);
  storeAfterReservation(h, mem);
  pause(h, mem);
  interrupt(h, mem);
  breakpoint(h, mem);
  for (const virt of [false, true]) {
    reset(h, virt);
    words.forEach(([w, kind], i) => {
      const at = TABLE_AT + 4 * i;
      // VS-mode adds only what differs there: the two-stage slow paths of loads and stores, and ecall.
      if (virt && kind !== 'memory' && w !== 0x73) return;
      if (kind === 'memory') {
        // Twice per base: a TLB miss, then a hit (or the MMIO page cache in VS-mode).
        for (const rs1 of BASES) for (let k = 0; k < 2; k++) stepAt(h, at, { virt, rs1, values: VALUES[0] });
      } else {
        for (const values of kind === 'other' ? VALUES.slice(0, 2) : VALUES) {
          stepAt(h, at, { virt, rs1: DATA, values });
          // rs1 is an address above: a branch also compares equal low words (then the high
          // words are compared too), which no guest takes long to meet, and a smaller first
          // operand (rs1 0), the only way to a taken BLT (a Linux boot deoptimised `run` there
          // once V8 compiled it before the guest ran).
          if (kind === 'branch') {
            stepAt(h, at, { virt, rs1: values[2], values });
            stepAt(h, at, { virt, rs1: 0, values });
          }
        }
      }
    });
    // A 32-bit instruction across a page boundary: addi t0, t0, 0 in two halves.
    mem.view.setUint16(0xffe, 0x8293, true);
    mem.view.setUint16(0x1000, 0x0002, true);
    mem.noteWrite(0xffe, 4);
    enter(h, virt, BASE + 0xffe);
    h.run(1);
  }
  // The interrupts again, now that the functions of the check have their feedback vectors
  // (V8 gives a small function one only after some calls): the first time round, a hart
  // whose `run` was optimised afterwards deoptimised it at its first interrupt.
  interrupt(h, mem);
  if (!threads) sharedFence(h, mem);
  return { h, mem };
}

/**
 * The compiled loop and the interrupts again, paths met early in the warm-up, when some
 * functions `run` calls had no feedback vector yet: without them one cold run in three
 * deoptimised `run` on the way back from a compiled region (cpu-bound sample) or in the
 * interrupt check (Linux), paths V8's own rule had seen the guest take before it compiled.
 * Run before the relaxed rule, not under it: `run` has used most of its interrupt budget by
 * then, and under the relaxed rule V8 marked it in the compiled loop and began its compile
 * there, before these paths ran again (node --trace-opt); now it is marked in optimiseRun's loop.
 */
function refresh(h: Hart, mem: PhysMemory): void {
  compiledLoop(h, mem);
  interrupt(h, mem);
}

/**
 * A counted loop in the interpreter (2,000 instructions, some 0.3 ms), long enough for `run`
 * to use up its interrupt budget, hence to be marked; then one more call, where V8 starts the
 * concurrent compile of a marked function (about 2.5 ms in all).
 */
function optimiseRun(h: Hart, mem: PhysMemory): void {
  reset(h, false);
  code(mem, 0, 0xfff28293 | 0); // addi t0, t0, -1
  code(mem, 4, 0xfe029ee3 | 0); // bnez t0, -4
  code(mem, 8, 0x00000073); // ecall
  enter(h, false, CODE);
  h.x[10] = 1000; h.x[11] = 0;
  h.run(5000);
  enter(h, false, CODE);
  h.x[10] = 1; h.x[11] = 0;
  h.run(5000);
}

/** Back to the reset state, in M-mode or in VS-mode with both stages on; FP enabled. */
function reset(h: Hart, virt: boolean): void {
  h.reset(CODE);
  h.hostTraps = virt;
  h.set(Slot.MSTATUS, Mstatus.FS_MASK, 0);
  h.set(Slot.VSSTATUS, Mstatus.FS_MASK, 0);
  h.set(Slot.VSATP, (VS_ROOT / 4096) | 0, 8 << 28);
  h.set(Slot.HGATP, (G_ROOT / 4096) | 0, 8 << 28);
}

/**
 * Identity maps: the VS-stage (Sv39) maps GVA = GPA with gigapages at 0 and 2 GiB; the G-stage
 * (Sv39x4) maps the gigapage at 2 GiB (RAM) and leaves the device's gigapage unmapped.
 */
function pageTables(mem: PhysMemory): void {
  const pte = (table: number, index: number, pa: number, flags: number): void => {
    mem.view.setInt32(table - BASE + index * 8, ((pa / 4096) << 10) | flags, true);
  };
  pte(VS_ROOT, 0, 0, 0xcf); // V R W X A D
  pte(VS_ROOT, 2, BASE, 0xcf);
  pte(G_ROOT, 2, BASE, 0xdf); // and U, as G-stage leaves must have
}

type Kind = 'alu' | 'branch' | 'memory' | 'other';

/**
 * Field values of the compressed halfwords the warm-up expands: bits [6:2] zero or not, with
 * [6:5] 0..3; bits [11:7] as x0, ra, sp, and [11:10] 00, 01, 10, 11 (CB/CA sub-functions).
 * With every quadrant, funct3 and bit 12 they reach each Op a compressed instruction expands
 * to (test/unit/hart/warm-up.test.ts checks against all 65,536 halfwords).
 */
const RS2_FIELDS = [0, 1, 9, 17, 25];
const RD_FIELDS = [0, 1, 2, 8, 16, 24];

/**
 * Every instruction of the table (rd = t0, rs1 = t1, rs2 = t2) with each immediate it takes,
 * one compressed instruction per instruction the C extension expands to, and an illegal one.
 */
function instructionWords(): [number, Kind][] {
  const out: [number, Kind][] = [];
  for (const r of TABLE) {
    const kind: Kind = r.fmt === Fmt.LOAD || r.fmt === Fmt.STORE ? 'memory'
      : r.fmt === Fmt.BRANCH ? 'branch' : r.fmt === Fmt.R || r.fmt === Fmt.I || r.fmt === Fmt.SHIFT ? 'alu' : 'other';
    const imms = r.fmt === Fmt.I || r.fmt === Fmt.SHIFT ? IMMEDIATES : [0];
    for (const imm of imms) {
      const operands = (5 << 7) | (6 << 15) | (7 << 20) | (imm << 20);
      out.push([(r.match | (operands & ~r.mask)) | 0, kind]);
    }
  }
  for (const half of compressedSamples()) out.push([half, 'other']);
  out.push([0, 'other']); // an illegal halfword: the thrown trap
  return out;
}

/**
 * One compressed halfword per Op the C extension expands to, the first met in a walk of
 * 1,440 halfwords (fields from RS2_FIELDS and RD_FIELDS). Each expansion is worked out and
 * kept on first use, so the warm-up expands few: all 65,536 took some 40 ms of every start,
 * and an eighth of them, in one long loop that V8 runs unoptimised (the CLI turns on-stack
 * replacement off), still some 10.
 */
export function compressedSamples(): number[] {
  const out: number[] = [];
  const seen = new Set<Op>();
  for (let quadrant = 0; quadrant < 3; quadrant++) {
    for (let funct3 = 0; funct3 < 8; funct3++) {
      for (let bit12 = 0; bit12 < 2; bit12++) {
        for (const rd of RD_FIELDS) {
          for (const rs2 of RS2_FIELDS) {
            const half = (funct3 << 13) | (bit12 << 12) | (rd << 7) | (rs2 << 2) | quadrant;
            const w = expandCompressed(half);
            if (w === 0) continue;
            const op = decode(w);
            if (seen.has(op)) continue;
            seen.add(op);
            out.push(half);
          }
        }
      }
    }
  }
  return out;
}

/** Writes an instruction word at host offset `off` as the host does: decoded copies of what was there go. */
function code(mem: PhysMemory, off: number, w: number): void {
  mem.view.setInt32(off, w, true);
  mem.noteWrite(off, 4);
}

/** Sets the mode (M, or VS) and the pc for one step. */
function enter(h: Hart, virt: boolean, pc: number): void {
  h.virt = virt;
  h.priv = virt ? Priv.S : Priv.M;
  h.pcLo = pc | 0;
  h.pcHi = 0;
}

/** Executes the instruction word `w` once (budget 1) with t1 = the base address and t0, t2 = the values. */
function step(h: Hart, mem: PhysMemory, w: number, s: Step): void {
  code(mem, 0, w);
  stepAt(h, CODE, s);
}

/** Executes the instruction at `pc` once (budget 1), as {@link step} does. */
function stepAt(h: Hart, pc: number, s: Step): void {
  enter(h, s.virt, pc);
  const [alo, ahi, blo, bhi] = s.values;
  h.x[10] = alo; h.x[11] = ahi;
  h.x[12] = s.rs1 | 0; h.x[13] = 0;
  h.x[14] = blo; h.x[15] = bhi;
  h.run(1);
}

/**
 * Counts past 2^30 (instret, the time a CSR read saw): the hart's fields for them then hold
 * doubles from the start. A field that first holds small integers and later a larger number
 * changes the hart's hidden class, and every optimised function that uses a hart is thrown
 * away (a Linux boot reached that at its first rdtime).
 */
function largeCounts(h: Hart, mem: PhysMemory): void {
  const source = h.timeSource;
  h.instret = 2 ** 40;
  h.timeSource = () => 2 ** 40;
  step(h, mem, 0xc01022f3 | 0, { virt: false, rs1: DATA, values: VALUES[0] }); // rdtime t0
  h.timeSource = source;
}

/**
 * Stores of each width that hit the TLB while an LR reservation is held, on the reserved
 * doubleword (it is cleared) and beside it: each width is a case of its own in `run`.
 */
function storeAfterReservation(h: Hart, mem: PhysMemory): void {
  for (const offset of [0, 8]) {
    for (const funct3 of [0, 1, 2, 3]) {
      const store = (funct3 << 12) | (7 << 20) | (6 << 15) | (offset << 7) | 0x23; // s{b,h,w,d} t2, offset(t1)
      step(h, mem, store, { virt: false, rs1: DATA, values: VALUES[0] }); // fills the write TLB
      code(mem, 4, store);
      code(mem, 0, 0x100322af); // lr.w t0, (t1)
      enter(h, false, CODE);
      h.x[12] = DATA | 0; h.x[13] = 0;
      h.run(2);
    }
  }
}

/** PAUSE (Linux's cpu_relax) with and without the yield on spinning, until it yields. */
function pause(h: Hart, mem: PhysMemory): void {
  for (const spin of [false, true]) {
    h.yieldOnSpin = spin;
    code(mem, 0, PAUSE);
    code(mem, 4, 0xffdff06f | 0); // j -4
    enter(h, false, CODE);
    h.run(2 * SPIN_YIELD_SWAPS + 2);
  }
  h.yieldOnSpin = false;
}

/** An interrupt taken at the loop's top (the M timer, enabled), and VS-level ones in VS-mode. */
function interrupt(h: Hart, mem: PhysMemory): void {
  enter(h, false, CODE);
  h.mie = 1 << Irq.MTI;
  h.set(Slot.MSTATUS, h.lo(Slot.MSTATUS) | Mstatus.MIE, h.hi(Slot.MSTATUS));
  // With the Sstc comparators on (both far in the future), as the VM's harts run.
  h.set(Slot.MENVCFG, h.lo(Slot.MENVCFG), h.hi(Slot.MENVCFG) | EnvcfgHi.STCE);
  h.set(Slot.HENVCFG, h.lo(Slot.HENVCFG), h.hi(Slot.HENVCFG) | EnvcfgHi.STCE);
  h.set(Slot.STIMECMP, -1, 0x7fffffff);
  h.set(Slot.VSTIMECMP, -1, 0x7fffffff);
  h.setInterruptLine(Irq.MTI, true);
  h.run(1);
  h.setInterruptLine(Irq.MTI, false);
  h.mie = 0;
  // Both comparators due (STIP and VSTIP pending), none enabled.
  h.set(Slot.STIMECMP, 0, 0);
  h.set(Slot.VSTIMECMP, 0, 0);
  enter(h, false, CODE);
  h.run(1);
  // In VS-mode, a VS timer interrupt (hvip, delegated by hideleg) the guest has masked
  // (vsstatus.SIE clear), then one it takes: the guest kernel's side of the check.
  reset(h, true);
  code(mem, 0, 0x00028293); // addi t0, t0, 0
  h.mie = h.hideleg = h.hvip = 1 << Irq.VSTI;
  for (const sie of [0, Mstatus.SIE]) {
    h.set(Slot.VSSTATUS, (h.lo(Slot.VSSTATUS) & ~Mstatus.SIE) | sie, h.hi(Slot.VSSTATUS));
    enter(h, true, CODE);
    h.run(1);
  }
  h.mie = h.hideleg = h.hvip = 0;
  reset(h, false);
}

/**
 * FENCE and FENCE.I with the A extension over shared RAM (a vCPU thread's hart): calls the
 * interpreter makes nowhere else (a Linux boot on 2 vCPU threads deoptimised `run` at FENCE.I's
 * once in each thread).
 */
function sharedFence(h: Hart, mem: PhysMemory): void {
  h.setSharedAtomics(scratchAtomics = new SharedAtomics(new SharedArrayBuffer(8), new Int32Array(new SharedArrayBuffer(4)), 0));
  for (const w of [0x0ff0000f, 0x0000100f]) { // fence; fence.i
    code(mem, 0, w);
    enter(h, false, CODE);
    h.run(1);
  }
  h.setSharedAtomics(null);
}

/** A run with a breakpoint elsewhere on the page, then one that stops at a breakpoint. */
function breakpoint(h: Hart, mem: PhysMemory): void {
  code(mem, 0, 0x00028293); // addi t0, t0, 0
  h.addBreakpoint(CODE + 0x100, 0);
  enter(h, false, CODE);
  h.run(1);
  h.addBreakpoint(CODE, 0);
  enter(h, false, CODE);
  h.run(1);
  h.clearBreakpoints();
}

/**
 * The fast path's call in `run` (jit/wasm/interpreter.ts) with a second target. Each memory
 * has an instance of its own, so with the warm-up's alone the call's feedback would name
 * that one, and V8 would deoptimise `run` at a VM's first call ("wrong call target"); two
 * targets make the feedback megamorphic before `run` is optimised.
 */
function secondFastPath(threads: boolean): void {
  const mem = scratchMemory(1 << 20, threads);
  const h = new Hart(0, mem);
  h.setJit(true);
  mem.view.setInt32(0, 0x0000006f, true); // j .
  h.reset(BASE | 0, 0);
  h.run(1000);
}

/** A counted loop, run until it is compiled and then entered from the interpreter. */
function compiledLoop(h: Hart, mem: PhysMemory): void {
  h.setJit(true);
  h.hostTraps = true;
  code(mem, 0, 0xfff28293 | 0); // addi t0, t0, -1
  code(mem, 4, 0xfe029ee3 | 0); // bnez t0, -4
  code(mem, 8, 0x00000073); // ecall
  // Twice: the first run compiles the loop, the second finds it compiled at its first probe.
  for (let k = 0; k < 2; k++) {
    enter(h, false, CODE);
    h.x[10] = 2000; h.x[11] = 0;
    h.run(10000);
  }
  // Into the compiled loop from M-mode and from VS-mode in turn (two translation contexts, so
  // two sets of TLB arrays), more times than V8 calls a function before it gives it feedback:
  // the dispatcher's check of the arrays it was last given (wasm/index.ts noteOffsets) then
  // has feedback for a change of context, which a Linux boot meets at once; without it the
  // block cache's `run` was deoptimised there in every boot. Every other pair of runs enters at
  // the bnez, which the fast path runs before it calls the dispatcher for the loop itself
  // (Hart.run then moves what that ran to the block cache's counters).
  for (let k = 0; k < 16; k++) {
    const virt = (k & 1) === 1;
    reset(h, virt);
    h.hostTraps = true;
    enter(h, virt, CODE + (k & 2) * 2);
    h.x[10] = 4; h.x[11] = 0;
    h.run(100);
  }
  // A loop of two blocks (none loops alone): its starts count on past the first threshold
  // without compiling, through every test of the interpreter's inline look (Hart.run).
  code(mem, 0, 0xfff28293 | 0); // addi t0, t0, -1
  code(mem, 4, 0x0040006f); // j 8
  code(mem, 8, 0xfe029ce3 | 0); // bnez t0, -8
  code(mem, 12, 0x00000073); // ecall
  enter(h, false, CODE);
  h.x[10] = 200; h.x[11] = 0;
  h.run(10000);
  h.setJit(false);
}
