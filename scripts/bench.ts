/**
 * `npm run bench`: guest MIPS on the CPU-bound sample (a VS-mode guest of the hypervisor,
 * icount clock), the Linux sample's time to the shell prompt and to poweroff with its exit
 * breakdown, and, when qemu-system-riscv64 and OpenSBI are installed, the same guests under
 * QEMU (TCG + OpenSBI) side by side.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootVirt } from '../hypervisor-core/machine/virt-board';
import { formatExitTable } from '../hypervisor-core/hypervisor/stats/perf-table';
import { timeSession } from './bench/console-session';

const ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(ROOT, 'samples', 'cpu-bound', 'cpu-bound.elf');
const LINUX = path.join(ROOT, 'samples', 'linux');
const FW = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';

interface Row { what: string; seconds: number; instructions: number; mips: number }

function qemuBinary(): string | null {
  const q = spawnSync('which', ['qemu-system-riscv64']).stdout?.toString().trim();
  return q && existsSync(FW) ? q : null;
}

function runHyperscope(): Row {
  const { vm } = bootVirt({ kernel: readFileSync(SAMPLE), vcpus: 1, memory: 128 << 20, clock: 'icount', console: () => undefined });
  const t0 = performance.now();
  for (;;) {
    const stop = vm.runFor(50_000_000);
    if (stop && stop.kind !== 'idle') break;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { what: 'hyperscope (VS-mode guest, interpreter)', seconds, instructions: vm.instructions, mips: vm.instructions / seconds / 1e6 };
}

function runQemu(qemu: string, instructions: number): Row {
  const t0 = performance.now();
  execFileSync(qemu, ['-M', 'virt', '-bios', FW, '-kernel', SAMPLE, '-nographic', '-monitor', 'none', '-serial', 'null'], { stdio: 'ignore', timeout: 120_000 });
  const seconds = (performance.now() - t0) / 1000;
  return { what: 'qemu-system-riscv64 (TCG JIT + OpenSBI boot)', seconds, instructions, mips: instructions / seconds / 1e6 };
}

async function cpuBound(qemu: string | null): Promise<void> {
  runHyperscope(); // warm-up: let V8 optimise the interpreter
  const runs = [runHyperscope(), runHyperscope(), runHyperscope()].sort((a, b) => a.seconds - b.seconds);
  const rows = [runs[1]]; // median of three
  if (qemu) rows.push(runQemu(qemu, runs[1].instructions));
  console.log(`cpu-bound sample (${path.relative(ROOT, SAMPLE)}), ${runs[1].instructions.toLocaleString('en')} guest instructions`);
  console.log('');
  console.log('what'.padEnd(46) + 'seconds'.padStart(9) + 'MIPS'.padStart(9));
  for (const r of rows) console.log(r.what.padEnd(46) + r.seconds.toFixed(2).padStart(9) + r.mips.toFixed(1).padStart(9));
}

async function linuxBoot(qemu: string | null): Promise<void> {
  const image = path.join(LINUX, 'Image'), initrd = path.join(LINUX, 'initramfs.cpio.gz');
  if (!existsSync(image)) return;
  const commands = ['uname -a', 'poweroff'];
  const statsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'hyperscope-bench-')), 'stats.json');
  console.log('\nLinux sample (samples/linux/Image + initramfs, 1 vCPU, 128 MiB): seconds from start');
  console.log('what'.padEnd(46) + 'prompt'.padStart(9) + 'poweroff'.padStart(10));
  for (const clock of ['icount', 'realtime']) {
    const h = await timeSession(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', image, '--initrd', initrd,
      '--append', 'console=ttyS0', '--clock', clock, '--stats-json', statsFile], commands);
    console.log(`hyperscope (--clock ${clock})`.padEnd(46) + h.prompt.toFixed(2).padStart(9) + h.exit.toFixed(2).padStart(10));
  }
  if (qemu) {
    const q = await timeSession(qemu, ['-M', 'virt', '-m', '128M', '-bios', FW, '-kernel', image, '-initrd', initrd,
      '-append', 'console=ttyS0', '-nographic', '-monitor', 'none'], commands);
    console.log('qemu-system-riscv64 (TCG JIT + OpenSBI)'.padEnd(46) + q.prompt.toFixed(2).padStart(9) + q.exit.toFixed(2).padStart(10));
  }
  console.log('\nExits of the realtime boot (to poweroff):\n');
  console.log(formatExitTable(JSON.parse(readFileSync(statsFile, 'utf8'))));
}

async function main(): Promise<void> {
  const qemu = qemuBinary();
  await cpuBound(qemu);
  await linuxBoot(qemu);
  if (!qemu) console.log('\n(qemu-system-riscv64 or OpenSBI not installed: no side-by-side figures)');
}

void main();
