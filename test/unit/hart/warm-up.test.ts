/**
 * The interpreter's warm-up: after it, an optimised `Hart.run` meets no path it has never
 * seen. The check runs in a child Node process with V8's natives syntax, which optimises `run`
 * synchronously (deterministic, unlike the concurrent optimisation of a normal run), then
 * executes on a fresh hart what a guest meets early (every RV64IM instruction with operands
 * that take its branches apart, loads and stores on both sides of the TLB and to a device,
 * an LR/SC reservation, a timer with the Sstc comparators, an interrupt taken) and counts V8's deoptimisations of
 * `run` (--trace-deopt). Without the warm-up there are several: a Linux boot hit about a dozen,
 * each recompiling the whole interpreter loop (V8 behaviour, Node 20).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { compressedSamples } from '../../../hypervisor-core/hart/warm-up';
import { decode, expandCompressed } from '../../../hypervisor-core/hart/isa/decoder';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const CORE = path.resolve(__dirname, '../../../hypervisor-core');

/** The child's script: `warm` chooses whether the warm-up runs first. */
function script(warm: boolean): string {
  return `
const { PhysMemory } = require(${JSON.stringify(path.join(CORE, 'memory/phys-memory.js'))});
const { Hart } = require(${JSON.stringify(path.join(CORE, 'hart/hart.js'))});
const { TABLE } = require(${JSON.stringify(path.join(CORE, 'hart/isa/table.js'))});
if (${warm}) require(${JSON.stringify(path.join(CORE, 'hart/warm-up.js'))}).warmUpInterpreter();
const mem = new PhysMemory(0x80000000, 0x10000);
const h = new Hart(0, mem);
h.bus = { hi: 0, read: () => 0, write: () => true };
h.reset(0x80000000);
const go = (w, a, b, base) => {
  mem.view.setInt32(0, w, true);
  h.pcLo = 0x80000000 | 0; h.pcHi = 0; h.priv = 3;
  h.x[10] = a; h.x[11] = a < 0 ? -1 : 0; h.x[12] = base | 0; h.x[13] = 0; h.x[14] = b; h.x[15] = 0;
  return h.run(1);
};
%PrepareFunctionForOptimization(h.run);
go(0x00028293, 0, 0, 0x80008000);
%OptimizeFunctionOnNextCall(h.run);
console.log('optimised');
go(0x00028293, 0, 0, 0x80008000);
// RV64I and M (ECALL, EBREAK and the CSR instructions aside), rd t0, rs1 t1, rs2 t2.
for (const r of TABLE.filter((r) => r.ext === 'I' || r.ext === 'M')) {
  if (r.name === 'ecall' || r.name === 'ebreak' || r.name.startsWith('csr')) continue;
  const w = r.match | (((5 << 7) | (6 << 15) | (7 << 20) | (3 << 20)) & ~r.mask);
  for (const [a, b] of [[3, 3], [35, 0], [-1, 35]]) for (const base of [0x80008000, 0x80008000, 0x10000000]) go(w, a, b, base);
}
// Branches whose operands are equal (the high words then compared too), as a guest soon meets.
for (const r of TABLE.filter((r) => ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'].includes(r.name))) {
  const w = r.match | (((5 << 7) | (6 << 15) | (7 << 20)) & ~r.mask);
  for (const v of [3, -1]) go(w, 0, v, v);
}
// A store that hits the TLB while an LR reservation is held.
mem.view.setInt32(4, 0x00732023, true);
mem.view.setInt32(0, 0x100322af, true);
h.pcLo = 0x80000000 | 0; h.x[12] = 0x80008000 | 0; h.run(2);
// An M timer interrupt, enabled and taken (mstatus.MIE, mie.MTIE; the handler is the code page).
mem.view.setInt32(0, 0x00028293, true);
h.mie = 1 << 7; h.set(0, h.lo(0) | 8, h.hi(0)); h.set(1, 0x80000000 | 0, 0);
h.setInterruptLine(7, true);
h.pcLo = 0x80000000 | 0; h.priv = 3; h.run(1);
console.log('mcause', h.lo(4), h.hi(4));
`;
}

/** Runs the child and returns how many times V8 deoptimised Hart.run after optimising it. */
function deoptsOfRun(warm: boolean): number {
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--trace-deopt', '-e', script(warm)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const after = r.stdout.split('optimised\n')[1] ?? '';
  assert.ok(r.stdout.includes('optimised'), r.stdout.slice(-2000));
  // The interrupt was taken: MTI with the interrupt bit (bit 63, in the high word).
  assert.match(r.stdout, /mcause 7 -2147483648\n/);
  return after.split('\n').filter((l) => /deoptimizing .*<JSFunction run /.test(l)).length;
}

/**
 * A new hart's fields after the warm-up, from `%DebugPrint` of the hart: the `#name: value`
 * lines, where a small integer reads `#pcLo: -2147483648 (data field ...)` and a boxed double
 * `#pcLo: 0x... <HeapNumber -2147483648.0> (data field ...)`.
 */
function fieldsAfterWarmUp(): string[] {
  const child = `
const { PhysMemory } = require(${JSON.stringify(path.join(CORE, 'memory/phys-memory.js'))});
const { Hart } = require(${JSON.stringify(path.join(CORE, 'hart/hart.js'))});
require(${JSON.stringify(path.join(CORE, 'hart/warm-up.js'))}).warmUpInterpreter();
const h = new Hart(0, new PhysMemory(0x80000000, 0x10000));
h.reset(0x80000000 | 0);
%DebugPrint(h);
`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', child], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.match(/#\w+: [^\n]*/g) ?? [];
  assert.ok(lines.some((l) => l.startsWith('#pcLo: ')), r.stdout.slice(0, 2000));
  return lines;
}

describe('interpreter warm-up', () => {
  it('leaves no path of the interpreter loop that deoptimises it on first use', () => {
    assert.equal(deoptsOfRun(true), 0);
  });

  // A pc of 0x80000000 stored unsigned made V8 keep every hart's pcLo as a boxed double, and
  // the interpreter loop, which reads it into a local, ran about a third slower on the CPU-bound
  // sample (--no-jit: 5.6 CPU s instead of 4.1). The LR reservation, read by every store, was
  // left a double the same way. Only the counts the warm-up makes large on purpose (see
  // largeCounts there) may be doubles.
  it('leaves the hart\'s pc, reservation and other int32 fields as small integers, as the guest writes them', () => {
    const fields = fieldsAfterWarmUp();
    assert.ok(fields.some((l) => /^#pcLo: -2147483648 \(/.test(l)), fields.join('\n'));
    const doubles = fields.filter((l) => l.includes('<HeapNumber')).map((l) => l.slice(1, l.indexOf(':'))).sort();
    assert.deepEqual(doubles, ['instret', 'timeReadAt', 'timeReadValue']);
  });

  it('Hart.reset keeps the pc as the signed 32-bit halves every other writer stores', () => {
    const h = new Hart(0, new PhysMemory(0x80000000, 0x1000));
    h.reset(0x80000000);
    assert.deepEqual([h.pcLo, h.pcHi], [-2147483648, 0]);
  });

  it('expands one compressed halfword per Op, reaching every Op that some halfword expands to', () => {
    const all = new Set<number>();
    for (let half = 0; half < 0x10000; half++) {
      if ((half & 3) === 3) continue;
      const w = expandCompressed(half);
      if (w !== 0) all.add(decode(w));
    }
    const samples = compressedSamples();
    const reached = samples.map((h) => decode(expandCompressed(h)));
    assert.equal(new Set(reached).size, samples.length, 'one halfword per Op');
    assert.deepEqual([...new Set(reached)].sort((a, b) => a - b), [...all].sort((a, b) => a - b));
  });

  // As users run it (dist/cli.js, built by npm test), with V8's own, concurrent optimisation:
  // the cpu-bound sample's branches soon compare equal operands, a path the warm-up once
  // reached only by chance through the registers a compressed branch happened to read.
  it('leaves hyperscope run of the cpu-bound sample with no deoptimisation of the interpreter loop', () => {
    const root = path.resolve(CORE, '..', '..');
    const r = spawnSync(process.execPath, ['--trace-deopt', path.join(root, 'dist', 'cli.js'), 'run', path.join(root, 'samples', 'cpu-bound', 'cpu-bound.elf'),
      '--clock', 'icount'], { encoding: 'utf8', timeout: 60_000, input: '' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /checksum 0xa5fa9ac738145192/);
    assert.deepEqual(r.stdout.split('\n').filter((l) => /deoptimizing .*<JSFunction run /.test(l)).map((l) => /reason: [^)]*/.exec(l)?.[0]), []);
  });

  it('is what removes them (without it the same instructions deoptimise the loop)', () => {
    assert.ok(deoptsOfRun(false) > 0);
  });
});
