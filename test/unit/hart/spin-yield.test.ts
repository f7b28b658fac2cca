/**
 * A vCPU spinning on a held test-and-set lock gives up its turn early (Hart.yieldOnSpin),
 * as pause-loop exiting lets a hypervisor run the lock's holder: with every vCPU of a VM
 * taking turns on one host thread, the holder can only release the lock in its own turn.
 * Before this, xv6-riscv's `usertests -q` on 3 vCPUs (--bios none) made almost no progress
 * after "usertests starting": its acquire loop spun out whole 50000-instruction turns while
 * the holder of the pipe or a proc lock waited for its next one.
 */
import { strict as assert } from 'node:assert';
import { Hart, SPIN_YIELD_SWAPS, StopReason } from '../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
/** The lock word, on a page of its own (a store to a code page never goes through the TLB). */
const LOCK = 0x2000;
/** xv6's acquire loop (riscv64-unknown-elf-as): li a4,1; 1: mv a5,a4; amoswap.w.aq a5,a5,(s1); bnez a5,1b; 2: j 2b */
const ACQUIRE = [0x00100713, 0x00070793, 0x0cf4a7af, 0xfe079ce3, 0x0000006f];
const BUDGET = 50000;

/**
 * A memory of `bytes` with a hart area (and so the interpreter's WebAssembly fast path, with
 * translation on) when `fast`, as a VM's; a plain one otherwise.
 */
function memory(bytes: number, fast: boolean): PhysMemory {
  return fast ? new PhysMemory(BASE, bytes, false, 1) : new PhysMemory(BASE, bytes);
}

/**
 * An M-mode hart running the acquire loop on a lock word holding `lock`: in the JavaScript
 * interpreter, or (`fast`) in the fast path, which leaves each failed swap to it.
 */
function spinner(lock: number, yieldOnSpin: boolean, fast = false): { h: Hart; mem: PhysMemory } {
  const mem = memory(64 * 1024, fast);
  ACQUIRE.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  mem.view.setUint32(LOCK, lock, true);
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  h.setJit(fast);
  h.x[9 * 2] = (BASE + LOCK) | 0; // s1 = &lock (zero-extended: high half 0)
  h.x[9 * 2 + 1] = 0;
  h.yieldOnSpin = yieldOnSpin;
  return { h, mem };
}

describe('hart: yielding a turn spent spinning on a held lock', () => {
  for (const fast of [false, true]) {
    it(`ends the run after SPIN_YIELD_SWAPS failed swaps, at the swap, the lock untouched (${fast ? 'the fast path' : 'JavaScript'})`, () => {
      const { h, mem } = spinner(1, true, fast);
    assert.equal(h.run(BUDGET), StopReason.BUDGET);
    // li, then 256 rounds of mv + amoswap + bnez, the last ending at the swap.
      assert.equal(h.lastRunCost, 1 + 3 * (SPIN_YIELD_SWAPS - 1) + 2);
      assert.equal(h.pcLo >>> 0, BASE + 0xc, 'the next instruction is the bnez after the swap');
      assert.equal(mem.view.getUint32(LOCK, true), 1);
      // All but the failed swaps: li, the mv and bnez of each round but the last, its mv.
      if (fast) assert.equal(h.fastInstructions, 2 * SPIN_YIELD_SWAPS);
      // Released meanwhile (by another vCPU's turn): the next run takes it and goes on.
      mem.view.setUint32(LOCK, 0, true);
      h.run(BUDGET);
      assert.equal(h.pcLo >>> 0, BASE + 0x10);
      assert.equal(mem.view.getUint32(LOCK, true), 1);
    });
  }

  it('counts each turn afresh: descheduled between turns, every turn spins the same bounded amount', () => {
    const { h } = spinner(1, true);
    h.run(BUDGET);
    const first = h.lastRunCost;
    h.deschedule();
    h.run(BUDGET);
    assert.equal(h.lastRunCost, 3 * SPIN_YIELD_SWAPS);
    assert.ok(first < 4 * SPIN_YIELD_SWAPS);
  });

  it('a run that goes on without a descheduling (a debugger cut it short) keeps the count of its turn', () => {
    const { h } = spinner(1, true);
    h.run(100); // li, then 33 rounds: 33 failed swaps
    h.run(BUDGET);
    // From the mv: the rounds to the turn's last swap, ending at it.
    assert.equal(h.lastRunCost, 3 * (SPIN_YIELD_SWAPS - 33) - 1);
  });

  it('a swap that takes a free lock is no spin; without yieldOnSpin (one vCPU) the whole budget runs', () => {
    const free = spinner(0, true).h;
    assert.equal(free.run(BUDGET), StopReason.BUDGET);
    assert.equal(free.lastRunCost, BUDGET);
    const single = spinner(1, false).h;
    assert.equal(single.run(BUDGET), StopReason.BUDGET);
    assert.equal(single.lastRunCost, BUDGET);
  });
});

/**
 * Linux's ticket spinlock wait (arch_spin_lock with Zihintpause, as the device tree's
 * riscv,isa now lists it, as QEMU's virt does) reduced to its shape: load the lock word,
 * leave when it is free, PAUSE, loop (riscv64-unknown-elf-objdump of the words). A PAUSE is the hint
 * (Zihintpause: "the hart's rate of instruction retirement should be temporarily reduced").
 */
const PAUSE_LOOP = [0x00052783, 0x00078663, 0x0100000f, 0xff5ff06f, 0x0000006f]; // lw a5,0(a0); beqz a5,0x10; pause; j 0x0; 0x10: j 0x10

/** An M-mode hart running the PAUSE loop on a lock word holding `lock`, translation on or off. */
function pauser(lock: number, yieldOnSpin: boolean, jit: boolean): { h: Hart; mem: PhysMemory } {
  const mem = memory(64 * 1024, jit); // with translation, the fast path runs the load and branch
  PAUSE_LOOP.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  mem.view.setUint32(LOCK, lock, true);
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  h.setJit(jit);
  // The loop translated from its second entry on.
  if (h.blockCache) h.blockCache.threshold = h.blockCache.regionThreshold = 2;
  h.x[10 * 2] = (BASE + LOCK) | 0; // a0 = &lock
  h.x[10 * 2 + 1] = 0;
  h.yieldOnSpin = yieldOnSpin;
  return { h, mem };
}

describe('hart: yielding a turn spent in a PAUSE loop (Zihintpause)', () => {
  for (const jit of [false, true]) {
    it(`ends the run after SPIN_YIELD_SWAPS pauses and counts the yield (translation ${jit ? 'on' : 'off'})`, () => {
      const { h, mem } = pauser(1, true, jit);
      // Several runs: a loop translated meanwhile still stops at its PAUSE.
      for (let k = 0; k < 4; k++) {
        assert.equal(h.run(BUDGET), StopReason.BUDGET);
        assert.ok(h.lastRunCost <= 4 * SPIN_YIELD_SWAPS, `run ${k}: ${h.lastRunCost} instructions`);
      }
      assert.equal(h.spinYields, 4);
      mem.view.setUint32(LOCK, 0, true);
      h.run(BUDGET);
      assert.equal(h.pcLo >>> 0, BASE + 0x10, 'the lock seen free: out of the loop');
      assert.equal(h.spinYields, 4, 'a run that left the loop is no yield');
    });
  }

  it('without yieldOnSpin (one vCPU) a PAUSE loop runs the whole budget', () => {
    const { h } = pauser(1, false, true);
    assert.equal(h.run(BUDGET), StopReason.BUDGET);
    assert.equal(h.lastRunCost, BUDGET);
    assert.equal(h.spinYields, 0);
  });
});
