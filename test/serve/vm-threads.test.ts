/**
 * A daemon VM's vCPUs on host threads (`hyperscope vm create NAME KERNEL --threads N`), as
 * `hyperscope run --threads N` runs them: the atomics sample's totals are exact (the figures
 * of samples/atomics/expected-smp2.txt, recorded on qemu-system-riscv64 -smp 2); pause freezes
 * the instruction count, resume continues it, reset boots again, destroy ends every vCPU thread
 * (the daemon's thread count, from /proc/PID/status, comes back to what it was); a guest that
 * panics on threads is crashed and the daemon runs on.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { comparable, ROOT } from '../guests/guest-runner';
import { consoleText, GUESTS, startTestDaemon, TestDaemon, until } from './daemon-harness';

type Info = { name: string; state: string; reason?: string; vcpus: number; instructions: number };

/** The daemon's OS threads now (Linux's /proc; the tests run on Linux). */
function threadCount(pid: number): number {
  const m = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

describe('hyperscope serve: a VM on vCPU threads (vm create --threads N)', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let baseline = 0;
  const info = async (name: string) => d.client.call<Info>('GET', `/v1/vms/${name}`);

  before(async () => {
    d = await startTestDaemon();
    baseline = threadCount(d.proc.pid!);
  });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0, 'the daemon ends with status 0 on SIGINT');
  });

  it('runs the atomics sample on 2 vCPUs on 2 threads with exact totals (as QEMU -smp 2)', async () => {
    const r = d.vm('create', 'at', path.join(ROOT, 'samples/atomics/atomics.elf'), '--vcpus', '2', '--threads', '2', '--memory', '64M');
    assert.equal(r.status, 0, r.stderr);
    const i = await until('the atomics VM to power off', async () => { const v = await info('at'); return v.state !== 'running' ? v : undefined; });
    assert.equal(i.state, 'shut off', i.reason);
    const expected = comparable(readFileSync(path.join(ROOT, 'samples/atomics/expected-smp2.txt'), 'utf8'));
    assert.equal(comparable(await consoleText(d, 'at')), expected);
    assert.equal(d.vm('destroy', 'at').status, 0);
  });

  it('pause freezes the instruction count, resume continues it, reset boots again; destroy leaves no thread behind', async () => {
    const r = d.vm('create', 'sp', path.join(GUESTS, 'spin.elf'), '--vcpus', '2', '--threads', '2', '--memory', '16M');
    assert.equal(r.status, 0, r.stderr);
    await until('spin to start', async () => ((await info('sp')).instructions > 0 ? true : undefined));
    assert.ok(threadCount(d.proc.pid!) > baseline, 'the VM and its vCPU threads are threads of the daemon');
    assert.equal(d.vm('pause', 'sp').stdout, 'sp: paused\n');
    const frozen = (await info('sp')).instructions;
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await info('sp')).instructions, frozen, 'a paused VM on threads retires no instruction');
    assert.equal(d.vm('resume', 'sp').stdout, 'sp: running\n');
    await until('spin to run again', async () => ((await info('sp')).instructions > frozen ? true : undefined));
    const stats = d.vm('stats', 'sp', '--json');
    assert.equal(stats.status, 0, stats.stderr);
    assert.equal((JSON.parse(stats.stdout) as { vcpus: number }).vcpus, 2);
    assert.equal(d.vm('reset', 'sp').stdout, 'sp: running\n');
    await until('spin to boot again', async () => {
      const t = await consoleText(d, 'sp');
      return /\[hyperscope: VM reset\][^]*spin: ready/.test(t) ? true : undefined;
    });
    assert.equal(d.vm('destroy', 'sp').status, 0);
    await until('the daemon to have its threads of before', () => (threadCount(d.proc.pid!) <= baseline ? true : undefined), 20_000);
  });

  it('a guest that panics on threads is crashed; the daemon runs on', async () => {
    assert.equal(d.vm('create', 'pa', path.join(GUESTS, 'panic.elf'), '--vcpus', '2', '--threads', '2').status, 0);
    const p = await until('VM pa to crash', async () => { const v = await info('pa'); return v.state === 'crashed' ? v : undefined; });
    assert.equal(p.reason, 'the guest reported a system failure');
    assert.equal(d.vm('list').status, 0, 'the daemon answers');
    assert.equal(d.vm('destroy', 'pa').status, 0);
  });

  it('refuses --threads beyond the vCPUs or with a one-thread option in one line, status 2', () => {
    for (const [args, message] of [
      [['--threads', '2'], /^hyperscope: --threads 2 is more than the 1 vCPU\(s\)/],
      [['--vcpus', '2', '--threads', '2', '--clock', 'icount'], /^hyperscope: --threads 2 cannot go with --clock icount/],
    ] as [string[], RegExp][]) {
      const r = d.vm('create', 'bad', path.join(GUESTS, 'spin.elf'), ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
    assert.equal(d.vm('info', 'bad').status, 4, 'nothing was created');
  });
});
