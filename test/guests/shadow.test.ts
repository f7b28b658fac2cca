/**
 * Shadow paging runs guests unchanged: every sample prints under `--mmu shadow` exactly what
 * it prints under two-stage translation (and under QEMU: samples/<name>/expected*.txt), and
 * the Linux sample boots, runs commands and powers off on 1, 2 and 4 vCPUs. The exits show
 * the technique: the guest's page faults, satp writes and SFENCE.VMAs reach the hypervisor.
 */
import { strict as assert } from 'node:assert';
import { comparable, runGuest } from './guest-runner';
import { bootLinuxCli, haveLinuxSample } from './linux-cli-boot';

const SAMPLES: [string, number][] = [['hello', 1], ['paging', 1], ['timer', 1], ['uart', 1], ['cvars', 1], ['smp', 1], ['smp', 2], ['smp', 4]];

describe('shadow paging runs the samples unchanged (same console as two-stage)', function () {
  this.timeout(120_000);

  for (const [name, vcpus] of SAMPLES) {
    it(`${name} on ${vcpus} vCPU(s): the same console under --mmu shadow and two-stage`, () => {
      const elf = `samples/${name}/${name}.elf`;
      const shadow = runGuest(elf, vcpus, undefined, { mmu: 'shadow' });
      const twoStage = runGuest(elf, vcpus);
      assert.deepEqual(shadow.stop, { kind: 'shutdown', failure: false });
      assert.equal(shadow.output, twoStage.output);
      assert.equal(shadow.vm.stats.report().mmuMode, 'shadow');
    });
  }

  it('paging: the 11 page faults the guest counts itself are delivered by the hypervisor, which also fills and resyncs', () => {
    const r = runGuest('samples/paging/paging.elf', 1, undefined, { mmu: 'shadow' });
    // The guest prints what its own handler saw (samples/paging/expected.txt, recorded on QEMU).
    assert.match(r.output, /page faults: 2 fetch, 6 load, 3 store/);
    const report = r.vm.stats.report();
    const m = report.memVirt!;
    assert.equal(m.injectedFaults, 11);
    assert.ok(m.shadowFills > 0 && m.resyncs.page > 0, JSON.stringify(m));
    const reasons = Object.fromEntries(report.reasons.map((row) => [row.key, row.samples]));
    assert.equal(reasons['page-fault'], m.shadowFills + m.dirtyUpdates + m.injectedFaults);
    assert.ok(m.emulated.some((row) => row.key === 'csrrw satp'), JSON.stringify(m.emulated));
    assert.equal(reasons['virtual-instruction'], m.emulated.reduce((n, row) => n + row.samples, 0));
  });

  it('a guest that starts in its own M-mode (--bios none) and pages in S-mode runs under shadow paging too', () => {
    // test/guests/reproducers/src/mmode.S configures M-mode as xv6's start.c does, mrets to
    // S-mode and turns on Sv39 there; it prints PASS on QEMU 7.2 -bios none.
    const board = { mmu: 'shadow', bios: 'none' } as const;
    const r = runGuest('test/guests/reproducers/build/mmode.elf', 1, 100_000_000, board);
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
    assert.match(r.output, /mmode: PASS/);
    const m = r.vm.stats.report().memVirt!;
    assert.ok(m.shadowFills > 0, 'S-mode paging went through the shadow tables');
    assert.ok(m.emulated.some((row) => row.key === 'csrrw satp'), JSON.stringify(m.emulated));
  });

  it('two-stage runs report their technique and a hardware walk of several PTE reads per TLB miss', () => {
    const report = runGuest('samples/paging/paging.elf').vm.stats.report();
    assert.equal(report.mmuMode, 'two-stage');
    assert.equal(report.cpuVirtMode, 'hardware');
    assert.ok(report.memVirt!.pteReadsPerTlbMiss > 1, JSON.stringify(report.memVirt));
    assert.equal(report.memVirt!.shadowFills, 0);
  });
});

describe('Linux guest under shadow paging (samples/linux)', function () {
  this.timeout(450_000);
  before(function () {
    if (!haveLinuxSample()) this.skip();
  });

  for (const vcpus of [1, 2, 4]) {
    it(`boots to a busybox shell on ${vcpus} vCPU(s) with --mmu shadow, runs commands, powers off with status 0`, async () => {
      const r = await bootLinuxCli(['--vcpus', String(vcpus), '--mmu', 'shadow'], ['uname -a', 'cat /proc/cpuinfo', 'ls /bin | wc -l', 'poweroff'], 400_000);
      assert.equal(r.status, 0, r.output.slice(-2000));
      assert.match(r.output, /Linux hyperscope 6\.1\.\S+ #1 SMP .* riscv64 GNU\/Linux/);
      assert.equal((r.output.match(/^processor\s*: \d+/gm) ?? []).length, vcpus, 'one /proc/cpuinfo entry per vCPU');
      assert.match(r.output, /reboot: Power down/);
      assert.equal(comparable(r.output).includes('Oops'), false);
      assert.equal(r.stats.mmuMode, 'shadow');
      const m = r.stats.memVirt!;
      assert.ok(m.shadowFills > 1000 && m.resyncs.page + m.resyncs.asid + m.resyncs.all > 0, JSON.stringify(m));
      assert.equal(m.poolResets, 0, 'the shadow pool holds a Linux boot');
    });
  }
});
