/**
 * An idle guest costs nothing (`idleSleep`, QEMU's `-icount sleep=on`): while every vCPU
 * waits for a timer 50 ms away, `runFor` reports idle at once, again and again, without
 * running or exiting, and guest time follows host time; at the deadline the guest runs on
 * with guest time exactly the deadline, so its instructions and exits are those of a run that
 * jumps to the deadline at once. Host time here is a fake clock the test moves.
 */
import { strict as assert } from 'node:assert';
import { Irq } from '../../../hypervisor-core/hart/csr-numbers';
import { Vm, VmStop } from '../../../hypervisor-core/hypervisor/vm';

const KERNEL = 0x80200000;
/**
 * rdtime t0 ; t0 += 500000 (50 ms at 10 MHz) ; csrw stimecmp, t0 ; csrs sie, STIE ; wfi ;
 * rdtime s0 ; SBI SRST shutdown.
 */
const GUEST = [0xc01022f3, 0x0007a337, 0x1203031b, 0x006282b3, 0x14d29073, 0x02000313, 0x10432073,
  0x10500073, 0xc0102473, 0x535258b7, 0x3548889b, 0x00000813, 0x00000513, 0x00000593, 0x00000073];
const DEADLINE_TICKS = 500_000;

function boot(idleSleep: boolean, hostNow?: () => number): Vm {
  const vm = new Vm({ vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined, idleSleep, hostNow });
  const code = new Uint8Array(GUEST.length * 4);
  GUEST.forEach((w, i) => new DataView(code.buffer).setUint32(4 * i, w, true));
  vm.ram.write(KERNEL, code);
  vm.boot(KERNEL, 0x80f00000);
  return vm;
}

const wfiExits = (vm: Vm) => vm.stats.report().reasons.find((r) => r.key === 'wfi')?.samples ?? 0;
/** The guest's second time read (s0), in ticks. */
const wokeAt = (vm: Vm) => vm.vcpus[0].hart.x[8 * 2] >>> 0;

describe('hypervisor: an idle guest sleeps in host time (icount)', () => {
  it('waits for a deadline 50 ms away in O(1) run-loop turns, then wakes exactly at it', () => {
    let hostMs = 1000;
    const vm = boot(true, () => hostMs);
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    const instructions = vm.instructions;
    assert.equal(wfiExits(vm), 1);
    const start = vm.clock.now();
    assert.ok(vm.msUntilNextDeadline() > 49 && vm.msUntilNextDeadline() <= 50, `${vm.msUntilNextDeadline()} ms`);

    // Asked again and again while host time stands still: nothing runs, no exit, no time.
    for (let i = 0; i < 100; i++) assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    assert.equal(vm.instructions, instructions);
    assert.equal(wfiExits(vm), 1);
    assert.equal(vm.clock.now(), start);

    // 20 ms later: guest time moved 20 ms (200,000 ticks), 30 ms to go, still idle.
    hostMs += 20;
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    assert.equal(vm.clock.now(), start + 200_000);
    assert.ok(Math.abs(vm.msUntilNextDeadline() - (50 - 20)) < 1, `${vm.msUntilNextDeadline()} ms`);
    assert.equal(vm.instructions, instructions);

    // Well past the deadline (a late host): the guest wakes with time exactly at the deadline.
    hostMs += 500;
    const stop = vm.runFor(1_000_000);
    assert.deepEqual(stop, { kind: 'shutdown', failure: false } satisfies VmStop);
    assert.equal(wfiExits(vm), 1);
    const jumped = boot(false);
    assert.deepEqual(jumped.runFor(1_000_000), { kind: 'shutdown', failure: false });
    assert.equal(vm.instructions, jumped.instructions, 'the same instructions as a run that jumps to the deadline');
    assert.equal(wokeAt(vm), wokeAt(jumped), 'the same time read after the wake-up');
    assert.ok(wokeAt(vm) >= DEADLINE_TICKS);
  });

  it('less than a millisecond before the deadline, the guest wakes without another host timer', () => {
    let hostMs = 0;
    const vm = boot(true, () => hostMs);
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    hostMs += vm.msUntilNextDeadline() - 0.5; // a host timer that fired half a millisecond early
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'shutdown', failure: false });
    assert.equal(wfiExits(vm), 1);
  });

  it('an interrupt before the deadline wakes the guest at the guest time host time reached', () => {
    let hostMs = 0;
    const vm = boot(true, () => hostMs);
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    const start = vm.clock.now();
    hostMs += 10;
    vm.setGuestIrq(0, Irq.VSTI, true); // injected, as a device line raised by typed input would be
    const before = vm.instructions;
    vm.runFor(100);
    const ran = vm.instructions - before;
    assert.ok(ran > 0, 'the guest runs');
    const moved = vm.clock.now() - start;
    assert.ok(moved >= 100_000 && moved <= 100_000 + Math.ceil(ran / 10), `10 ms of idle, then ${ran} instructions: ${moved} ticks`);
  });

  it('paused host time is not guest time', () => {
    let hostMs = 0;
    const vm = boot(true, () => hostMs);
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    const start = vm.clock.now();
    hostMs += 10;
    vm.pause();
    hostMs += 1000;
    assert.deepEqual(vm.runFor(1_000_000), { kind: 'idle' });
    assert.equal(vm.clock.now(), start + 100_000);
    assert.ok(Math.abs(vm.msUntilNextDeadline() - 40) < 1);
  });
});
