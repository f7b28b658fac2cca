/**
 * SBI Debug Triggers (DBTR, SBI v3.0): the calls, their errors and the shared-memory layout as
 * the spec's chapter defines them, and what each does to the calling vCPU's hart triggers
 * (installed as mcontrol6 with vs/vu for the guest's s/u).
 */
import { strict as assert } from 'node:assert';
import { Triggers } from '../../../../hypervisor-core/hart/triggers';
import { SbiDispatcher } from '../../../../hypervisor-core/hypervisor/sbi/dispatcher';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { FakeHost } from './fake-host';
import { ALL_ONES } from './helpers';

/** A fake host with a trigger module per hart. */
class TriggerHost extends FakeHost {
  readonly trig = [new Triggers(), new Triggers()];
  hartTriggers(hartId: number): Triggers {
    return this.trig[hartId];
  }
}

const SHMEM = 0x8000_1000n;
const MC6 = 6n << 60n, MC = 2n << 60n;
const EXEC = 4n, STORE = 2n, LOAD = 1n, U = 1n << 3n, S = 1n << 4n, M = 1n << 6n, CHAIN = 1n << 11n;
const match = (m: bigint) => m << 7n;

function setup() {
  const host = new TriggerHost(2);
  const sbi = new SbiDispatcher(host);
  const call = (fid: number, ...args: bigint[]) => sbi.handle({ hartId: 0, eid: Eid.DBTR, fid, args });
  /** Writes entries [word0, tdata1, tdata2, tdata3] at SHMEM. */
  const put = (...entries: bigint[][]) => entries.forEach((e, i) => e.forEach((w, k) => view(host).setBigUint64(0x1000 + 32 * i + 8 * k, w, true)));
  const word = (i: number, k: number) => view(host).getBigUint64(0x1000 + 32 * i + 8 * k, true);
  return { host, sbi, call, put, word };
}

const view = (h: FakeHost) => new DataView(h.ram.buffer);

describe('SBI DBTR (debug triggers)', () => {
  it('probes as available; num_triggers gives trig_max for 0 and for types 2 and 6, 0 for others', () => {
    const { sbi, call } = setup();
    assert.equal(sbi.probe(Eid.DBTR), 1);
    assert.equal(sbi.statsKey(Eid.DBTR, 3), 'DBTR.install_triggers');
    assert.deepEqual(call(0, 0n), { error: 0, value: 4n });
    assert.deepEqual(call(0, MC6 | EXEC), { error: 0, value: 4n });
    assert.deepEqual(call(0, MC | LOAD), { error: 0, value: 4n });
    assert.deepEqual(call(0, 3n << 60n), { error: 0, value: 0n }); // icount: none
  });

  it('set_shmem checks flags, alignment and the address; all-ones disables it', () => {
    const { call } = setup();
    assert.equal(call(3, 1n).error, SbiError.NO_SHMEM);
    assert.equal(call(1, SHMEM, 0n, 1n).error, SbiError.INVALID_PARAM); // flags must be 0
    assert.equal(call(1, SHMEM + 4n, 0n, 0n).error, SbiError.INVALID_PARAM); // XLEN/8 aligned
    assert.equal(call(1, 0x1000n, 0n, 0n).error, SbiError.INVALID_ADDRESS); // not RAM
    assert.equal(call(1, SHMEM, 1n, 0n).error, SbiError.INVALID_ADDRESS);
    assert.equal(call(1, SHMEM, 0n, 0n).error, 0);
    assert.equal(call(2, 0n, 1n).error, 0);
    assert.equal(call(1, ALL_ONES, ALL_ONES, 0n).error, 0);
    assert.equal(call(2, 0n, 1n).error, SbiError.NO_SHMEM);
  });

  it('install writes trig_idx back and arms the hart trigger for VS/VU; read gives state and tdata', () => {
    const { host, call, put, word } = setup();
    call(1, SHMEM, 0n, 0n);
    put([0n, MC6 | S | EXEC, 0x8020_0000n, 0n], [0n, MC | S | U | LOAD | STORE, 0x8030_0000n, 0n]);
    assert.deepEqual(call(3, 2n), { error: 0, value: 0n });
    assert.equal(word(0, 0), 0n);
    assert.equal(word(1, 0), 1n);
    const hw = host.trig[0];
    // The guest's s -> vs (VS = 32 in modeBit terms), u -> vu (16); mcontrol became mcontrol6.
    assert.equal(hw.execModes, 32);
    assert.equal(hw.dataModes, 48);
    assert.deepEqual(hw.data1(0), [Number((1n << 24n) | EXEC), 6 << 28]);
    assert.deepEqual(hw.data2(1), [0x80300000 | 0, 0]);
    assert.equal(host.trig[1].execModes, 0, 'the other vCPU is untouched');
    // read_triggers: trig_state = hw index << 8 | s | mapped (have_hw_trig stays 0, as OpenSBI
    // leaves it and kvm-unit-tests' sbi dbtr test expects); tdata as installed.
    assert.deepEqual(call(2, 0n, 2n), { error: 0, value: 0n });
    assert.equal(word(0, 0), (0n << 8n) | 4n | 1n);
    assert.equal(word(0, 1), MC6 | S | EXEC);
    assert.equal(word(0, 2), 0x8020_0000n);
    assert.equal(word(1, 0), (1n << 8n) | 4n | 2n | 1n);
    assert.equal(word(1, 1), MC | S | U | LOAD | STORE);
    assert.equal(call(2, 3n, 2n).error, SbiError.BAD_RANGE);
    assert.equal(call(2, 4n, 1n).error, SbiError.BAD_RANGE);
  });

  it('install refuses m or dmode (invalid), other types (failed), what the triggers lack (not supported)', () => {
    const { call, put } = setup();
    call(1, SHMEM, 0n, 0n);
    put([0n, MC6 | S | EXEC, 0n, 0n], [0n, MC6 | M | EXEC, 0n, 0n]);
    assert.deepEqual(call(3, 2n), { error: SbiError.INVALID_PARAM, value: 1n });
    put([0n, MC6 | (1n << 59n) | S | EXEC, 0n, 0n]);
    assert.deepEqual(call(3, 1n), { error: SbiError.INVALID_PARAM, value: 0n });
    put([0n, (3n << 60n) | S, 0n, 0n]);
    assert.deepEqual(call(3, 1n), { error: SbiError.FAILED, value: 0n });
    put([0n, MC6 | (1n << 12n) | S | EXEC, 0n, 0n]); // action 1: debug mode
    assert.deepEqual(call(3, 1n), { error: SbiError.NOT_SUPPORTED, value: 0n });
    put([0n, MC6 | S | EXEC, 0n, 5n]); // textra
    assert.deepEqual(call(3, 1n), { error: SbiError.NOT_SUPPORTED, value: 0n });
    put([0n, MC | match(1n) | S | EXEC, 0n, 0n]); // NAPOT on mcontrol (maskmax 0)
    assert.deepEqual(call(3, 1n), { error: SbiError.NOT_SUPPORTED, value: 0n });
    put([0n, MC6 | CHAIN | S | EXEC, 0n, 0n]); // the last entry cannot chain
    assert.deepEqual(call(3, 1n), { error: SbiError.INVALID_PARAM, value: 0n });
    assert.equal(call(3, 5n).error, SbiError.BAD_RANGE);
  });

  it('assigns free triggers, a chain contiguous ones, and fails when none is left', () => {
    const { call, put, word } = setup();
    call(1, SHMEM, 0n, 0n);
    put([0n, MC6 | S | EXEC, 0n, 0n]);
    call(3, 1n); // idx 0
    put([0n, MC6 | S | EXEC, 0n, 0n]);
    call(3, 1n); // idx 1
    assert.equal(call(5, 0n, 1n).error, 0); // free idx 0
    // A chain of two needs two contiguous triggers: 2 and 3, not 0 and 2.
    put([0n, MC6 | CHAIN | match(2n) | S | LOAD, 0x1000n, 0n], [0n, MC6 | match(3n) | S | LOAD, 0x2000n, 0n]);
    assert.deepEqual(call(3, 2n), { error: 0, value: 0n });
    assert.deepEqual([word(0, 0), word(1, 0)], [2n, 3n]);
    put([0n, MC6 | S | EXEC, 0n, 0n], [0n, MC6 | S | EXEC, 0n, 0n]);
    assert.deepEqual(call(3, 2n), { error: SbiError.FAILED, value: 1n }); // only idx 0 is free
  });

  it('disable clears and enable restores the s/u (vs/vu) bits; uninstall frees; enable skips free triggers', () => {
    const { host, call, put, word } = setup();
    call(1, SHMEM, 0n, 0n);
    put([0n, MC6 | S | U | LOAD, 0x8000_2000n, 0n]);
    call(3, 1n);
    const hw = host.trig[0];
    assert.equal(hw.dataModes, 48);
    assert.equal(call(7, 0n, 1n).error, 0);
    assert.equal(hw.dataModes, 0);
    call(2, 0n, 1n);
    assert.equal(word(0, 1), MC6 | LOAD, 'read shows the bits cleared');
    assert.equal(word(0, 0) & 6n, 6n, 'trig_state keeps the saved copies');
    assert.equal(call(6, 0n, 1n).error, 0);
    assert.equal(hw.dataModes, 48);
    // idx 1 is not installed: enable passes over it (OpenSBI; kvm-unit-tests' "uninstall enable").
    assert.equal(call(6, 0n, 2n).error, 0);
    assert.equal(call(5, 3n, 2n).error, SbiError.INVALID_PARAM); // idx 4 >= trig_max
    assert.equal(call(5, 0n, 1n).error, 0);
    assert.equal(hw.dataModes, 0);
    assert.deepEqual(hw.data1(0), [0, 15 << 28]);
    assert.equal(call(5, 0n, 1n).error, SbiError.INVALID_PARAM); // already free
  });

  it('update reprograms an installed trigger; type, chain and idx must match an installed one', () => {
    const { host, call, put } = setup();
    call(1, SHMEM, 0n, 0n);
    put([0n, MC6 | S | STORE, 0x8000_2000n, 0n]);
    call(3, 1n);
    put([0n, MC6 | S | STORE, 0x8000_3000n, 0n]);
    assert.deepEqual(call(4, 1n), { error: 0, value: 0n });
    assert.deepEqual(host.trig[0].data2(0), [0x80003000 | 0, 0]);
    put([0n, MC | S | STORE, 0n, 0n]);
    assert.deepEqual(call(4, 1n), { error: SbiError.INVALID_PARAM, value: 0n });
    put([1n, MC6 | S | STORE, 0n, 0n]);
    assert.deepEqual(call(4, 1n), { error: SbiError.FAILED, value: 0n });
    put([9n, MC6 | S | STORE, 0n, 0n]);
    assert.deepEqual(call(4, 1n), { error: SbiError.INVALID_PARAM, value: 0n });
  });

  it('a restarted hart starts with no shared memory and no triggers', () => {
    const { host, sbi, call, put } = setup();
    call(1, SHMEM, 0n, 0n);
    put([0n, MC6 | S | EXEC, 0n, 0n]);
    call(3, 1n);
    sbi.hartReset(0);
    assert.equal(call(2, 0n, 1n).error, SbiError.NO_SHMEM);
    assert.equal(host.trig[0].execModes, 0);
    call(1, SHMEM, 0n, 0n);
    assert.equal(call(5, 0n, 1n).error, SbiError.INVALID_PARAM);
  });
});
