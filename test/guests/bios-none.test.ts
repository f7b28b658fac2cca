/**
 * Guests that start in M-mode (`--bios none`, as `qemu-system-riscv64 -M virt -bios none`):
 * the project's own M-mode guest (test/guests/reproducers/src/mmode.S; `make qemu` there runs
 * it on QEMU 7.2 with -bios none, where it prints PASS) configures M-mode as xv6-riscv's
 * start.c does, mrets to S-mode with paging on, and takes the machine timer, a machine
 * software interrupt, an illegal instruction and ecalls in its M-mode, and stimecmp after WFI
 * in S-mode.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { parseRunArgs, UsageError } from '../../hypervisor-core/cli/args';
import { parseFdt } from '../../hypervisor-core/machine/fdt-parser';
import { LaunchError, resolveLaunch } from '../../debug-adapter/launch-config';
import { ROOT } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
const elf = (name: string) => path.join('test', 'guests', 'reproducers', 'build', `${name}.elf`);

function hyperscope(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
}

/** Boots the M-mode guest in-process with the icount clock and runs it to its end. */
function runMmode(vcpus: number) {
  let output = '';
  const { vm, fdt } = bootVirt({
    kernel: readFileSync(path.join(ROOT, elf('mmode'))), vcpus, memory: 16 * 1024 * 1024, clock: 'icount',
    console: (b) => { output += Buffer.from(b).toString('latin1'); }, bios: 'none',
  });
  let stop = null;
  for (let i = 0; i < 100 && !stop; i++) stop = vm.runFor(1_000_000);
  return { output, stop, vm, fdt };
}

describe('guests that start in M-mode (--bios none)', function () {
  this.timeout(60_000);

  it('mmode: configures its M-mode, mrets to S-mode and takes its traps and interrupts in M as on QEMU', () => {
    const r = runMmode(1);
    assert.equal(r.output, 'mmode: PASS\n');
    // The SiFive test device's 0x5555, as QEMU's sifive_test powers off.
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
  });

  it('mmode: every vCPU starts at the entry in M-mode with a0 = its hart id (the others park in WFI)', () => {
    const r = runMmode(3);
    assert.equal(r.output, 'mmode: PASS\n');
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
    for (const v of r.vm.vcpus.slice(1)) {
      assert.equal(v.state, 'blocked');
      assert.equal(v.mmode?.active, true);
    }
  });

  it('the device tree has the CLINT and the test device as QEMU -bios none shows them', () => {
    const tree = parseFdt(runMmode(1).fdt).root;
    const clint = tree.find('/soc/clint@2000000');
    const test = tree.find('/soc/test@100000');
    assert.ok(clint && test);
    assert.deepEqual(clint.strings('compatible'), ['sifive,clint0', 'riscv,clint0']);
    assert.deepEqual(test.strings('compatible'), ['sifive,test1', 'sifive,test0', 'syscon']);
  });

  it('hyperscope run --bios none runs it (exit status 0); without, it starts in S-mode and faults', () => {
    const r = hyperscope('run', elf('mmode'), '--bios', 'none', '--timeout', '30');
    assert.equal(r.stdout, 'mmode: PASS\n', r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(hyperscope('run', elf('mmode'), '--timeout', '1').status, 124);
  });

  it('--bios takes default or none; anything else is one line and status 2', () => {
    assert.equal(parseRunArgs(['k']).bios, 'default');
    assert.equal(parseRunArgs(['k', '--bios', 'none']).bios, 'none');
    assert.equal(parseRunArgs(['k', '--bios=default']).bios, 'default');
    assert.throws(() => parseRunArgs(['k', '--bios', 'opensbi']), UsageError);
    const r = hyperscope('run', elf('mmode'), '--bios', 'opensbi');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "hyperscope: --bios must be default (SBI from the hypervisor) or none (the kernel starts in M-mode), not 'opensbi'\n");
  });

  it('the launch configuration takes "bios": "none" as the debugger\'s way to the same', () => {
    const launch = (bios?: string) => resolveLaunch({ program: elf('mmode'), cwd: ROOT, bios });
    assert.equal(launch().bios, 'default');
    assert.equal(launch('none').bios, 'none');
    assert.throws(() => launch('opensbi'), (e: Error) => e instanceof LaunchError && e.message === 'bios must be "default" or "none", not "opensbi"');
  });
});
