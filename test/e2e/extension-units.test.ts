/**
 * Fast unit tests (no VS Code) for the extension's pure parts: the Exit Statistics model, the
 * ELF/address helpers and the e2e harness's process-tree teardown. Run by plain `npm test`.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitStatsReport, ExitStatsRow } from '../../hypervisor-core/hypervisor/stats/report';
import { attributionFor, formatRate, interruptSummary, histogramBars, kvmRows, liveRows, siteLocation, sparklinePoints, nextSort, RateHistory, selectedRow, sortRows, tableRows, toCsv, formatUs, formatPct } from '../../extension/exit-stats-panel/model';
import { exitStatsHtml } from '../../extension/exit-stats-panel/html';
import { ExitStats } from '../../hypervisor-core/hypervisor/stats/exit-stats';
import { describeTranslation, isRiscvElfHeader, parseAddress } from '../../extension/guest-input';
import { descendants, isAlive, stopTree } from './processes';

function row(key: string, samples: number, meanNs = 1000): ExitStatsRow {
  return { key, samples, samplesPct: 0, timePct: 0, totalNs: samples * meanNs, minNs: meanNs / 2, maxNs: meanNs * 2, meanNs };
}

function report(sbi: number, mmio: number): ExitStatsReport {
  return {
    schema: 'hyperscope.exit-stats/1',
    clock: 'icount',
    vcpus: 2,
    totalExits: sbi + mmio,
    instructions: 1000,
    guestNs: 1,
    hypervisorNs: 1,
    reasons: [row('sbi', sbi, 2000), row('mmio', mmio, 5000)],
    sbi: [row('TIME.set_timer', sbi - 1), row('legacy.console_putchar', 1)],
    mmio: [row('uart0', mmio)],
    perVcpu: [
      { vcpu: 0, instructions: 600, guestNs: 1, hypervisorNs: 1, reasons: [row('sbi', sbi)] },
      { vcpu: 1, instructions: 400, guestNs: 1, hypervisorNs: 1, reasons: [row('mmio', mmio)] },
    ],
  };
}

describe('extension: exit statistics model', () => {
  it('puts SBI and MMIO breakdowns under their reason rows for all vCPUs only', () => {
    const all = tableRows(report(10, 4), 'all');
    assert.deepEqual(all.map((t) => [t.row.key, t.children.map((c) => c.key)]), [
      ['sbi', ['TIME.set_timer', 'legacy.console_putchar']],
      ['mmio', ['uart0']],
    ]);
    const one = tableRows(report(10, 4), 1);
    assert.deepEqual(one.map((t) => [t.row.key, t.children.length]), [['mmio', 0]]);
    assert.deepEqual(tableRows(report(1, 1), 7), []);
  });

  it('sorts by any column, children too, and flips on a second click', () => {
    const rows = tableRows(report(10, 40), 'all');
    assert.deepEqual(sortRows(rows, 'samples', 'desc').map((t) => t.row.key), ['mmio', 'sbi']);
    assert.deepEqual(sortRows(rows, 'key', 'asc').map((t) => t.row.key), ['mmio', 'sbi']);
    assert.deepEqual(sortRows(rows, 'meanNs', 'asc').map((t) => t.row.key), ['sbi', 'mmio']);
    const sbiKids = sortRows(rows, 'samples', 'asc').find((t) => t.row.key === 'sbi')!.children.map((c) => c.key);
    assert.deepEqual(sbiKids, ['legacy.console_putchar', 'TIME.set_timer']);
    assert.deepEqual(nextSort({ key: 'samples', dir: 'desc' }, 'samples'), { key: 'samples', dir: 'asc' });
    assert.deepEqual(nextSort({ key: 'samples', dir: 'desc' }, 'key'), { key: 'key', dir: 'asc' });
    assert.deepEqual(nextSort({ key: 'key', dir: 'asc' }, 'maxNs'), { key: 'maxNs', dir: 'desc' });
  });

  it('exports CSV with breakdown rows and exact nanoseconds', () => {
    const csv = toCsv(report(3, 2), 'all').trim().split('\n');
    assert.equal(csv[0], 'vcpu,exit,samples,samples_pct,time_pct,total_ns,min_ns,max_ns,mean_ns');
    assert.equal(csv[1], 'all,sbi,3,0,0,6000,1000,4000,2000');
    assert.equal(csv[2], 'all,sbi/TIME.set_timer,2,0,0,2000,500,2000,1000');
    assert.equal(csv.length, 6);
    assert.equal(toCsv(report(3, 2), 0).trim().split('\n')[1], '0,sbi,3,0,0,3000,500,2000,1000');
  });

  it('formats times in microseconds and percentages like perf kvm stat', () => {
    assert.equal(formatUs(2150), '2.15us');
    assert.equal(formatPct(52.6315), '52.63%');
  });

  it('turns cumulative reports into exits per second and restarts when counts drop', () => {
    const h = new RateHistory();
    assert.equal(h.push(report(10, 0), 1000, 'all'), false);
    h.push(report(30, 5), 1500, 'all');
    h.push(report(40, 5), 2500, 'all');
    assert.deepEqual(h.series().map((p) => p.perReason), [{ sbi: 40, mmio: 10 }, { sbi: 10, mmio: 0 }]);
    assert.deepEqual(h.reasons(), ['sbi', 'mmio']);
    assert.equal(h.push(report(2, 0), 3000, 'all'), true, 'a reset starts a new series');
    assert.equal(h.series().length, 0);
    h.push(report(4, 0), 3000, 'all'); // same millisecond: no point
    assert.equal(h.series().length, 0);
    const perVcpu = new RateHistory();
    perVcpu.push(report(10, 10), 0, 1);
    perVcpu.push(report(10, 30), 2000, 1);
    assert.deepEqual(perVcpu.series()[0].perReason, { mmio: 10 });
  });

  it('the live view gives each reason\'s rate now, its average over VM time and the last 30 s, sorted', () => {
    const h = new RateHistory();
    const at = [0, 10_000, 20_000, 30_000, 40_000];
    const sbi = [0, 100, 300, 300, 400], mmio = [0, 50, 60, 70, 580];
    at.forEach((t, i) => h.push(report(sbi[i], mmio[i]), t, 'all'));
    const last = { ...report(400, 580), guestNs: 9e9, hypervisorNs: 1e9 }; // 10 s of VM time
    const rows = liveRows(last, h.series(), 'all');
    assert.deepEqual(rows.map((r) => [r.reason, r.now, r.average]), [['mmio', 51, 58], ['sbi', 10, 40]]);
    // Points newer than 30 s before the last one: at 20, 30 and 40 s.
    assert.deepEqual(rows.find((r) => r.reason === 'sbi')!.spark, [20, 0, 10]);
    assert.deepEqual(liveRows(last, h.series(), 'all', 30_000, 'average').map((r) => r.reason), ['mmio', 'sbi']);
    assert.deepEqual(liveRows(last, h.series(), 'all', 30_000, 'reason').map((r) => r.reason), ['mmio', 'sbi']);
    // One report (a stopped session): no current rate, the average still.
    assert.deepEqual(liveRows(last, [], 'all').map((r) => [r.reason, r.now, r.average]), [['mmio', undefined, 58], ['sbi', undefined, 40]]);
  });

  it('draws a sparkline scaled to its largest value and formats rates', () => {
    assert.equal(sparklinePoints([0, 5, 10], 100, 20), '0.0,20.0 50.0,10.0 100.0,0.0');
    assert.equal(sparklinePoints([0, 0], 10, 4), '0.0,4.0 10.0,4.0');
    assert.equal(sparklinePoints([3], 10, 4), '');
    assert.deepEqual([formatRate(1234.4), formatRate(12.34), formatRate(undefined)], ['1234/s', '12.3/s', '-']);
  });

  it('summarises the interrupts: controller, count and exits per interrupt (all vCPUs only)', () => {
    const s = new ExitStats(1, 'icount');
    s.interruptCounts = () => ({ controller: 'plic', external: 88, ipis: 100 });
    for (let i = 0; i < 179; i++) s.recordMmio(0, 1000, 'plic');
    for (let i = 0; i < 184; i++) s.recordMmio(0, 1000, 'uart0');
    const report = s.report();
    assert.equal(report.interrupts?.delivered, 188);
    assert.equal(interruptSummary(report, 'all'), 'PLIC: 188 interrupts, 1.93 exits each (0.95 at the controller)');
    assert.equal(interruptSummary(report, 0), '');
    s.reset();
    assert.equal(s.report().interrupts?.delivered, 0, 'a reset starts the interrupt figures from zero');
    assert.equal(interruptSummary(s.report(), 'all'), '');
  });

  it('keeps at most its capacity of points', () => {
    const h = new RateHistory(3);
    for (let i = 0; i < 10; i++) h.push(report(i + 1, 0), i * 1000, 'all');
    assert.equal(h.series().length, 3);
    assert.equal(h.series()[2].at, 9000);
  });

  it('reads the committed demo fixture as cumulative, schema-tagged reports', () => {
    const path = join(__dirname, '..', '..', '..', 'test', 'e2e', 'fixtures', 'exit-stats-demo.json');
    // The list also holds the demo's flame graph and comparison (entries without `report`).
    const demo = (JSON.parse(readFileSync(path, 'utf8')) as Array<{ at: number; report: ExitStatsReport }>).filter((d) => d.report);
    const h = new RateHistory();
    for (const d of demo) {
      assert.equal(d.report.schema, 'hyperscope.exit-stats/1');
      assert.equal(h.push(d.report, d.at, 'all'), false, 'counts never go down');
      for (const r of [...d.report.reasons, ...d.report.sbi, ...d.report.mmio]) {
        assert.equal(r.histogram!.buckets.reduce((n, b) => n + b.count, 0), r.samples, `${r.key} histogram`);
      }
    }
    assert.equal(h.series().length, demo.length - 1);
  });

  it('a clicked row keeps its selection across reports: a reason, or a breakdown row under its reason', () => {
    const rows = tableRows(report(10, 4), 'all');
    assert.equal(selectedRow(rows, { key: 'mmio' })?.samples, 4);
    assert.equal(selectedRow(rows, { key: 'uart0', parent: 'mmio' })?.samples, 4);
    assert.equal(selectedRow(rows, { key: 'uart0', parent: 'sbi' }), undefined);
    assert.equal(selectedRow(rows, { key: 'wfi' }), undefined);
    assert.equal(selectedRow(rows, undefined), undefined);
    assert.equal(selectedRow(tableRows(report(12, 4), 'all'), { key: 'TIME.set_timer', parent: 'sbi' })?.samples, 11);
  });

  it('the histogram below the table has one bar per log2 bucket, counts summing to the row samples', () => {
    const s = new ExitStats(1, 'icount');
    for (const ns of [1, 600, 1500, 1500, 1600, 3000]) s.recordSbi(0, ns, 'TIME.set_timer');
    const rows = tableRows(s.report(), 'all');
    const bars = histogramBars(selectedRow(rows, { key: 'sbi' })!);
    assert.equal(bars.reduce((n, b) => n + b.count, 0), 6);
    assert.deepEqual(bars.map((b) => b.label), ['[0, 2)', '[2, 4)', '[4, 8)', '[8, 16)', '[16, 32)', '[32, 64)',
      '[64, 128)', '[128, 256)', '[256, 512)', '[512, 1K)', '[1K, 2K)', '[2K, 4K)']);
    assert.deepEqual(bars.slice(-3).map((b) => [b.count, Math.round(b.widthPct)]), [[1, 33], [3, 100], [1, 33]]);
    assert.deepEqual(histogramBars(selectedRow(rows, { key: 'TIME.set_timer', parent: 'sbi' })!), bars);
    assert.deepEqual(histogramBars(row('old', 3)), [], 'a report without histograms shows none');
  });

  it('the KVM-names view lists KVM\'s vCPU statistics for all vCPUs or one, in KVM\'s order', () => {
    const s = new ExitStats(2, 'icount');
    s.kvm.record(1, { reason: 'wfi' }, false);
    s.kvm.record(0, { reason: 'sbi', eid: 1, fid: 0 }, false);
    const all = kvmRows(s.report(), 'all');
    assert.equal(all[0].name, 'ecall_exit_stat');
    assert.deepEqual(all.filter((r) => r.count > 0), [
      { name: 'ecall_exit_stat', count: 1 }, { name: 'wfi_exit_stat', count: 1 }, { name: 'exits', count: 2 }]);
    assert.deepEqual(kvmRows(s.report(), 1).filter((r) => r.count > 0), [{ name: 'wfi_exit_stat', count: 1 }, { name: 'exits', count: 1 }]);
    assert.deepEqual(kvmRows(s.report(), 5), []);
    assert.deepEqual(kvmRows({ ...s.report(), kvm: undefined }, 'all'), [], 'a report made before the KVM names has none');
  });

  it('the guest code shown for a selected row is its reason\'s attribution (a breakdown row\'s parent)', () => {
    const s = new ExitStats(1, 'icount');
    s.sites.record('sbi', 0x802009d2, 0);
    s.sites.record('mmio', 0x802001d0, 0);
    const r = s.report();
    assert.equal(attributionFor(r, { key: 'sbi' })?.sites[0].pc, '0x802009d2');
    assert.equal(attributionFor(r, { key: 'uart0', parent: 'mmio' })?.sites[0].pc, '0x802001d0');
    assert.equal(attributionFor(r, undefined), undefined);
    assert.equal(attributionFor({ ...r, attribution: undefined }, { key: 'sbi' }), undefined);
    assert.equal(siteLocation({ pc: '0x1', count: 1, file: 'a.c', line: 3 }), 'a.c:3');
    assert.equal(siteLocation({ pc: '0x1', count: 1 }), '');
  });

  it('the panel HTML has the KVM-names toggle and its table, hidden at first', () => {
    const html = exitStatsHtml({ cspSource: 'vscode-resource:', scriptUri: 's.js', styleUri: 's.css' });
    assert.match(html, /<input type="checkbox" id="kvm-names">/);
    assert.match(html, /<table id="kvm-table" class="exit-table" hidden>/);
  });

  it('the panel HTML has the histogram section, hidden until a row is clicked', () => {
    const html = exitStatsHtml({ cspSource: 'vscode-resource:', scriptUri: 's.js', styleUri: 's.css' });
    assert.match(html, /<table id="histogram" class="hist-table" hidden>/);
    assert.match(html, /id="histogram-hint"[^>]*>Click a row/);
  });
});

describe('extension: guest input helpers', () => {
  it('recognises RISC-V ELF headers only', () => {
    const h = new Uint8Array(20);
    h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    h[18] = 243;
    assert.equal(isRiscvElfHeader(h), true);
    h[18] = 62; // x86-64
    assert.equal(isRiscvElfHeader(h), false);
    assert.equal(isRiscvElfHeader(new Uint8Array(4)), false);
  });

  it('parses hex and decimal addresses up to 64 bits', () => {
    assert.equal(parseAddress(' 0x8020_0000 '), '0x80200000');
    assert.equal(parseAddress('0X0000ff'), '0xff');
    assert.equal(parseAddress('4096'), '0x1000');
    assert.equal(parseAddress('0xffffffffffffffff'), '0xffffffffffffffff');
    assert.equal(parseAddress('18446744073709551616'), undefined);
    assert.equal(parseAddress('0x'), undefined);
    assert.equal(parseAddress('sepc'), undefined);
  });

  it('shows the adapter text when given, else JSON', () => {
    assert.equal(describeTranslation({ text: 'GVA 0x1 -> GPA 0x2' }), 'GVA 0x1 -> GPA 0x2');
    assert.equal(describeTranslation({ gpa: '0x2' }), '{\n  "gpa": "0x2"\n}');
  });
});

describe('e2e harness: process-tree teardown', () => {
  it('stops a process and every descendant by pid', async () => {
    const sh = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    const kids = descendants(sh.pid!);
    assert.equal(kids.length, 2);
    await stopTree(sh.pid!, 2000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal([sh.pid!, ...kids].some(isAlive), false);
  });
});
