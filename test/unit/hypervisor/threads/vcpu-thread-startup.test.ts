/**
 * What a VM on vCPU threads spends before and around its guest that a second thread would pay
 * twice or that would compete with the vCPU threads: the VM thread's interpreter warm-up (its
 * harts never run there) and V8's background compiler when the vCPU threads take every core.
 * Each check runs in a child Node process: both are once-per-process decisions. The V8
 * behaviour relied on (a flag set with v8.setFlagsFromString applies to isolates created
 * afterwards, the worker threads, and not to the running one) is that of Node 20's V8 11.3.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { backgroundCompileHelps } from '../../../../hypervisor-core/hypervisor/threads/compile-policy';

const OUT = path.resolve(__dirname, '../../../..');
const CORE = path.join(OUT, 'hypervisor-core');
const ROOT = path.resolve(OUT, '..');

/** Runs `script` in a child Node process (with `flags`); its stdout. */
function child(script: string, flags: string[] = []): string {
  const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('vCPU threads: start-up costs', function () {
  this.timeout(60_000);

  for (const shared of [false, true]) {
    it(`a VM ${shared ? 'whose vCPUs run on threads (shared memory) skips' : 'on one thread runs'} the interpreter warm-up on its own thread`, () => {
      const out = child(`
const { bootVirt } = require(${JSON.stringify(path.join(CORE, 'machine/virt-board.js'))});
const { interpreterWarmedUp } = require(${JSON.stringify(path.join(CORE, 'hart/warm-up.js'))});
const kernel = require('node:fs').readFileSync(${JSON.stringify(path.join(ROOT, 'samples/hello/hello.elf'))});
bootVirt({ kernel, vcpus: 2, memory: 16 * 1024 * 1024, clock: 'realtime', sharedMemory: ${shared}, console: () => {} });
console.log('warmed ' + interpreterWarmedUp());`);
      assert.equal(out.trim(), `warmed ${!shared}`);
    });
  }

  it('V8 compiles in the background only when a core is left for it', () => {
    assert.equal(backgroundCompileHelps(2, 2), false, '2 vCPU threads on 2 cores');
    assert.equal(backgroundCompileHelps(4, 2), false);
    assert.equal(backgroundCompileHelps(1, 2), true);
    assert.equal(backgroundCompileHelps(2, 4), true);
  });

  it('threads that take every core compile in line; the VM thread keeps its background compiler', () => {
    // A hot function in a worker started after the choice, and one in this thread after it
    // (V8 prints the mode of each optimising compilation with --trace-opt).
    const out = child(`
const { chooseVcpuThreadCompiler, vcpuThreadsCompileInline } = require(${JSON.stringify(path.join(CORE, 'hypervisor/threads/compile-policy.js'))});
const { Worker } = require('node:worker_threads');
chooseVcpuThreadCompiler(2, 2);
console.log('inline ' + vcpuThreadsCompileInline());
const hot = 'function f() { let s = 0; for (let i = 0; i < 3e5; i++) s += (i * 7) % 13; return s; } f();';
const w = new Worker(hot.replace(/f\\b/g, 'inWorker'), { eval: true });
w.on('exit', () => { new Function(hot.replace(/f\\b/g, 'inMain'))(); });`, ['--trace-opt']);
    assert.match(out, /^inline true$/m);
    assert.match(out, /compiling method .*JSFunction inWorker .*ConcurrencyMode::kSynchronous/);
    assert.doesNotMatch(out, /compiling method .*JSFunction inWorker .*ConcurrencyMode::kConcurrent/);
    assert.match(out, /compiling method .*JSFunction inMain .*ConcurrencyMode::kConcurrent/);
  });

  it('with a core to spare, the threads keep the background compiler', () => {
    const out = child(`
const { chooseVcpuThreadCompiler, vcpuThreadsCompileInline } = require(${JSON.stringify(path.join(CORE, 'hypervisor/threads/compile-policy.js'))});
chooseVcpuThreadCompiler(2, 4);
console.log('inline ' + vcpuThreadsCompileInline());`);
    assert.equal(out.trim(), 'inline false');
  });
});
