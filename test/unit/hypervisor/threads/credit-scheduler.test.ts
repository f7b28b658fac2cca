/**
 * The credit scheduler's decisions, driven in one thread with a simulated clock: which unit a
 * free slot goes to, how credits are shared, how a cap holds a VM back and how a waking unit is
 * boosted. The expected shares come from the credit scheduler's definition (Xen's credit1:
 * under contention a VM's share is proportional to its weight; a cap of C is C% of one CPU).
 */
import { strict as assert } from 'node:assert';
import { CAP_WINDOW_MS, CreditScheduler } from '../../../../hypervisor-core/hypervisor/threads/credit-scheduler';

const SLICE = 50_000;

/**
 * Runs CPU-bound units (one per VM in `weights`) on `slots` slots for `rounds` rounds; in each
 * round every unit without a slot asks for one (in turn from a rotating start, as threads would
 * race) and every unit holding one runs a slice of SLICE units and `sliceMs` of simulated time.
 * Returns the units each VM was debited.
 */
function contend(slots: number, weights: number[], rounds: number, caps: number[] = [], sliceMs = 1): { used: number[]; cpuMs: number[]; elapsedMs: number } {
  const s = CreditScheduler.create(slots);
  const start = 1_000;
  weights.forEach((w, vm) => s.addVm(vm, w, caps[vm] ?? 0, start));
  for (let vm = 0; vm < weights.length; vm++) s.unit(vm, 0);
  let now = start;
  for (let r = 0; r < rounds; r++) {
    const running: number[] = [];
    for (let k = 0; k < weights.length; k++) {
      const vm = (r + k) % weights.length;
      if (s.take(vm, 0, now) === 0) running.push(vm);
    }
    now += sliceMs;
    for (const vm of running) s.give(vm, 0, SLICE, now, true);
  }
  return { used: weights.map((_, vm) => s.vmInfo(vm).units), cpuMs: weights.map((_, vm) => s.vmInfo(vm).cpuMs), elapsedMs: now - start };
}

describe('credit scheduler', () => {
  it('gives two CPU-bound VMs of weights 512 and 256 on one slot 2:1 of the slices', () => {
    const { used } = contend(1, [512, 256], 3000);
    const ratio = used[0] / used[1];
    assert.ok(Math.abs(ratio - 2) < 0.02, `ratio ${ratio}`);
  });

  it('shares one slot 1:1 between equal weights, and 1:1:2 among three', () => {
    const two = contend(1, [256, 256], 3000).used;
    assert.ok(Math.abs(two[0] / two[1] - 1) < 0.01, `${two}`);
    const three = contend(1, [100, 100, 200], 4000).used;
    assert.ok(Math.abs(three[2] / three[0] - 2) < 0.03 && Math.abs(three[1] / three[0] - 1) < 0.03, `${three}`);
  });

  it('holds a VM with cap 50 to half of one host CPU even when a second slot is idle', () => {
    // Two slots, one VM: uncapped it would hold a slot all the time.
    const { cpuMs, elapsedMs } = contend(2, [256], 3000, [50]);
    const share = cpuMs[0] / elapsedMs;
    assert.ok(Math.abs(share - 0.5) < 0.02, `share ${share} (${cpuMs[0]} of ${elapsedMs} ms held)`);
  });

  it('gives a blocked unit nothing and no credit; a waking unit is boosted past the others at the next slice end', () => {
    const s = CreditScheduler.create(1);
    s.addVm(0);
    s.addVm(1);
    s.addVm(2);
    s.unit(0, 0);
    s.unit(1, 0);
    s.unit(2, 0);
    let now = 0;
    // VM 0 sleeps in WFI (blocked) while VMs 1 and 2 take turns.
    for (let r = 0; r < 100; r++) {
      for (const vm of [1, 2]) {
        if (s.take(vm, 0, now) === 0) {
          now += 1;
          s.give(vm, 0, SLICE, now, true);
        }
      }
    }
    assert.equal(s.vmInfo(0).units, 0);
    assert.ok(Math.abs(s.vmInfo(1).units - s.vmInfo(2).units) <= SLICE, 'the two runnable VMs share evenly');
    // VM 1 holds the slot; VM 2 waits; VM 0 wakes: the slot goes to VM 0 when VM 1 gives it back.
    assert.equal(s.take(1, 0, now), 0);
    assert.notEqual(s.take(2, 0, now), 0);
    assert.notEqual(s.take(0, 0, now), 0, 'no preemption inside a slice');
    s.give(1, 0, SLICE, now + 1, true);
    assert.notEqual(s.take(1, 0, now + 1), 0, 'VM 1 does not take its slot back');
    assert.notEqual(s.take(2, 0, now + 1), 0, 'nor does VM 2, which waited longer');
    assert.equal(s.take(0, 0, now + 1), 0, 'the boosted VM 0 runs next');
  });

  it('takes back the slots and the lock of a VM whose threads ended inside them', () => {
    const s = CreditScheduler.create(1);
    s.addVm(0);
    s.addVm(1);
    s.unit(0, 0);
    s.unit(1, 0);
    assert.equal(s.take(0, 0, 0), 0);
    assert.notEqual(s.take(1, 0, 0), 0);
    // VM 0's thread dies holding the slot and, at that instant, the lock (tag: its row + 1).
    Atomics.store(new Int32Array(s.buffers.words), 0, 1);
    s.evictVm(0);
    assert.equal(s.take(1, 0, 1), 0, 'VM 1 gets the slot');
  });

  it('does not keep a free slot for a waiting unit whose thread stopped asking (busy elsewhere)', () => {
    const s = CreditScheduler.create(1);
    s.addVm(0, 256, 0, 0);
    s.addVm(1, 256, 0, 0);
    s.unit(0, 0);
    s.unit(1, 0);
    assert.equal(s.take(0, 0, 0), 0);
    assert.notEqual(s.take(1, 0, 0), 0, 'VM 1 waits (it asked at 0 ms)');
    s.give(0, 0, SLICE, 1, true);
    assert.notEqual(s.take(0, 0, 1), 0, 'VM 1 asked 1 ms ago: the slot is kept for it');
    // VM 1's thread does something else for 200 ms (a snapshot): VM 0 runs on meanwhile.
    assert.equal(s.take(0, 0, 201), 0);
    s.give(0, 0, SLICE, 202, true);
    assert.equal(s.take(1, 0, 203), 0, 'VM 1, back and with more credit, gets the next slot');
  });

  it('changes weights live: the next slices follow the new weights', () => {
    const s = CreditScheduler.create(1);
    s.addVm(0);
    s.addVm(1);
    s.unit(0, 0);
    s.unit(1, 0);
    s.setVm(0, 768, 0);
    let now = 0;
    for (let r = 0; r < 4000; r++) {
      for (const vm of r % 2 ? [0, 1] : [1, 0]) {
        if (s.take(vm, 0, now) === 0) {
          now += 1;
          s.give(vm, 0, SLICE, now, true);
        }
      }
    }
    const ratio = s.vmInfo(0).units / s.vmInfo(1).units;
    assert.ok(Math.abs(ratio - 3) < 0.05, `ratio ${ratio}`);
    assert.equal(CAP_WINDOW_MS, 30);
  });
});
