/**
 * An SBI call read from the registers: the extensions get their arguments as numbers from
 * the int32 pairs, and the bigint argument array exists only once something reads it (the
 * exit trace, the debugger). Argument values follow the SBI 2.0 calling convention (a0..a5,
 * eid in a7, fid in a6, chapter 3).
 */
import { strict as assert } from 'node:assert';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { RegisterCall } from '../../../../hypervisor-core/hypervisor/sbi/register-call';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

/** Registers with a0..a5 = the given 64-bit values. */
function regs(...args: bigint[]): Int32Array {
  const x = new Int32Array(64);
  args.forEach((v, i) => {
    x[20 + 2 * i] = Number(BigInt.asIntN(32, v));
    x[21 + 2 * i] = Number(BigInt.asIntN(32, v >> 32n));
  });
  return x;
}

/** A call whose bigint argument array must not be built. */
class NoBigArgs extends RegisterCall {
  override get args(): bigint[] {
    throw new Error('the bigint arguments were built');
  }
}

describe('SBI calls read from the registers', () => {
  it('the frequent calls run without building the bigint argument array', () => {
    const { sbi, host } = setup();
    const timer = sbi.handle(new NoBigArgs(1, Eid.TIME, 0, regs(0x1_0000_0005n)));
    assert.deepEqual(timer, { error: SbiError.SUCCESS, value: 0n });
    assert.deepEqual(host.timers, [[1, 0x1_0000_0005n]], 'set_timer got the whole 64-bit deadline');
    assert.equal(sbi.handle(new NoBigArgs(0, Eid.BASE, 0, regs())).value, 0x2000000n, 'get_spec_version: 2.0');
    assert.equal(sbi.handle(new NoBigArgs(0, Eid.BASE, 3, regs(BigInt(Eid.TIME)))).value, 1n, 'probe_extension(TIME)');
  });

  it('reads a0..a5 as unsigned 64-bit values, and as words', () => {
    const values = [0n, 1n, 0xffff_ffff_ffff_ffffn, 0x8000_0000n, 0x1234_5678_9abc_def0n, 0xffff_ffffn];
    const call = new RegisterCall(2, Eid.HSM, 0, regs(...values));
    assert.deepEqual(call.args, values);
    assert.deepEqual([call.lo(2), call.hi(2), call.lo(4), call.hi(4)], [0xffff_ffff, 0xffff_ffff, 0x9abc_def0, 0x1234_5678]);
    assert.equal(call.args, call.args, 'built once');
  });
});
