/**
 * dist/cli.js, the `hyperscope` command's first file: runs the command's bundle (dist/cli-main.js,
 * hypervisor-core/cli/main.ts) through a V8 code cache (code-cache.ts), so a fresh process does
 * not compile it from source every time. HYPERSCOPE_CODE_CACHE=off turns the cache off.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadWithCodeCache } from './code-cache';

const bundle = path.join(__dirname, 'cli-main.js');
if (!existsSync(bundle)) {
  process.stderr.write(`hyperscope: ${bundle} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}
loadWithCodeCache(bundle);
