/**
 * Symbol files unpacked from .xz on first use (debug-adapter/compressed-symbols.ts): next to
 * the .xz, once, atomically; into the cache folder when the folder is read-only; one clear
 * error naming xz-utils when the xz command is missing. Needs `xz` (skipped without it).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSymbolFile, UnpackError } from '../../../debug-adapter/compressed-symbols';

const CONTENT = Buffer.from('\x7fELF pretend symbols '.repeat(5000));

describe('debug adapter: compressed symbol files', () => {
  let dir = '';
  let xzFile = '';
  before(function () {
    if (spawnSync('xz', ['--version']).error) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-xz-'));
    writeFileSync(join(dir, 'vmlinux'), CONTENT);
    spawnSync('xz', [join(dir, 'vmlinux')]); // leaves only vmlinux.xz
    xzFile = join(dir, 'vmlinux.xz');
  });
  afterEach(() => {
    try { chmodSync(dir, 0o755); } catch { /* removed */ }
    rmSync(dir, { recursive: true, force: true });
  });

  it('unpacks vmlinux.xz next to it once when the path names vmlinux, and says so', () => {
    const lines: string[] = [];
    const r = findSymbolFile(join(dir, 'vmlinux'), { log: (l) => lines.push(l), cacheDir: join(dir, 'cache') });
    assert.deepEqual(r, { path: join(dir, 'vmlinux'), unpacked: true });
    assert.deepEqual(readFileSync(r.path), CONTENT);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^unpacking vmlinux\.xz \(\d+ MB -> 1 MB\) into .*vmlinux, once$/);
    assert.deepEqual(readdirSync(dir).sort(), ['vmlinux', 'vmlinux.xz'], 'no temporary file left');
    const again = findSymbolFile(join(dir, 'vmlinux'), { log: (l) => lines.push(l) });
    assert.deepEqual(again, { path: join(dir, 'vmlinux'), unpacked: false });
    assert.equal(lines.length, 1, 'the second launch reuses it silently');
  });

  it('takes a path ending in .xz, and unpacks again when the .xz is newer than the copy', () => {
    assert.equal(findSymbolFile(xzFile).unpacked, true);
    assert.equal(findSymbolFile(xzFile).unpacked, false);
    const later = new Date(Date.now() + 60_000);
    utimesSync(xzFile, later, later);
    assert.deepEqual(findSymbolFile(xzFile), { path: join(dir, 'vmlinux'), unpacked: true });
  });

  it('unpacks into the cache folder when the folder beside the .xz is read-only', function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anywhere
    chmodSync(dir, 0o555);
    const cache = mkdtempSync(join(tmpdir(), 'hyperscope-xz-cache-'));
    try {
      const r = findSymbolFile(xzFile, { cacheDir: cache });
      assert.equal(r.unpacked, true);
      assert.ok(r.path.startsWith(cache + '/vmlinux-'), r.path);
      assert.deepEqual(readFileSync(r.path), CONTENT);
      assert.deepEqual(findSymbolFile(xzFile, { cacheDir: cache }), { path: r.path, unpacked: false });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('reports in one line when the copy beside it cannot be written for another reason', () => {
    mkdirSync(join(dir, 'vmlinux')); // a directory where the copy would go: EISDIR is not "read-only"
    assert.throws(() => findSymbolFile(xzFile, { cacheDir: join(dir, 'cache') }), (e: Error) =>
      e instanceof UnpackError && /cannot unpack .*vmlinux\.xz' into .*vmlinux': EISDIR/.test(e.message));
  });

  it('names the xz-utils package when the xz command is missing, and leaves nothing behind', () => {
    assert.throws(() => findSymbolFile(join(dir, 'vmlinux'), { xz: 'hyperscope-no-such-xz' }), (e: Error) =>
      e instanceof UnpackError && e.message === `cannot unpack '${xzFile}': the xz command is missing (install the xz-utils package)`);
    assert.deepEqual(readdirSync(dir), ['vmlinux.xz']);
  });

  it('reports a corrupt .xz in one line and leaves nothing behind', () => {
    writeFileSync(xzFile, 'not xz at all');
    assert.throws(() => findSymbolFile(join(dir, 'vmlinux')), (e: Error) =>
      e instanceof UnpackError && /^cannot unpack '.*vmlinux\.xz': xz: .*format/.test(e.message) && !e.message.includes('\n'));
    assert.deepEqual(readdirSync(dir), ['vmlinux.xz']);
  });

  it('leaves paths with nothing to unpack alone', () => {
    writeFileSync(join(dir, 'user.elf'), 'x');
    assert.deepEqual(findSymbolFile(join(dir, 'user.elf')), { path: join(dir, 'user.elf'), unpacked: false });
    assert.deepEqual(findSymbolFile(join(dir, 'missing')), { path: join(dir, 'missing'), unpacked: false });
  });
});
