/**
 * The Exit Statistics panel's A/B comparison (extension/exit-stats-panel/compare-model.ts and
 * report-file.ts) on two real `--stats-json` reports: the uart sample with and without block
 * translation (--no-jit), both with --clock icount, so exit counts are equal and exact. The
 * changes are computed as `hyperscope report A B` prints them (compare-table.ts's deltaPct).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareHeader, compareLines, headerText } from '../../extension/exit-stats-panel/compare-model';
import { readReportFile } from '../../extension/exit-stats-panel/report-file';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';

const ROOT = resolve(__dirname, '../../..');

describe('extension: A/B comparison of exit statistics', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-compare-'));
  let a: ExitStatsReport, b: ExitStatsReport;
  before(() => {
    for (const [name, extra] of [['a.json', []], ['b.json', ['--no-jit']]] as const) {
      execFileSync('node', [join(ROOT, 'dist/cli.js'), 'run', '--clock', 'icount', ...extra, '--stats-json', join(dir, name),
        join(ROOT, 'samples/uart/uart.elf')], { stdio: 'ignore' });
    }
    a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    b = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
  });

  it('lines up every reason and breakdown row of both reports with the changes', () => {
    const lines = compareLines(a, b);
    const mmio = lines.find((l) => l.section === 'reason' && l.key === 'mmio')!;
    // The guest's own count of its register accesses (samples/uart/expected.txt: 320 + 130).
    assert.equal(mmio.exitsA, 450);
    assert.equal(mmio.exitsB, 450);
    assert.equal(mmio.exitsDelta, '+0.00%');
    assert.equal(mmio.ipeA, a.instructions / 450);
    assert.equal(mmio.timeA, a.reasons.find((r) => r.key === 'mmio')!.totalNs);
    const uart = lines.find((l) => l.section === 'mmio' && l.key === 'uart0')!;
    assert.equal(uart.exitsA, 320);
    assert.deepEqual(new Set(lines.filter((l) => l.section === 'reason').map((l) => l.key)), new Set(a.reasons.map((r) => r.key)));
  });

  it('shows a row only one side has with "-" there and "new" as its change', () => {
    const fewer: ExitStatsReport = { ...a, reasons: a.reasons.filter((r) => r.key !== 'sbi') };
    const sbi = compareLines(fewer, b).find((l) => l.section === 'reason' && l.key === 'sbi')!;
    assert.equal(sbi.exitsA, undefined);
    assert.equal(sbi.exitsDelta, 'new');
    assert.equal(sbi.ipeDelta, '');
  });

  it('names each side with its clock, vCPUs and, when the report has them, the MMU and CPU virtualisation modes', () => {
    const h = compareHeader({ label: 'a.json', report: a });
    assert.equal(h.instructionsPerExit, a.instructions / a.totalExits);
    assert.equal(headerText('A', h).startsWith('A: a.json (icount, 1 vCPU'), true);
    const modes = { ...b, mmuMode: 'shadow', cpuVirtMode: 'trap-emulate' } as ExitStatsReport;
    assert.equal(headerText('B', compareHeader({ label: 'b.json', report: modes })), 'B: b.json (icount, 1 vCPU; mmu shadow, cpu-virt trap-emulate)');
  });

  it('names the MMU mode of a real --mmu shadow run in its header (the report\'s mmuMode and cpuVirtMode)', () => {
    const out = join(dir, 'shadow.json');
    execFileSync('node', [join(ROOT, 'dist/cli.js'), 'run', '--clock', 'icount', '--mmu', 'shadow', '--stats-json', out,
      join(ROOT, 'samples/uart/uart.elf')], { stdio: 'ignore' });
    const side = { label: 'shadow.json', report: JSON.parse(readFileSync(out, 'utf8')) as ExitStatsReport };
    assert.equal(headerText('B', compareHeader(side)), 'B: shadow.json (icount, 1 vCPU; mmu shadow, cpu-virt hardware)');
    // The same guest under shadow paging: the same MMIO exits (the guest's own count), compared line by line.
    assert.equal(compareLines(a, side.report).find((l) => l.section === 'mmio' && l.key === 'uart0')!.exitsB, 320);
  });

  it('reads a report file, refusing a missing, malformed or foreign one in one line', async () => {
    assert.equal((await readReportFile(join(dir, 'a.json'))).label, 'a.json');
    await assert.rejects(readReportFile(join(dir, 'none.json')), /^Error: none\.json: cannot read it \(ENOENT\)$/);
    writeFileSync(join(dir, 'bad.json'), '{');
    await assert.rejects(readReportFile(join(dir, 'bad.json')), /bad\.json: not a JSON report/);
    writeFileSync(join(dir, 'other.json'), '{"schema":"x"}');
    await assert.rejects(readReportFile(join(dir, 'other.json')), /other\.json: not a hyperscope --stats-json report/);
  });
});
