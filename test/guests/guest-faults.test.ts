/**
 * Guests that once hung or stopped the hypervisor (test/guests/reproducers, sources and a
 * Makefile there): a trap storm ends its slices, batches and `--timeout` like any busy guest,
 * in VS, VU and on the bare machine; so does a TLB flush storm; a misaligned AMO or an access
 * fault goes to the guest's own handler; U-mode reads the counters, as with OpenSBI; a tohost
 * outside RAM is a bad file.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TRAP_COST } from '../../hypervisor-core/hart/hart';
import { BareMachine } from '../../hypervisor-core/machine/bare-machine';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { SLICE_INSTRUCTIONS } from '../../hypervisor-core/hypervisor/vm';
import { ROOT, runGuest } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
const elf = (name: string) => path.join('test', 'guests', 'reproducers', 'build', `${name}.elf`);

/** Runs the CLI; `ms` is how long it took (a generous guard against a hang, not a measurement). */
function hyperscope(...args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
  return { status: r.status, stderr: r.stderr, ms: performance.now() - t0 };
}

describe('guests cannot hang or stop the hypervisor', function () {
  this.timeout(60_000);

  for (const name of ['trap-storm', 'trap-storm-user']) {
    it(`${name}: a guest whose trap vector traps spends runFor's budget (trap entries count)`, () => {
      const { vm } = bootVirt({ kernel: readFileSync(path.join(ROOT, elf(name))), vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
      let traps = 0;
      vm.vcpus[0].hart.onGuestTrap = () => { traps++; return false; };
      const budget = 2_000_000;
      assert.equal(vm.runFor(budget), null, 'the budget ran out');
      assert.ok(traps > 1000, `the guest is in its storm (${traps} traps)`);
      // Before, each slice took 50,000 traps and counted as nothing: about 80 million traps.
      assert.ok(traps <= (budget + SLICE_INSTRUCTIONS) / TRAP_COST, `${traps} traps for a budget of ${budget}`);
    });
  }

  it('flush-storm: SFENCE.VMA and satp writes in a loop cost the host little (a flush clears what was filled)', () => {
    const { vm } = bootVirt({ kernel: readFileSync(path.join(ROOT, elf('flush-storm'))), vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
    const t0 = performance.now();
    assert.equal(vm.runFor(2_000_000), null);
    const ms = performance.now() - t0;
    assert.ok(vm.instructions > 1_900_000);
    // A guard against the old cost (every flush cleared 200,000 TLB entries: about 80 s here), not a measurement.
    assert.ok(ms < 20_000, `runFor(2M) took ${ms.toFixed(0)} ms`);
  });

  it('trap-storm: `hyperscope run --timeout 1` ends with status 124', () => {
    const r = hyperscope('run', elf('trap-storm'), '--timeout', '1');
    assert.equal(r.status, 124, r.stderr);
    assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
  });

  it('trap-storm-bare: the bare machine returns from run(limit) and the CLI times out with 124', () => {
    const m = new BareMachine(readFileSync(path.join(ROOT, elf('trap-storm-bare'))), { output: () => undefined });
    // Before, run(limit) waited for `limit` instructions to retire, which a storm never does.
    const r = m.run(1_000_000);
    assert.equal(r.kind, 'limit');
    assert.equal(r.instructions, 3, 'only the three set-up instructions retire');
    const cli = hyperscope('run', '--bare', elf('trap-storm-bare'), '--timeout', '1');
    assert.equal(cli.status, 124, cli.stderr);
    assert.ok(cli.ms < 30_000, `took ${cli.ms} ms`);
  });

  it('misaligned-amo: a misaligned AMO and access faults reach the guest\'s handler; the VM lives on', () => {
    const r = runGuest(elf('misaligned-amo'));
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
    assert.match(r.output, /^misaligned-amo: PASS$/m);
    const redirected = r.vm.trace.recent().reverse().filter((e) => e.reason === 'fault-redirect').map((e) => Number(e.scause));
    assert.deepEqual(redirected, [6, 6], 'store/AMO address misaligned (6) from VU and from VS, reflected to the guest');
  });

  it('counters: scounteren = 7 and senvcfg = 0 at entry; U-mode rdtime/rdcycle/rdinstret do not trap', () => {
    const r = runGuest(elf('counters'));
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
    assert.match(r.output, /^counters: PASS$/m);
  });

  it('tohost-outside: a tohost symbol outside RAM under --bare is one line and status 2', () => {
    const r = hyperscope('run', '--bare', elf('tohost-outside'));
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /tohost at 0x10000000 is outside RAM/);
  });

  it('svadu: page tables without A/D (as xv6 builds them) run, the hart sets A then D, as on QEMU 7.2', () => {
    const r = runGuest(elf('svadu'));
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
    assert.match(r.output, /^svadu: PASS$/m);
  });

  it('svadu: with --no-svadu the same guest faults on A = 0 for ever (the old behaviour, selectable)', () => {
    const r = hyperscope('run', elf('svadu'), '--no-svadu', '--timeout', '1');
    assert.equal(r.status, 124, r.stderr);
  });

  it('svadu: the device tree\'s riscv,isa lists svadu, unless Svadu is off', () => {
    const kernel = readFileSync(path.join(ROOT, elf('svadu')));
    const isa = (svadu?: boolean) => Buffer.from(bootVirt({ kernel, vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined, svadu }).fdt).toString('latin1');
    assert.match(isa(), /rv64imafdc_zicsr_zifencei_zicntr_zihintpause_sstc_svadu\0/);
    assert.match(isa(false), /rv64imafdc_zicsr_zifencei_zicntr_zihintpause_sstc\0/);
  });

  it('stvec-zero: a guest looping on a fault at its unmapped trap vector is reported once and keeps running', () => {
    const { vm } = bootVirt({ kernel: readFileSync(path.join(ROOT, elf('stvec-zero'))), vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
    const said: string[] = [];
    vm.onFaultLoop = (vcpu, message) => {
      said.push(`${vcpu}: ${message}`);
      return false; // keep running, as the CLI does
    };
    for (let i = 0; i < 20 && said.length === 0; i++) assert.equal(vm.runFor(2_000_000), null);
    for (let i = 0; i < 4; i++) assert.equal(vm.runFor(2_000_000), null, 'still running');
    assert.deepEqual(said, ['0: vCPU 0 loops on an instruction guest-page fault at pc 0x0 (stvec 0x0): the guest\'s trap vector faults']);
    assert.equal(vm.instructions, 1, 'the csrw (ebreak traps); nothing retires in the loop');
  });

  it('stvec-zero: `hyperscope run` prints the loop once on stderr and runs on to --timeout', () => {
    const r = hyperscope('run', elf('stvec-zero'), '--timeout', '3');
    assert.equal(r.status, 124, r.stderr);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.includes('loops on')),
      ['hyperscope: vCPU 0 loops on an instruction guest-page fault at pc 0x0 (stvec 0x0): the guest\'s trap vector faults']);
  });
});
