// `npm run package`: the extension's .vsix, hyperscope-<version>.vsix in the repository root.
//
//   node scripts/package.mjs [OUT.vsix]          (after node scripts/build.mjs; npm run package builds)
//
// .vscodeignore says what the package carries (its "!" lines: the manifest, the real README with
// its images under docs/images/, the esbuild bundles in dist/). Those files are staged in a temp
// dir and @vscode/vsce packages the stage: the same content `npx vsce package` gives in the root,
// in a few seconds instead of vsce walking the whole checkout.
//
// The README keeps its relative image links (docs/images/*.png travel in the package, where VS
// Code's extension page finds them), so vsce must not rewrite them into repository URLs: the
// project names no public repository. package.json's "vsce" block says so, but vsce's command line
// ignores that one key (its --no-rewrite-relative-links flag defaults the option to true before
// the manifest is read), hence the flag below.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Files under `dir` (relative to ROOT), recursively. */
function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * The files the package carries: each "!" line of .vscodeignore, which is either a literal path,
 * "dir/**" or "dir/*.ext" (the only forms it uses; anything else is refused so the stage never
 * silently differs from what vsce packages in the root).
 */
export function packagedFiles() {
  const out = [];
  for (const raw of readFileSync(join(ROOT, '.vscodeignore'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('!')) continue;
    const pat = line.slice(1);
    const glob = /^([^*?[]+)\/(\*\*|\*\.[A-Za-z0-9]+)$/.exec(pat);
    if (glob) {
      const [, dir, tail] = glob;
      if (!existsSync(join(ROOT, dir))) continue;
      const files = filesUnder(dir);
      out.push(...(tail === '**' ? files : files.filter((f) => dirname(f) === dir && f.endsWith(tail.slice(1)))));
    } else if (/[*?[]/.test(pat)) {
      throw new Error(`.vscodeignore line '${line}': use a path, dir/** or dir/*.ext`);
    } else if (existsSync(join(ROOT, pat))) out.push(pat);
  }
  return out;
}

/** Packages into `out` (a .vsix path) and returns its absolute path; throws an Error with a one-line message on failure. */
export function packageVsix(out) {
  const missing = ['package.json', 'README.md', 'dist/extension.js', 'dist/debug-adapter.js'].filter((p) => !existsSync(join(ROOT, p)));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run node scripts/build.mjs first`);
  const target = resolve(out);
  const stage = mkdtempSync(join(tmpdir(), 'hyperscope-vsix-'));
  try {
    for (const p of packagedFiles()) {
      mkdirSync(dirname(join(stage, p)), { recursive: true });
      cpSync(join(ROOT, p), join(stage, p));
    }
    cpSync(join(ROOT, '.vscodeignore'), join(stage, '.vscodeignore'));
    // The stage has no sources to build: vsce must not run the prepublish build there.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    delete manifest.scripts?.['vscode:prepublish'];
    writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    if (!existsSync(vsce)) throw new Error('@vscode/vsce is not installed: run npm ci');
    mkdirSync(dirname(target), { recursive: true });
    const r = spawnSync(process.execPath, [vsce, 'package', '--no-rewrite-relative-links', '-o', target], {
      cwd: stage,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'], // vsce asks y/N questions on warnings: no stdin means no
    });
    if (r.status !== 0 || !existsSync(target)) {
      const text = `${r.stderr ?? ''}\n${r.stdout ?? ''}\n${r.error ?? ''}`;
      const line = text.split('\n').find((l) => /error|warning/i.test(l)) ?? text.trim().split('\n').pop() ?? 'unknown error';
      throw new Error(`vsce package failed: ${line.trim()}`);
    }
    return target;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    console.error('usage: node scripts/package.mjs [OUT.vsix]');
    process.exit(2);
  }
  const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  try {
    const vsix = packageVsix(args[0] ?? join(ROOT, `${name}-${version}.vsix`));
    console.log(`packaged ${relative(process.cwd(), vsix) || vsix}`);
  } catch (e) {
    console.error(`package: ${e.message}`);
    process.exit(1);
  }
}
