/**
 * V8's tier-up rule relaxed for a moment, so that a large function that has just gathered its
 * type feedback is marked for optimisation at once instead of after many more calls.
 *
 * Why: V8 (11, Node 20) marks a function for TurboFan once it has used up its interrupt budget
 * 3 + bytecode length / 150 times with no inline cache changing in between. `Hart.run` has
 * some 12,500 bytes of bytecode, so it needs about 86 such ticks; the interpreter warm-up
 * changes inline caches all the time and never gets there, and a fresh `hyperscope run`
 * started its guest on the unoptimised interpreter (about 6 MIPS), with the 50-120 ms compile
 * of `run` begun only a few slices into the guest. With the rule relaxed while the warm-up
 * runs a short loop, V8 starts that compile on its own thread before the machine is built.
 * Measured (medians of 10 interleaved runs, load 3.4 on 2 cores): the cold cpu-bound run
 * 466 -> 441 ms wall, CPU 437 -> 428 ms; the hello sample, which ends before the compile
 * does, 199 -> 228 ms wall, CPU 169 -> 177 ms (the compile then competes with the start-up
 * for the one core the load leaves). CPU seconds of a Linux boot to the prompt unchanged.
 *
 * The two flags go back to V8's defaults afterwards, so V8's flag hash, and with it the
 * version tag the CLI's code cache is keyed by, is the one the process started with. Only
 * for the V8 whose defaults these are, and only when the command line sets neither flag.
 */
import { setFlagsFromString } from 'node:v8';

/** Each flag with its relaxed value and V8 11's default. */
const FLAGS: readonly (readonly [string, number, number])[] = [
  ['ticks-before-optimization', 0, 3],
  // Ticks a function needs per byte of bytecode: none, whatever the size.
  ['bytecode-size-allowance-per-tick', 1 << 30, 150],
];

/** Whether the rule can be relaxed and put back exactly: V8 11, neither flag given to Node. */
export function eagerTierUpAvailable(v8Version = process.versions.v8, nodeOptions = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`): boolean {
  if (!/^11\./.test(v8Version)) return false;
  return FLAGS.every(([name]) => !nodeOptions.includes(name) && !nodeOptions.includes(name.replace(/-/g, '_')));
}

/**
 * Runs `f` with the relaxed rule: a function whose interrupt budget runs out meanwhile is
 * marked for optimisation, and V8 compiles it on its compiler thread from its next call on.
 * Returns false (and runs nothing) when eagerTierUpAvailable() is false.
 */
export function withEagerTierUp(f: () => void): boolean {
  if (!eagerTierUpAvailable()) return false;
  for (const [name, relaxed] of FLAGS) setFlagsFromString(`--${name}=${relaxed}`);
  try {
    f();
  } finally {
    for (const [name, , standard] of FLAGS) setFlagsFromString(`--${name}=${standard}`);
  }
  return true;
}
