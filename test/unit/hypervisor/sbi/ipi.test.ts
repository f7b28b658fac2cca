import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { ALL_ONES, setup } from './helpers';

describe('SBI IPI', () => {
  it('send_ipi signals the harts of hart_mask from hart_mask_base', () => {
    const { call, host } = setup(4);
    assert.deepEqual(call(Eid.IPI, 0, 0b101n, 0n), { error: 0, value: 0n });
    assert.deepEqual(host.ipis, [0, 2]);
    host.ipis.length = 0;
    assert.equal(call(Eid.IPI, 0, 0b11n, 2n).error, 0);
    assert.deepEqual(host.ipis, [2, 3]);
  });

  it('hart_mask_base = -1 selects every hart and ignores the mask', () => {
    const { call, host } = setup(3);
    assert.equal(call(Eid.IPI, 0, 0n, ALL_ONES).error, 0);
    assert.deepEqual(host.ipis, [0, 1, 2]);
  });

  it('an empty mask is a successful no-op', () => {
    const { call, host } = setup();
    assert.equal(call(Eid.IPI, 0, 0n, 0n).error, 0);
    assert.deepEqual(host.ipis, []);
  });

  it('a hart that does not exist -> INVALID_PARAM and no IPI sent', () => {
    const { call, host } = setup(4);
    assert.deepEqual(call(Eid.IPI, 0, 0b10001n, 0n), { error: SbiError.INVALID_PARAM, value: 0n });
    assert.equal(call(Eid.IPI, 0, 1n, 4n).error, SbiError.INVALID_PARAM);
    assert.equal(call(Eid.IPI, 0, 1n, 1n << 63n).error, SbiError.INVALID_PARAM);
    assert.deepEqual(host.ipis, []);
  });

  it('unknown function -> NOT_SUPPORTED', () => {
    const { call } = setup();
    assert.equal(call(Eid.IPI, 1, 1n, 0n).error, SbiError.NOT_SUPPORTED);
  });
});
