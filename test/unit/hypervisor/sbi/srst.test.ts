import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

describe('SBI SRST', () => {
  it('shutdown, cold and warm reboot with either reason reach the host and do not resume', () => {
    const { call, host } = setup();
    for (const type of [0, 1, 2]) {
      for (const reason of [0, 1]) {
        assert.deepEqual(call(Eid.SRST, 0, BigInt(type), BigInt(reason)), { error: 0, value: 0n, resume: false });
      }
    }
    assert.deepEqual(host.resets, [
      [0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1],
    ]);
  });

  it('type and reason are uint32: upper register bits are ignored', () => {
    const { call, host } = setup();
    assert.equal(call(Eid.SRST, 0, 0xffff_ffff_0000_0000n, 0x1_0000_0001n).error, 0);
    assert.deepEqual(host.resets, [[0, 1]]);
  });

  it('reserved or vendor type -> INVALID_PARAM', () => {
    const { call, host } = setup();
    for (const t of [3n, 0xefff_ffffn, 0xf000_0000n, 0xffff_ffffn]) {
      assert.deepEqual(call(Eid.SRST, 0, t, 0n), { error: SbiError.INVALID_PARAM, value: 0n });
    }
    assert.equal(host.resets.length, 0);
  });

  it('reserved, implementation-specific or vendor reason -> INVALID_PARAM', () => {
    const { call, host } = setup();
    for (const r of [2n, 0xdfff_ffffn, 0xe000_0000n, 0xf000_0000n]) {
      assert.equal(call(Eid.SRST, 0, 0n, r).error, SbiError.INVALID_PARAM);
    }
    assert.equal(host.resets.length, 0);
  });

  it('unknown function -> NOT_SUPPORTED', () => {
    const { call } = setup();
    assert.equal(call(Eid.SRST, 1, 0n, 0n).error, SbiError.NOT_SUPPORTED);
  });
});
