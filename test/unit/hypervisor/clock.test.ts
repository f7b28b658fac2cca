/**
 * The VM clock's shared sample: the host time the VM read at the end of an exit's handling
 * serves the next slice's first look at the time, once; every later look reads the host
 * clock again, so guest time keeps moving and never goes back.
 */
import { strict as assert } from 'node:assert';
import { VmClock } from '../../../hypervisor-core/hypervisor/clock';

describe('VmClock', () => {
  it('a realtime sample serves the next read only, and start, stop and restore drop it', () => {
    const c = new VmClock('realtime');
    c.start();
    const t0 = performance.now();
    c.sampled(t0 + 1000); // a second ahead of the host clock: visible when used
    const sampled = c.now();
    assert.ok(sampled >= 1000 * 10_000, `the sample served the read (10 MHz ticks): ${sampled}`);
    assert.ok(c.now() < sampled, 'the next read is the host clock again');
    c.sampled(t0 + 1e6);
    c.stop();
    c.start();
    assert.ok(c.now() < 1e6 * 10_000, 'stop and start dropped the sample');
  });

  it('icount ignores samples', () => {
    const c = new VmClock('icount');
    c.retire(1000);
    c.sampled(123456);
    assert.equal(c.now(), 100);
  });
});
