import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

describe('SBI BASE', () => {
  it('reports spec version 2.0 as (2 << 24) | 0 in a1 with a0 = SUCCESS', () => {
    const { call } = setup();
    assert.deepEqual(call(Eid.BASE, 0), { error: SbiError.SUCCESS, value: 0x0200_0000n });
  });

  it('reports the host implementation id and version', () => {
    const { call, host } = setup();
    assert.equal(call(Eid.BASE, 1).value, BigInt(host.implId));
    assert.equal(call(Eid.BASE, 2).value, BigInt(host.implVersion));
  });

  it('reports mvendorid, marchid and mimpid as 0', () => {
    const { call } = setup();
    for (const fid of [4, 5, 6]) assert.deepEqual(call(Eid.BASE, fid), { error: 0, value: 0n });
  });

  it('probes implemented extensions as 1 and others (SUSP, unknown, legacy reserved) as 0', () => {
    const { call } = setup();
    for (const eid of [Eid.BASE, Eid.TIME, Eid.IPI, Eid.RFENCE, Eid.HSM, Eid.SRST, Eid.DBCN, Eid.PMU, Eid.DBTR, Eid.STA, 0x00, 0x01, 0x08]) {
      assert.deepEqual(call(Eid.BASE, 3, BigInt(eid)), { error: 0, value: 1n }, `eid ${eid.toString(16)}`);
    }
    for (const eid of [Eid.SUSP, Eid.CPPC, 0x09, 0x0f, 0x12345678]) {
      assert.deepEqual(call(Eid.BASE, 3, BigInt(eid)), { error: 0, value: 0n }, `eid ${eid.toString(16)}`);
    }
    assert.equal(call(Eid.BASE, 3, 0x1_0000_0010n).value, 0n, 'wider than 32 bits names nothing');
  });

  it('answers NOT_SUPPORTED for an unknown function', () => {
    const { call } = setup();
    assert.deepEqual(call(Eid.BASE, 7), { error: SbiError.NOT_SUPPORTED, value: 0n });
  });
});
