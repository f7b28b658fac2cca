/**
 * vCPU threads over the VM's shared WebAssembly.Memory (memory/hart-area.ts): each thread
 * builds its harts over the memory it was sent, in areas of their own (vCPUs..2*vCPUs-1, not
 * the VM thread's copies in 0..vCPUs-1), and an interpreter area each (its predecode cache and
 * block cache tables, read by the fast path). The SMP samples' results on threads (QEMU's) are
 * held by threads.test.ts, over this same memory.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { VcpuThreads } from '../../hypervisor-core/hypervisor/threads/vcpu-threads';
import { HART_AREA_BYTES, PREDECODE_SLOT_WORDS, areasAt, interpreterAreaBytes } from '../../hypervisor-core/memory/hart-area';
import { ROOT } from './guest-runner';

describe('vCPU threads over a shared WebAssembly.Memory', function () {
  this.timeout(120_000);

  it('runs the thread\'s hart in an area of its own, not in the VM thread\'s copy\'s', async () => {
    const memory = 64 * 1024 * 1024;
    const { vm } = bootVirt({
      kernel: readFileSync(path.join(ROOT, 'samples/cpu-bound/cpu-bound.elf')), vcpus: 1, memory, clock: 'realtime', sharedMemory: true,
      console: () => undefined,
    });
    const wasm = vm.host.wasm;
    assert.ok(wasm, 'a shared WebAssembly.Memory');
    assert.ok(wasm.buffer instanceof SharedArrayBuffer);
    assert.equal(vm.host.hartAreas, 2, 'two areas per vCPU: the VM thread\'s copy and the vCPU thread\'s hart');
    const mine = vm.vcpus[0].hart;
    assert.ok(mine.wasmReady);
    assert.equal(mine.area!.index, 0);
    const xInArea = mine.x.byteOffset - mine.area!.offset;
    const threadX = new Int32Array(wasm.buffer, areasAt(vm.host.size) + 1 * HART_AREA_BYTES + xInArea, 64);
    assert.ok(threadX.every((w) => w === 0), 'no thread hart yet');
    const t = new VcpuThreads(vm, 1);
    t.start();
    try {
      // Until the thread's hart has run a million instructions of the guest (the guest runs far longer).
      const end = await t.run(performance.now() + 60_000, () => t.instructions() > 1_000_000);
      assert.equal(end, null, 'stopped by quit, not by the guest');
      assert.ok(t.instructions() > 1_000_000, 'by quit, not by the deadline');
    } finally {
      await t.terminate();
    }
    // The thread's hart ran the guest in area 1: its stack pointer points into guest RAM.
    const sp = threadX[2 * 2] >>> 0;
    assert.ok(sp >= vm.host.base && sp < vm.host.base + memory, `the thread's hart has sp 0x${sp.toString(16)} in area 1`);
    // Its predecoded instructions are in the thread's interpreter area (the last of the
    // memory's: one a vCPU), where the interpreter's WebAssembly fast path reads them.
    assert.equal(vm.host.interpreterAreas, 1);
    assert.equal(vm.host.interpreterArea, null, 'the VM thread takes none');
    const cells = new Int32Array(wasm.buffer, wasm.buffer.byteLength - interpreterAreaBytes(vm.host.size), PREDECODE_SLOT_WORDS);
    assert.ok(cells.some((w) => w !== 0), 'the thread predecoded its first page there');
  });
});
