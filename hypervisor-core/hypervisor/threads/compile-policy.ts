/**
 * Where V8 compiles the vCPU threads' optimised code.
 *
 * By default V8 hands every optimising compilation (TurboFan: the interpreter loop `Hart.run`,
 * each translated region) to its background threads and keeps running the unoptimised code
 * meanwhile. That pays when a core is idle for the compiler. When the vCPU threads already
 * take every core (2 vCPUs on `--threads 2` on a 2-core host), the background compiler
 * competes with them: measured on samples/parallel rounds=100, 2 vCPUs on 2 threads, the
 * process spent 1.4 to 1.7 CPU s in V8's background threads against 0.13 with synchronous
 * compilation, and 0.7 CPU s more in all (the vCPU threads meanwhile ran slower,
 * unoptimised code for longer). Each worker is its own V8 isolate and compiles its own
 * copy of everything, so this cost grows with the threads.
 *
 * V8 reads the flag when an isolate is created: set before the workers start, it applies to
 * the vCPU threads (and to isolates created later) and leaves the VM's own thread, the
 * one-thread path, as it was.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * Whether V8's background compiler has a core of its own: false when the vCPU threads take
 * every core of the host, so the vCPU threads compile their own code in line.
 * @param threads vCPU threads about to start
 * @param cores the host's cores (os.availableParallelism)
 */
export function backgroundCompileHelps(threads: number, cores: number): boolean {
  return threads < cores;
}

let inline = false;

/**
 * Before `threads` vCPU threads start: makes V8 compile in line in the isolates created from
 * now on when the threads leave no core for its background compiler (once per process; V8
 * flags cannot be set per isolate).
 */
export function chooseVcpuThreadCompiler(threads: number, cores = availableParallelism()): void {
  if (inline || backgroundCompileHelps(threads, cores)) return;
  inline = true;
  setFlagsFromString('--no-concurrent-recompilation');
}

/** Whether isolates created from now on compile in line (chooseVcpuThreadCompiler decided so). */
export function vcpuThreadsCompileInline(): boolean {
  return inline;
}
