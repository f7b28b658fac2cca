import { strict as assert } from 'node:assert';
import { ExitStats } from '../../../../hypervisor-core/hypervisor/stats/exit-stats';
import { formatExitTable } from '../../../../hypervisor-core/hypervisor/stats/perf-table';
import { sampleStats } from './sample-stats';

describe('formatExitTable (perf kvm stat report layout)', () => {
  it('prints the VM-EXIT table, the breakdowns and the guest/hypervisor line', () => {
    assert.equal(
      formatExitTable(sampleStats().report()),
      [
        'Analyze events for all VMs, all VCPUs:',
        '',
        '             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time',
        '',
        '                mmio          3    42.86%    13.04%      0.25us      1.50us      0.75us ( +-  50.92% )',
        '                 sbi          3    42.86%    28.99%      0.80us      3.00us      1.67us ( +-  40.60% )',
        '                 wfi          1    14.29%    57.97%     10.00us     10.00us     10.00us ( +-   0.00% )',
        '',
        'Total Samples:7, Total events handled time:17.25us.',
        '',
        '              SBI-CALL    Samples  Samples%     Time%    Min Time    Max Time         Avg time',
        '',
        '    DBCN.console_write          2    66.67%    40.00%      0.80us      1.20us      1.00us ( +-  20.00% )',
        'legacy.console_putchar          1    33.33%    60.00%      3.00us      3.00us      3.00us ( +-   0.00% )',
        '',
        'Total Samples:3, Total events handled time:5.00us.',
        '',
        '         MMIO-DEVICE    Samples  Samples%     Time%    Min Time    Max Time         Avg time',
        '',
        '               uart0          2    66.67%    88.89%      0.50us      1.50us      1.00us ( +-  50.00% )',
        '                plic          1    33.33%    11.11%      0.25us      0.25us      0.25us ( +-   0.00% )',
        '',
        'Total Samples:3, Total events handled time:2.25us.',
        '',
        'Guest time:1500.00us (98.86%), hypervisor time:17.25us (1.14%), guest instructions:3500000 (clock: icount).',
        '',
      ].join('\n'),
    );
  });

  it('shows one vCPU with --vcpu and omits the VM-wide breakdowns', () => {
    assert.equal(
      formatExitTable(sampleStats().report(), { vcpu: 1 }),
      [
        'Analyze events for all VMs, VCPU 1:',
        '',
        '             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time',
        '',
        '                mmio          2    50.00%    11.86%      0.25us      1.50us      0.88us ( +-  71.43% )',
        '                 sbi          1    25.00%    20.34%      3.00us      3.00us      3.00us ( +-   0.00% )',
        '                 wfi          1    25.00%    67.80%     10.00us     10.00us     10.00us ( +-   0.00% )',
        '',
        'Total Samples:4, Total events handled time:14.75us.',
        '',
        'Guest time:500.00us (97.13%), hypervisor time:14.75us (2.87%), guest instructions:1000000 (clock: icount).',
        '',
      ].join('\n'),
    );
  });

  it('prints an empty table like perf does when nothing was recorded', () => {
    const text = formatExitTable(new ExitStats(1, 'realtime').report());
    assert.ok(text.includes('Total Samples:0, Total events handled time:0.00us.'));
    assert.ok(!text.includes('SBI-CALL'));
    assert.ok(text.includes('Guest time:0.00us (0.00%), hypervisor time:0.00us (0.00%)'));
  });

  it('rejects a vCPU the report does not have', () => {
    assert.throws(() => formatExitTable(sampleStats().report(), { vcpu: 5 }), /no VCPU 5 in this report/);
  });
});
