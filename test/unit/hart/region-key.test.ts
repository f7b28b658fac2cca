/**
 * A translated region is reused by its key (the same code at the same addresses compiles
 * once per process, compile.ts regionKey): a compressed instruction expands to the word of
 * its 32-bit form, so two regions at one address that differ only in which form they use
 * must not share a key, or the second runs with the first's pcs. Found with the ISA tests
 * in one process: rv64m's `c.li t6, 0; beq` after another test's `li t6, 0; beq` at the same
 * address branched 2 bytes past its target.
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';
import { JIT_DEFAULTS, type JitBackend } from '../../../hypervisor-core/hart/jit/block-cache';

const BASE = 0x80000000;
const A0 = 10, RA = 1;
const SPIN_AT = 0x100;

/** The block at BASE: `li t6, 0` (compressed or not), `auipc a0, 0`, `ret`; a spin at BASE + SPIN_AT. */
function hartWith(compressed: boolean, backend: JitBackend): Hart {
  const saved = JIT_DEFAULTS.backend;
  JIT_DEFAULTS.backend = backend;
  try {
    const mem = new PhysMemory(BASE, 1 << 20, false, 1);
    const halves = compressed ? [0x4f81] : [0x0f93, 0x0000]; // c.li t6, 0 / addi t6, x0, 0
    halves.push(0x0517, 0x0000, 0x8067, 0x0000); // auipc a0, 0; jalr x0, 0(ra)
    halves.forEach((h, k) => mem.view.setUint16(2 * k, h, true));
    mem.view.setUint32(SPIN_AT, 0x0000006f, true); // jal x0, 0
    const h = new Hart(0, mem);
    h.setJit(true);
    h.blockCache!.threshold = h.blockCache!.regionThreshold = h.blockCache!.straightThreshold = 1;
    h.reset(BASE | 0, 0);
    h.x[2 * RA] = (BASE + SPIN_AT) | 0;
    return h;
  } finally {
    JIT_DEFAULTS.backend = saved;
  }
}

describe('hart: the key a translated region is reused by', () => {
  for (const backend of ['js', 'wasm'] as const) {
    it(`${backend} regions: the same expanded instructions, compressed in one and not in the other, are two regions (auipc sees its own pc)`, () => {
      for (const order of [[true, false], [false, true]]) {
        for (const compressed of order) {
          const h = hartWith(compressed, backend);
          h.run(100);
          assert.ok(h.blockCache!.counters.compiled > 0, 'the block compiled');
          assert.equal(h.x[2 * A0] >>> 0, BASE + (compressed ? 2 : 4), `compressed ${compressed}, after compressed ${!compressed}`);
          assert.equal(h.pcLo >>> 0, BASE + SPIN_AT);
        }
      }
    });
  }
});
