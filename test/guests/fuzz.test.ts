/**
 * A misbehaving guest never crashes the hypervisor: random instruction streams (a fixed
 * seed, so the test is deterministic) run as VS-mode guests, with their registers pointing
 * at RAM, at devices and at nothing. Every run must end in a VM stop or a spent budget,
 * never in a JavaScript exception.
 */
import { strict as assert } from 'node:assert';
import { Vm } from '../../hypervisor-core/hypervisor/vm';
import { Slot } from '../../hypervisor-core/hart/hart-state';

const KERNEL = 0x80200000;
/** ecall, wfi, sret, csrr a0 sstatus, csrw satp a1, csrw sie a2, sfence.vma, fence.i, hlv.d, mret. */
const SYSTEM = [0x00000073, 0x10500073, 0x10200073, 0x10002573, 0x18059073, 0x10461073, 0x12000073, 0x0000100f, 0x6c05c573, 0x30200073];

/** xorshift32: deterministic pseudo-random words. */
function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
}

describe('guests that misbehave', function () {
  this.timeout(60_000);

  it('random instruction streams never throw out of the hypervisor (200 guests)', () => {
    const next = rng(0x5eed);
    const interesting = [0x80200000, 0x80201000, 0x10000000, 0x0c000000, 0x10001000, 0x02000000, 0, 0xffffffff, 0x87fff000];
    const reasons = new Set<string>();
    for (let g = 0; g < 200; g++) {
      const vm = new Vm({ vcpus: 2, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
      const code = new Uint8Array(4096);
      const view = new DataView(code.buffer);
      for (let i = 0; i < 1024; i++) {
        // Mostly well-formed opcodes (low bits 11) with random fields, some compressed halves,
        // and now and then a system instruction (ecall, wfi, sret, CSR accesses, fences).
        const w = next();
        const word = w % 16 === 0 ? SYSTEM[(w >>> 4) % SYSTEM.length] : g % 3 === 0 ? w : (w | 3) >>> 0;
        view.setUint32(i * 4, word >>> 0, true);
      }
      vm.ram.write(KERNEL, code);
      vm.boot(KERNEL, 0x87e00000);
      const h = vm.vcpus[0].hart;
      for (let r = 1; r < 32; r++) {
        const v = interesting[next() % interesting.length] + (next() % 64);
        h.x[2 * r] = v | 0;
        h.x[2 * r + 1] = next() % 4 === 0 ? -1 : 0;
      }
      h.set(Slot.VSTVEC, KERNEL | 0, 0); // guest traps land back in the random code
      assert.doesNotThrow(() => vm.runFor(200_000), `guest ${g}`);
      for (const row of vm.stats.report().reasons) reasons.add(row.key);
    }
    // The streams went through the exit paths that decode guest state.
    for (const r of ['illegal-instruction', 'guest-page-fault', 'mmio', 'sbi']) assert.ok(reasons.has(r), [...reasons].join(', '));
  });
});
