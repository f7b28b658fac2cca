/**
 * A running hart notices its thread's poll word (Hart.pollWord): on a vCPU thread, another
 * thread rings that word when it raises an interrupt line, asks for a fence or pushes a state,
 * and the slice ends at the next branch target instead of when its 20,000-instruction budget
 * runs out, as KVM kicks a vCPU out of guest mode with an IPI. Deterministic here: the guest
 * itself changes the word (the store stands for another thread's ring) at a known count.
 */
import { strict as assert } from 'node:assert';
import { Hart, POLL_SPAN, StopReason } from '../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const WORD = 0x100;
/**
 * riscv64-unknown-elf-as of: 1: addi t0,t0,1; bne t0,a1,1b; sw t1,0(a0); 2: addi t2,t2,1; j 2b
 * (a1 iterations, then the store to the poll word, then a loop that never leaves).
 */
const PROGRAM = [0x00128293, 0xfeb29ee3, 0x00652023, 0x00138393, 0xffdff06f];
const ITERATIONS = 5000;
/** Instructions up to and with the store. */
const AT_STORE = 2 * ITERATIONS + 1;
const BUDGET = 1_000_000;

/** An M-mode hart running PROGRAM, storing `value`; its poll word is the word stored to (when `poll`). */
function kicked(poll: boolean, jit: boolean, value = 1): Hart {
  const mem = new PhysMemory(BASE, 64 * 1024);
  PROGRAM.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  h.setJit(jit);
  if (h.blockCache) h.blockCache.threshold = h.blockCache.regionThreshold = 2;
  h.x[10 * 2] = (BASE + WORD) | 0; // a0 = &word
  h.x[11 * 2] = ITERATIONS; // a1
  h.x[6 * 2] = value; // t1
  if (poll) {
    h.pollWord = new Int32Array(mem.view.buffer, mem.view.byteOffset + WORD, 1);
    h.pollIndex = 0;
    h.pollSeen = 0;
  }
  return h;
}

describe('hart: a ring on the poll word ends the running slice', () => {
  it('interpreted: within the loop after the store (3 instructions), at a branch target', () => {
    const h = kicked(true, false);
    assert.equal(h.run(BUDGET), StopReason.BUDGET);
    const after = h.lastRunCost - AT_STORE;
    assert.ok(after >= 0 && after <= 3, `${after} instructions after the ring`);
    assert.equal(h.pcLo >>> 0, BASE + 0xc, 'stopped at the loop head, the next instruction to run');
  });

  it(`translated: within POLL_SPAN (${POLL_SPAN}) instructions of a loop running in compiled code`, () => {
    const h = kicked(true, true);
    assert.equal(h.run(BUDGET), StopReason.BUDGET);
    const after = h.lastRunCost - AT_STORE;
    assert.ok(after >= 0 && after <= POLL_SPAN + 3, `${after} instructions after the ring`);
    assert.ok((h.blockCache?.counters.insns ?? 0) > 0, 'the loops ran translated');
  });

  it('a word that stays at pollSeen (nothing rung) or no poll word (one thread): the whole budget runs', () => {
    for (const jit of [false, true]) {
      const quiet = kicked(true, jit, 0); // stores the value the word has
      assert.equal(quiet.run(BUDGET), StopReason.BUDGET);
      assert.equal(quiet.lastRunCost, BUDGET);
      const single = kicked(false, jit);
      assert.equal(single.run(BUDGET), StopReason.BUDGET);
      assert.equal(single.lastRunCost, BUDGET);
    }
  });
});
