import { strict as assert } from 'node:assert';
import { CSV_COLUMNS, toCsv } from '../../../../hypervisor-core/hypervisor/stats/exit-stats-csv';
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';
import { sampleStats } from './sample-stats';

describe('toCsv', () => {
  it('writes a header and one line per row of every table, then the totals', () => {
    assert.equal(
      toCsv(sampleStats().report()),
      [
        CSV_COLUMNS.join(','),
        'reasons,,mmio,3,42.857,13.043,2250,250,1500,750,50.918',
        'reasons,,sbi,3,42.857,28.986,5000,800,3000,1666.667,40.596',
        'reasons,,wfi,1,14.286,57.971,10000,10000,10000,10000,0',
        'reasons,0,sbi,2,66.667,80,2000,800,1200,1000,20',
        'reasons,0,mmio,1,33.333,20,500,500,500,500,0',
        'reasons,1,mmio,2,50,11.864,1750,250,1500,875,71.429',
        'reasons,1,sbi,1,25,20.339,3000,3000,3000,3000,0',
        'reasons,1,wfi,1,25,67.797,10000,10000,10000,10000,0',
        'sbi,,DBCN.console_write,2,66.667,40,2000,800,1200,1000,20',
        'sbi,,legacy.console_putchar,1,33.333,60,3000,3000,3000,3000,0',
        'mmio,,uart0,2,66.667,88.889,2000,500,1500,1000,50',
        'mmio,,plic,1,33.333,11.111,250,250,250,250,0',
        'totals,,guest,3500000,,,1500000,,,,',
        'totals,,hypervisor,7,,,17250,,,,',
        'totals,0,guest,2500000,,,1000000,,,,',
        'totals,0,hypervisor,3,,,2500,,,,',
        'totals,1,guest,1000000,,,500000,,,,',
        'totals,1,hypervisor,4,,,14750,,,,',
        '',
      ].join('\n'),
    );
  });

  it('quotes keys holding commas or quotes (RFC 4180)', () => {
    const s = new ExitStats(1, 'realtime');
    s.recordMmio(0, 1, 'dev,"x"');
    assert.ok(toCsv(s.report()).includes('\nmmio,,"dev,""x""",1,100,100,1,1,1,1,0\n'));
  });

  it('every line has as many fields as the header', () => {
    for (const line of toCsv(sampleStats().report()).trimEnd().split('\n')) {
      assert.equal(line.split(',').length, CSV_COLUMNS.length, line);
    }
  });
});

describe('toCsv: virtio notifications', () => {
  it('writes the virtio breakdown as its own table', () => {
    const s = new ExitStats(1, 'icount');
    s.recordMmio(0, 400, 'virtio-blk0');
    s.recordVirtio('virtio-blk0.q0', 400);
    assert.ok(toCsv(s.report()).includes('\nvirtio,,virtio-blk0.q0,1,100,100,400,400,400,400,0\n'), toCsv(s.report()));
  });
});
