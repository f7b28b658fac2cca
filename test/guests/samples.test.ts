/**
 * The sample guests run unchanged on the hypervisor and print what they print under
 * qemu-system-riscv64 -M virt with OpenSBI (samples/<name>/expected*.txt, recorded there).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { comparable, ROOT, runGuest } from './guest-runner';

function expected(name: string, file = 'expected.txt'): string {
  return comparable(readFileSync(path.join(ROOT, 'samples', name, file), 'utf8'));
}

describe('sample guests (console output equals QEMU + OpenSBI)', function () {
  this.timeout(60_000);

  for (const name of ['hello', 'paging', 'timer', 'uart', 'cvars']) {
    it(`${name} prints the same as under QEMU and shuts down cleanly`, () => {
      const r = runGuest(`samples/${name}/${name}.elf`);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
      assert.equal(comparable(r.output), expected(name));
    });
  }

  for (const harts of [1, 2, 4]) {
    it(`smp starts all ${harts} harts with HSM and exchanges IPIs`, () => {
      const r = runGuest('samples/smp/smp.elf', harts);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
      assert.equal(comparable(r.output), expected('smp', `expected-smp${harts}.txt`));
    });
  }

  it('hello uses the SBI v2.0 debug console (DBCN) offered by the hypervisor', () => {
    const r = runGuest('samples/hello/hello.elf');
    assert.match(r.output, /sbi: spec version 2\.0/);
    assert.match(r.output, /sbi: extensions: TIME IPI RFENCE HSM SRST PMU DBCN/);
    const sbi = r.vm.stats.report().sbi.map((row) => row.key);
    assert.ok(sbi.includes('DBCN.console_write'), `SBI calls: ${sbi.join(', ')}`);
    assert.ok(sbi.includes('SRST.system_reset'));
  });

  it('exits: times 200,000 SBI and 200,000 MMIO round trips after as many untimed ones, each one VM exit (the benchmark\'s exit-cost guest)', () => {
    const r = runGuest('samples/exits/exits.elf');
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false });
    assert.match(r.output, /^exits: 200000 SBI round trips, \d+ ns each$/m);
    assert.match(r.output, /^exits: 200000 MMIO round trips, \d+ ns each$/m);
    const report = r.vm.stats.report();
    // samples/exits/exits.c: a warm-up round and a timed round of 200,000 each.
    assert.equal(report.sbi.find((row) => row.key === 'BASE.get_spec_version')?.samples, 400_000);
    assert.equal(report.mmio.find((row) => row.key === 'uart0')?.samples, 400_000);
  });

  it('uart: MMIO exits equal the register accesses the guest counted', () => {
    const r = runGuest('samples/uart/uart.elf');
    const m = /uart: (\d+) register accesses, (\d+) plic register accesses/.exec(r.output);
    assert.ok(m, r.output);
    const report = r.vm.stats.report();
    const byDevice = Object.fromEntries(report.mmio.map((row) => [row.key, row.samples]));
    assert.equal(byDevice.uart0, Number(m[1]));
    assert.equal(byDevice.plic, Number(m[2]));
    const mmio = report.reasons.find((row) => row.key === 'mmio');
    assert.equal(mmio?.samples, Number(m[1]) + Number(m[2]));
  });

  it('paging: the guest kernel takes its own page faults (delegated), the hypervisor only G-stage ones', () => {
    const r = runGuest('samples/paging/paging.elf');
    assert.match(r.output, /page faults: 2 fetch, 6 load, 3 store/);
    const reasons = r.vm.stats.report().reasons.map((row) => row.key);
    assert.ok(reasons.includes('guest-page-fault'));
    assert.ok(!reasons.includes('illegal-instruction'));
  });

  it('cpu-bound computes the same checksum and retires the same instruction count as QEMU', () => {
    const r = runGuest('samples/cpu-bound/cpu-bound.elf');
    assert.equal(comparable(r.output), expected('cpu-bound'));
    assert.match(r.output, /instret: 300186758 instructions/);
  });

  it('icount runs are reproducible: same exits, same counts', () => {
    const a = runGuest('samples/timer/timer.elf').vm.stats.report();
    const b = runGuest('samples/timer/timer.elf').vm.stats.report();
    const counts = (rep: typeof a) => rep.reasons.map((row) => `${row.key}=${row.samples}`).join(' ');
    assert.equal(counts(a), counts(b));
    assert.equal(a.instructions, b.instructions);
  });
});
