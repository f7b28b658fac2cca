// Packages the extension into a .vsix with @vscode/vsce, fast: the files the package carries
// (the "!" lines of .vscodeignore: package.json and the esbuild bundles in dist/) are staged in a
// temp dir and vsce runs there. Run in the repository root, vsce walks node_modules and out/
// and takes about 25 s; staged it takes under a second. The staged README is a short stub, so
// README images with relative links (which vsce refuses without a repository URL) do not matter.
//
//   node scripts/e2e/package-vsix.mjs OUT.vsix      (after node scripts/build.mjs)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Paths the package keeps: the literal "!path" and "!dir/**" entries of .vscodeignore. */
function packagedPaths() {
  return readFileSync(join(ROOT, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/\/\*\*$/, ''))
    .filter((p) => !/[*?[]/.test(p) && p !== 'README.md');
}

/** Packages into `out` (a .vsix path); throws an Error with a one-line message on failure. */
export function packageVsix(out) {
  const missing = ['package.json', 'dist/extension.js', 'dist/debug-adapter.js'].filter((p) => !existsSync(join(ROOT, p)));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run node scripts/build.mjs first`);
  const stage = mkdtempSync(join(tmpdir(), 'hyperscope-vsix-'));
  try {
    for (const p of packagedPaths()) {
      if (!existsSync(join(ROOT, p))) continue;
      mkdirSync(dirname(join(stage, p)), { recursive: true });
      cpSync(join(ROOT, p), join(stage, p), { recursive: true });
    }
    writeFileSync(join(stage, 'README.md'), '# Hyperscope\n\nA RISC-V hypervisor with a guest-kernel debugger.\n');
    const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const r = spawnSync(
      process.execPath,
      [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--allow-star-activation', '-o', resolve(out)],
      { cwd: stage, encoding: 'utf8', input: 'y\n' },
    );
    if (r.status !== 0 || !existsSync(resolve(out))) {
      const line = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').find((l) => /error/i.test(l)) ?? 'unknown error';
      throw new Error(`vsce package failed: ${line.trim()}`);
    }
    return resolve(out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/e2e/package-vsix.mjs OUT.vsix');
    process.exit(2);
  }
  try {
    console.log(packageVsix(out));
  } catch (e) {
    console.error(`package-vsix: ${e.message}`);
    process.exit(1);
  }
}
