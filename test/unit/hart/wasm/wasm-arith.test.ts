/**
 * The WebAssembly backend's arithmetic against the RISC-V unprivileged spec itself: the
 * M chapter's table "Semantics for division by zero and division overflow" (x / 0 = -1,
 * x % 0 = x, the most negative value / -1 = itself, % -1 = 0; the W forms on 32 bits with
 * the result sign-extended), the shift amounts (rs2[5:0] for 64-bit shifts, rs2[4:0] for
 * the W forms, RV64I chapter) and the high products of MULH, MULHU and MULHSU. WebAssembly
 * itself traps on the division cases; a trap here would throw out of the test.
 */
import { strict as assert } from 'node:assert';
import { Bench, CSR, r } from './rig';
import { compileRegionWasm } from '../../../../hypervisor-core/hart/jit/wasm';

const A0 = 10, A1 = 11, A2 = 12;
const MIN64: [number, number] = [0, -2147483648];
const MIN32: [number, number] = [-2147483648, -1];
const ONES: [number, number] = [-1, -1];

/** a0 = op(a1, a2) through a WebAssembly region of that one instruction; returns a0 as (lo, hi). */
function wasmResult(f7: number, f3: number, opcode: number, x: [number, number], y: [number, number]): [number, number] {
  const bench = new Bench();
  bench.code([r(f7, A2, A1, f3, A0, opcode), CSR]);
  bench.set(A1, ...x); bench.set(A2, ...y);
  const { blocks, pages } = bench.region();
  const h = { pcLo: 0, pcHi: 0, reservation: -1 };
  assert.equal(bench.call(compileRegionWasm(blocks, pages, bench.memory), h, 10, 0), 1);
  return [bench.x[2 * A0], bench.x[2 * A0 + 1]];
}

const OP = 0x33, OP32 = 0x3b;
/** [name, funct7, funct3, opcode, rs1, rs2, expected rd], the expected values from the spec. */
const CASES: [string, number, number, number, [number, number], [number, number], [number, number]][] = [
  // Division by zero.
  ['div x/0', 1, 4, OP, [7, 0], [0, 0], ONES],
  ['divu x/0', 1, 5, OP, [7, 0], [0, 0], ONES],
  ['rem x%0', 1, 6, OP, [-7, -1], [0, 0], [-7, -1]],
  ['remu x%0', 1, 7, OP, [-7, -1], [0, 0], [-7, -1]],
  ['divw x/0', 1, 4, OP32, [7, 5], [0, 9], ONES],
  ['divuw x/0', 1, 5, OP32, [7, 5], [0, 9], ONES], // 2^32 - 1, sign-extended
  ['remw x%0', 1, 6, OP32, [-7, 5], [0, 9], [-7, -1]], // x[31:0] sign-extended
  ['remuw x%0', 1, 7, OP32, [0x80000000 | 0, 0], [0, 1], [0x80000000 | 0, -1]],
  // Signed overflow.
  ['div min/-1', 1, 4, OP, MIN64, ONES, MIN64],
  ['rem min%-1', 1, 6, OP, MIN64, ONES, [0, 0]],
  ['divw min/-1', 1, 4, OP32, [-2147483648, 0], [-1, 0], MIN32],
  ['remw min%-1', 1, 6, OP32, [-2147483648, 0], [-1, 0], [0, 0]],
  // Ordinary division truncates toward zero.
  ['div -7/2', 1, 4, OP, [-7, -1], [2, 0], [-3, -1]],
  ['rem -7%2', 1, 6, OP, [-7, -1], [2, 0], [-1, -1]],
  ['divu big/3', 1, 5, OP, [-1, -1], [3, 0], [0x55555555, 0x55555555]],
  ['divw -7/2', 1, 4, OP32, [-7, 0], [2, 0], [-3, -1]],
  ['divuw 0xffffffff/1', 1, 5, OP32, [-1, 0], [1, 0], ONES],
  // High products.
  ['mulhu -1*-1', 1, 3, OP, ONES, ONES, [-2, -1]],
  ['mulh -1*-1', 1, 1, OP, ONES, ONES, [0, 0]],
  ['mulhsu -1*(2^64-1)', 1, 2, OP, ONES, ONES, ONES],
  ['mulh min*min', 1, 1, OP, MIN64, MIN64, [0, 0x40000000]],
  ['mulhu 2^32*2^32', 1, 3, OP, [0, 1], [0, 1], [1, 0]],
  ['mulw overflow', 1, 0, OP32, [0x10000, 0], [0x8000, 0], MIN32],
  // Shift amounts: rs2[5:0] for 64 bits, rs2[4:0] for W, W results sign-extended.
  ['sll by 67', 0, 1, OP, [1, 0], [67, 0], [8, 0]],
  ['sra -1 by 63', 0x20, 5, OP, MIN64, [63, 0], ONES],
  ['srl by 32', 0, 5, OP, [0, 0x80000000 | 0], [32, 0], [0x80000000 | 0, 0]],
  ['sllw by 35', 0, 1, OP32, [0x10000000, 7], [35, 0], [0x80000000 | 0, -1]],
  ['srlw by 0', 0, 5, OP32, [0x80000000 | 0, 5], [32, 0], [0x80000000 | 0, -1]],
  ['sraw by 4', 0x20, 5, OP32, [0x80000000 | 0, 0], [4, 0], [0xf8000000 | 0, -1]],
  ['addw wraps', 0, 0, OP32, [0x7fffffff, 0], [1, 0], MIN32],
];

describe('hart: WebAssembly regions follow the spec for division corner cases, shifts and high products', () => {
  for (const [name, f7, f3, opcode, x, y, expected] of CASES) {
    it(name, () => assert.deepEqual(wasmResult(f7, f3, opcode, x, y), expected));
  }
});
