/**
 * `npm run bench`: guest MIPS on the CPU-bound sample with and without block translation (a
 * VS-mode guest of the hypervisor, icount clock), the Linux sample's time to the shell prompt
 * and to poweroff on 1 and 2 vCPUs with peak memory (medians of three runs taking turns) and its exit breakdown (and whether the
 * exit counts with and without translation are identical), the cost of one SBI and one MMIO
 * round trip timed by the exits sample, 2-vCPU guests against 1-vCPU ones on one and on two
 * host threads (--threads: the share-nothing parallel sample and the atomics sample), and, when qemu-system-riscv64 and OpenSBI are
 * installed, the same guests under QEMU (TCG + OpenSBI) side by side; last, the debugger's
 * continue from start_kernel to the first ksys_write against the same run without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootVirt } from '../hypervisor-core/machine/virt-board';
import { formatExitTable } from '../hypervisor-core/hypervisor/stats/perf-table';
import { timeSession } from './bench/console-session';
import { smpScaling } from './bench/smp-scaling';
import { defaultVcpuThreads } from '../hypervisor-core/hypervisor/threads/placement';
import { debugContinue } from './bench/debug-continue';
import { median, medianOfThree } from './bench/median';

const ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(ROOT, 'samples', 'cpu-bound', 'cpu-bound.elf');
const EXITS = path.join(ROOT, 'samples', 'exits', 'exits.elf');
const LINUX = path.join(ROOT, 'samples', 'linux');
const FW = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const CLI = path.join(ROOT, 'dist', 'cli.js');
/** GNU time, for the peak memory (max RSS) of a process; absent: no memory column. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** A run of the CPU-bound sample: wall and CPU seconds (CPU time is what a shared, busy machine still measures fairly). */
interface Row { what: string; seconds: number; cpu: number; instructions: number; mips: number }

function qemuBinary(): string | null {
  const q = spawnSync('which', ['qemu-system-riscv64']).stdout?.toString().trim();
  return q && existsSync(FW) ? q : null;
}

function runHyperscope(jit: boolean): Row {
  const { vm } = bootVirt({ kernel: readFileSync(SAMPLE), vcpus: 1, memory: 128 << 20, clock: 'icount', console: () => undefined, jit });
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (;;) {
    const stop = vm.runFor(50_000_000);
    if (stop && stop.kind !== 'idle') break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const what = jit ? 'hyperscope (VS-mode guest, translated)' : 'hyperscope --no-jit (interpreter)';
  return { what, seconds, cpu: cpuSince(c0), instructions: vm.instructions, mips: vm.instructions / seconds / 1e6 };
}

/**
 * The sample under `hyperscope run` in a fresh process, as a user runs it: Node.js start, V8
 * compiling the interpreter and each region from cold, the same process boundaries as QEMU's
 * row (the in-process rows run after a warm-up run, with V8's code and the regions warm).
 */
function runCli(instructions: number, jit: boolean): Row {
  const t0 = performance.now();
  const [cmd, args] = measured(process.execPath, [CLI, 'run', SAMPLE, '--clock', 'icount', ...(jit ? [] : ['--no-jit'])]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  const seconds = (performance.now() - t0) / 1000;
  const what = jit ? 'hyperscope run (a fresh process, cold)' : 'hyperscope run --no-jit (fresh, cold)';
  return { what, seconds, cpu: cpuOf(r.stderr ?? ''), instructions, mips: instructions / seconds / 1e6 };
}

/** The median of three fresh `hyperscope run` processes (with translation, or the interpreter alone). */
function medianCli(instructions: number, jit: boolean): Row {
  return medianOfThree(() => runCli(instructions, jit));
}

function runQemu(qemu: string, instructions: number): Row {
  const t0 = performance.now();
  const [cmd, args] = measured(qemu, ['-M', 'virt', '-bios', FW, '-kernel', SAMPLE, '-nographic', '-monitor', 'none', '-serial', 'null']);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  const seconds = (performance.now() - t0) / 1000;
  return { what: 'qemu-system-riscv64 (TCG JIT + OpenSBI boot)', seconds, cpu: cpuOf(r.stderr ?? ''), instructions, mips: instructions / seconds / 1e6 };
}

/** CPU seconds (user + system) of this process since `c0`. */
function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** The median of three in-process runs (after one to let V8 optimise). */
function medianInProcess(jit: boolean): Row {
  runHyperscope(jit);
  return medianOfThree(() => runHyperscope(jit));
}

async function cpuBound(qemu: string | null): Promise<void> {
  const rows = [medianInProcess(true), medianInProcess(false)];
  // The interpreter's promise (--no-jit no slower than before) is about a user's cold run too.
  rows.push(medianCli(rows[0].instructions, true), medianCli(rows[0].instructions, false));
  if (qemu) rows.push(medianOfThree(() => runQemu(qemu, rows[0].instructions)));
  console.log(`cpu-bound sample (${path.relative(ROOT, SAMPLE)}), ${rows[0].instructions.toLocaleString('en')} guest instructions, median of 3 (in-process rows: after a warm-up run in the same process)`);
  console.log('');
  console.log('what'.padEnd(46) + 'seconds'.padStart(9) + 'MIPS'.padStart(9) + (qemu ? 'x QEMU time'.padStart(13) : '') +
    'CPU s'.padStart(8) + (qemu ? 'x QEMU CPU'.padStart(12) : ''));
  const q = rows[rows.length - 1];
  for (const r of rows) {
    const ratio = qemu ? (r.seconds / q.seconds).toFixed(1).padStart(13) : '';
    const cpuRatio = qemu ? (Number.isNaN(q.cpu) ? '-' : (r.cpu / q.cpu).toFixed(1)).padStart(12) : '';
    console.log(r.what.padEnd(46) + r.seconds.toFixed(2).padStart(9) + r.mips.toFixed(1).padStart(9) + ratio +
      (Number.isNaN(r.cpu) ? '-' : r.cpu.toFixed(2)).padStart(8) + cpuRatio);
  }
  printNodeStart();
}

/** Seconds of `node -e 0` in `env`, median of five: Node.js's own start. */
function nodeStart(env: NodeJS.ProcessEnv): number {
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env });
    runs.push((performance.now() - t0) / 1000);
  }
  return median(runs);
}

/**
 * The floor under the fresh-process rows: Node.js starting and doing nothing. A CA file named
 * by NODE_EXTRA_CA_CERTS is read at every Node.js start; when the host sets one, the start
 * without it is shown too.
 */
function printNodeStart(): void {
  const line = `Node.js's own start (node -e 0, median of 5), in every fresh-process row: ${nodeStart(process.env).toFixed(3)} s`;
  if (!process.env.NODE_EXTRA_CA_CERTS) {
    console.log(line);
    return;
  }
  const without = { ...process.env };
  delete without.NODE_EXTRA_CA_CERTS;
  console.log(`${line} (this host sets NODE_EXTRA_CA_CERTS; without it: ${nodeStart(without).toFixed(3)} s)`);
}

/** `command args` prefixed with GNU time for its peak memory, when there is one. */
function measured(command: string, args: string[]): [string, string[]] {
  return TIME ? [TIME, ['-f', 'bench-maxrss-kb %M bench-cpu %U %S', command, ...args]] : [command, args];
}

/** CPU seconds (user + system) GNU time reported, or NaN. */
function cpuOf(output: string): number {
  const m = /bench-cpu ([\d.]+) ([\d.]+)/.exec(output);
  return m ? Number(m[1]) + Number(m[2]) : NaN;
}

function peakMiB(output: string): string {
  const m = /bench-maxrss-kb (\d+)/.exec(output);
  return m ? (Number(m[1]) / 1024).toFixed(0) : '-';
}

/**
 * Boots the Linux sample in-process to its shell prompt (icount, no idle sleep, no input: a
 * deterministic run, unlike the interactive sessions, whose input arrives in host time) and
 * returns what must not depend on translation: instructions, pc and exit counts.
 */
function bootToPrompt(image: string, initrd: string, jit: boolean): { key: string; cpu: number; translated: number } {
  let out = '';
  const c0 = process.cpuUsage();
  const { vm } = bootVirt({ kernel: readFileSync(image), initrd: readFileSync(initrd), bootargs: 'console=ttyS0', vcpus: 1,
    memory: 128 << 20, clock: 'icount', jit, console: (b) => { out += Buffer.from(b).toString('latin1'); } });
  while (!/ # $/.test(out) && vm.instructions < 2e9) vm.runFor(1_000_000);
  const r = vm.stats.report();
  const rows = (list: { key: string; samples: number }[]) => list.filter((x) => x.samples > 0).map((x) => `${x.key}=${x.samples}`).join(' ');
  const cpu = cpuSince(c0);
  // The block cache is one per guest memory, shared by the vCPUs: its count covers them all.
  const translated = vm.vcpus[0].hart.blockCache?.counters.insns ?? 0;
  return { key: `${vm.instructions} instructions, pc ${vm.vcpus[0].hart.pcLo >>> 0}: ${rows(r.reasons)} | ${rows(r.sbi)} | ${rows(r.mmio)}`, cpu, translated };
}

/** Sessions of the Linux table run in turn, this many rounds; each row shows the medians of its runs. */
const LINUX_ROUNDS = 3;

async function linuxBoot(qemu: string | null): Promise<void> {
  const image = path.join(LINUX, 'Image'), initrd = path.join(LINUX, 'initramfs.cpio.gz');
  if (!existsSync(image)) return;
  const commands = ['uname -a', 'poweroff'];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-bench-'));
  console.log(`\nLinux sample (samples/linux/Image + initramfs, 128 MiB): seconds from start, peak memory; medians of ${LINUX_ROUNDS} runs, the rows taking turns`);
  console.log('what'.padEnd(46) + 'prompt'.padStart(9) + 'poweroff'.padStart(10) + 'peak MiB'.padStart(10) + 'CPU s'.padStart(8));
  const stats: Record<string, string> = {};
  // Region profiles (host/region-profile.ts): the 1-vCPU rows with translation write and take
  // one, the 2-vCPU row on one thread another; the second row is a kernel's first run, without.
  const hyperscope: [string, number, string, string[], NodeJS.ProcessEnv?][] = [
    ['hyperscope (--clock icount)', 1, 'icount', []],
    ['same, no region profile (a kernel\'s first run)', 1, 'icount', [], { HYPERSCOPE_REGION_PROFILE: 'off' }],
    ['hyperscope --no-jit (--clock icount)', 1, 'icount', ['--no-jit']],
    ['hyperscope (--clock realtime)', 1, 'realtime', []],
    ['hyperscope --no-jit (--clock realtime)', 1, 'realtime', ['--no-jit']],
    // Both realtime; the default thread count depends on the host's cores (threads/placement.ts).
    [`hyperscope, 2 vCPUs on ${defaultVcpuThreads(2)} thread${defaultVcpuThreads(2) > 1 ? 's' : ''} (default)`, 2, 'realtime', []],
    ['hyperscope, 2 vCPUs on 2 threads (--threads 2)', 2, 'realtime', ['--threads', '2']],
  ];
  const sessions: { what: string; command: [string, string[]]; env?: NodeJS.ProcessEnv }[] = hyperscope.map(([what, vcpus, clock, extra, env], i) => {
    const file = path.join(dir, `${i}.json`);
    stats[what] = file;
    return { what, env, command: measured(process.execPath, [CLI, 'run', image, '--initrd', initrd, '--append', 'console=ttyS0',
      '--clock', clock, '--smp', String(vcpus), '--stats-json', file, ...extra]) };
  });
  for (const smp of qemu ? [1, 2] : []) {
    sessions.push({ what: `qemu-system-riscv64 (TCG + OpenSBI), ${smp} vCPU${smp > 1 ? 's' : ''}`, command: measured(qemu!, ['-M', 'virt', '-m', '128M',
      '-smp', String(smp), '-bios', FW, '-kernel', image, '-initrd', initrd, '-append', 'console=ttyS0', '-nographic', '-monitor', 'none']) });
  }
  const runs = new Map<string, { prompt: number; exit: number; peak: number; cpu: number }[]>(sessions.map((x) => [x.what, []]));
  for (let round = 0; round < LINUX_ROUNDS; round++) {
    for (const { what, command, env } of sessions) {
      const h = await timeSession(...command, commands, env);
      runs.get(what)!.push({ prompt: h.prompt, exit: h.exit, peak: Number(peakMiB(h.output)), cpu: cpuOf(h.output) });
    }
  }
  for (const { what } of sessions) {
    const r = runs.get(what)!;
    const peak = median(r.map((x) => x.peak)), cpu = median(r.map((x) => x.cpu));
    console.log(what.padEnd(46) + median(r.map((x) => x.prompt)).toFixed(2).padStart(9) + median(r.map((x) => x.exit)).toFixed(2).padStart(10) +
      (Number.isNaN(peak) ? '-' : peak.toFixed(0)).padStart(10) + (Number.isNaN(cpu) ? '-' : cpu.toFixed(2)).padStart(8));
  }
  // Alternated, three each: the CPU time of a deterministic boot is the fairest comparison of
  // translation on and off on a shared machine.
  const on: { key: string; cpu: number; translated: number }[] = [], off: { key: string; cpu: number }[] = [];
  for (let i = 0; i < 3; i++) { on.push(bootToPrompt(image, initrd, true)); off.push(bootToPrompt(image, initrd, false)); }
  const same = [...on, ...off].every((b) => b.key === on[0].key);
  const midCpu = (l: { cpu: number }[]) => median(l.map((b) => b.cpu)).toFixed(2);
  console.log(same ? `\nBoot to the prompt with and without translation (icount, in-process): identical, ${on[0].key.split(':')[0]}`
    : `\nBoot to the prompt DIFFERS with translation (icount, in-process):\n  on:  ${on[0].key}\n  off: ${off[0].key}`);
  console.log(`CPU seconds to the prompt, median of 3: ${midCpu(on)} with translation (${(on[0].translated / 1e6).toFixed(1)} M instructions ran translated), ${midCpu(off)} without`);
  console.log('\nExits of the realtime boot (to poweroff):\n');
  console.log(formatExitTable(JSON.parse(readFileSync(stats['hyperscope (--clock realtime)'], 'utf8'))));
}

/** The exits sample's two "exits: N ... round trips, T ns each" lines, as [sbi, mmio] nanoseconds. */
function roundTrips(output: string): [string, string] {
  const ns = (kind: string) => new RegExp(`exits: \\d+ ${kind} round trips, (\\d+) ns each`).exec(output)?.[1] ?? '-';
  return [ns('SBI'), ns('MMIO')];
}

async function exitCost(qemu: string | null): Promise<void> {
  if (!existsSync(EXITS)) return;
  console.log('\nExit round trips (samples/exits: 200,000 SBI calls and 200,000 UART reads timed with rdtime after as many untimed), ns each');
  console.log('what'.padEnd(46) + 'SBI'.padStart(9) + 'MMIO'.padStart(10));
  const h = spawnSync(process.execPath, [CLI, 'run', EXITS, '--clock', 'realtime'], { encoding: 'utf8', timeout: 300_000 });
  const [hs, hm] = roundTrips(h.stdout);
  console.log('hyperscope (--clock realtime)'.padEnd(46) + hs.padStart(9) + hm.padStart(10));
  if (qemu) {
    const q = spawnSync(qemu, ['-M', 'virt', '-bios', FW, '-kernel', EXITS, '-nographic', '-monitor', 'none'], { encoding: 'utf8', timeout: 300_000 });
    const [qs, qm] = roundTrips(q.stdout);
    console.log('qemu-system-riscv64 (TCG + OpenSBI in M-mode)'.padEnd(46) + qs.padStart(9) + qm.padStart(10));
  }
}

async function main(): Promise<void> {
  const qemu = qemuBinary();
  console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}, Node ${process.version}\n`);
  // `npm run bench -- debug`: the debugger's row alone.
  if (process.argv[2] === 'debug') return debugContinue(ROOT);
  // `npm run bench -- smp`: the SMP scaling tables alone.
  if (process.argv[2] === 'smp') return smpScaling(ROOT, CLI, qemu, FW);
  // `npm run bench -- cpu`: the CPU-bound table and the exit round trips alone.
  if (process.argv[2] === 'cpu') {
    await cpuBound(qemu);
    return exitCost(qemu);
  }
  await cpuBound(qemu);
  smpScaling(ROOT, CLI, qemu, FW);
  await exitCost(qemu);
  await linuxBoot(qemu);
  await debugContinue(ROOT);
  if (!qemu) console.log('\n(qemu-system-riscv64 or OpenSBI not installed: no side-by-side figures)');
}

void main();
