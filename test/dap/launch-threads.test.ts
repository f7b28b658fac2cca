/**
 * The launch attribute "threads": its default as `hyperscope run` has it for a realtime
 * multi-vCPU guest (the host's cores but one, at most the vCPUs), one thread with a one-line notice
 * where the run needs the VM's own round robin (icount, bios none, aia, shadow, balloon), and
 * a one-line refusal of a bad value. Through resolveLaunch (no guest run).
 */
import { strict as assert } from 'node:assert';
import { availableParallelism } from 'node:os';
import { LaunchError, resolveLaunch } from '../../debug-adapter/launch-config';
import { ROOT, sample } from './dap-helpers';

describe('launch: vCPUs on threads', () => {
  const resolve = (extra: Record<string, unknown>) => {
    const notices: string[] = [];
    const o = resolveLaunch({ program: sample('smp'), cwd: ROOT, ...extra } as never, (l) => notices.push(l));
    return { threads: o.threads, notices };
  };

  it('defaults to the host\'s cores but one, at most the vCPUs, on the realtime clock', () => {
    assert.deepEqual(resolve({ vcpus: 4 }), { threads: Math.max(1, Math.min(4, availableParallelism() - 1)), notices: [] });
    assert.deepEqual(resolve({ vcpus: 1 }), { threads: 1, notices: [] });
    assert.deepEqual(resolve({ vcpus: 2, threads: 2 }), { threads: 2, notices: [] });
    assert.deepEqual(resolve({ vcpus: 4, clock: 'icount' }), { threads: 1, notices: [] });
  });

  it('runs on one thread with a one-line notice where threads cannot run the VM', () => {
    assert.deepEqual(resolve({ vcpus: 2, threads: 2, clock: 'icount' }), {
      threads: 1, notices: ['threads 2: the icount clock (a reproducible run, and reverse debugging) runs on one thread; the vCPUs take turns there'],
    });
    assert.deepEqual(resolve({ vcpus: 2, threads: 2, mmu: 'shadow' }).threads, 1);
    assert.deepEqual(resolve({ vcpus: 2, threads: 2, aia: true }).threads, 1);
    assert.deepEqual(resolve({ vcpus: 2, threads: 4 }), { threads: 2, notices: ['threads 4: at most one thread per vCPU, so 2'] });
  });

  it('refuses a thread count that is not a whole number from 1 to 32, in one line', () => {
    for (const bad of [0, 33, 1.5, '2']) {
      assert.throws(() => resolve({ vcpus: 2, threads: bad }), (e: Error) => e instanceof LaunchError && /^threads must be an integer from 1 to 32, not /.test(e.message));
    }
  });
});
