/**
 * Writes to x0 are discarded (unprivileged spec, "x0 is hardwired with all bits equal to 0"),
 * whatever instruction class writes it. The interpreter clears x0 only after an instruction
 * whose rd bits are 0 (hart.ts): each case here runs one such instruction, with nonzero
 * sources, in the interpreter alone, and reads x0 back through `add a0, x0, x0` as the next
 * instruction would see it.
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const A0 = 10, T1 = 6, T2 = 7;
const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const i = (imm: number, rs1: number, f3: number, rd: number, op: number) => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const ADD_A0_X0_X0 = r(0, 0, 0, 0, A0, 0x33);
const SPIN = 0x0000006f; // jal x0, 0

/** Instructions with rd = x0, by class (t1 holds an address in RAM, t2 a nonzero value). */
const CASES: [string, number][] = [
  ['lui x0, 0x12345', (0x12345 << 12) | 0x37],
  ['auipc x0, 0x12345', (0x12345 << 12) | 0x17],
  ['addi x0, t2, 5', i(5, T2, 0, 0, 0x13)],
  ['slli x0, t2, 35', i(35, T2, 1, 0, 0x13)],
  ['srai x0, t2, 3', i(0x400 | 3, T2, 5, 0, 0x13)],
  ['addiw x0, t2, -1', i(-1, T2, 0, 0, 0x1b)],
  ['add x0, t2, t2', r(0, T2, T2, 0, 0, 0x33)],
  ['sll x0, t2, t2', r(0, T2, T2, 1, 0, 0x33)],
  ['sra x0, t2, t2', r(0x20, T2, T2, 5, 0, 0x33)],
  ['mul x0, t2, t2', r(1, T2, T2, 0, 0, 0x33)],
  ['divu x0, t2, t2', r(1, T2, T2, 5, 0, 0x33)],
  ['remw x0, t2, t2', r(1, T2, T2, 6, 0, 0x3b)],
  ['ld x0, 0(t1)', i(0, T1, 3, 0, 0x03)],
  ['lbu x0, 1(t1)', i(1, T1, 4, 0, 0x03)],
  ['lr.d x0, (t1)', r(0x2 << 2, 0, T1, 3, 0, 0x2f)],
  ['amoadd.w x0, t2, (t1)', r(0, T2, T1, 2, 0, 0x2f)],
  ['amoswap.d x0, t2, (t1)', r(0x1 << 2, T2, T1, 3, 0, 0x2f)],
  ['csrrs x0, mscratch, t2', i(0x340, T2, 2, 0, 0x73)],
  ['csrrwi x0, mscratch, 7', i(0x340, 7, 5, 0, 0x73)],
  ['rdcycle x0 (csrrs x0, cycle, x0)', i(0xc00, 0, 2, 0, 0x73)],
  ['jalr x0, 8(t3) with t3 = the next instruction - 8', i(8, 28, 0, 0, 0x67)],
];

describe('hart: writes to x0 are discarded in every instruction class', () => {
  for (const [name, insn] of CASES) {
    it(name, () => {
      const mem = new PhysMemory(BASE, 1 << 20);
      [insn, ADD_A0_X0_X0, SPIN].forEach((w, k) => mem.view.setUint32(4 * k, w, true));
      mem.view.setUint32(0x800, 0x89abcdef, true);
      mem.view.setUint32(0x804, 0x01234567, true);
      const h = new Hart(0, mem);
      h.setJit(false);
      h.reset(BASE | 0, 0);
      h.x[2 * T1] = (BASE + 0x800) | 0;
      h.x[2 * T1 + 1] = 0;
      h.x[2 * T2] = 0x76543210;
      h.x[2 * T2 + 1] = 0x7edcba98;
      h.x[2 * 28] = (BASE + 4 - 8) | 0;
      h.x[2 * A0] = -1;
      h.run(2);
      assert.equal(h.pcLo >>> 0, BASE + 8, 'both instructions ran');
      assert.deepEqual([h.x[0], h.x[1]], [0, 0], 'x0 after the write');
      assert.deepEqual([h.x[2 * A0], h.x[2 * A0 + 1]], [0, 0], 'add a0, x0, x0 read x0 as 0');
    });
  }
});
