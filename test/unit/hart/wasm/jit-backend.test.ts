/**
 * Choosing the region backend: `--jit js|wasm` (one clear line for anything else), and a
 * block cache that compiles to WebAssembly only over a memory that holds RAM, registers and
 * TLBs, JavaScript otherwise.
 */
import { strict as assert } from 'node:assert';
import { parseRunArgs, UsageError } from '../../../../hypervisor-core/cli/args';
import { BlockCache, JIT_DEFAULTS } from '../../../../hypervisor-core/hart/jit/block-cache';
import { PhysMemory } from '../../../../hypervisor-core/memory/phys-memory';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

describe('hart: the region backend', () => {
  it('--jit js and --jit wasm choose it; another value or --jit with --no-jit is refused in one line', () => {
    assert.equal(parseRunArgs(['k.elf', '--jit', 'wasm']).jitBackend, 'wasm');
    assert.equal(parseRunArgs(['k.elf', '--jit', 'js']).jitBackend, 'js');
    assert.equal(parseRunArgs(['k.elf']).jitBackend, undefined);
    const refused = (argv: string[], why: RegExp) => assert.throws(() => parseRunArgs(argv), (e: Error) => e instanceof UsageError && why.test(e.message));
    refused(['k.elf', '--jit', 'tcg'], /--jit must be js .* or wasm .*, not 'tcg'/);
    refused(['k.elf', '--jit', 'wasm', '--no-jit'], /--no-jit compiles none/);
  });

  it('defaults to WebAssembly; HYPERSCOPE_JIT=js chooses JavaScript (read in a fresh process: tests here change the default)', () => {
    const module = path.join(__dirname, '../../../../hypervisor-core/hart/jit/block-cache.js');
    const backend = (env: NodeJS.ProcessEnv) => execFileSync(process.execPath,
      ['-e', `process.stdout.write(require(${JSON.stringify(module)}).JIT_DEFAULTS.backend)`], { env, encoding: 'utf8' });
    const { HYPERSCOPE_JIT: _, ...rest } = process.env;
    assert.equal(backend(rest), 'wasm');
    assert.equal(backend({ ...rest, HYPERSCOPE_JIT: 'js' }), 'js');
  });

  it('a memory of its own (no WebAssembly.Memory) gets JavaScript regions even when wasm is asked for', () => {
    const saved = JIT_DEFAULTS.backend;
    try {
      JIT_DEFAULTS.backend = 'wasm';
      const cache = BlockCache.of(new PhysMemory(0x80000000, 1 << 16));
      assert.equal(cache.backend, 'js');
    } finally {
      JIT_DEFAULTS.backend = saved;
    }
  });

  it('over a WebAssembly.Memory: WebAssembly while every attached hart\'s registers are on it, JavaScript from the first that are not', () => {
    const saved = JIT_DEFAULTS.backend;
    try {
      JIT_DEFAULTS.backend = 'wasm';
      const wasm = new WebAssembly.Memory({ initial: 2 });
      // RAM at byte 0 of the memory, as PhysMemory builds it for a VM (memory/hart-area.ts).
      const mem = Object.assign(new PhysMemory(0x80000000, 1 << 16), { wasm });
      const cache = BlockCache.of(mem);
      assert.equal(cache.backend, 'wasm', 'before any hart');
      cache.attach(new Int32Array(wasm.buffer, 1 << 16, 64));
      assert.equal(cache.backend, 'wasm', 'a hart with its registers in the memory');
      cache.attach(new Int32Array(64));
      assert.equal(cache.backend, 'js', 'a hart with registers of its own');
    } finally {
      JIT_DEFAULTS.backend = saved;
    }
  });
});
