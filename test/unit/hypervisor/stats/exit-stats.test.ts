import { strict as assert } from 'node:assert';
import { ExitStats, MAX_BREAKDOWN_KEYS, OTHER_KEY } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';

describe('ExitStats', () => {
  it('counts samples and min / max / mean / total per reason over all vCPUs', () => {
    const s = new ExitStats(2, 'icount');
    s.record(0, 'sbi', 100);
    s.record(1, 'sbi', 300);
    s.record(0, 'mmio', 50);
    s.record(0, 'sbi', 200);
    const r = s.report();
    assert.equal(r.schema, 'hyperscope.exit-stats/1');
    assert.equal(r.clock, 'icount');
    assert.equal(r.vcpus, 2);
    assert.equal(r.totalExits, 4);
    assert.equal(r.hypervisorNs, 650);
    assert.deepEqual(
      r.reasons.map((x) => [x.key, x.samples, x.totalNs, x.minNs, x.maxNs, x.meanNs]),
      [
        ['sbi', 3, 600, 100, 300, 200],
        ['mmio', 1, 50, 50, 50, 50],
      ],
    );
    assert.equal(r.reasons[0].samplesPct, 75);
    assert.ok(Math.abs(r.reasons[0].timePct - (600 / 650) * 100) < 1e-9);
    assert.equal(r.reasons[1].samplesPct, 25);
  });

  it('computes perf\'s relative stddev of the mean', () => {
    const s = new ExitStats(2, 'realtime');
    s.record(0, 'sbi', 100);
    s.record(1, 'sbi', 300);
    s.record(0, 'sbi', 200);
    // sample variance 10000, variance of the mean 10000/3, stddev 57.735; / mean 200 -> 28.8675%
    const row = s.report().reasons[0];
    assert.ok(Math.abs(row.stddevPct! - 28.867513) < 1e-5, String(row.stddevPct));
    s.reset();
    s.record(0, 'wfi', 7);
    assert.equal(s.report().reasons[0].stddevPct, 0, 'one sample has no spread');
  });

  it('keeps per-vCPU tables with their own percentages, guest time and instructions', () => {
    const s = new ExitStats(2, 'realtime');
    s.record(0, 'wfi', 10);
    s.record(0, 'interrupt', 30);
    s.record(1, 'wfi', 5);
    s.addGuestTime(0, 1000, 5000);
    s.addGuestTime(0, 500, 2500);
    s.addGuestTime(1, 40, 100);
    const r = s.report();
    assert.equal(r.guestNs, 1540);
    assert.equal(r.instructions, 7600);
    assert.deepEqual(r.perVcpu.map((v) => [v.vcpu, v.instructions, v.guestNs, v.hypervisorNs]), [
      [0, 7500, 1500, 40],
      [1, 100, 40, 5],
    ]);
    assert.deepEqual(r.perVcpu[0].reasons.map((x) => [x.key, x.samplesPct, x.timePct]), [
      ['interrupt', 50, 75],
      ['wfi', 50, 25],
    ]);
    assert.deepEqual(r.perVcpu[1].reasons.map((x) => [x.key, x.samplesPct, x.timePct]), [['wfi', 100, 100]]);
  });

  it('sorts rows by samples (descending), ties by key', () => {
    const s = new ExitStats(1, 'realtime');
    for (const reason of ['wfi', 'mmio', 'sbi', 'mmio', 'halt'] as const) s.record(0, reason, 1);
    assert.deepEqual(s.report().reasons.map((x) => x.key), ['mmio', 'halt', 'sbi', 'wfi']);
  });

  it('breaks SBI calls and MMIO exits down by key', () => {
    const s = new ExitStats(2, 'realtime');
    s.record(0, 'sbi', 10, { sbi: 'TIME.set_timer' });
    s.recordSbi(1, 30, 'TIME.set_timer');
    s.recordSbi(0, 5, 'legacy.console_putchar');
    s.record(0, 'mmio', 7, { mmio: 'uart0' });
    s.recordMmio(1, 9, 'plic');
    s.recordMmio(1, 11, 'uart0');
    const r = s.report();
    assert.deepEqual(r.sbi.map((x) => [x.key, x.samples, x.totalNs, x.minNs, x.maxNs]), [
      ['TIME.set_timer', 2, 40, 10, 30],
      ['legacy.console_putchar', 1, 5, 5, 5],
    ]);
    assert.deepEqual(r.mmio.map((x) => [x.key, x.samples, x.totalNs]), [
      ['uart0', 2, 18],
      ['plic', 1, 9],
    ]);
    assert.equal(r.reasons.find((x) => x.key === 'sbi')!.samples, 3);
    assert.equal(r.reasons.find((x) => x.key === 'mmio')!.samples, 3);
  });

  it('caps the number of breakdown keys, folding the rest into "other"', () => {
    const s = new ExitStats(1, 'realtime');
    for (let i = 0; i < MAX_BREAKDOWN_KEYS + 10; i++) s.recordSbi(0, 1, `0x${i.toString(16)}.fid_0`);
    s.recordSbi(0, 1, '0x0.fid_0');
    const rows = s.report().sbi;
    assert.equal(rows.length, MAX_BREAKDOWN_KEYS + 1);
    assert.equal(rows[0].key, OTHER_KEY);
    assert.equal(rows[0].samples, 10);
    assert.equal(rows.find((x) => x.key === '0x0.fid_0')!.samples, 2);
  });

  it('reports an empty VM with zero totals and no rows; reset empties everything', () => {
    const s = new ExitStats(1, 'realtime');
    let r = s.report();
    assert.deepEqual([r.totalExits, r.hypervisorNs, r.reasons.length, r.sbi.length, r.perVcpu[0].reasons.length], [0, 0, 0, 0, 0]);
    s.recordSbi(0, 3, 'TIME.set_timer');
    s.addGuestTime(0, 10, 10);
    s.reset();
    r = s.report();
    assert.deepEqual([r.totalExits, r.guestNs, r.instructions, r.sbi.length], [0, 0, 0, 0]);
  });

  it('a report is a snapshot', () => {
    const s = new ExitStats(1, 'realtime');
    s.record(0, 'sbi', 1);
    const r = s.report();
    s.record(0, 'sbi', 1);
    assert.equal(r.totalExits, 1);
    assert.equal(s.report().totalExits, 2);
  });

  it('rejects a bad vCPU index or count with a one-line RangeError', () => {
    const s = new ExitStats(2, 'realtime');
    assert.throws(() => s.record(2, 'sbi', 1), /no vCPU 2 \(the VM has 2\)/);
    assert.throws(() => s.addGuestTime(-1, 1, 1), RangeError);
    assert.throws(() => new ExitStats(0, 'realtime'), RangeError);
  });

  it('records a million exits quickly', () => {
    const s = new ExitStats(4, 'realtime');
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1_000_000; i++) s.record(i & 3, i & 1 ? 'sbi' : 'mmio', i & 255);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    assert.equal(s.report().totalExits, 1_000_000);
    assert.ok(ms < 1000, `${ms} ms`);
  });
});
