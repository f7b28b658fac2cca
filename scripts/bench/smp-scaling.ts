/**
 * The benchmark's SMP scaling rows: the atomics sample with `work=N` (every hart runs the same
 * CPU-bound loop after its atomic additions) on 1 vCPU, then on 2 vCPUs on one host thread
 * (vCPUs in turn) and on two (`--threads 2`), and the same guest under QEMU with MTTCG
 * (`-accel tcg,thread=multi`, one host thread per vCPU) on 1 and 2 vCPUs. With 2 vCPUs the
 * guest does twice the work: on two threads it should take about the time of 1 vCPU.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** Rounds of 100,000 loop iterations per hart: about 10 instructions each. */
const WORK = 300;

/** Seconds of one run of `command` (wall clock, process start to exit). */
function seconds(command: string, args: string[]): number {
  const t0 = performance.now();
  execFileSync(command, args, { stdio: 'ignore', timeout: 600_000 });
  return (performance.now() - t0) / 1000;
}

/** The median of three runs. */
function median(command: string, args: string[]): number {
  return [0, 1, 2].map(() => seconds(command, args)).sort((a, b) => a - b)[1];
}

/** Prints the table: seconds for 1 and 2 vCPUs and their ratio, hyperscope and QEMU. */
export function smpScaling(root: string, cli: string, qemu: string | null, firmware: string): void {
  const elf = path.join(root, 'samples', 'atomics', 'atomics.elf');
  const append = `work=${WORK}`;
  const hs = (vcpus: number, threads: number): number =>
    median(process.execPath, [cli, 'run', elf, '--append', append, '--vcpus', String(vcpus), '--threads', String(threads)]);
  const q = (vcpus: number): number =>
    median(qemu!, ['-M', 'virt', '-accel', 'tcg,thread=multi', '-smp', String(vcpus), '-bios', firmware, '-kernel', elf,
      '-append', append, '-nographic', '-monitor', 'none', '-serial', 'null']);
  console.log(`\nSMP scaling: samples/atomics with ${append} (the same CPU-bound loop on every vCPU: 2 vCPUs do twice the work), median of 3`);
  console.log('what'.padEnd(46) + '1 vCPU'.padStart(9) + '2 vCPUs'.padStart(10) + '2 / 1'.padStart(8));
  const row = (what: string, one: number, two: number): void =>
    console.log(what.padEnd(46) + one.toFixed(2).padStart(9) + two.toFixed(2).padStart(10) + (two / one).toFixed(2).padStart(8));
  const one = hs(1, 1);
  row('hyperscope --threads 1 (vCPUs in turn)', one, hs(2, 1));
  row('hyperscope --threads 2 (vCPUs in parallel)', one, hs(2, 2));
  if (qemu) row('qemu-system-riscv64 -accel tcg,thread=multi', q(1), q(2));
}
