// An esbuild plugin: Node built-in modules that only some commands use are required at their
// first use instead of when the bundle starts.
//
// Why: esbuild hoists every `import` of a bundle to its start, so `hyperscope run` of the
// smallest guest loaded node:http (for `serve`), node:worker_threads (for --threads),
// node:zlib (for snapshots) and node:dgram (for --net) as well; Node compiles each from source
// in every process: 47 M host instructions of a 1,280 M instruction run of the hello sample
// (cachegrind, node --single-threaded).
//
// Each such module is replaced by one whose exports are getters that require the real module
// on first access: esbuild reads an imported name at its use (`(0, import_x.name)(...)`), so
// nothing else changes. The names are those the built-in has in the Node that builds.
import { builtinModules, createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The plugin for `modules` (names without the `node:` prefix). Each must be a built-in whose
 * exports do not change after loading (functions and classes: no mutable state is copied).
 */
export function lazyBuiltins(modules) {
  for (const m of modules) if (!builtinModules.includes(m)) throw new Error(`lazyBuiltins: ${m} is not a Node built-in`);
  const filter = new RegExp(`^(node:)?(${modules.join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(build) {
      // The replacement's own require of the real module stays a require.
      build.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        const names = Object.keys(require(args.path)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
        const getters = names.map((n) => `  get ${n}() { return load().${n}; },`).join('\n');
        return {
          loader: 'js',
          contents: `// node:${args.path}, required at its first use\nlet m;\nconst load = () => (m ??= require('node:${args.path}'));\nmodule.exports = {\n${getters}\n};\n`,
        };
      });
    },
  };
}
