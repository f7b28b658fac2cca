import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { HartState, SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

const RAM = 0x8000_0000n;

describe('SBI HSM', () => {
  it('hart_start starts a stopped hart with start_addr and opaque', () => {
    const { call, host } = setup(4);
    assert.deepEqual(call(Eid.HSM, 0, 1n, RAM + 0x100n, 0xabcn), { error: 0, value: 0n });
    assert.deepEqual(host.started, [[1, RAM + 0x100n, 0xabcn]]);
  });

  it('hart_start of a started (or pending) hart -> ALREADY_AVAILABLE', () => {
    const { call, host } = setup(4);
    assert.equal(call(Eid.HSM, 0, 0n, RAM, 0n).error, SbiError.ALREADY_AVAILABLE);
    assert.equal(call(Eid.HSM, 0, 1n, RAM, 0n).error, 0);
    assert.equal(call(Eid.HSM, 0, 1n, RAM, 0n).error, SbiError.ALREADY_AVAILABLE);
    assert.equal(host.started.length, 1);
  });

  it('hart_start of a hart that does not exist -> INVALID_PARAM', () => {
    const { call, host } = setup(4);
    assert.equal(call(Eid.HSM, 0, 4n, RAM, 0n).error, SbiError.INVALID_PARAM);
    assert.equal(call(Eid.HSM, 0, 1n << 63n, RAM, 0n).error, SbiError.INVALID_PARAM);
    assert.equal(host.started.length, 0);
  });

  it('hart_start at an address outside guest RAM -> INVALID_ADDRESS', () => {
    const { call, host } = setup(4);
    assert.equal(call(Eid.HSM, 0, 1n, 0x1000_0000n, 0n).error, SbiError.INVALID_ADDRESS);
    assert.equal(call(Eid.HSM, 0, 1n, RAM + 0x10000n, 0n).error, SbiError.INVALID_ADDRESS);
    assert.equal(host.started.length, 0);
    assert.equal(host.states[1], HartState.STOPPED);
  });

  it('hart_stop stops the calling hart and does not resume it', () => {
    const { callOn, host } = setup(4);
    assert.deepEqual(callOn(2, Eid.HSM, 1), { error: 0, value: 0n, resume: false });
    assert.deepEqual(host.stopped, [2]);
  });

  it('hart_get_status returns the state in a1; invalid hart -> INVALID_PARAM', () => {
    const { call, host } = setup(4);
    assert.deepEqual(call(Eid.HSM, 2, 0n), { error: 0, value: BigInt(HartState.STARTED) });
    assert.deepEqual(call(Eid.HSM, 2, 3n), { error: 0, value: BigInt(HartState.STOPPED) });
    host.states[3] = HartState.SUSPENDED;
    assert.equal(call(Eid.HSM, 2, 3n).value, BigInt(HartState.SUSPENDED));
    assert.deepEqual(call(Eid.HSM, 2, 4n), { error: SbiError.INVALID_PARAM, value: 0n });
  });

  it('hart_suspend default retentive: suspends and returns SUCCESS (resumes after the ecall)', () => {
    const { callOn, host } = setup(4);
    const r = callOn(1, Eid.HSM, 3, 0n, 0xdeadn, 0n);
    assert.deepEqual(r, { error: 0, value: 0n });
    assert.deepEqual(host.suspended, [[1, undefined, undefined]]);
  });

  it('hart_suspend default non-retentive: resumes at resume_addr with opaque, not after the ecall', () => {
    const { callOn, host } = setup(4);
    assert.deepEqual(callOn(1, Eid.HSM, 3, 0x8000_0000n, RAM + 0x40n, 0x77n), { error: 0, value: 0n, resume: false });
    assert.deepEqual(host.suspended, [[1, RAM + 0x40n, 0x77n]]);
  });

  it('hart_suspend takes suspend_type as uint32 (upper bits ignored)', () => {
    const { call } = setup(4);
    assert.equal(call(Eid.HSM, 3, 0xffff_ffff_0000_0000n).error, 0);
  });

  it('hart_suspend non-retentive with resume_addr outside RAM -> INVALID_ADDRESS', () => {
    const { call, host } = setup(4);
    assert.equal(call(Eid.HSM, 3, 0x8000_0000n, 0x10n, 0n).error, SbiError.INVALID_ADDRESS);
    assert.equal(host.suspended.length, 0);
  });

  it('hart_suspend reserved and unimplemented platform-specific types -> INVALID_PARAM', () => {
    const { call, host } = setup(4);
    for (const t of [0x1n, 0x0fff_ffffn, 0x1000_0000n, 0x7fff_ffffn, 0x8000_0001n, 0x8fff_ffffn, 0x9000_0000n, 0xffff_ffffn]) {
      assert.equal(call(Eid.HSM, 3, t, RAM, 0n).error, SbiError.INVALID_PARAM, `type ${t.toString(16)}`);
    }
    assert.equal(host.suspended.length, 0);
  });

  it('unknown function -> NOT_SUPPORTED', () => {
    const { call } = setup(4);
    assert.equal(call(Eid.HSM, 4).error, SbiError.NOT_SUPPORTED);
  });
});
