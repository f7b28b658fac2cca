/**
 * `npm run bench`: guest MIPS on the CPU-bound sample (as a VS-mode guest of the hypervisor,
 * icount clock, and on the bare hart), and when qemu-system-riscv64 is installed the same guest
 * under QEMU (TCG + OpenSBI) side by side. Prints a table; --json prints JSON too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../hypervisor-core/machine/virt-board';

const ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(ROOT, 'samples', 'cpu-bound', 'cpu-bound.elf');
const FW = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';

interface Row { what: string; seconds: number; instructions: number; mips: number }

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

function runQemu(instructions: number): Row | null {
  const qemu = spawnSync('which', ['qemu-system-riscv64']).stdout?.toString().trim();
  if (!qemu || !existsSync(FW)) return null;
  const t0 = performance.now();
  execFileSync(qemu, ['-M', 'virt', '-bios', FW, '-kernel', SAMPLE, '-nographic', '-monitor', 'none', '-serial', 'null'], { stdio: 'ignore', timeout: 120_000 });
  const seconds = (performance.now() - t0) / 1000;
  return { what: 'qemu-system-riscv64 7.2 (TCG JIT + OpenSBI)', seconds, instructions, mips: instructions / seconds / 1e6 };
}

const rows: Row[] = [];
runHyperscope(); // warm-up: let V8 optimise the interpreter
const runs = [runHyperscope(), runHyperscope(), runHyperscope()].sort((a, b) => a.seconds - b.seconds);
rows.push(runs[1]); // median of three
const q = runQemu(runs[1].instructions);
if (q) rows.push(q);

console.log(`cpu-bound sample (${path.relative(ROOT, SAMPLE)}), ${runs[1].instructions.toLocaleString('en')} guest instructions`);
console.log('');
console.log('what'.padEnd(46) + 'seconds'.padStart(9) + 'MIPS'.padStart(9));
for (const r of rows) console.log(r.what.padEnd(46) + r.seconds.toFixed(2).padStart(9) + r.mips.toFixed(1).padStart(9));
if (!q) console.log('(qemu-system-riscv64 or OpenSBI not installed: no side-by-side figure)');
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
