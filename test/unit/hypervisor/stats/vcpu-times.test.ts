/**
 * Run, wait and blocked time per vCPU (schedstat's split: running, runnable but not scheduled,
 * sleeping): the accountant on given times, then a VM whose vCPUs share one host thread.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { VcpuTimes, AccountedState } from '../../../../hypervisor-core/hypervisor/stats/vcpu-times';
import { formatVcpuTimes } from '../../../../hypervisor-core/hypervisor/stats/vcpu-times-text';
import { bootVirt } from '../../../../hypervisor-core/machine/virt-board';
import { runUntilStop } from '../../../../hypervisor-core/hypervisor/runner';
import { ROOT } from '../../../guests/guest-runner';

describe('per-vCPU run, wait and blocked time', () => {
  it('gives a slice to the vCPU that ran, and the same time to the others by their state', () => {
    const t = new VcpuTimes(3);
    const states: AccountedState[] = ['runnable', 'runnable', 'blocked'];
    t.account(10, -1, (v) => states[v]); // the first report only starts the clock
    t.account(12, 0, (v) => states[v]); // vCPU 0 ran 2 ms; 1 waited; 2 was blocked
    states[2] = 'other'; // stopped (HSM): counts for nothing
    t.account(15, 1, (v) => states[v]); // vCPU 1 ran 3 ms; 0 waited
    states[2] = 'blocked';
    t.account(19, -1, (v) => states[v]); // none ran for 4 ms: 2 was blocked, the others waited for no vCPU
    assert.deepEqual([0, 1, 2].map((v) => t.row(v)), [
      { runNs: 2e6, waitNs: 3e6, blockedNs: 0 },
      { runNs: 3e6, waitNs: 2e6, blockedNs: 0 },
      { runNs: 0, waitNs: 0, blockedNs: 6e6 },
    ]);
  });

  it('counts no time across a pause', () => {
    const t = new VcpuTimes(1);
    t.account(0, -1, () => 'runnable');
    t.account(1, 0, () => 'runnable');
    t.suspend(); // paused from 1 to 100
    t.account(100, -1, () => 'blocked');
    t.account(101, -1, () => 'blocked');
    assert.deepEqual(t.row(0), { runNs: 1e6, waitNs: 0, blockedNs: 1e6 });
  });

  const run = async (elf: string, vcpus: number) => {
    const vm = bootVirt({ kernel: readFileSync(path.join(ROOT, elf)), vcpus, memory: 128 << 20, clock: 'icount', console: () => undefined }).vm;
    const t0 = performance.now();
    const end = await runUntilStop(vm, { quit: () => false });
    assert.equal(end.kind, 'stop');
    return { wallNs: (performance.now() - t0) * 1e6, report: vm.stats.report() };
  };

  it('a lone vCPU never waits', async () => {
    const { report } = await run('samples/hello/hello.elf', 1);
    assert.ok(report.perVcpu[0].runNs! > 0);
    assert.equal(report.perVcpu[0].waitNs, 0);
  });

  it('vCPUs taking turns on one host thread: each runs, their run times add up to at most the wall time', async function () {
    this.timeout(60_000);
    const { wallNs, report } = await run('samples/smp/smp.elf', 2);
    const [a, b] = report.perVcpu;
    assert.ok(a.runNs! > 0 && b.runNs! > 0);
    assert.ok(a.runNs! + b.runNs! <= wallNs, 'one thread runs one vCPU at a time');
    for (const v of report.perVcpu) assert.ok(v.runNs! + v.waitNs! + v.blockedNs! <= wallNs);
    assert.ok(a.waitNs! + b.waitNs! > 0, 'while one ran, the other was runnable at some point (HSM start, IPIs)');
    const text = formatVcpuTimes(report);
    assert.match(text, /^\s+vCPU\s+run ms\s+wait ms\s+blocked ms\s+run%\s+wait%\s+blocked%$/m);
    assert.match(text, /^\s+1\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%$/m);
  });
});
