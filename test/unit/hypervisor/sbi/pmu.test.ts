/**
 * SBI PMU (SBI v2.0 chapter 11): counter discovery, config_matching for hardware and firmware
 * events, start/stop with their flags and errors, firmware counters counting what the SBI
 * implementation does for the hart. Expected values: the spec's tables (counter_info layout,
 * SBI_PMU_FW_* codes, error codes) and OpenSBI's lib/sbi/sbi_pmu.c where the spec leaves room.
 */
import { strict as assert } from 'node:assert';
import { Counters, HpmEvent } from '../../../../hypervisor-core/hart/counters';
import { SbiDispatcher } from '../../../../hypervisor-core/hypervisor/sbi/dispatcher';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { FW_COUNTERS, HW_COUNTERS } from '../../../../hypervisor-core/hypervisor/sbi/pmu';
import { FwEvent } from '../../../../hypervisor-core/hypervisor/sbi/pmu-firmware-events';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { FakeHost } from './fake-host';

/** A fake host whose harts have counters; `retired` is what cycle and instret count. */
class CounterHost extends FakeHost {
  retired = 1000;
  readonly ctr = [new Counters(), new Counters()];
  constructor() {
    super(2);
    for (const c of this.ctr) { c.retired = () => this.retired; c.reset(); }
  }
  hartCounters(hartId: number): Counters {
    return this.ctr[hartId];
  }
}

const FW = HW_COUNTERS; // first firmware counter
const HW_MASK = (1n << BigInt(HW_COUNTERS)) - 1n;
const CLEAR = 2n, AUTO_START = 4n, SKIP_MATCH = 1n;
const fwEvent = (code: number) => (15n << 16n) | BigInt(code);

function setup() {
  const host = new CounterHost();
  const sbi = new SbiDispatcher(host);
  const callOn = (hartId: number, eid: number, fid: number, ...args: bigint[]) => sbi.handle({ hartId, eid, fid, args });
  const pmu = (fid: number, ...args: bigint[]) => callOn(0, Eid.PMU, fid, ...args);
  return { host, sbi, callOn, pmu };
}

describe('SBI PMU', () => {
  it('lists 11 hardware counters (cycle, time, instret, hpmcounter3..10) and 16 firmware counters', () => {
    const { sbi, pmu } = setup();
    assert.equal(sbi.probe(Eid.PMU), 1);
    assert.deepEqual(pmu(0), { error: 0, value: BigInt(HW_COUNTERS + FW_COUNTERS) });
    // counter_info: CSR in bits 11:0, width - 1 in 17:12, type (1 = firmware) in bit 63.
    assert.deepEqual(pmu(1, 0n), { error: 0, value: 0xc00n | (63n << 12n) });
    assert.deepEqual(pmu(1, 2n), { error: 0, value: 0xc02n | (63n << 12n) });
    assert.deepEqual(pmu(1, 10n), { error: 0, value: 0xc0an | (63n << 12n) });
    assert.deepEqual(pmu(1, BigInt(FW)), { error: 0, value: (1n << 63n) | (63n << 12n) }); // width as OpenSBI
    assert.equal(pmu(1, BigInt(HW_COUNTERS + FW_COUNTERS)).error, SbiError.INVALID_PARAM);
    assert.equal(sbi.statsKey(Eid.PMU, 3), 'PMU.counter_start');
  });

  it('cycles and instructions go to cycle and instret; a second request gets a programmable counter', () => {
    const { host, pmu } = setup();
    assert.deepEqual(pmu(2, 0n, HW_MASK, CLEAR | AUTO_START, 2n, 0n), { error: 0, value: 2n });
    host.retired += 500;
    assert.equal(host.ctr[0].read(2), 500n);
    assert.deepEqual(pmu(2, 0n, HW_MASK, CLEAR | AUTO_START, 2n, 0n), { error: 0, value: 3n });
    assert.equal(host.ctr[0].event(3), HpmEvent.INSTRUCTIONS);
    host.retired += 20;
    assert.equal(host.ctr[0].read(3), 20n);
    assert.deepEqual(pmu(2, 0n, HW_MASK, 0n, 1n, 0n), { error: 0, value: 0n });
    // Stop freezes the value; already stopped is an error (the others in the set still stop).
    assert.deepEqual(pmu(4, 2n, 3n, 0n), { error: 0, value: 0n });
    host.retired += 7;
    assert.equal(host.ctr[0].read(2), 520n);
    assert.equal(pmu(4, 2n, 1n, 0n).error, SbiError.ALREADY_STOPPED);
    // Start with an initial value.
    assert.deepEqual(pmu(3, 3n, 1n, 1n, 100n), { error: 0, value: 0n });
    host.retired += 5;
    assert.equal(host.ctr[0].read(3), 105n);
    // Linux perf starts counters near 2^63 (-left masked to the width): kept to the last bit.
    pmu(4, 3n, 1n, 0n);
    assert.deepEqual(pmu(3, 3n, 1n, 1n, (1n << 63n) - 100n), { error: 0, value: 0n });
    host.retired += 3;
    assert.equal(host.ctr[0].read(3), (1n << 63n) - 97n);
    assert.equal(pmu(3, 3n, 1n, 0n, 0n).error, SbiError.ALREADY_STARTED);
  });

  it('TLB misses and page walks are hardware events; other events are not supported', () => {
    const { host, pmu } = setup();
    const dtlbReadMiss = (1n << 16n) | (3n << 3n) | 1n; // cache DTLB, op read, result miss
    const r = pmu(2, 0n, HW_MASK, CLEAR | AUTO_START, dtlbReadMiss, 0n);
    assert.deepEqual(r, { error: 0, value: 3n });
    host.ctr[0].dtlbReadMisses += 9;
    assert.equal(host.ctr[0].read(3), 9n);
    assert.deepEqual(pmu(2, 0n, HW_MASK, CLEAR | AUTO_START, 3n << 16n, 0x20001n), { error: 0, value: 4n }); // raw v2: walks
    assert.equal(host.ctr[0].event(4), HpmEvent.PAGE_WALKS);
    assert.equal(pmu(2, 0n, HW_MASK, 0n, 5n, 0n).error, SbiError.NOT_SUPPORTED); // branch instructions
    assert.equal(pmu(2, 0n, HW_MASK, 0n, (1n << 16n) | 0n, 0n).error, SbiError.NOT_SUPPORTED); // L1D read access
    assert.equal(pmu(2, 0n, HW_MASK, 1n << 8n, 2n, 0n).error, SbiError.INVALID_PARAM); // reserved flag
    assert.equal(pmu(2, 20n, 0x100n, 0n, 2n, 0n).error, SbiError.INVALID_PARAM); // counter 28 does not exist
    // RESET frees the counter (and its event) for the next config_matching.
    assert.deepEqual(pmu(4, 3n, 1n, 1n), { error: 0, value: 0n });
    assert.equal(host.ctr[0].event(3), 0);
    assert.deepEqual(pmu(2, 3n, 1n, 0n, dtlbReadMiss, 0n), { error: 0, value: 3n });
    // SKIP_MATCH names a configured counter.
    assert.deepEqual(pmu(2, 3n, 1n, SKIP_MATCH, 0n, 0n), { error: 0, value: 3n });
    assert.equal(pmu(2, 5n, 1n, SKIP_MATCH, 0n, 0n).error, SbiError.INVALID_PARAM);
  });

  it('firmware counters count set_timer, IPIs and fences sent and received, and the SBI calls', () => {
    const { pmu, callOn } = setup();
    const fwMask = (1n << BigInt(FW_COUNTERS)) - 1n;
    const timer = pmu(2, BigInt(FW), fwMask, CLEAR | AUTO_START, fwEvent(FwEvent.SET_TIMER), 0n).value;
    const sent = pmu(2, BigInt(FW), fwMask, CLEAR | AUTO_START, fwEvent(FwEvent.IPI_SENT), 0n).value;
    const calls = pmu(2, BigInt(FW), fwMask, CLEAR | AUTO_START, fwEvent(FwEvent.SBI_CALLS), 0n).value;
    const fence = pmu(2, BigInt(FW), fwMask, CLEAR | AUTO_START, fwEvent(FwEvent.SFENCE_VMA_SENT), 0n).value;
    assert.deepEqual([timer, sent, calls, fence], [BigInt(FW), BigInt(FW + 1), BigInt(FW + 2), BigInt(FW + 3)]);
    const received = callOn(1, Eid.PMU, 2, BigInt(FW), fwMask, CLEAR | AUTO_START, fwEvent(FwEvent.IPI_RECEIVED), 0n).value;
    callOn(0, Eid.TIME, 0, 5000n);
    callOn(0, Eid.TIME, 0, 6000n);
    callOn(0, Eid.IPI, 0, 3n, 0n); // harts 0 and 1
    callOn(0, Eid.RFENCE, 1, 2n, 0n, 0x1000n, 0x1000n); // sfence.vma on hart 1
    assert.deepEqual(pmu(5, timer), { error: 0, value: 2n });
    assert.deepEqual(pmu(5, sent), { error: 0, value: 2n });
    assert.deepEqual(pmu(5, fence), { error: 0, value: 1n });
    // Hart 0's calls since the counter started: config_matching (fence), 2 set_timer, send_ipi,
    // remote_sfence_vma, 3 fw_reads, and this fw_read.
    assert.deepEqual(pmu(5, calls), { error: 0, value: 9n });
    assert.deepEqual(callOn(1, Eid.PMU, 5, received), { error: 0, value: 1n });
    assert.deepEqual(pmu(6, timer), { error: 0, value: 0n }, 'fw_read_hi is 0 on RV64');
    assert.equal(pmu(5, 2n).error, SbiError.INVALID_PARAM, 'fw_read of a hardware counter');
    // Stopped firmware counters freeze; an unsupported firmware event is not supported.
    pmu(4, timer, 1n, 0n);
    callOn(0, Eid.TIME, 0, 7000n);
    assert.equal(pmu(5, timer).value, 2n);
    assert.equal(pmu(2, BigInt(FW), fwMask, 0n, fwEvent(0xffff), 0n).error, SbiError.NOT_SUPPORTED);
  });

  it('traps reflected to the guest count as firmware events', () => {
    const { sbi, pmu } = setup();
    const c = pmu(2, BigInt(FW), 1n, CLEAR | AUTO_START, fwEvent(FwEvent.ILLEGAL_INSN), 0n).value;
    sbi.firmwareEvent(0, FwEvent.ILLEGAL_INSN);
    sbi.firmwareEvent(1, FwEvent.ILLEGAL_INSN);
    assert.equal(pmu(5, c).value, 1n);
  });

  it('snapshots are not supported: set_shmem says so, start/stop with the snapshot flag find no shmem', () => {
    const { pmu } = setup();
    assert.equal(pmu(7, 0x8000_0000n, 0n, 0n).error, SbiError.NOT_SUPPORTED);
    assert.equal(pmu(3, 2n, 1n, 2n, 0n).error, SbiError.NO_SHMEM);
    assert.equal(pmu(4, 2n, 1n, 2n).error, SbiError.NO_SHMEM);
    assert.equal(pmu(4, 2n, 1n, 4n).error, SbiError.INVALID_PARAM);
  });
});
