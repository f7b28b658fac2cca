// Bundles the entry points into dist/ with esbuild. Type checking is `tsc` (npm run typecheck / pretest).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { buildWebview } from '../extension/build-webview.mjs';
import { lazyBuiltins } from './lazy-builtins.mjs';

const entries = {
  // `hyperscope`: a small first file that runs the command's bundle through a V8 code cache.
  cli: 'hypervisor-core/cli/start.ts',
  'cli-main': 'hypervisor-core/cli/main.ts',
  // Each VM of `hyperscope serve` runs in a worker thread started from this file (next to cli.js), with
  // the DAP session a debugger attaches to.
  'vm-worker': 'debug-adapter/daemon-vm-worker.ts',
  bench: 'scripts/bench.ts',
  'debug-adapter': 'debug-adapter/main.ts',
  extension: 'extension/extension.ts',
  // A VM's vCPU thread (--threads): a worker_threads script next to the bundles that start it.
  'vcpu-worker': 'hypervisor-core/hypervisor/threads/vcpu-worker.ts',
};

for (const [name, entry] of Object.entries(entries)) {
  if (!existsSync(entry)) continue; // entry points land issue by issue
  await build({
    entryPoints: [entry],
    outfile: `dist/${name}.js`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: ['vscode'],
    // ASCII only (esbuild's default, relied on): the CLI's code cache reads its bundle as Latin-1.
    charset: 'ascii',
    logLevel: 'warning',
    // What only `serve`, --threads, snapshots and --net use is loaded when they do.
    plugins: name === 'cli-main' ? [lazyBuiltins(['http', 'worker_threads', 'zlib', 'dgram'])] : [],
  });
}

// The Exit Statistics panel's webview script (chart.js, browser build).
if (existsSync('extension/exit-stats-panel/webview/main.js')) await buildWebview();
