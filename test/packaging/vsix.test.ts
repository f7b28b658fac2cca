/**
 * `npm run package` (scripts/package.mjs): the .vsix a user installs carries the real README with
 * the images it links, the bundles the manifest names, and nothing from the checkout besides
 * (no tests, sources, node_modules or source maps). Needs dist/ (built by `npm test`).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { readZip, ZipEntry } from './zip';

describe('npm run package (.vsix)', function () {
  this.timeout(120_000); // vsce on a staged dir takes a few seconds; a loaded machine more
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-vsix-test-'));
  let entries: Map<string, Buffer>;

  before(() => {
    const out = path.join(tmp, 'hyperscope.vsix');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), out], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    assert.equal(r.status, 0, `package.mjs: ${r.stderr}${r.stdout}`);
    entries = new Map(readZip(readFileSync(out)).map((e: ZipEntry) => [e.name, e.data]));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('carries the real README, byte for byte (relative image links kept)', () => {
    const readme = entries.get('extension/readme.md');
    assert.ok(readme, 'extension/readme.md missing');
    assert.ok(readme.equals(readFileSync(path.join(ROOT, 'README.md'))), 'packaged README differs from README.md');
  });

  it('carries every image the README links, at the path the link names', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^\w+:/.test(l));
    assert.ok(images.length >= 1, 'README links no relative image: this test needs one');
    for (const img of images) {
      const data = entries.get(`extension/${path.posix.normalize(img)}`);
      assert.ok(data, `README image ${img} is not in the package`);
      assert.ok(data.equals(readFileSync(path.join(ROOT, img))), `${img} differs from the checkout's`);
    }
  });

  it('carries the bundles package.json names (extension, debug adapter, panel webview)', () => {
    const manifest = JSON.parse(entries.get('extension/package.json')?.toString('utf8') ?? '{}');
    const adapter = manifest.contributes.debuggers[0].program as string;
    for (const p of [manifest.main, adapter, './dist/webview/exit-stats.js', './dist/webview/exit-stats.css']) {
      const name = `extension/${path.posix.normalize(p)}`;
      assert.ok(entries.get(name)?.length, `${name} missing or empty`);
    }
  });

  it('carries every bundle the extension starts at run time (the CLI, its daemon VM worker, the vCPU thread script)', () => {
    // The extension runs dist/cli.js serve; a daemon VM runs in vm-worker.js and its vCPUs on threads
    // in vcpu-worker.js; cli.js loads cli-main.js. Only the benchmark is left out of the package.
    for (const name of ['cli.js', 'cli-main.js', 'vm-worker.js', 'vcpu-worker.js']) {
      assert.ok(entries.get(`extension/dist/${name}`)?.length, `dist/${name} missing or empty`);
    }
  });

  it('holds what vsce would package in the repository root (npx vsce ls, same .vscodeignore)', () => {
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const r = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    assert.equal(r.status, 0, r.stderr);
    const inRoot = r.stdout.split('\n').filter(Boolean).map((f) => (f.toLowerCase() === 'readme.md' ? 'readme.md' : f)).sort();
    const packaged = [...entries.keys()].filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)).sort();
    assert.deepEqual(packaged, inRoot);
  });

  it('carries nothing else from the checkout: no tests, sources, node_modules, source maps', () => {
    const allowed = /^(extension\.vsixmanifest|\[Content_Types\]\.xml|extension\/(package\.json|readme\.md|docs\/images\/[^/]+\.png|dist\/[^/]+\.js|dist\/webview\/[^/]+\.(js|css)))$/;
    const stray = [...entries.keys()].filter((n) => !allowed.test(n));
    assert.deepEqual(stray, []);
  });
});
