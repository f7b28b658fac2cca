/**
 * The interpreter's WebAssembly fast path (hart/jit/wasm/interpreter.ts) against the
 * JavaScript interpreter, the reference: random programs of the integer instructions, AMOs and
 * fences it runs (with loads, stores, branches, jumps and the instructions it leaves to
 * JavaScript, LR/SC, AMOSWAP, PAUSE among them, mixed in)
 * end in the same registers, memory, pc and instruction count, also when cut into runs of
 * odd budgets; a store between LR and SC clears the reservation; a hot loop still compiles,
 * and the fast path then runs it through the dispatcher itself.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../../hypervisor-core/memory/phys-memory';
import { Slot } from '../../../../hypervisor-core/hart/hart-state';
import { SharedAtomics } from '../../../../hypervisor-core/hart/shared-atomics';
import { POLL_SPAN } from '../../../../hypervisor-core/hart/hart-types';

const BASE = 0x80000000;
/** The data the programs load and store: 4 KiB at BASE + DATA, its address in x31. */
const DATA = 0x10000;
const PTR = 31;

const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const i = (imm: number, rs1: number, f3: number, rd: number, op: number) => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const s = (imm: number, rs2: number, rs1: number, f3: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;
const b = (off: number, rs2: number, rs1: number, f3: number) => ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) |
  (rs1 << 15) | (f3 << 12) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
const jal = (rd: number, off: number) => ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) |
  (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
const SPIN = jal(0, 0);
const csrrs = (rd: number, csr: number) => ((csr << 20) | (2 << 12) | (rd << 7) | 0x73) >>> 0;
const MSCRATCH = 0x340;
/** The register that holds an AMO's address in the random programs (the data's at first). */
const AMO_AT = 30;
/** fence rw, rw; pause (fence w, 0); fence.tso. */
const FENCE_RW_RW = 0x0330000f, PAUSE = 0x0100000f, FENCE_TSO = 0x8330000f;

/** A small deterministic generator (xorshift32). */
function rng(seed: number): (n: number) => number {
  let v = seed | 1;
  return (n) => {
    v ^= v << 13; v ^= v >>> 17; v ^= v << 5;
    return (v >>> 0) % n;
  };
}

/** A random program of `length` instructions, then a spin (jal x0, 0). */
function program(seed: number, length: number): number[] {
  const rand = rng(seed);
  const reg = (): number => 1 + rand(30); // x1..x30 (x31 holds the data's address)
  // x0 now and then, never x30: a branch may skip the ADDI that sets it before an AMO.
  const dst = (): number => (rand(16) === 0 ? 0 : 1 + rand(29));
  const out: number[] = [];
  for (let k = 0; k < length; k++) {
    const left = length - k; // instructions to the spin, for forward branches
    const pick = rand(22);
    const imm = rand(4096) - 2048;
    if (pick < 5) {
      // R-type: ADD SUB SLL SLT SLTU XOR SRL SRA OR AND, MUL, the W forms, and DIV (JavaScript's).
      const forms: [number, number, number][] = [[0, 0, 0x33], [0x20, 0, 0x33], [0, 1, 0x33], [0, 2, 0x33], [0, 3, 0x33], [0, 4, 0x33],
        [0, 5, 0x33], [0x20, 5, 0x33], [0, 6, 0x33], [0, 7, 0x33], [1, 0, 0x33], [1, 0, 0x3b], [0, 0, 0x3b], [0x20, 0, 0x3b],
        [0, 1, 0x3b], [0, 5, 0x3b], [0x20, 5, 0x3b], [1, 4, 0x33]];
      const [f7, f3, op] = forms[rand(forms.length)];
      out.push(r(f7, reg(), reg(), f3, dst(), op));
    } else if (pick < 9) {
      // I-type: ADDI SLTI SLTIU XORI ORI ANDI, shifts, ADDIW and the W shifts.
      const f3 = rand(8);
      if (f3 === 1) out.push(i(rand(64), reg(), 1, dst(), 0x13));
      else if (f3 === 5) out.push(i(rand(64) | (rand(2) << 10), reg(), 5, dst(), 0x13));
      else out.push(i(imm, reg(), f3, dst(), 0x13));
      if (rand(3) === 0) out.push(rand(2) === 0 ? i(imm, reg(), 0, dst(), 0x1b) : i(rand(32) | (rand(2) << 10), reg(), 5, dst(), 0x1b));
    } else if (pick < 12) {
      // A load from the data page: LB LH LW LD LBU LHU LWU (aligned: where a misaligned access traps is the slow path's).
      const f3 = [0, 1, 2, 3, 4, 5, 6][rand(7)];
      out.push(i(8 * rand(512), PTR, f3, dst(), 0x03));
    } else if (pick < 14) {
      out.push(s(8 * rand(512), reg(), PTR, rand(4))); // SB SH SW SD, aligned
    } else if (pick < 16 && left > 3) {
      const f3 = [0, 1, 4, 5, 6, 7][rand(6)]; // BEQ BNE BLT BGE BLTU BGEU, forward
      out.push(b(4 * (1 + rand(Math.min(left - 1, 8))), reg(), reg(), f3));
    } else if (pick === 16) {
      out.push(((rand(1 << 20) << 12) | (dst() << 7) | (rand(2) === 0 ? 0x37 : 0x17)) >>> 0); // LUI, AUIPC
    } else if (pick === 17 && left > 3) {
      out.push(jal(dst(), 4 * (1 + rand(Math.min(left - 1, 4)))));
    } else if (pick === 20) {
      // An AMO (each of them, W or D) or LR/SC at an aligned doubleword of the data page, its
      // address set in x30 just before: AMOSWAP, LR and SC are JavaScript's, the others the fast path's.
      out.push(i(8 * rand(512), PTR, 0, AMO_AT, 0x13));
      const funct5 = [0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c][rand(11)];
      out.push(r((funct5 << 2) | rand(4), funct5 === 0x02 ? 0 : reg(), AMO_AT, 2 + rand(2), dst(), 0x2f));
    } else if (pick === 21) {
      out.push([FENCE_RW_RW, PAUSE, FENCE_TSO][rand(3)]);
    } else if (pick === 18) {
      out.push(csrrs(dst(), MSCRATCH)); // left to JavaScript
    } else {
      out.push(r(1, reg(), reg(), 2, dst(), 0x33)); // MULHSU: left to JavaScript
    }
  }
  out.push(SPIN);
  return out;
}

/**
 * A hart over a memory with an interpreter area, `code` at BASE, random registers and data;
 * with `threads`, as a vCPU thread's: RAM shared, the thread's own interpreter area, the A
 * extension through Atomics and a poll word (never rung unless a test rings it).
 */
function hartWith(code: number[], fast: boolean, seed: number, threads = false): Hart {
  const mem = threads ? new PhysMemory(BASE, 1 << 20, true, 1, 1) : new PhysMemory(BASE, 1 << 20, false, 1);
  mem.claimInterpreterArea(0);
  code.forEach((w, k) => mem.view.setUint32(4 * k, w, true));
  const rand = rng(seed * 7 + 3);
  for (let k = 0; k < 4096; k += 4) mem.view.setUint32(DATA + k, rand(0x10000) * 0x10000 + rand(0x10000), true);
  const h = new Hart(0, mem);
  h.setJit(true);
  h.wasmInterpreter = fast;
  // Nothing compiles: the fast path (or the JavaScript interpreter) runs every instruction.
  h.blockCache!.threshold = h.blockCache!.regionThreshold = h.blockCache!.straightThreshold = 60000;
  h.reset(BASE | 0, 0);
  for (let reg = 1; reg < 31; reg++) { h.x[2 * reg] = rand(0x10000) * 0x10000 + rand(0x10000); h.x[2 * reg + 1] = rand(3) === 0 ? -1 : rand(0x10000); }
  for (const reg of [PTR, AMO_AT]) { h.x[2 * reg] = (BASE + DATA) | 0; h.x[2 * reg + 1] = 0; }
  h.set(Slot.MSCRATCH, 0x1234, 0x5678);
  if (threads) {
    h.setSharedAtomics(new SharedAtomics(mem.sharedBuffer!, new Int32Array(new SharedArrayBuffer(8)), 0));
    h.pollWord = new Int32Array(new SharedArrayBuffer(4));
  }
  return h;
}

const state = (h: Hart) => ({
  pc: h.pcLo >>> 0, instret: h.instret, x: Array.from(h.x),
  data: Buffer.from(h.mem.bytes.subarray(DATA, DATA + 4096)).toString('hex'),
});

describe('hart: the interpreter\'s WebAssembly fast path', () => {
  for (const threads of [false, true]) {
    it(`random programs (integer, AMOs, LR/SC, fences) end as the JavaScript interpreter ends them (registers, data, pc, count), in one run or cut into odd budgets${threads ? ', over RAM shared by vCPU threads' : ''}`, () => {
      let fastRan = 0, atSpin = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const code = program(seed, 40 + (seed % 50));
        const budgets = seed % 2 === 0 ? [1000] : [3, 7, 1, 13, 2, 1000];
        const end = (fast: boolean) => {
          const h = hartWith(code, fast, seed, threads);
          for (const n of budgets) h.run(n);
          if (fast) fastRan += h.fastInstructions;
          else assert.equal(h.fastInstructions, 0);
          if (fast && h.pcLo >>> 0 === BASE + 4 * (code.length - 1)) atSpin++;
          return state(h);
        };
        assert.deepEqual(end(true), end(false), `seed ${seed}`);
      }
      assert.equal(atSpin, 60, 'every program ran to its end');
      assert.ok(fastRan > 10_000, `the fast path ran ${fastRan} instructions`);
    });
  }

  it('on a vCPU thread, a rung poll word ends the run within POLL_SPAN instructions of the fast path', () => {
    // sw x1, 0(x31) rings the word (the poll word is that word of RAM here), then a loop of
    // three (addi x2, x2, 1; addi x3, x3, 1; j -8) forever: the span ends inside its body.
    const code = [s(0, 1, PTR, 2), i(1, 2, 0, 2, 0x13), i(1, 3, 0, 3, 0x13), jal(0, -8), SPIN];
    for (const fast of [true, false]) {
      const h = hartWith(code, fast, 5, true);
      h.pollWord = new Int32Array(h.mem.sharedBuffer!, DATA, 1);
      h.pollWord[0] = 0; // as pollSeen: not rung
      // A first run stores 0 (no ring), decodes the loop and fills the TLB; the second rings.
      h.x[2] = 0; h.x[3] = 0;
      h.run(1000);
      h.pcLo = BASE | 0; h.pcHi = 0;
      h.x[2] = 1; // x1 = 1
      const before = h.fastInstructions;
      h.run(100_000);
      assert.equal(h.pollWord[0], 1);
      assert.ok(h.lastRunCost > 1 && h.lastRunCost <= POLL_SPAN + 2, `fast ${fast}: ${h.lastRunCost} instructions before the look`);
      if (fast) assert.ok(h.fastInstructions - before > POLL_SPAN / 2, 'the fast path ran the loop');
    }
  });

  it('on a vCPU thread, FENCE and the A instructions are JavaScript\'s (through Atomics): the fast path leaves each to it', () => {
    // fence rw, rw; amoadd.d x5, x6, (x31); spin
    const h = hartWith([FENCE_RW_RW, r(0, 6, PTR, 3, 5, 0x2f), SPIN], true, 6, true);
    h.run(2);
    assert.equal(h.fastInstructions, 0);
    assert.equal(h.pcLo >>> 0, BASE + 8);
  });

  it('x0 stays zero when an instruction the fast path runs names it as rd', () => {
    const h = hartWith([i(5, 0, 0, 0, 0x13), i(0, 0, 0, 1, 0x13), SPIN], true, 1); // addi x0, x0, 5; addi x1, x0, 0
    h.run(3);
    assert.equal(h.x[0], 0);
    assert.equal(h.x[2], 0);
    assert.equal(h.x[3], 0);
  });

  it('a store or AMO by the fast path to the reserved doubleword makes the next SC fail, as the spec requires of a store by the same hart', () => {
    // sd t1, 8(x31) (the write TLB's entry); lr.d t0, (x31); sd t1, 0(x31) or amoadd.d t3, t1, (x31)
    // or amoor.w t3, t1, 4(x31); sc.d t2, t1, (x31); spin
    const fill = s(8, 6, PTR, 3), lr = r(0x08, 0, PTR, 3, 5, 0x2f), sc = r(0x0c, 6, PTR, 3, 7, 0x2f);
    const amoorWord = [i(4, PTR, 0, AMO_AT, 0x13), r(0x08 << 2, 6, AMO_AT, 2, 28, 0x2f)];
    for (const between of [[s(0, 6, PTR, 3)], [r(0, 6, PTR, 3, 28, 0x2f)], amoorWord]) {
      for (const fast of [true, false]) {
        const h = hartWith([fill, lr, ...between, sc, SPIN], fast, 2);
        h.run(3 + between.length);
        assert.equal(h.x[2 * 7], 1, `fast ${fast}: sc.d failed`); // 1: failure
        if (fast) assert.equal(h.fastInstructions, between.length + 1, 'the fast path ran the store or AMO and the SC');
      }
    }
  });

  it('LR then SC to the same doubleword in the fast path: the SC stores and writes 0, as in JavaScript', () => {
    // ld t0, 0(x31) and sd t1, 8(x31) (the TLB entries); lr.d t0, (x31); addi t1, t1, 1; sc.d t2, t1, (x31); spin
    const code = [i(0, PTR, 3, 5, 0x03), s(8, 6, PTR, 3), r(0x08, 0, PTR, 3, 5, 0x2f), i(1, 6, 0, 6, 0x13), r(0x0c, 6, PTR, 3, 7, 0x2f), SPIN];
    const ends = [true, false].map((fast) => {
      const h = hartWith(code, fast, 4);
      h.run(5);
      assert.equal(h.x[2 * 7], 0, `fast ${fast}: sc.d succeeded`);
      assert.equal(h.mem.view.getInt32(DATA, true), h.x[2 * 6]);
      if (fast) assert.equal(h.fastInstructions, 3, 'the fast path ran LR, ADDI and SC');
      return state(h);
    });
    assert.deepEqual(ends[0], ends[1]);
  });

  it('an AMO at a misaligned address traps as the spec says (store/AMO address misaligned, mtval the address), memory untouched', () => {
    // addi x30, x31, 4; amoadd.d x5, x6, (x30); spin; the handler at mtvec: spin
    const code = [i(4, PTR, 0, AMO_AT, 0x13), r(0, 6, AMO_AT, 3, 5, 0x2f), SPIN, SPIN];
    const ends = [true, false].map((fast) => {
      const h = hartWith(code, fast, 3);
      h.set(Slot.MTVEC, (BASE + 12) | 0, 0);
      h.run(10);
      assert.equal(h.lo(Slot.MCAUSE), 6, `fast ${fast}: mcause`);
      assert.equal(h.lo(Slot.MTVAL) >>> 0, BASE + DATA + 4);
      assert.equal(h.lo(Slot.MEPC) >>> 0, BASE + 4);
      assert.equal(h.pcLo >>> 0, BASE + 12);
      return state(h);
    });
    assert.deepEqual(ends[0], ends[1]);
  });

  it('runs the pages without breakpoints under a debugger and stops at a breakpoint on the instruction the JavaScript interpreter stops at', () => {
    // Page 0: a counted loop (t0 = 1000 turns of addi t1; addi t0; bne), then a jump to page 1,
    // where the breakpoint is on the third instruction (after two addi).
    const code = [i(1000, 0, 0, 5, 0x13), i(3, 6, 0, 6, 0x13), i(-1, 5, 0, 5, 0x13), b(-8, 0, 5, 1), jal(0, 0x1000 - 16)];
    const page1 = [i(1, 7, 0, 7, 0x13), i(1, 7, 0, 7, 0x13), i(1, 7, 0, 7, 0x13), SPIN];
    const stops = [true, false].map((fast) => {
      const h = hartWith(code, fast, 4);
      page1.forEach((w, k) => h.mem.view.setUint32(0x1000 + 4 * k, w, true));
      h.x[12] = 0; h.x[13] = 0; h.x[14] = 0; h.x[15] = 0;
      h.addBreakpoint((BASE + 0x1008) | 0, 0);
      const stop = h.run(100_000);
      if (fast) assert.ok(h.fastInstructions > 2500, `the fast path ran ${h.fastInstructions} on the page without a breakpoint`);
      return { stop, pc: h.pcLo >>> 0, instret: h.instret, t1: h.x[12], t2: h.x[14] };
    });
    assert.deepEqual(stops[0], { stop: StopReason.BREAKPOINT, pc: BASE + 0x1008, instret: 1 + 3 * 1000 + 1 + 2, t1: 3000, t2: 2 });
    assert.deepEqual(stops[0], stops[1]);
  });

  it('self-modifying code: a store to code the fast path ran, then FENCE.I, runs the new instruction (a0 = 100*1 + 100*2)', () => {
    // Nothing compiles (hartWith's thresholds): the loop runs in the fast path, from the
    // predecode cache the store must clear.
    const A0 = 10, T0 = 5, T1 = 6, T2 = 7, T3 = 28;
    const auipc = (rd: number) => (rd << 7) | 0x17;
    const code = [
      i(0, 0, 0, A0, 0x13), // 0x00 addi a0, x0, 0
      i(2, 0, 0, T2, 0x13), // 0x04 addi t2, x0, 2
      i(100, 0, 0, T0, 0x13), // 0x08 outer: addi t0, x0, 100
      i(1, A0, 0, A0, 0x13), // 0x0c loop: addi a0, a0, 1 (patched)
      i(-1, T0, 0, T0, 0x13), // 0x10 addi t0, t0, -1
      b(-8, 0, T0, 1), // 0x14 bne t0, x0, loop
      auipc(T1), // 0x18
      s(-12, T3, T1, 2), // 0x1c sw t3, -12(t1): the instruction at 0x0c
      0x0000100f, // 0x20 fence.i
      i(-1, T2, 0, T2, 0x13), // 0x24 addi t2, t2, -1
      b(-0x20, 0, T2, 1), // 0x28 bne t2, x0, outer
      SPIN, // 0x2c
    ];
    for (const fast of [true, false]) {
      const h = hartWith(code, fast, 5);
      h.x[2 * T3] = i(2, A0, 0, A0, 0x13) | 0; // addi a0, a0, 2
      h.x[2 * T3 + 1] = 0;
      h.run(2000);
      assert.equal(h.x[2 * A0], 300, `fast ${fast}`);
      assert.equal(h.pcLo >>> 0, BASE + 0x2c);
      if (fast) assert.ok(h.fastInstructions > 500, `the fast path ran ${h.fastInstructions}`);
    }
  });

  it('a host write to code the fast path ran (a loader, a debugger, DMA): the next run executes the new code', () => {
    const A0 = 10, T0 = 5;
    const loop = [i(1, A0, 0, A0, 0x13), i(-1, T0, 0, T0, 0x13), b(-8, 0, T0, 1), SPIN];
    const h = hartWith(loop, true, 6);
    h.x[2 * A0] = 0; h.x[2 * A0 + 1] = 0; h.x[2 * T0] = 100; h.x[2 * T0 + 1] = 0;
    h.run(1000);
    assert.equal(h.x[2 * A0], 100);
    const patch = new Uint8Array(4);
    new DataView(patch.buffer).setUint32(0, i(5, A0, 0, A0, 0x13), true);
    h.mem.write(BASE, patch);
    h.reset(BASE | 0, 0);
    h.x[2 * A0] = 0; h.x[2 * T0] = 100; h.x[2 * T0 + 1] = 0;
    h.run(1000);
    assert.equal(h.x[2 * A0], 500);
    assert.ok(h.fastInstructions > 400);
  });

  it('a hot loop still compiles: the fast path hands a start reaching its look to the block cache', () => {
    // addi t0, x0, 2000; loop: addi t1, t1, 3; addi t0, t0, -1; bne t0, x0, loop; spin
    const code = [i(2000, 0, 0, 5, 0x13), i(3, 6, 0, 6, 0x13), i(-1, 5, 0, 5, 0x13), b(-8, 0, 5, 1), SPIN];
    const h = hartWith(code, true, 3);
    h.blockCache!.threshold = 64;
    h.blockCache!.regionThreshold = h.blockCache!.straightThreshold = 512;
    h.x[12] = 0; h.x[13] = 0;
    h.run(6001);
    assert.equal(h.x[12], 6000);
    assert.ok(h.blockCache!.counters.insns > 5000, `translated ${h.blockCache!.counters.insns}`);
    assert.ok(h.fastInstructions > 0);
  });

  it('runs a compiled loop itself through the dispatcher, counted as translated (not as its own), but not with a breakpoint set', () => {
    // addi t0, x0, 400; loop: addi t1, t1, 3; addi t0, t0, -1; bne t0, x0, loop; amoadd.d x0, x0, (x31)
    // (no region holds it: the fast path runs it); addi t2, t2, 1; jal x0, -24 (to the top)
    const code = [i(400, 0, 0, 5, 0x13), i(3, 6, 0, 6, 0x13), i(-1, 5, 0, 5, 0x13), b(-8, 0, 5, 1), r(0, 0, PTR, 3, 0, 0x2f),
      i(1, 7, 0, 7, 0x13), jal(0, -24)];
    const rounds = (breakpoint: boolean): Hart => {
      const h = hartWith(code, true, 7);
      h.blockCache!.threshold = 64;
      h.blockCache!.regionThreshold = h.blockCache!.straightThreshold = 512;
      h.x[12] = 0; h.x[13] = 0; h.x[14] = 0; h.x[15] = 0;
      if (breakpoint) h.addBreakpoint((BASE + DATA) | 0, 0); // on the data page: never reached
      h.run(20 * 1204); // 20 rounds: li, 400 x 3, amoadd, addi, jal
      return h;
    };
    const h = rounds(false);
    assert.equal(h.x[14], 20, 'twenty rounds');
    assert.equal(h.x[12], 20 * 1200, 't1 = 20 x 400 x 3');
    const translated = h.blockCache!.counters.insns;
    assert.ok(translated > 0.9 * h.instret, `translated ${translated} of ${h.instret}`);
    assert.ok(translated + h.fastInstructions <= h.instret, 'each instruction counted once');
    // Once the loop is compiled the fast path calls the dispatcher at the bne's target each
    // round and takes over again at the amoadd, without returning to JavaScript in between.
    assert.ok(h.blockCache!.counters.dispatches >= 15, `${h.blockCache!.counters.dispatches} dispatches`);
    assert.ok(h.fastCalls < 10, `${h.fastCalls} calls into the fast path`);
    // With a breakpoint set the block cache runs the loop: the fast path returns to it each round.
    const debugged = rounds(true);
    assert.ok(debugged.fastCalls >= 20, `${debugged.fastCalls} calls into the fast path`);
    assert.deepEqual(state(debugged), state(h), 'the same end');
  });
});
