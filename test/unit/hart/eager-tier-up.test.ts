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

  it('leaves it to V8\'s own rule without (the loop is not optimised yet)', () => {
    const status = runStatusAfterWarmUp(false);
    assert.equal(status & OPTIMIZED, 0, `status ${status.toString(2)}`);
  });
});
