/**
 * Remote fences between vCPU threads (shared-words.ts): a thread waiting for another thread's
 * fence is woken when that fence is done, through the fence bell, not by polling. The target
 * here is a worker that flushes as a vCPU thread does (completeFence) once asked.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FenceKind, fencesDone, newControlWords, requestFence, W } from '../../../../hypervisor-core/hypervisor/threads/shared-words';

const SHARED_WORDS = path.join(__dirname, '..', '..', '..', '..', 'hypervisor-core', 'hypervisor', 'threads', 'shared-words.js');

/** A stand-in for vCPU 1's thread: sleeps on its doorbell, then does the fence it was asked for. */
const TARGET = `
const { workerData } = require('node:worker_threads');
const { W, completeFence } = require(workerData.module);
const ctl = new Int32Array(workerData.control);
const door = W.door(1);
for (;;) {
  const bell = Atomics.load(ctl, door);
  const req = Atomics.load(ctl, W.fenceReq(1));
  if (req !== Atomics.load(ctl, W.fenceDone(1))) { completeFence(ctl, 1, req); break; }
  Atomics.wait(ctl, door, bell, 60000);
}
`;

describe('vCPU threads: remote fences', () => {
  it('a thread waiting for a remote fence wakes when the fence is done (the fence bell), not at a poll', async () => {
    const ctl = newControlWords(2);
    const target = new Worker(TARGET, { eval: true, workerData: { module: SHARED_WORDS, control: ctl.buffer } });
    try {
      const fences: [number, number][] = [[1, requestFence(ctl, 1, FenceKind.CODE, 2)]];
      // Woken only by a notify: a 20 s wait that times out fails the test.
      for (let waits = 0; !fencesDone(ctl, fences); waits++) {
        const bell = Atomics.load(ctl, W.FENCE_BELL);
        if (fencesDone(ctl, fences)) break;
        assert.notEqual(Atomics.wait(ctl, W.FENCE_BELL, bell, 20_000), 'timed-out', 'the target\'s completeFence rang the bell');
        assert.ok(waits < 10);
      }
      assert.equal(Atomics.load(ctl, W.fenceDone(1)), fences[0][1]);
    } finally {
      await target.terminate();
    }
  });
});
