/**
 * Region profiles (hypervisor-core/host/region-profile.ts): `hyperscope run` keeps the regions a
 * run of a kernel compiled and takes them as hints in the next run of it; the guest's output is
 * the same with and without one. A missing, malformed or oversized profile is ignored (and
 * written anew), the directory keeps the 16 most recent profiles beside the code caches, and
 * HYPERSCOPE_REGION_PROFILE=off or HYPERSCOPE_CODE_CACHE=off writes none.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CODE_CACHE_FILES_KEPT } from '../../hypervisor-core/host/code-cache';
import { MAX_PROFILE_BYTES, readRegionProfile, regionProfileFile, writeRegionProfile } from '../../hypervisor-core/host/region-profile';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('hyperscope run: region profiles', function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-region-profile-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  // A copy of the sample: the profile is named by the kernel file, a name no other test uses.
  const kernel = path.join(tmp, 'cpu-bound.elf');
  before(() => copyFileSync(path.join(ROOT, 'samples', 'cpu-bound', 'cpu-bound.elf'), kernel));

  /** `hyperscope run` of the copy with cache directory `dir`: its status and console output. */
  function run(dir: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string } {
    const r = spawnSync(process.execPath, [CLI, 'run', kernel, '--clock', 'icount'], {
      encoding: 'utf8', timeout: 60_000, env: { ...process.env, HYPERSCOPE_CACHE_DIR: dir, ...env },
    });
    return { status: r.status, stdout: r.stdout };
  }

  /** The profile files in the cache directory `dir`. */
  const profiles = (dir: string): string[] => readdirSync(path.join(dir, 'code-cache')).filter((n) => n.endsWith('.regions'));

  it('a run writes the profile of its kernel, the next takes it, both print the same', () => {
    const dir = path.join(tmp, 'twice');
    const first = run(dir);
    assert.equal(first.status, 0, first.stdout);
    assert.match(first.stdout, /^cpu-bound: checksum 0xa5fa9ac738145192$/m);
    const names = profiles(dir);
    assert.equal(names.length, 1);
    const file = regionProfileFile(path.join(dir, 'code-cache'), kernel, 1)!;
    assert.equal(path.basename(file), names[0]);
    const regions = readRegionProfile(file);
    assert.ok(regions !== null && regions.length > 0, 'the profile names the regions the run compiled');
    const second = run(dir);
    assert.equal(second.status, 0);
    assert.equal(second.stdout, first.stdout);
    assert.ok(readRegionProfile(file)!.length > 0);
  });

  it('a malformed profile is ignored: the same output, and a good profile written in its place', () => {
    const dir = path.join(tmp, 'malformed');
    const good = run(dir);
    const file = regionProfileFile(path.join(dir, 'code-cache'), kernel, 1)!;
    for (const bad of ['{"format":"hyperscope-region-profile","version":2,"regions":[[1,2]]}', 'not json', '{"format":"other","version":1,"regions":[]}']) {
      writeFileSync(file, bad);
      assert.equal(readRegionProfile(file), null, bad);
      const r = run(dir);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, good.stdout);
      assert.ok(readRegionProfile(file)!.length > 0, 'written anew');
    }
  });

  it('HYPERSCOPE_REGION_PROFILE=off and HYPERSCOPE_CODE_CACHE=off write no profile', () => {
    const dir = path.join(tmp, 'off');
    assert.equal(run(dir, { HYPERSCOPE_REGION_PROFILE: 'off' }).status, 0);
    assert.deepEqual(profiles(dir), [], 'the code cache is written, no profile');
    const none = path.join(tmp, 'none');
    assert.equal(run(none, { HYPERSCOPE_CODE_CACHE: 'off' }).status, 0);
    assert.throws(() => profiles(none), /ENOENT/);
  });

  it('reads back what it writes; refuses entries of the wrong kind and files over the size bound', () => {
    const file = path.join(tmp, 'unit.regions');
    assert.ok(writeRegionProfile(file, [['pLkey|1,2', -2147483648], ['sSother', 4096]]));
    assert.deepEqual(readRegionProfile(file), [['pLkey|1,2', -2147483648], ['sSother', 4096]]);
    const wrap = (regions: unknown): string => JSON.stringify({ format: 'hyperscope-region-profile', version: 2, regions });
    for (const regions of [[['k', 2 ** 31]], [['k', 1.5]], [['k']], ['k'], {}]) {
      writeFileSync(file, wrap(regions));
      assert.equal(readRegionProfile(file), null, JSON.stringify(regions));
    }
    writeFileSync(file, JSON.stringify({ format: 'hyperscope-region-profile', version: 1, regions: [] }));
    assert.equal(readRegionProfile(file), null, 'another version (1: written before the fast path)');
    writeFileSync(file, wrap([['x'.repeat(MAX_PROFILE_BYTES), 0]]));
    assert.equal(readRegionProfile(file), null, 'over the size bound');
    assert.equal(readRegionProfile(path.join(tmp, 'missing.regions')), null);
  });

  it('names a profile by the kernel file and the vCPU count: another modification time or count, another profile', () => {
    const dir = path.join(tmp, 'names');
    const before = regionProfileFile(dir, kernel, 1);
    assert.notEqual(regionProfileFile(dir, kernel, 2), before);
    const t = statSync(kernel).mtime;
    utimesSync(kernel, t, new Date(t.getTime() - 60_000));
    assert.notEqual(regionProfileFile(dir, kernel, 1), before);
    assert.equal(regionProfileFile(dir, path.join(tmp, 'no-such-kernel'), 1), null);
  });

  it('keeps the most recent profiles and leaves code caches alone', () => {
    const dir = path.join(tmp, 'prune');
    mkdirSync(dir);
    const now = Date.now() / 1000;
    // Older files first: k0 the oldest. Code caches older still.
    for (let i = 0; i < CODE_CACHE_FILES_KEPT + 4; i++) {
      const f = path.join(dir, `k${i}.regions`);
      writeFileSync(f, '{}');
      utimesSync(f, now - 1000 + i, now - 1000 + i);
    }
    for (const name of ['a.v8cache', 'b.v8cache']) {
      writeFileSync(path.join(dir, name), 'x');
      utimesSync(path.join(dir, name), now - 5000, now - 5000);
    }
    assert.ok(writeRegionProfile(path.join(dir, 'new.regions'), [['k', 0]]));
    const left = readdirSync(dir).sort();
    const kept = ['new.regions', ...Array.from({ length: CODE_CACHE_FILES_KEPT - 1 }, (_, j) => `k${CODE_CACHE_FILES_KEPT + 4 - 1 - j}.regions`)];
    assert.deepEqual(left, ['a.v8cache', 'b.v8cache', ...kept].sort());
  });
});
