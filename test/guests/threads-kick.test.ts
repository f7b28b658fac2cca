/**
 * A kick reaches a vCPU in the middle of its slice on a vCPU thread: an IPI, a fence or a
 * pushed state rings the thread's door word, which the running hart polls at branch targets
 * (Hart.pollWord), as KVM kicks a running vCPU out of guest mode with an IPI. Before, a
 * thread looked at its interrupt lines only between slices of 20,000 instructions.
 *
 * test/fixtures/threads/kick.elf (kick.S): hart 1 loops without ever leaving the guest, hart 0
 * sends it an IPI and shuts down once its handler ran (qemu-system-riscv64 -M virt -smp 2
 * with OpenSBI runs it to the shutdown). The slices here are made endless: the guest finishes
 * only if the ring ends hart 1's slice, whatever the host's speed or load.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { VcpuThreads } from '../../hypervisor-core/hypervisor/threads/vcpu-threads';
import { ROOT } from './guest-runner';

/** Slices that never end on their own (instructions). */
const ENDLESS = 1e15;

describe('vCPU threads: a ring ends a running slice', function () {
  this.timeout(60_000);

  for (const jit of [false, true]) {
    it(`an IPI sent from another thread is taken by a vCPU looping in an endless slice (translation ${jit ? 'on' : 'off'})`, async () => {
      const { vm } = bootVirt({
        kernel: readFileSync(path.join(ROOT, 'test/fixtures/threads/kick.elf')), vcpus: 2, memory: 64 * 1024 * 1024,
        clock: 'realtime', sharedMemory: true, jit, console: () => undefined,
      });
      const t = new VcpuThreads(vm, 2, false, undefined, ENDLESS);
      t.start();
      try {
        // A guard against a hang only: the guest needs a few milliseconds.
        const stop = await t.run(performance.now() + 30_000, () => false);
        assert.deepEqual(stop, { kind: 'shutdown', failure: false });
      } finally {
        await t.terminate();
      }
      // hart 1 took the IPI in its loop and waits in its handler's WFI; one send_ipi was made.
      assert.equal(vm.vcpus[1].state, 'blocked');
      assert.equal(vm.stats.report().sbi.find((row) => row.key === 'IPI.send_ipi')?.samples, 1);
    });
  }
});
