import { strict as assert } from 'node:assert';
import { SbiDispatcher } from '../../../../hypervisor-core/hypervisor/sbi/dispatcher';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { TimeExtension } from '../../../../hypervisor-core/hypervisor/sbi/time';
import { FakeHost } from './fake-host';
import { setup } from './helpers';

describe('SBI dispatcher', () => {
  it('an unknown extension (SUSP included) -> NOT_SUPPORTED in a0, 0 in a1', () => {
    const { call } = setup();
    for (const eid of [Eid.CPPC, Eid.SUSP, 0x0a000000, 0x12345678]) {
      assert.deepEqual(call(eid, 0, 1n, 2n), { error: SbiError.NOT_SUPPORTED, value: 0n });
    }
  });

  it('names extensions and functions for the statistics', () => {
    const { sbi } = setup();
    assert.equal(sbi.extensionName(0x54494d45), 'TIME');
    assert.equal(sbi.functionName(0x54494d45, 0), 'set_timer');
    assert.equal(sbi.extensionName(Eid.BASE), 'BASE');
    assert.equal(sbi.functionName(Eid.BASE, 3), 'probe_extension');
    assert.equal(sbi.extensionName(0x01), 'legacy');
    assert.equal(sbi.functionName(0x01, 0), 'console_putchar');
    assert.equal(sbi.functionName(0x08, 7), 'shutdown');
    assert.equal(sbi.functionName(Eid.RFENCE, 3), 'remote_hfence_gvma_vmid');
    assert.equal(sbi.functionName(Eid.HSM, 3), 'hart_suspend');
    assert.equal(sbi.functionName(Eid.DBCN, 0), 'console_write');
    assert.equal(sbi.functionName(Eid.SRST, 0), 'system_reset');
    assert.equal(sbi.functionName(Eid.IPI, 0), 'send_ipi');
    assert.equal(sbi.extensionName(Eid.PMU), 'PMU');
    assert.equal(sbi.functionName(Eid.PMU, 2), 'counter_config_matching');
    assert.equal(sbi.extensionName(Eid.SUSP), 'SUSP');
    assert.equal(sbi.extensionName(0x0c), 'legacy');
    assert.equal(sbi.extensionName(0xabcdef), '0xabcdef');
    assert.equal(sbi.functionName(Eid.TIME, 9), 'fid_9');
  });

  it('statsKey is "EXT.function", cached for known functions', () => {
    const { sbi } = setup();
    assert.equal(sbi.statsKey(Eid.TIME, 0), 'TIME.set_timer');
    assert.equal(sbi.statsKey(0x01, 0), 'legacy.console_putchar');
    assert.equal(sbi.statsKey(0x02, 5), 'legacy.console_getchar');
    assert.equal(sbi.statsKey(Eid.PMU, 2), 'PMU.counter_config_matching');
    assert.equal(sbi.statsKey(Eid.SUSP, 2), 'SUSP.fid_2');
    assert.equal(sbi.statsKey(Eid.TIME, 4), 'TIME.fid_4');
    assert.equal(sbi.statsKey(0x99, 1), '0x99.fid_1');
    assert.equal(sbi.statsKey(Eid.TIME, 0), sbi.statsKey(Eid.TIME, 0));
  });

  it('can be built with a subset of extensions; BASE probes accordingly', () => {
    const host = new FakeHost();
    const sbi = new SbiDispatcher(host, [new TimeExtension()]);
    assert.equal(sbi.probe(Eid.TIME), 1);
    assert.equal(sbi.probe(Eid.HSM), 0);
    assert.equal(sbi.handle({ hartId: 0, eid: Eid.BASE, fid: 3, args: [BigInt(Eid.HSM)] }).value, 0n);
    assert.equal(sbi.handle({ hartId: 0, eid: Eid.HSM, fid: 2, args: [0n] }).error, SbiError.NOT_SUPPORTED);
  });

  it('missing argument registers read as 0 and args are taken as unsigned', () => {
    const { call, host } = setup();
    assert.equal(call(Eid.TIME, 0).error, 0);
    assert.deepEqual(host.timers, [[0, 0n]]);
    assert.equal(call(Eid.TIME, 0, -1n).error, 0);
    assert.deepEqual(host.timers[1], [0, (1n << 64n) - 1n]);
  });
});
