/**
 * The Node built-ins the CLI bundle loads at first use (scripts/lazy-builtins.mjs): a plain
 * `hyperscope run` does not load them, and the bundle's code that uses them still gets the
 * real module (an HTTP server of `hyperscope serve` is covered by test/serve). Each run is a
 * child process, with a preloaded script that lists the built-ins it loaded.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const LAZY = ['http', 'worker_threads', 'zlib', 'dgram'];

describe('hyperscope start-up: built-ins loaded at first use', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-lazy-builtins-'));
  const preload = path.join(tmp, 'loaded.js');
  after(() => rmSync(tmp, { recursive: true, force: true }));

  before(() => {
    // process.moduleLoadList names each built-in Node loaded, as `NativeModule <name>`.
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(`loaded: ${process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ')}\\n`));\n");
  });

  /** The built-ins a CLI run loaded, and its output. */
  function run(args: string[]): { loaded: string[]; stdout: string; status: number | null } {
    const r = spawnSync(process.execPath, ['--require', preload, CLI, ...args], { encoding: 'utf8', timeout: 60_000, input: '' });
    const line = /loaded: ([^\n]*)/.exec(r.stderr);
    assert.ok(line, r.stderr);
    return { loaded: line[1].split(' '), stdout: r.stdout, status: r.status };
  }

  it('leaves them unloaded in a run of the hello sample, which still prints what QEMU prints', () => {
    const r = run(['run', path.join(ROOT, 'samples', 'hello', 'hello.elf'), '--clock', 'icount']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /hello: the console works, goodbye/);
    assert.deepEqual(LAZY.filter((m) => r.loaded.includes(m)), []);
  });

  it('loads one when the command uses it (--save writes a zlib-compressed snapshot)', () => {
    const save = path.join(tmp, 'hello.snap');
    const r = run(['run', path.join(ROOT, 'samples', 'hello', 'hello.elf'), '--clock', 'icount', '--save-at', '1000', '--save', save]);
    assert.equal(r.status, 0);
    assert.ok(r.loaded.includes('zlib'), r.loaded.join(' '));
  });
});
