/**
 * The interpreter's predecode cache (hart/predecode.ts) never runs a stale instruction: a
 * guest store over an instruction it already executed (with the FENCE.I the Zifencei chapter
 * of the unprivileged spec asks of the program), a store through a write-TLB entry filled
 * before the page held executed code, and a host write all make the next execution decode
 * the new instruction. The expected registers are the spec's results of each program; each
 * case runs with translation off (the interpreter alone) and on.
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const A0 = 10, RA = 1, T1 = 6, T2 = 7, T3 = 28;

const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const bne = (rs1: number, rs2: number, off: number) => ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) |
  (rs1 << 15) | (1 << 12) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
const auipc = (rd: number, imm20: number) => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17;
const sw = (rs2: number, off: number, rs1: number) => (((off >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | ((off & 0x1f) << 7) | 0x23;
const jalr = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x67;
const FENCE_I = 0x0000100f;
const SPIN = 0x0000006f; // jal x0, 0
/** c.addi a0, 1 (RVC quadrant 1, funct3 000). */
const C_ADDI_A0_1 = 0x0505;

/** A hart with `code` at BASE (and `page2` at BASE + 4 KiB), translation on or off. */
function hartWith(code: number[], jit: boolean, page2: number[] = []): { h: Hart; mem: PhysMemory } {
  const mem = new PhysMemory(BASE, 1 << 20);
  code.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  page2.forEach((w, i) => mem.view.setUint32(0x1000 + 4 * i, w >>> 0, true));
  const h = new Hart(0, mem);
  h.setJit(jit);
  if (h.blockCache) h.blockCache.threshold = h.blockCache.straightThreshold = 1;
  h.reset(BASE | 0, 0);
  return { h, mem };
}

describe('hart: predecoded instructions', () => {
  it('a store over an instruction already executed on the running page, then FENCE.I, runs the new instruction (a0 = 1 + 2)', () => {
    const code = [
      auipc(T1, 0), // 0x00
      addi(T2, 0, 2), // 0x04
      addi(A0, A0, 1), // 0x08: patched to addi a0, a0, 2 after its first run
      sw(T3, 8, T1), // 0x0c
      FENCE_I, // 0x10
      addi(T2, T2, -1), // 0x14
      bne(T2, 0, -0x10), // 0x18 -> 0x08
      SPIN, // 0x1c
    ];
    for (const jit of [false, true]) {
      const { h } = hartWith(code, jit);
      h.x[2 * T3] = addi(A0, A0, 2);
      h.run(100);
      assert.equal(h.x[2 * A0], 3, `jit ${jit}`);
      assert.equal(h.pcLo >>> 0, BASE + 0x1c);
      assert.ok(h.predecode.counters.invalidated >= 1, 'the store cleared the page\'s decoded instructions');
    }
  });

  it('a store through a write-TLB entry filled before the page held executed code still reaches the decoder (a0 = 1 + 2)', () => {
    // Page 1 is written first (the write TLB maps it), then a function on it runs (it becomes
    // a code page), then the same store path patches that function.
    const code = [
      auipc(T1, 1), // 0x00: t1 = BASE + 0x1000
      sw(0, 0x7f0, T1), // 0x04: a data store to page 1 fills the write TLB
      jalr(RA, T1, 0), // 0x08: call f
      sw(T3, 0, T1), // 0x0c: patch f's first instruction
      FENCE_I, // 0x10
      jalr(RA, T1, 0), // 0x14: call f again
      SPIN, // 0x18
    ];
    const f = [addi(A0, A0, 1), jalr(0, RA, 0)];
    for (const jit of [false, true]) {
      const { h } = hartWith(code, jit, f);
      h.x[2 * T3] = addi(A0, A0, 2);
      h.run(100);
      assert.equal(h.x[2 * A0], 3, `jit ${jit}`);
      assert.equal(h.pcLo >>> 0, BASE + 0x18);
    }
  });

  it('a host write of a 32-bit instruction over an executed compressed one runs the 32-bit instruction', () => {
    for (const jit of [false, true]) {
      const { h, mem } = hartWith([C_ADDI_A0_1 | (C_ADDI_A0_1 << 16), SPIN], jit);
      h.run(1);
      assert.equal(h.x[2 * A0], 1);
      assert.equal(h.pcLo >>> 0, BASE + 2);
      const patch = new Uint8Array(4);
      new DataView(patch.buffer).setUint32(0, addi(A0, A0, 5), true);
      mem.write(BASE, patch);
      h.reset(BASE | 0, 0);
      h.x[2 * A0] = 1;
      h.run(1);
      assert.equal(h.x[2 * A0], 6, `jit ${jit}`);
      assert.equal(h.pcLo >>> 0, BASE + 4, 'the new instruction is 4 bytes long');
    }
  });
});
