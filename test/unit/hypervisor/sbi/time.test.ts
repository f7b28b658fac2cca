import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

describe('SBI TIME', () => {
  it('set_timer programs the calling hart with the full 64-bit deadline', () => {
    const { callOn, host } = setup();
    assert.deepEqual(callOn(2, Eid.TIME, 0, 0xffff_ffff_ffff_ffffn), { error: 0, value: 0n });
    assert.deepEqual(host.timers, [[2, 0xffff_ffff_ffff_ffffn]]);
  });

  it('unknown function -> NOT_SUPPORTED, timer untouched', () => {
    const { call, host } = setup();
    assert.equal(call(Eid.TIME, 1, 5n).error, SbiError.NOT_SUPPORTED);
    assert.equal(host.timers.length, 0);
  });
});
