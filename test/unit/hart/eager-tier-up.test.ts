/**
 * The relaxed tier-up rule (hart/eager-tier-up.ts) and the warm-up's `optimise` option: after
 * warmUpInterpreter({ optimise: true }) V8 has compiled `Hart.run` with TurboFan, where the
 * plain warm-up leaves it unoptimised, and V8's flags (so the code cache's version tag) are
 * as before. The optimisation check runs in a child Node process with V8's natives syntax and
 * without concurrent recompilation, so V8 compiles synchronously at the call that starts it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import { eagerTierUpAvailable, withEagerTierUp } from '../../../hypervisor-core/hart/eager-tier-up';

const CORE = path.resolve(__dirname, '../../../hypervisor-core');

/** %GetOptimizationStatus bits (V8 11, src/runtime/runtime.h: OptimizationStatus). */
const OPTIMIZED = 1 << 4;
const TURBOFANNED = 1 << 6;

/** Hart.run's optimisation status after the warm-up, with or without `optimise`. */
function runStatusAfterWarmUp(optimise: boolean): number {
  const child = `
const { Hart } = require(${JSON.stringify(path.join(CORE, 'hart/hart.js'))});
require(${JSON.stringify(path.join(CORE, 'hart/warm-up.js'))}).warmUpInterpreter({ optimise: ${optimise} });
console.log('status', %GetOptimizationStatus(Hart.prototype.run));
`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '-e', child], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /status (\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return Number(m[1]);
}

/**
 * Hart.run's optimisation status after the warm-up with `optimise`, then a full GC in a later
 * task (the scratch hart is garbage unless the warm-up keeps it), then on a fresh hart in
 * M-mode one instruction and an M timer interrupt taken, with the deoptimisations of `run`.
 */
function runAfterFullGc(): { status: number; deopts: string[] } {
  const child = `
const { PhysMemory } = require(${JSON.stringify(path.join(CORE, 'memory/phys-memory.js'))});
const { Hart } = require(${JSON.stringify(path.join(CORE, 'hart/hart.js'))});
require(${JSON.stringify(path.join(CORE, 'hart/warm-up.js'))}).warmUpInterpreter({ optimise: true });
setTimeout(() => {
  gc();
  const mem = new PhysMemory(0x80000000, 0x10000, false, 1);
  const h = new Hart(0, mem);
  h.bus = { hi: 0, read: () => 0, write: () => true };
  h.reset(0x80000000);
  mem.view.setInt32(0, 0x00028293, true); // addi t0, t0, 0
  const go = () => { h.pcLo = 0x80000000 | 0; h.pcHi = 0; h.priv = 3; h.run(1); };
  go();
  h.mie = 1 << 7; // MTI
  h.set(0, h.lo(0) | 8, h.hi(0)); // mstatus.MIE
  h.set(1, 0x80000000 | 0, 0); // mtvec: the handler is the same addi
  h.setInterruptLine(7, true);
  go();
  console.log('status', %GetOptimizationStatus(Hart.prototype.run), 'mcause', h.lo(4), h.hi(4));
});
`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--no-concurrent-recompilation', '--trace-deopt', '-e', child], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /status (\d+) mcause (-?\d+) (-?\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout.slice(-2000));
  // The interrupt was taken: mcause is the interrupt bit (bit 63, in the high word) and MTI.
  assert.deepEqual([Number(m[2]), Number(m[3])], [7, -2147483648]);
  const deopts = r.stdout.split('\n').filter((l) => /deoptimizing .*<JSFunction run |marking dependent code .*<SharedFunctionInfo run>/.test(l));
  return { status: Number(m[1]), deopts };
}

describe('eager tier-up', () => {
  it('is available on V8 11 (Node 20) when neither flag is given, and only then', () => {
    assert.equal(eagerTierUpAvailable('11.3.244.8-node.38', ''), true);
    assert.equal(eagerTierUpAvailable('12.4.254.21-node.33', ''), false);
    assert.equal(eagerTierUpAvailable('11.3.244.8-node.38', '--ticks-before-optimization=5'), false);
    assert.equal(eagerTierUpAvailable('11.3.244.8-node.38', '--max-old-space-size=512 --bytecode_size_allowance_per_tick=9'), false);
  });

  it('runs the function and puts V8\'s flags back: the code cache\'s version tag is unchanged', function () {
    if (!eagerTierUpAvailable()) this.skip();
    const before = cachedDataVersionTag();
    let ran = false;
    assert.equal(withEagerTierUp(() => { ran = true; }), true);
    assert.ok(ran);
    assert.equal(cachedDataVersionTag(), before);
  });

  it('puts the flags back when the function throws', function () {
    if (!eagerTierUpAvailable()) this.skip();
    const before = cachedDataVersionTag();
    assert.throws(() => withEagerTierUp(() => { throw new Error('stop'); }), /stop/);
    assert.equal(cachedDataVersionTag(), before);
  });

  it('has V8 optimise the interpreter loop right after the warm-up with `optimise`', function () {
    if (!eagerTierUpAvailable()) this.skip();
    const status = runStatusAfterWarmUp(true);
    assert.equal(status & (OPTIMIZED | TURBOFANNED), OPTIMIZED | TURBOFANNED, `status ${status.toString(2)}`);
  });

  // A full GC after the warm-up (a CLI run has one as it allocates the guest's RAM) once freed
  // the maps of the scratch hart's objects, and with them the optimised loop or the feedback
  // its compile was reading: a cold run then deoptimised it at the guest's first interrupt.
  it('keeps the optimised interpreter loop through a full GC, for a new hart that takes an interrupt', function () {
    if (!eagerTierUpAvailable()) this.skip();
    const { status, deopts } = runAfterFullGc();
    assert.equal(status & (OPTIMIZED | TURBOFANNED), OPTIMIZED | TURBOFANNED, `status ${status.toString(2)}`);
    assert.deepEqual(deopts, []);
  });

  it('leaves it to V8\'s own rule without (the loop is not optimised yet)', () => {
    const status = runStatusAfterWarmUp(false);
    assert.equal(status & OPTIMIZED, 0, `status ${status.toString(2)}`);
  });
});
