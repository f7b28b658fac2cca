/**
 * Log2 latency histograms of exit handling times: bucket boundaries as bpftrace's hist() and
 * bcc's log2 histograms ([2^k, 2^(k+1)), first bucket [0, 2)), counts summing to the samples
 * of every row, the JSON shape and the bpftrace text layout.
 */
import { strict as assert } from 'node:assert';
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';
import { formatHistograms, histBound } from '../../../../hypervisor-core/hypervisor/stats/hist-text';
import { ExitStatsReport, ExitStatsRow } from '../../../../hypervisor-core/hypervisor/stats/report';
import { histBucket } from '../../../../hypervisor-core/hypervisor/stats/running-stat';
import { sampleStats } from './sample-stats';

function allRows(r: ExitStatsReport): ExitStatsRow[] {
  return [...r.reasons, ...r.sbi, ...r.mmio, ...(r.virtio ?? []), ...r.perVcpu.flatMap((v) => v.reasons)];
}

function histSum(row: ExitStatsRow): number {
  return (row.histogram?.buckets ?? []).reduce((s, b) => s + b.count, 0);
}

describe('exit latency histograms', () => {
  it('bucket k holds [2^k, 2^(k+1)) ns; bucket 0 holds [0, 2)', () => {
    const cases: [number, number][] = [[0, 0], [1, 0], [1.9, 0], [2, 1], [3, 1], [4, 2], [1023, 9], [1024, 10],
      [1025, 10], [2 ** 32 - 1, 31], [2 ** 32, 32], [2 ** 40 + 5, 40], [2 ** 63, 63], [2 ** 70, 63], [-1, 0], [NaN, 0]];
    for (const [ns, k] of cases) assert.equal(histBucket(ns), k, `${ns} ns`);
  });

  it('a row lists its buckets from the first to the last non-empty one, with their bounds', () => {
    const s = new ExitStats(1, 'icount');
    for (const ns of [0, 1, 2, 3, 1023, 1024]) s.record(0, 'sbi', ns);
    const h = s.report().reasons[0].histogram!;
    assert.equal(h.unit, 'ns');
    assert.deepEqual(h.buckets.map((b) => [b.lo, b.hi, b.count]), [
      [0, 2, 2], [2, 4, 2], [4, 8, 0], [8, 16, 0], [16, 32, 0], [32, 64, 0], [64, 128, 0], [128, 256, 0],
      [256, 512, 0], [512, 1024, 1], [1024, 2048, 1],
    ]);
  });

  it('counts sum to the samples of every row: reasons, per vCPU, SBI, MMIO and virtio breakdowns', () => {
    const s = sampleStats();
    s.recordVirtio('virtio-blk0.q0', 700);
    s.recordVirtio('virtio-blk0.q0', 70000);
    const r = s.report();
    const rows = allRows(r);
    assert.ok(rows.length >= 10);
    for (const row of rows) assert.equal(histSum(row), row.samples, row.key);
  });

  it('the all-vCPU histogram is the sum of the per-vCPU ones', () => {
    const s = new ExitStats(2, 'icount');
    s.record(0, 'wfi', 100);
    s.record(1, 'wfi', 100);
    s.record(1, 'wfi', 5000);
    const r = s.report();
    assert.deepEqual(r.reasons[0].histogram!.buckets.filter((b) => b.count > 0).map((b) => [b.lo, b.count]), [[64, 2], [4096, 1]]);
    assert.equal(histSum(r.perVcpu[1].reasons[0]), 2);
  });

  it('breakdown histograms survive the table growing past its first 16 keys, and reset empties them', () => {
    const s = new ExitStats(1, 'realtime');
    for (let i = 0; i < 40; i++) for (let j = 0; j <= i % 3; j++) s.recordSbi(0, 10 ** (j + 1), `EXT${i}.f`);
    for (const row of s.report().sbi) assert.equal(histSum(row), row.samples, row.key);
    s.reset();
    s.record(0, 'wfi', 3);
    assert.deepEqual(s.report().reasons[0].histogram, { unit: 'ns', buckets: [{ lo: 2, hi: 4, count: 1 }] });
  });

  it('JSON rows carry "histogram": {"unit": "ns", "buckets": [{"lo", "hi", "count"}...]}', () => {
    const r = JSON.parse(JSON.stringify(sampleStats().report())) as ExitStatsReport;
    assert.equal(r.schema, 'hyperscope.exit-stats/1');
    for (const row of allRows(r)) {
      const h = row.histogram!;
      assert.deepEqual(Object.keys(h), ['unit', 'buckets']);
      assert.equal(h.unit, 'ns');
      assert.ok(h.buckets[0].count > 0 && h.buckets[h.buckets.length - 1].count > 0, row.key);
      h.buckets.forEach((b, k) => {
        assert.deepEqual(Object.keys(b), ['lo', 'hi', 'count']);
        assert.equal(b.hi, b.lo === 0 ? 2 : 2 * b.lo);
        if (k > 0) assert.equal(b.lo, h.buckets[k - 1].hi);
      });
    }
  });

  it('prints as bpftrace prints hist() maps', () => {
    const s = new ExitStats(1, 'icount');
    for (const ns of [1, 600, 1500, 1500, 1600, 3000]) s.record(0, 'sbi', ns);
    s.record(0, 'wfi', 5);
    assert.equal(formatHistograms('exit_ns', s.report().reasons), [
      '@exit_ns[sbi]:',
      '[0, 2)                 1 |@@@@@@@@@@@@@@@@@                                   |',
      '[2, 4)                 0 |                                                    |',
      '[4, 8)                 0 |                                                    |',
      '[8, 16)                0 |                                                    |',
      '[16, 32)               0 |                                                    |',
      '[32, 64)               0 |                                                    |',
      '[64, 128)              0 |                                                    |',
      '[128, 256)             0 |                                                    |',
      '[256, 512)             0 |                                                    |',
      '[512, 1K)              1 |@@@@@@@@@@@@@@@@@                                   |',
      '[1K, 2K)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '[2K, 4K)               1 |@@@@@@@@@@@@@@@@@                                   |',
      '',
      '@exit_ns[wfi]:',
      '[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '',
    ].join('\n'));
    assert.equal(formatHistograms('exit_ns', new ExitStats(1, 'icount').report().reasons), '');
    assert.deepEqual([0, 2, 512, 1024, 2 ** 20, 2 ** 30, 3 * 1024].map(histBound), ['0', '2', '512', '1K', '1M', '1G', '3K']);
  });
});
