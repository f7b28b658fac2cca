/**
 * The benchmark's SMP scaling rows: a guest whose every vCPU does the whole work, on 1 vCPU
 * and on 2 (2 vCPUs do twice the work: on two host threads they should take about the time of
 * one), hyperscope on one host thread (vCPUs in turn) and on two (`--threads 2`), and QEMU
 * with MTTCG (`-accel tcg,thread=multi`, a host thread per vCPU) in the same run:
 * - samples/parallel (share nothing: each hart runs the CPU-bound kernels on its own pages),
 *   rounds=100 and, for the steady state past the threads' start, rounds=1000;
 * - samples/atomics with `work=N` (the harts first hammer the same cache line with AMOs and
 *   LR/SC, then run a register-only loop).
 * Each row gives wall and CPU seconds (user + system of the whole process, every thread),
 * medians of RUNS runs taken in turn (so a burst of load from elsewhere spreads over every
 * column), with the load average before and after: on a shared machine the CPU seconds are
 * the fairer figure, and the wall ratio is the one that says whether the threads ran in parallel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './median';

/** Runs of each configuration; the median is shown. */
const RUNS = 5;
/** GNU time, for a child's CPU seconds; absent: wall only. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

interface Sample { wall: number; cpu: number }

/** One run of `command`: wall seconds (process start to exit) and CPU seconds (NaN without GNU time). */
function once(command: string, args: string[]): Sample {
  const [cmd, argv] = TIME ? [TIME, ['-f', 'bench-cpu %U %S', command, ...args]] : [command, args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop()}`);
  const m = /bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

/** A configuration: what it is and how to run it. */
interface Config { key: string; command: string; args: string[] }

/** Runs every configuration `runs` times, in turn; the medians by key. */
function measure(configs: Config[], runs: number): Map<string, Sample> {
  const all = new Map<string, Sample[]>(configs.map((c) => [c.key, []]));
  for (let i = 0; i < runs; i++) for (const c of configs) all.get(c.key)!.push(once(c.command, c.args));
  return new Map([...all].map(([k, s]) => [k, { wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)) }]));
}

const fmt = (x: number, width: number): string => (Number.isNaN(x) ? '-' : x.toFixed(2)).padStart(width);

/**
 * Prints one guest's table: 1 and 2 vCPUs, wall and CPU, hyperscope on 1 (unless `oneThread`
 * is false) and 2 threads, QEMU MTTCG; medians of `runs`.
 */
function table(title: string, elf: string, append: string, cli: string, qemu: string | null, firmware: string, runs = RUNS, oneThread = true): void {
  const hs = (vcpus: number, threads: number): Config => ({
    key: `hs ${vcpus} ${threads}`, command: process.execPath,
    args: [cli, 'run', elf, '--append', append, '--vcpus', String(vcpus), '--threads', String(threads)],
  });
  const q = (vcpus: number): Config => ({
    key: `qemu ${vcpus}`, command: qemu!,
    args: ['-M', 'virt', '-accel', 'tcg,thread=multi', '-smp', String(vcpus), '-bios', firmware, '-kernel', elf,
      '-append', append, '-nographic', '-monitor', 'none', '-serial', 'null'],
  });
  const configs = [hs(1, 1), ...(oneThread ? [hs(2, 1)] : []), hs(2, 2), ...(qemu ? [q(1), q(2)] : [])];
  const before = os.loadavg()[0];
  const m = measure(configs, runs);
  const after = os.loadavg()[0];
  console.log(`\n${title}, median of ${runs} (load average ${before.toFixed(1)} before, ${after.toFixed(1)} after)`);
  console.log('what'.padEnd(44) + 'wall 1'.padStart(8) + 'wall 2'.padStart(8) + '2 / 1'.padStart(7) +
    'CPU 1'.padStart(8) + 'CPU 2'.padStart(8) + '2 / 1'.padStart(7));
  const row = (what: string, one: Sample, two: Sample): void =>
    console.log(what.padEnd(44) + fmt(one.wall, 8) + fmt(two.wall, 8) + fmt(two.wall / one.wall, 7) +
      fmt(one.cpu, 8) + fmt(two.cpu, 8) + fmt(two.cpu / one.cpu, 7));
  const one = m.get('hs 1 1')!;
  if (oneThread) row('hyperscope --threads 1 (vCPUs in turn)', one, m.get('hs 2 1')!);
  row('hyperscope --threads 2 (vCPUs in parallel)', one, m.get('hs 2 2')!);
  if (qemu) row('qemu-system-riscv64 -accel tcg,thread=multi', m.get('qemu 1')!, m.get('qemu 2')!);
}

/** One more run on two threads with --stats-json: where the CPU went, thread by thread (thread-stats.ts). */
export function perThread(cli: string, elf: string, append: string): void {
  const json = path.join(mkdtempSync(path.join(os.tmpdir(), 'hyperscope-bench-')), 'stats.json');
  const whole = once(process.execPath, [cli, 'run', elf, '--append', append, '--vcpus', '2', '--threads', '2', '--stats-json', json]);
  const r = JSON.parse(readFileSync(json, 'utf8')).threads;
  const s = (x: number | null): string => (x === null ? '-' : x.toFixed(2));
  const threads = r.threads.map((t: { thread: number; cpuSeconds: number | null; instructions: number; exitsToVm: number; replyWaitMs: number }) =>
    `vCPU thread ${t.thread} ${s(t.cpuSeconds)} (${(t.instructions / 1e6).toFixed(1)} M instructions, ${t.exitsToVm} exits sent, ${t.replyWaitMs} ms waiting for their answers)`);
  console.log(`one run of 2 vCPUs on --threads 2, CPU seconds by thread (load average ${r.loadAverage}): ${threads.join('; ')}; ` +
    `VM thread ${s(r.vmThread.cpuSeconds)}; the whole process ${s(whole.cpu)} (the rest: the process's other threads, V8's background compiler and garbage collector among them)`);
}

/** Runs of the long workload (each hyperscope run some seconds). */
const LONG_RUNS = 3;

/** Prints the SMP scaling tables (about 60 s on a quiet 2-core machine). */
export function smpScaling(root: string, cli: string, qemu: string | null, firmware: string): void {
  console.log('\nSMP scaling: every vCPU does the whole work, so 2 vCPUs do twice the work of 1; columns 1 and 2 are');
  console.log('1 and 2 vCPUs (wall and CPU seconds of the whole process); on two threads 2 / 1 wall should be about 1');
  table('samples/parallel rounds=100 (share nothing: the CPU-bound kernels on each hart\'s own pages)',
    path.join(root, 'samples', 'parallel', 'parallel.elf'), 'rounds=100', cli, qemu, firmware);
  perThread(cli, path.join(root, 'samples', 'parallel', 'parallel.elf'), 'rounds=100');
  // Ten times the work: the start (threads, warm-up, V8 compiling the interpreter and the
  // translated code in each thread) weighs less, and the steady state shows.
  table('samples/parallel rounds=1000 (the same, ten times longer: the steady state)',
    path.join(root, 'samples', 'parallel', 'parallel.elf'), 'rounds=1000', cli, qemu, firmware, LONG_RUNS, false);
  perThread(cli, path.join(root, 'samples', 'parallel', 'parallel.elf'), 'rounds=1000');
  table('samples/atomics work=300 (AMOs and LR/SC on one cache line, then a register loop)',
    path.join(root, 'samples', 'atomics', 'atomics.elf'), 'work=300', cli, qemu, firmware);
}
