/**
 * The dirty log while the vCPUs run on host threads, as live migration's pre-copy rounds use
 * it: each fetch write-protects the pages it hands out and returns only once every vCPU
 * thread has flushed its TLBs (KVM's kvm_flush_remote_tlbs in KVM_GET_DIRTY_LOG), so a
 * thread's next store to such a page faults and is logged again. The guest
 * (test/guests/reproducers/src/ticker.S) stores into the first word of each of 64 consecutive
 * pages of its buffer before every "tick N" line, so every round between two ticks must find
 * those 64 pages dirty; a thread that kept a writable translation would write them unlogged.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { VcpuThreads } from '../../hypervisor-core/hypervisor/threads/vcpu-threads';
import { dirtyPages } from '../../hypervisor-core/hypervisor/dirty-log';
import { ROOT } from './guest-runner';

const TICKER = path.join(ROOT, 'test', 'guests', 'reproducers', 'build', 'ticker.elf');
/** Pages ticker.S writes per tick. */
const DIRTY_PAGES = 64;

/** The longest run of consecutive page indices. */
function longestRun(pages: number[]): number {
  let best = 0;
  let run = 0;
  pages.forEach((p, i) => {
    run = i > 0 && p === pages[i - 1] + 1 ? run + 1 : 1;
    best = Math.max(best, run);
  });
  return best;
}

describe('the dirty log of a VM on vCPU threads', function () {
  this.timeout(60_000);

  it('finds the 64 pages a thread writes per tick dirty in every round (each fetch flushes every thread\'s TLBs)', async () => {
    let output = '';
    const { vm } = bootVirt({
      kernel: readFileSync(TICKER), vcpus: 2, memory: 16 * 1024 * 1024, clock: 'realtime', sharedMemory: true,
      console: (b) => { output += Buffer.from(b).toString('latin1'); },
    });
    const ticks = () => (output.match(/^tick \d+$/gm) ?? []).length;
    const t = new VcpuThreads(vm, 2);
    t.start();
    try {
      const runTicks = async (n: number) => {
        const want = ticks() + n;
        const stop = await t.run(performance.now() + 30_000, () => ticks() >= want);
        assert.equal(stop, null, `the guest stopped: ${JSON.stringify(stop)}`);
        assert.ok(ticks() >= want, 'the guest ticked within 30 s');
      };
      await runTicks(1);
      vm.startDirtyLog(); // while the threads run: they must drop their writable translations
      for (let round = 0; round < 4; round++) {
        await runTicks(2);
        const pages = dirtyPages(vm.fetchDirtyLog());
        assert.ok(longestRun(pages) >= DIRTY_PAGES, `round ${round}: ${pages.length} dirty pages, longest run ${longestRun(pages)}`);
      }
      assert.ok(vm.dirtyLog!.stats.protectionFaults >= 4 * DIRTY_PAGES, `${vm.dirtyLog!.stats.protectionFaults} protection faults`);
    } finally {
      await t.terminate();
    }
  });
});
