/**
 * The V8 code cache the `hyperscope` command starts through (hypervisor-core/host/code-cache.ts):
 * a bundle runs as `require` runs it, a good cache is used, and a missing, foreign, truncated,
 * corrupt or V8-refused one is ignored and written anew, with the same output; an unwritable
 * cache directory costs nothing but the cache. Each load is a child process, as a user's is
 * (the cache is written when the process exits).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CODE_CACHE_FILES_KEPT, codeCacheDir, codeCacheFile, codeCacheKey, readCodeCache, readWorkerCode, WORKER_BOOTSTRAP, workerCodeWritten, writeCodeCache } from '../../hypervisor-core/host/code-cache';
import { Worker } from 'node:worker_threads';
import { ROOT } from '../guests/guest-runner';

const LOADER = path.join(ROOT, 'out', 'hypervisor-core', 'host', 'code-cache.js');

describe('hyperscope start-up: the V8 code cache', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-code-cache-'));
  const bundle = path.join(tmp, 'bundle.js');
  const runner = path.join(tmp, 'runner.js');
  after(() => rmSync(tmp, { recursive: true, force: true }));

  before(() => {
    // A bundle that uses what a CommonJS module is given, and a function run only when called.
    writeFileSync(bundle, [
      "'use strict';",
      "const p = require('node:path');",
      'function answer(n) { return n * 6; }',
      'module.exports.seen = true;',
      "process.stdout.write(`${p.basename(__filename)} ${p.basename(__dirname)} ${answer(7)} ${typeof exports} ${module.exports.seen}\\n`);",
    ].join('\n'));
    writeFileSync(runner, [
      `const { loadWithCodeCache } = require(${JSON.stringify(LOADER)});`,
      'const dir = process.argv[2] === "off" ? null : process.argv[2];',
      'const r = loadWithCodeCache(process.argv[3], dir);',
      'process.stdout.write(`cache ${r.cache}\\n`);',
    ].join('\n'));
  });

  /** Loads `file` through the runner with cache directory `dir`; its status and output. */
  function load(dir: string, file = bundle) {
    const r = spawnSync(process.execPath, [runner, dir, file], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  const expected = `bundle.js ${path.basename(tmp)} 42 object true\n`;

  it('a worker thread runs its bundle through the cache: as require does, writes it when told, and the next worker uses it', async () => {
    const dir = path.join(tmp, 'worker');
    const wbundle = path.join(tmp, 'worker-bundle.js');
    // The bundle reports how it ran and whether V8 took its cached data, then writes the cache as a vCPU thread does when it quits.
    writeFileSync(wbundle, [
      "'use strict';",
      "const { parentPort, workerData } = require('node:worker_threads');",
      `const { writeWorkerCodeCache } = require(${JSON.stringify(LOADER)});`,
      "const p = require('node:path');",
      'function answer(n) { return n * 6; }',
      "const script = globalThis[Symbol.for('hyperscope.workerScript')];",
      'parentPort.postMessage({ ran: `${p.basename(__filename)} ${answer(7)} ${typeof exports}`, rejected: script.cachedDataRejected, written: writeWorkerCodeCache(workerData.code) });',
    ].join('\n'));
    const run = (): Promise<{ ran: string; rejected: boolean | undefined; written: boolean; had: boolean }> => {
      const code = readWorkerCode(wbundle, dir);
      assert.ok(code);
      const w = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { code } });
      return new Promise((resolve, reject) => {
        w.once('message', (m) => { void w.terminate(); resolve({ ...m, had: code.cachedData !== undefined }); });
        w.once('error', reject);
      });
    };
    const a = await run();
    assert.deepEqual(a, { ran: 'worker-bundle.js 42 object', rejected: undefined, written: true, had: false });
    workerCodeWritten(wbundle);
    const b = await run();
    assert.deepEqual(b, { ran: 'worker-bundle.js 42 object', rejected: false, written: false, had: true }, 'the cache is used and not written again');
    assert.equal(readWorkerCode(wbundle, null), null, 'no cache directory: the worker runs the file itself');
  });

  it('runs the bundle as require does, writes the cache at exit, and the next process uses it', () => {
    const dir = path.join(tmp, 'first');
    const a = load(dir);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, expected + 'cache none\n');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.v8cache')).length, 1);
    const b = load(dir);
    assert.equal(b.stdout, expected + 'cache used\n');
  });

  it('ignores a corrupt, truncated or foreign cache file, runs the same, and writes a good one', () => {
    const dir = path.join(tmp, 'damaged');
    assert.equal(load(dir).status, 0);
    const file = codeCacheFile(dir, bundle);
    const good = readFileSync(file);
    const key = codeCacheKey(readFileSync(bundle));
    assert.ok(readCodeCache(file, key), 'the file just written is a good cache');
    const damages: [string, () => void][] = [
      ['a flipped payload byte', () => { const d = Buffer.from(good); d[d.length - 100] ^= 0x55; writeFileSync(file, d); }],
      ['a truncated file', () => { writeFileSync(file, good); truncateSync(file, good.length >> 1); }],
      ['an empty file', () => writeFileSync(file, '')],
      ['another bundle\'s cache', () => { writeFileSync(file, good); const d = readFileSync(file); d[8] ^= 1; writeFileSync(file, d); }],
      ['not a cache at all', () => writeFileSync(file, 'x'.repeat(4096))],
    ];
    for (const [what, damage] of damages) {
      damage();
      const r = load(dir);
      assert.equal(r.status, 0, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, expected + 'cache none\n', what);
      assert.ok(readCodeCache(file, key), `${what}: rewritten at exit`);
    }
  });

  it('rebuilds a cache whose key and checksum are right but which V8 refuses', () => {
    const dir = path.join(tmp, 'refused');
    const file = codeCacheFile(dir, bundle);
    const key = codeCacheKey(readFileSync(bundle));
    // A well-formed file of ours around bytes that are no V8 code cache (as one from another V8 build would be).
    assert.ok(writeCodeCache(file, key, Buffer.alloc(2048, 0xa5)));
    const r = load(dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, expected + 'cache rejected\n');
    assert.equal(load(dir).stdout, expected + 'cache used\n');
  });

  it('a cache written for one bundle is not used for another one of the same length', () => {
    const dir = path.join(tmp, 'same-length');
    const other = path.join(tmp, 'other', 'bundle.js');
    assert.equal(load(dir).status, 0);
    // The same size, one character different: V8's own check compares the source's length only.
    const text = readFileSync(bundle, 'utf8').replace('n * 6', 'n * 7');
    rmSync(path.dirname(other), { recursive: true, force: true });
    mkdirSync(path.dirname(other));
    writeFileSync(other, text);
    writeFileSync(codeCacheFile(dir, other), readFileSync(codeCacheFile(dir, bundle)));
    const r = load(dir, other);
    assert.equal(r.stdout, `bundle.js other 49 object true\ncache none\n`);
  });

  it('writes no cache when the bundle changed V8 flags while running (a fresh process would refuse it)', () => {
    const dir = path.join(tmp, 'flags');
    const flagging = path.join(tmp, 'flagging.js');
    writeFileSync(flagging, "require('node:v8').setFlagsFromString('--no-lazy-feedback-allocation'); process.stdout.write('ran\\n');\n");
    for (let k = 0; k < 2; k++) {
      const r = load(dir, flagging);
      assert.equal(r.stdout, 'ran\ncache none\n', r.stderr);
    }
    assert.ok(!existsSync(dir) || readdirSync(dir).every((f) => !f.endsWith('.v8cache')), 'no cache written');
  });

  it('an unwritable cache directory: the bundle runs the same, each time from source', () => {
    // Below a regular file no directory can be made (true for root as well, unlike file modes).
    const blocker = path.join(tmp, 'a-file');
    writeFileSync(blocker, '');
    const dir = path.join(blocker, 'cache');
    for (let k = 0; k < 2; k++) {
      const r = load(dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected + 'cache none\n');
      assert.equal(r.stderr, '');
    }
    assert.equal(statSync(blocker).size, 0);
  });

  it('keeps the most recently written or used cache files of a directory, and removes stale temporary files only', () => {
    const dir = path.join(tmp, 'pruned');
    mkdirSync(dir, { recursive: true });
    // Older cache files of other bundles (a day apart, oldest first), a stale and a fresh
    // temporary file of dead and live writers, and a file that is not a cache.
    const day = 86_400_000, now = Date.now();
    const old = (name: string, age: number): string => {
      const file = path.join(dir, name);
      writeFileSync(file, 'x');
      utimesSync(file, new Date(now - age), new Date(now - age));
      return file;
    };
    const others = Array.from({ length: CODE_CACHE_FILES_KEPT + 3 }, (_, i) => old(`other-${i}.v8cache`, (CODE_CACHE_FILES_KEPT + 3 - i) * day));
    const staleTmp = old('other-0.v8cache.123.tmp', day), liveTmp = old('other-1.v8cache.456.tmp', 1000);
    const notOurs = old('notes.txt', 30 * day);
    // The oldest cache file was used a moment ago (a process read it): it counts as recent.
    utimesSync(others[0], new Date(now - 1000), new Date(now - 1000));
    assert.equal(load(dir).stdout, expected + 'cache none\n'); // writes this bundle's cache, then prunes
    const left = new Set(readdirSync(dir));
    assert.ok(left.has(path.basename(codeCacheFile(dir, bundle))), 'the file just written stays');
    assert.ok(left.has('other-0.v8cache'), 'the oldest file, used just now, stays');
    const kept = others.filter((f) => left.has(path.basename(f)));
    assert.equal(kept.length, CODE_CACHE_FILES_KEPT - 1, 'with the new file, the directory holds the files kept');
    assert.deepEqual(others.slice(1, 4).map((f) => left.has(path.basename(f))), [false, false, false], 'the three least recent go');
    assert.ok(!left.has(path.basename(staleTmp)), 'a dead writer\'s temporary file goes');
    assert.ok(left.has(path.basename(liveTmp)) && left.has(path.basename(notOurs)), 'a live writer\'s temporary file and other files stay');
    // A process that uses a cache file marks it used (what the pruning goes by).
    const mine = codeCacheFile(dir, bundle);
    utimesSync(mine, new Date(now - 2 * day), new Date(now - 2 * day));
    assert.equal(load(dir).stdout, expected + 'cache used\n');
    assert.ok(statSync(mine).mtimeMs >= now, 'used: its time is now');
  });

  it('HYPERSCOPE_CODE_CACHE=off turns it off; HYPERSCOPE_CACHE_DIR, XDG_CACHE_HOME and HOME place it', () => {
    assert.equal(codeCacheDir({ HYPERSCOPE_CODE_CACHE: 'off', HYPERSCOPE_CACHE_DIR: '/x' }), null);
    assert.equal(codeCacheDir({ HYPERSCOPE_CODE_CACHE: '0' }), null);
    assert.equal(codeCacheDir({ HYPERSCOPE_CACHE_DIR: '/x' }), path.join('/x', 'code-cache'));
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: '/y' }), path.join('/y', 'hyperscope', 'code-cache'));
    assert.equal(codeCacheDir({}), path.join(os.homedir(), '.cache', 'hyperscope', 'code-cache'));
    const r = load('off');
    assert.equal(r.stdout, expected + 'cache none\n');
  });

  it('hyperscope itself: the same console and status with no cache, a good one and a corrupt one', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HYPERSCOPE_CACHE_DIR: path.join(tmp, 'cli') };
    delete env.HYPERSCOPE_CODE_CACHE;
    const run = () => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hyperscope.js'), 'run', 'samples/hello/hello.elf'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env, input: '' });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^Hello from a Hyperscope guest!$/m);
    const dir = path.join(tmp, 'cli', 'code-cache');
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.v8cache'));
    assert.ok(name, 'hyperscope wrote its code cache');
    const file = path.join(dir, name);
    // A write goes through a temporary file and a rename: a new inode. A use only marks the time.
    const written = statSync(file).ino, bytes = readFileSync(file);
    const second = run();
    assert.equal(second.stdout, first.stdout);
    assert.equal(second.status, 0);
    assert.equal(statSync(file).ino, written, 'a cache that was used is not written again');
    assert.ok(readFileSync(file).equals(bytes));
    const d = readFileSync(file);
    d[d.length >> 1] ^= 0xff;
    writeFileSync(file, d);
    const third = run();
    assert.equal(third.stdout, first.stdout);
    assert.equal(third.status, 0);
    assert.equal(third.stderr, '');
  });
});
