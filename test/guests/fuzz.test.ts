/**
 * A misbehaving guest never crashes or hangs the hypervisor: 2,000 fuzz guests (fuzz-guests.ts;
 * half random instruction streams, half mutated sample guests, fixed seeds, so the test is
 * deterministic) each end in a VM stop or a spent budget, never in a JavaScript exception or
 * an unhandled trap, within a generous host-time guard. `npm run fuzz` runs a longer campaign.
 */
import { strict as assert } from 'node:assert';
import { FuzzOutcome, runFuzzGuest } from './fuzz-guests';

/** The CI campaign: seed, number of guests, runFor budget of each. */
const SEED = 0x5eed;
const GUESTS = 2000;
const BUDGET = 60_000;
/** Host time one guest may take before it counts as a hang (far above the ~10 ms they take). */
const GUARD_MS = 10_000;

describe('guests that misbehave', function () {
  this.timeout(600_000);

  it(`${GUESTS} random and mutated guests end in a stop or a spent budget, never an exception`, () => {
    const ends = new Map<string, number>();
    const reasons = new Set<string>();
    const kinds = { random: 0, mutated: 0 };
    for (let i = 0; i < GUESTS; i++) {
      const t0 = performance.now();
      let out: FuzzOutcome & { kind: 'random' | 'mutated' };
      try {
        out = runFuzzGuest(SEED, i, BUDGET);
      } catch (e) {
        assert.fail(`guest ${i} (seed ${SEED}) threw: ${(e as Error).stack}`);
      }
      const ms = performance.now() - t0;
      assert.ok(ms < GUARD_MS, `guest ${i} (seed ${SEED}) took ${ms.toFixed(0)} ms`);
      assert.ok(!(out.end === 'fatal' && /unhandled trap/.test(out.message ?? '')), `guest ${i} (seed ${SEED}): ${out.message}`);
      kinds[out.kind]++;
      ends.set(out.end, (ends.get(out.end) ?? 0) + 1);
      for (const r of out.reasons) reasons.add(r);
    }
    assert.ok(kinds.random >= 1000 && kinds.mutated >= 1000, JSON.stringify(kinds));
    // The guests went through the exit paths that decode guest state, and ended in several ways.
    for (const r of ['illegal-instruction', 'guest-page-fault', 'mmio', 'sbi', 'wfi', 'fault-redirect', 'virtual-instruction']) {
      assert.ok(reasons.has(r), `no ${r} exit in ${[...reasons].join(', ')}`);
    }
    for (const e of ['budget', 'shutdown']) assert.ok(ends.has(e), `no run ended in ${e}: ${JSON.stringify([...ends])}`);
  });
});
