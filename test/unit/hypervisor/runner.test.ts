/**
 * The run loop (runner.ts) with a batch gate: the hook by which a daemon's credit scheduler
 * holds a host-CPU slot around every batch. A recording gate stands in for the scheduler.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../../../hypervisor-core/machine/virt-board';
import { BatchGate, batchLoop, runBatches, runUntilStop } from '../../../hypervisor-core/hypervisor/runner';
import { ROOT } from '../../guests/guest-runner';

const hello = () => {
  let out = '';
  const vm = bootVirt({ kernel: readFileSync(path.join(ROOT, 'samples/hello/hello.elf')), vcpus: 1, memory: 128 << 20, clock: 'icount', console: (b) => (out += Buffer.from(b).toString()) }).vm;
  return { vm, out: () => out };
};

/** A gate that logs its calls and refuses its first `refusals` entries. */
const recordingGate = (batch: number, refusals = 0) => {
  const log: string[] = [];
  const gate: BatchGate = {
    batch,
    enter: async () => {
      log.push('enter');
      return refusals-- <= 0;
    },
    leave: (units, runnable) => log.push(`leave ${units > 0} ${runnable}`),
    idle: () => log.push('idle'),
  };
  return { gate, log };
};

describe('the run loop', () => {
  it('runs a guest to its shutdown without a gate', async () => {
    const g = hello();
    const end = await runUntilStop(g.vm, { quit: () => false });
    assert.equal(end.kind, 'stop');
    assert.match(g.out(), /Hello/);
  });

  it('runs every batch between the gate\'s enter and leave, in batches of the gate\'s size', async () => {
    const g = hello();
    const { gate, log } = recordingGate(1_000);
    const runs: number[] = [];
    const runFor = g.vm.runFor.bind(g.vm);
    g.vm.runFor = (n) => {
      runs.push(n);
      assert.equal(log[log.length - 1], 'enter', 'a batch runs only once the gate let it in');
      return runFor(n);
    };
    const end = await runBatches(g.vm, { quit: () => false }, gate);
    assert.equal(end.kind, 'stop');
    assert.match(g.out(), /Hello/, 'the same output as without a gate');
    assert.ok(runs.length > 1 && runs.every((n) => n === 1_000));
    const enters = log.filter((e) => e === 'enter').length;
    assert.equal(enters, runs.length);
    // Every batch but the last left the VM runnable; the last one stopped it.
    assert.equal(log.filter((e) => e === 'leave true true').length, runs.length - 1);
    assert.equal(log[log.length - 1], 'leave true false');
  });

  it('polls again when the gate gives up waiting, without running a batch', async () => {
    const g = hello();
    const { gate, log } = recordingGate(50_000, 2);
    const end = await runBatches(g.vm, { quit: () => false }, gate);
    assert.equal(end.kind, 'stop');
    assert.deepEqual(log.slice(0, 3), ['enter', 'enter', 'enter']);
    assert.equal(log[3].startsWith('leave'), true);
  });

  it('idles the gate while held, and runs on once the hold settles', async () => {
    const g = hello();
    const { gate, log } = recordingGate(1_000);
    let release: () => void = () => undefined;
    let held: Promise<void> | null = new Promise<void>((r) => (release = r));
    const end = runBatches(g.vm, { quit: () => false, hold: () => held }, gate);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['idle'], 'a held VM asks for no slot');
    held = null;
    release();
    assert.equal((await end).kind, 'stop');
    assert.equal(log[1], 'enter');
  });

  it('ends with quit before entering the gate', async () => {
    const g = hello();
    const { gate, log } = recordingGate(1_000);
    assert.deepEqual(await runBatches(g.vm, { quit: () => true }, gate), { kind: 'quit' });
    assert.deepEqual(log, []);
  });

  it('gives each stop to its caller\'s policy: one it runs on from continues the run (the debugger\'s loop)', async () => {
    const g = hello();
    g.vm.pauseAtInstructions = 5_000;
    const runs: number[] = [];
    const runFor = g.vm.runFor.bind(g.vm);
    g.vm.runFor = (n) => (runs.push(n), runFor(n));
    const stops: string[] = [];
    let batches = 0;
    const end = await batchLoop(g.vm, null, {
      yieldEvery: 3_000,
      giveUp: () => false,
      next: () => null,
      afterBatch: () => batches++,
      onStop(stop) {
        stops.push(stop.kind);
        if (stop.kind !== 'paused') return { end: stop.kind };
        g.vm.pauseAtInstructions = Infinity;
        return null;
      },
    });
    assert.equal(end, 'shutdown');
    assert.deepEqual(stops, ['paused', 'shutdown']);
    assert.match(g.out(), /Hello/, 'the run went on past the pause to the guest\'s end');
    assert.ok(runs.every((n) => n === 3_000), 'without a gate every batch is yieldEvery units');
    assert.equal(batches, runs.length, 'afterBatch follows every batch');
  });
});
