import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { ALL_ONES, setup } from './helpers';

describe('SBI RFENCE', () => {
  it('remote_fence_i fences each selected hart', () => {
    const { call, host } = setup(2);
    assert.deepEqual(call(Eid.RFENCE, 0, 0n, ALL_ONES), { error: 0, value: 0n });
    assert.deepEqual(host.fences, [
      [0, { kind: 'fence.i' }],
      [1, { kind: 'fence.i' }],
    ]);
  });

  it('remote_sfence_vma passes start and size', () => {
    const { call, host } = setup(4);
    assert.equal(call(Eid.RFENCE, 1, 0b10n, 0n, 0x4000n, 0x2000n).error, 0);
    assert.deepEqual(host.fences, [[1, { kind: 'sfence.vma', start: 0x4000n, size: 0x2000n }]]);
  });

  it('remote_sfence_vma_asid passes the asid', () => {
    const { call, host } = setup(4);
    assert.equal(call(Eid.RFENCE, 2, 1n, 3n, 0n, 0n, 7n).error, 0);
    assert.deepEqual(host.fences, [[3, { kind: 'sfence.vma', start: 0n, size: 0n, asid: 7n }]]);
  });

  it('an invalid hart -> INVALID_PARAM, nothing fenced', () => {
    const { call, host } = setup(2);
    assert.equal(call(Eid.RFENCE, 0, 0b111n, 0n).error, SbiError.INVALID_PARAM);
    assert.equal(call(Eid.RFENCE, 1, 1n, 2n, 0n, 0n).error, SbiError.INVALID_PARAM);
    assert.deepEqual(host.fences, []);
  });

  it('the HFENCE functions are NOT_SUPPORTED (the guest has no H extension, as under KVM)', () => {
    const { call, host } = setup(2);
    for (const fid of [3, 4, 5, 6]) {
      assert.deepEqual(call(Eid.RFENCE, fid, 1n, 0n, 0n, 0n, 1n), { error: SbiError.NOT_SUPPORTED, value: 0n });
    }
    assert.equal(call(Eid.RFENCE, 7, 1n, 0n).error, SbiError.NOT_SUPPORTED);
    assert.deepEqual(host.fences, []);
  });
});
