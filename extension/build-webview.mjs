// Bundles the Exit Statistics webview script (with chart.js and its stylesheet) for the browser:
// dist/webview/exit-stats.js and dist/webview/exit-stats.css. scripts/build.mjs calls
// buildWebview(); `node extension/build-webview.mjs` runs it alone.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the webview bundle into dist/webview/. Paths are relative to the repository root. */
export async function buildWebview() {
  await build({
    absWorkingDir: root,
    entryPoints: { 'exit-stats': 'extension/exit-stats-panel/webview/main.js' },
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildWebview();
