/**
 * Block translation changes nothing a guest or the user can see: every ISA test, the samples,
 * a set of fuzz guests and the first part of the Linux boot end in the same state with
 * translation on (every block compiled at its first entry, thresholds 1) and off (the
 * interpreter, the reference): same console output, same stop, same instruction count,
 * same registers and pc, same exit counts by reason, SBI call and MMIO device. The icount
 * clock makes both runs deterministic, so any difference is a translation bug.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { JIT_DEFAULTS, type JitBackend } from '../../hypervisor-core/hart/jit/block-cache';
import { BareMachine } from '../../hypervisor-core/machine/bare-machine';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import type { Vm } from '../../hypervisor-core/hypervisor/vm';
import { runFuzzGuest } from './fuzz-guests';
import { ROOT, runGuest } from './guest-runner';

const BUILD = path.join(ROOT, 'test', 'isa', 'build');

/**
 * Runs `f` with translation on or off, restoring the defaults. On, every block is compiled at
 * its first entry; with `loopsOnly` only the blocks that loop are (the default policy, at
 * once), which keeps the Linux case within the test budget.
 */
function withJit<T>(on: boolean, f: () => T, loopsOnly = false, backend: JitBackend = JIT_DEFAULTS.backend): T {
  const saved = { ...JIT_DEFAULTS };
  JIT_DEFAULTS.enabled = on;
  JIT_DEFAULTS.backend = backend;
  JIT_DEFAULTS.threshold = 1;
  JIT_DEFAULTS.regionThreshold = 1;
  if (!loopsOnly) JIT_DEFAULTS.straightThreshold = 1;
  try {
    return f();
  } finally {
    Object.assign(JIT_DEFAULTS, saved);
  }
}

/** What must not depend on translation: stop, instructions, every vCPU's registers and pc, exit counts. */
function vmState(vm: Vm): unknown {
  const r = vm.stats.report();
  const rows = (list: { key: string; samples: number }[]) => list.filter((x) => x.samples > 0).map((x) => `${x.key}=${x.samples}`);
  return {
    instructions: vm.instructions,
    harts: vm.vcpus.map((v) => ({ pc: [v.hart.pcLo, v.hart.pcHi], x: Array.from(v.hart.x), instret: v.hart.instret })),
    reasons: rows(r.reasons), sbi: rows(r.sbi), mmio: rows(r.mmio),
  };
}

/** Asserts a run gives the same result with translation on and off; returns the translated run's cache counters. */
function same(what: string, run: () => unknown, loopsOnly = false, backend: JitBackend = JIT_DEFAULTS.backend): void {
  const off = withJit(false, run);
  const on = withJit(true, run, loopsOnly, backend);
  assert.deepEqual(on, off, `${what}: translated run differs from the interpreter`);
}

function elves(variant: string): string[] {
  try {
    return readdirSync(path.join(BUILD, variant)).filter((f) => f.endsWith('.elf')).sort();
  } catch {
    return [];
  }
}

describe('block translation: the same results as the interpreter', function () {
  this.timeout(120_000);

  it('every ISA test on the bare hart (M-mode): same result, instructions and registers', () => {
    assert.ok(elves('bare').length > 0, 'test/isa/build/bare is empty');
    for (const f of elves('bare')) {
      same(f, () => {
        let out = '';
        const m = new BareMachine(readFileSync(path.join(BUILD, 'bare', f)), { output: (b) => { out += Buffer.from(b).toString(); } });
        const r = m.run(100_000_000);
        return { r, out, x: Array.from(m.hart.x), pc: m.hart.pcLo, compiledSome: (m.hart.blockCache?.counters.compiled ?? 1) > 0 };
      });
    }
  });

  it('every ISA test as a VS-mode guest: same output, stop and exit counts', () => {
    for (const f of elves('guest')) {
      same(f, () => {
        const r = runGuest(path.join('test', 'isa', 'build', 'guest', f));
        return { output: r.output, stop: r.stop, state: vmState(r.vm) };
      });
    }
  });

  for (const [name, harts] of [['hello', 1], ['paging', 1], ['timer', 1], ['uart', 1], ['smp', 2], ['virtio', 1]] as const) {
    it(`sample ${name} (${harts} vCPU${harts > 1 ? 's' : ''}): same console, stop and exit counts`, () => {
      same(name, () => {
        const r = runGuest(`samples/${name}/${name}.elf`, harts);
        return { output: r.output, stop: r.stop, state: vmState(r.vm) };
      });
    });
  }

  it('the emulated M-mode guest (--bios none, 2 vCPUs): same console, stop and exit counts', () => {
    same('mmode', () => {
      let output = '';
      const { vm } = bootVirt({ kernel: readFileSync(path.join(ROOT, 'test/guests/reproducers/build/mmode.elf')), vcpus: 2,
        memory: 16 << 20, clock: 'icount', bios: 'none', console: (b) => { output += Buffer.from(b).toString('latin1'); } });
      let stop = null;
      for (let i = 0; i < 100 && !stop; i++) stop = vm.runFor(1_000_000);
      return { output, stop, state: vmState(vm) };
    });
  });

  it('cpu-bound sample, first 30 million instructions: same state (loops run inside blocks)', () => {
    let compiled = 0;
    same('cpu-bound', () => {
      const { vm } = bootVirt({ kernel: readFileSync(path.join(ROOT, 'samples/cpu-bound/cpu-bound.elf')), vcpus: 1,
        memory: 128 << 20, clock: 'icount', console: () => undefined });
      for (let i = 0; i < 3; i++) vm.runFor(10_000_000);
      compiled = vm.vcpus[0].hart.blockCache?.counters.compiled ?? compiled;
      return vmState(vm);
    });
    assert.ok(compiled > 10, `only ${compiled} blocks compiled`);
  });

  it('100 fuzz guests (random and mutated, fixed seeds): same end, instructions and exit reasons', () => {
    for (let i = 0; i < 100; i++) same(`fuzz guest ${i}`, () => runFuzzGuest(0x5eed, i, 60_000));
  });

  it('Linux boot, first 10 million instructions on 2 vCPUs (its loops translated): same console and exit counts', function () {
    const image = path.join(ROOT, 'samples', 'linux', 'Image');
    if (!existsSync(image)) this.skip();
    same('linux', () => {
      let output = '';
      const { vm } = bootVirt({ kernel: readFileSync(image), initrd: readFileSync(path.join(ROOT, 'samples', 'linux', 'initramfs.cpio.gz')),
        bootargs: 'console=ttyS0', vcpus: 2, memory: 128 << 20, clock: 'icount', console: (b) => { output += Buffer.from(b).toString('latin1'); } });
      for (let i = 0; i < 2; i++) vm.runFor(5_000_000);
      return { output, state: vmState(vm) };
    }, true);
  });
});

describe('WebAssembly regions (--jit wasm): the same results as the interpreter', function () {
  this.timeout(120_000);

  it('every ISA test as a VS-mode guest and the cpu-bound sample\'s first 30 million instructions', () => {
    for (const f of elves('guest')) {
      same(f, () => {
        const r = runGuest(path.join('test', 'isa', 'build', 'guest', f));
        return { output: r.output, stop: r.stop, state: vmState(r.vm) };
      }, false, 'wasm');
    }
    let backend = '';
    same('cpu-bound', () => {
      const { vm } = bootVirt({ kernel: readFileSync(path.join(ROOT, 'samples/cpu-bound/cpu-bound.elf')), vcpus: 1,
        memory: 128 << 20, clock: 'icount', console: () => undefined });
      for (let i = 0; i < 3; i++) vm.runFor(10_000_000);
      const cache = vm.vcpus[0].hart.blockCache;
      backend = cache?.backend ?? backend;
      // A VM whose RAM is a WebAssembly.Memory holds its harts' registers and TLBs there too
      // (the interpreter's run has no block cache to ask).
      if (cache && vm.host.wasm) assert.equal(backend, 'wasm');
      return vmState(vm);
    }, false, 'wasm');
  });

  it('30 fuzz guests (fixed seeds): same end, instructions and exit reasons', () => {
    for (let i = 0; i < 30; i++) same(`fuzz guest ${i}`, () => runFuzzGuest(0x5eed, i, 60_000), false, 'wasm');
  });
});

describe('hyperscope run --no-jit', function () {
  this.timeout(60_000);
  it('is accepted, and the hello sample prints the same with and without it', () => {
    const { parseRunArgs } = require('../../hypervisor-core/cli/args') as typeof import('../../hypervisor-core/cli/args');
    assert.equal(parseRunArgs(['k.elf', '--no-jit']).jit, false);
    assert.equal(parseRunArgs(['k.elf']).jit, true);
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const run = (...extra: string[]) => spawnSync(process.execPath, [cli, 'run', 'samples/hello/hello.elf', '--clock', 'icount', ...extra],
      { cwd: ROOT, encoding: 'utf8', timeout: 50_000, input: '' });
    const on = run(), off = run('--no-jit');
    assert.equal(off.status, 0, off.stderr);
    assert.equal(off.stdout, on.stdout);
  });
});

describe('the jit launch attribute', () => {
  it('is on by default, false turns translation off, anything else is refused in one line', () => {
    const { LaunchError, resolveLaunch } = require('../../debug-adapter/launch-config') as typeof import('../../debug-adapter/launch-config');
    const program = path.join(ROOT, 'samples', 'hello', 'hello.elf');
    assert.equal(resolveLaunch({ program, cwd: ROOT } as never).jit, true);
    assert.equal(resolveLaunch({ program, cwd: ROOT, jit: false } as never).jit, false);
    assert.throws(() => resolveLaunch({ program, cwd: ROOT, jit: 'no' } as never), (e: Error) => e instanceof LaunchError && /jit must be true or false/.test(e.message));
  });
});

describe('the interpreter\'s WebAssembly fast path at the default thresholds: the same results as the JavaScript interpreter', function () {
  this.timeout(120_000);

  /** Runs `run` with translation off, then on at the default thresholds; returns the instructions the fast path ran. */
  function sameAtDefaults(what: string, run: () => { result: unknown; fast: number }): number {
    const saved = JIT_DEFAULTS.enabled;
    try {
      JIT_DEFAULTS.enabled = false;
      const off = run();
      assert.equal(off.fast, 0, `${what}: the fast path ran with translation off`);
      JIT_DEFAULTS.enabled = true;
      const on = run();
      assert.deepEqual(on.result, off.result, `${what}: the run with the fast path differs from the interpreter's`);
      return on.fast;
    } finally {
      JIT_DEFAULTS.enabled = saved;
    }
  }
  const fastOf = (vm: Vm): number => vm.vcpus.reduce((sum, v) => sum + v.hart.fastInstructions, 0);

  it('every ISA test as a VS-mode guest and the samples: same output, stop and exit counts', () => {
    let fast = 0;
    for (const f of elves('guest')) {
      fast += sameAtDefaults(f, () => {
        const r = runGuest(path.join('test', 'isa', 'build', 'guest', f));
        return { result: { output: r.output, stop: r.stop, state: vmState(r.vm) }, fast: fastOf(r.vm) };
      });
    }
    for (const [name, harts] of [['hello', 1], ['paging', 1], ['timer', 1], ['uart', 1], ['smp', 2], ['virtio', 1]] as const) {
      fast += sameAtDefaults(name, () => {
        const r = runGuest(`samples/${name}/${name}.elf`, harts);
        return { result: { output: r.output, stop: r.stop, state: vmState(r.vm) }, fast: fastOf(r.vm) };
      });
    }
    assert.ok(fast > 50_000, `the fast path ran ${fast} instructions`);
  });

  it('Linux boot, first 20 million instructions on 1 vCPU: same console, registers and exit counts', function () {
    const image = path.join(ROOT, 'samples', 'linux', 'Image');
    if (!existsSync(image)) this.skip();
    const fast = sameAtDefaults('linux', () => {
      let output = '';
      const { vm } = bootVirt({ kernel: readFileSync(image), initrd: readFileSync(path.join(ROOT, 'samples', 'linux', 'initramfs.cpio.gz')),
        bootargs: 'console=ttyS0', vcpus: 1, memory: 128 << 20, clock: 'icount', console: (b) => { output += Buffer.from(b).toString('latin1'); } });
      for (let i = 0; i < 4; i++) vm.runFor(5_000_000);
      return { result: { output, state: vmState(vm) }, fast: fastOf(vm) };
    });
    assert.ok(fast > 5_000_000, `the fast path ran ${fast} instructions`);
  });
});
