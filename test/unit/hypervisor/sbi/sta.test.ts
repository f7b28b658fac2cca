/**
 * SBI STA (SBI v2.0 chapter 16, "Steal-time Accounting Extension"): set_shmem's errors and
 * zeroing, and the sbi_sta_struct updates (sequence odd during an update and incremented twice,
 * steal in ns, preempted left 0) as the spec describes them and KVM implements them
 * (arch/riscv/kvm/vcpu_sbi_sta.c: kvm_sbi_sta_steal_time_set_shmem, kvm_riscv_vcpu_record_steal_time).
 */
import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { StaExtension } from '../../../../hypervisor-core/hypervisor/sbi/sta';
import { ALL_ONES, setup } from './helpers';

const SHMEM = 0x8000_0040n;
const at = (off: number) => Number(SHMEM - 0x8000_0000n) + off;

describe('SBI STA', () => {
  function sta() {
    const s = setup();
    const ext = s.sbi.extension(Eid.STA) as StaExtension;
    const view = new DataView(s.host.ram.buffer);
    return { ...s, ext, sequence: () => view.getUint32(at(0), true), steal: () => view.getBigUint64(at(8), true), byte: (o: number) => s.host.ram[at(o)] };
  }

  it('refuses nonzero flags and a structure that is not 64-byte aligned with INVALID_PARAM, one outside RAM with INVALID_ADDRESS', () => {
    const { call } = sta();
    assert.equal(call(Eid.STA, 0, SHMEM, 0n, 1n).error, SbiError.INVALID_PARAM);
    assert.equal(call(Eid.STA, 0, SHMEM + 8n, 0n, 0n).error, SbiError.INVALID_PARAM);
    assert.equal(call(Eid.STA, 0, SHMEM, 1n, 0n).error, SbiError.INVALID_ADDRESS, 'RV64: shmem_phys_hi must be 0');
    assert.equal(call(Eid.STA, 0, 0x1000n, 0n, 0n).error, SbiError.INVALID_ADDRESS);
    assert.equal(call(Eid.STA, 1).error, SbiError.NOT_SUPPORTED);
  });

  it('zeroes the 64 bytes it takes, then adds the steal time between two increments of the sequence before each run', () => {
    const { call, host, ext, sequence, steal, byte } = sta();
    host.ram.fill(0xff, at(0), at(64));
    host.steal[0] = 5000;
    assert.deepEqual(call(Eid.STA, 0, SHMEM, 0n, 0n), { error: 0, value: 0n });
    for (let i = 0; i < 64; i++) assert.equal(byte(i), 0, `byte ${i}`);
    assert.equal(ext.active, true);
    // The steal time before set_shmem is not the guest's to see.
    ext.recordSteal(0, host);
    assert.equal(sequence(), 2);
    assert.equal(steal(), 0n);
    host.steal[0] = 5000 + 1234;
    ext.recordSteal(0, host);
    assert.equal(sequence(), 4);
    assert.equal(steal(), 1234n);
    assert.equal(byte(16), 0, 'preempted stays 0');
    // Another hart's steal time is its own.
    host.steal[1] = 99;
    ext.recordSteal(1, host);
    assert.equal(steal(), 1234n);
  });

  it('stops reporting after set_shmem(-1, -1) and after the hart restarts', () => {
    const { call, host, ext, sbi, sequence } = sta();
    call(Eid.STA, 0, SHMEM, 0n, 0n);
    assert.deepEqual(call(Eid.STA, 0, ALL_ONES, ALL_ONES, 0n), { error: 0, value: 0n });
    host.steal[0] = 100;
    ext.recordSteal(0, host);
    assert.equal(sequence(), 0);
    call(Eid.STA, 0, SHMEM, 0n, 0n);
    sbi.hartReset(0);
    assert.equal(ext.active, false);
    ext.recordSteal(0, host);
    assert.equal(sequence(), 0);
  });
});
