/** The fault-loop detector: identical exits with nothing retired, reported once per run. */
import { strict as assert } from 'node:assert';
import { FAULT_LOOP_EXITS, FaultLoopDetector } from '../../../hypervisor-core/hypervisor/fault-loop';

describe('hypervisor: fault-loop detector', () => {
  it('reports once at FAULT_LOOP_EXITS identical exits, not again while the loop goes on', () => {
    const d = new FaultLoopDetector();
    let reports = 0;
    for (let i = 0; i < 3 * FAULT_LOOP_EXITS; i++) if (d.note(20, 0, 0, 7)) reports++;
    assert.equal(reports, 1);
  });

  it('an instruction retired, another pc or another cause starts a new count', () => {
    const d = new FaultLoopDetector();
    let reports = 0;
    for (let i = 0; i < 3 * FAULT_LOOP_EXITS; i++) {
      if (d.note(20, 0, 0, Math.floor(i / 100))) reports++; // progress every 100 exits
      if (d.note(i % 2 ? 13 : 15, 0x1000, 0, 5)) reports++; // alternating causes
    }
    assert.equal(reports, 0);
  });
});
