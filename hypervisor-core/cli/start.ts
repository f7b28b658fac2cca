/**
 * dist/cli.js, the `hyperscope` command's first file: runs the command's bundle (dist/cli-main.js,
 * hypervisor-core/cli/main.ts) through a V8 code cache (code-cache.ts), so a fresh process does
 * not compile it from source every time. HYPERSCOPE_CODE_CACHE=off turns the cache off.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { loadWithCodeCache } from '../host/code-cache';

// No on-stack replacement. A guest runs in slices (Hart.run returns every 50,000 instructions
// or sooner), so the interpreter's optimised code is in use from the next slice on; meanwhile
// V8 also compiled an OSR copy of Hart.run for the slice still running, as large a compile as
// the first and finished only after that slice had ended (cold cpu-bound run, median of 11 at
// load 6: 0.91 -> 0.80 CPU s; a Linux boot to the prompt unchanged). Set before the bundle
// loads: the code cache is only taken under the flags it was written with.
setFlagsFromString('--no-use-osr');

const bundle = path.join(__dirname, 'cli-main.js');
if (!existsSync(bundle)) {
  process.stderr.write(`hyperscope: ${bundle} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}
loadWithCodeCache(bundle);
