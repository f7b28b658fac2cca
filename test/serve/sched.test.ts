/**
 * The daemon's credit scheduler with real VMs (`hyperscope serve --host-threads P`, `vm create
 * --weight/--cap`, `vm sched`). Expected shares come from the credit scheduler's definition
 * (Xen's credit1, which this one follows): CPU-bound VMs competing for the slots get shares
 * proportional to their weights; a cap of C holds a VM to C% of one host CPU even with a slot
 * idle; a VM blocked in WFI takes no share. Shares are measured in the budget units the
 * scheduler debits (a slice's instructions, an exit counting 500), which do not depend on host
 * timing, so the tolerances only cover the slices in flight when the figures are read.
 * CPU-bound guest: test/guests/reproducers/src/spin.S; in WFI: idle.S; SBI STA: sta.S built
 * with -DALONE (one vCPU; its steal can only come from waiting for another VM), and sta.S on
 * two vCPU threads (a thread's steal comes from its waits for the slot).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CLI, consoleText, GUESTS, startTestDaemon, TestDaemon, until } from './daemon-harness';

type Sched = { name: string; weight: number; cap: number; units: number; cpuMs: number; waitMs: number; slots: number };

/** Budget units both VMs should run together between two readings (400 slices; under a second on a quiet machine). */
const WINDOW_UNITS = 20_000_000;

/** Both VMs' figures, read in one turn of the daemon's event loop. */
async function both(d: TestDaemon, a: string, b: string): Promise<[Sched, Sched]> {
  const get = (n: string) => d.client.call<Sched>('GET', `/v1/vms/${n}/sched`);
  return Promise.all([get(a), get(b)]);
}

/** Units each VM ran while both together ran WINDOW_UNITS. */
async function shares(d: TestDaemon, a: string, b: string, window = WINDOW_UNITS): Promise<[number, number]> {
  const [a0, b0] = await both(d, a, b);
  const [a1, b1] = await until('the VMs to run a window', async () => {
    const r = await both(d, a, b);
    return r[0].units - a0.units + r[1].units - b0.units >= window ? r : undefined;
  });
  return [a1.units - a0.units, b1.units - b0.units];
}

describe('hyperscope serve: the credit scheduler', function () {
  this.timeout(120_000);

  it('refuses --host-threads outside 1..256 in one line with status 2', () => {
    for (const v of ['0', '257', 'two']) {
      const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--host-threads', v], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `hyperscope: --host-threads must be a number from 1 to 256, not '${v}'\n`);
    }
  });

  describe('on one host-CPU slot', () => {
    let d: TestDaemon;
    before(async () => { d = await startTestDaemon('--host-threads', '1'); });
    after(async () => {
      if (d) assert.equal(await d.stop(), 0);
    });

    it('gives two CPU-bound VMs of weights 512 and 256 their instructions 2:1 (within 10%)', async () => {
      assert.equal(d.vm('create', 'a', path.join(GUESTS, 'spin.elf'), '--memory', '16M', '--weight', '512').status, 0);
      assert.equal(d.vm('create', 'b', path.join(GUESTS, 'spin.elf'), '--memory', '16M').status, 0);
      const info = JSON.parse(d.vm('info', 'a', '--json').stdout) as { weight: number; cap: number };
      assert.deepEqual([info.weight, info.cap], [512, 0]);
      const [a, b] = await shares(d, 'a', 'b');
      assert.ok(Math.abs(a / b - 2) < 0.2, `a ran ${a}, b ${b}: ${a / b}`);
      const text = d.vm('sched', 'b');
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /^NAME\s+WEIGHT\s+CAP\s+UNITS\s+CPU-MS\s+WAIT-MS\nb\s+256\s+0\s+\d+\s+\d+\s+\d+\n\(1 host-CPU slot\)\n$/);
    });

    it('shares 1:1 once vm sched gives them equal weights (live)', async () => {
      const r = d.vm('sched', 'a', '--weight', '256', '--json');
      assert.equal(r.status, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as Sched).weight, 256);
      const [a, b] = await shares(d, 'a', 'b');
      assert.ok(Math.abs(a / b - 1) < 0.1, `a ran ${a}, b ${b}: ${a / b}`);
    });

    it('refuses bad weights and caps in one line with status 2 and changes nothing', () => {
      const cases: [string[], RegExp][] = [
        [['sched', 'a', '--weight', '0'], /^hyperscope: --weight: the weight must be an integer from 1 to 65535, not '0'\n$/],
        [['sched', 'a', '--weight', '70000'], /^hyperscope: --weight: the weight must be an integer from 1 to 65535, not '70000'\n$/],
        [['sched', 'a', '--cap', '-5'], /^hyperscope: --cap: the cap must be an integer from 0 \(none\) to 3200/],
        [['sched', 'a', '--cap', 'half'], /^hyperscope: --cap: the cap must be/],
        [['sched', 'a', '--weight'], /^hyperscope: --weight needs a value\n$/],
        [['create', 'c', path.join(GUESTS, 'spin.elf'), '--weight', '1.5'], /^hyperscope: --weight: the weight must be/],
      ];
      for (const [args, message] of cases) {
        const r = d.vm(...args);
        assert.equal(r.status, 2, `vm ${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
      assert.equal(d.vm('sched', 'nope').status, 4, 'no such VM');
      assert.equal(d.vm('info', 'c').status, 4, 'nothing was created');
      assert.equal((JSON.parse(d.vm('sched', 'a', '--json').stdout) as Sched).weight, 256, 'the weight is as it was');
    });

    it('refuses bad bodies through the API (bad-request) and changes nothing', async () => {
      for (const body of [{ weight: 0 }, { cap: 3201 }, { weight: '512' }, { other: 1 }]) {
        await assert.rejects(d.client.call('POST', '/v1/vms/a/sched', body), /bad-request|must be|unknown field/);
      }
      await assert.rejects(d.client.call('POST', '/v1/vms', { name: 'c', kernel: path.join(GUESTS, 'spin.elf'), cap: -1 }), /'cap'/);
      assert.equal((await d.client.call<Sched>('GET', '/v1/vms/a/sched')).weight, 256);
    });

    it('gives a VM sitting in WFI no share: the CPU-bound VM runs on all but a sliver of the slot', async () => {
      assert.equal(d.vm('destroy', 'b').status, 0);
      assert.equal(d.vm('create', 'w', path.join(GUESTS, 'idle.elf'), '--memory', '16M').status, 0);
      await until('idle to be ready', async () => ((await consoleText(d, 'w')).includes('idle: ready') ? true : undefined));
      const [a, w] = await shares(d, 'a', 'w');
      // Each of w's 100 wake-ups a second costs it a few hundred units: far below 2% of the slot.
      assert.ok(w / (a + w) < 0.02, `a ran ${a}, w ${w}`);
      assert.ok(w > 0, 'the idle VM still wakes (boosted) and runs');
      assert.equal(d.vm('destroy', 'w').status, 0);
    });

    it('counts the wait for the slot as steal: SBI STA shows it to a one-vCPU guest beside a CPU-bound VM', async () => {
      assert.equal(d.vm('create', 's', path.join(GUESTS, 'sta-alone.elf'), '--memory', '16M').status, 0);
      const info = await until('the STA guest to finish', async () => {
        const i = await d.client.call<{ state: string; reason?: string }>('GET', '/v1/vms/s');
        return i.state !== 'running' ? i : undefined;
      });
      assert.equal(await consoleText(d, 's'), 'sta: ok\n');
      assert.equal(info.state, 'shut off', info.reason);
      const stats = JSON.parse(d.vm('stats', 's', '--json').stdout) as { perVcpu: { waitNs: number; runNs: number }[] };
      assert.ok(stats.perVcpu[0].waitNs > 0, 'vm stats shows the wait');
      assert.ok((JSON.parse(d.vm('sched', 's', '--json').stdout) as Sched).waitMs > 0);
    });
  });

  describe('on one host-CPU slot, a VM on vCPU threads', () => {
    let d: TestDaemon;
    before(async () => { d = await startTestDaemon('--host-threads', '1'); });
    after(async () => {
      if (d) assert.equal(await d.stop(), 0);
    });

    it('counts a vCPU thread\'s wait for the slot as its wait (steal) time in vm stats', async () => {
      assert.equal(d.vm('create', 'a', path.join(GUESTS, 'spin.elf'), '--memory', '16M').status, 0);
      assert.equal(d.vm('create', 't', path.join(GUESTS, 'spin.elf'), '--memory', '16M', '--vcpus', '2', '--threads', '2').status, 0);
      await until('vCPU 0 of t to have waited for the slot', async () => {
        const r = await d.client.call<{ perVcpu: { waitNs: number }[] }>('GET', '/v1/vms/t/stats');
        return r.perVcpu[0].waitNs > 0 ? true : undefined;
      }, 30_000);
      const [a, t] = await shares(d, 'a', 't', WINDOW_UNITS / 4);
      // t's second vCPU is stopped (spin runs on vCPU 0 alone): one runnable unit each, equal weights.
      assert.ok(Math.abs(a / t - 1) < 0.1, `a ran ${a}, t ${t}`);
    });

    it('writes a vCPU thread\'s steal into its SBI STA record when it is scheduled in, with no exit needed (as KVM at vcpu_load)', async () => {
      // sta.S on 2 vCPUs: vCPU 0 spins 3 million instructions without an exit, then wants steal > 0
      // and an even sequence; its slot waits behind a and t are the only steal it can see.
      assert.equal(d.vm('create', 'st', path.join(GUESTS, 'sta.elf'), '--memory', '16M', '--vcpus', '2', '--threads', '2').status, 0);
      const info = await until('the STA guest to finish', async () => {
        const i = await d.client.call<{ state: string; reason?: string }>('GET', '/v1/vms/st');
        return i.state !== 'running' ? i : undefined;
      });
      assert.equal(await consoleText(d, 'st'), 'sta: ok\n');
      assert.equal(info.state, 'shut off', info.reason);
    });
  });

  describe('on two host-CPU slots', () => {
    let d: TestDaemon;
    before(async () => { d = await startTestDaemon('--host-threads', '2'); });
    after(async () => {
      if (d) assert.equal(await d.stop(), 0);
    });

    it('holds a VM with cap 50 to at most about half of one host CPU while a slot stays idle', async () => {
      assert.equal(d.vm('create', 'c', path.join(GUESTS, 'spin.elf'), '--memory', '16M', '--cap', '50').status, 0);
      const at = async () => ({ t: performance.now(), s: await d.client.call<Sched>('GET', '/v1/vms/c/sched') });
      await until('c to run', async () => ((await at()).s.units > 0 ? true : undefined));
      const first = await at();
      await new Promise((r) => setTimeout(r, 3000));
      const second = await at();
      const share = (second.s.cpuMs - first.s.cpuMs) / (second.t - first.t);
      // A slice in flight when a figure is read counts on one side only: one slice (a millisecond
      // on a quiet host, tens on a loaded one) of the 3 s.
      assert.ok(share <= 0.6, `held ${share} of the wall time`);
      assert.ok(share > 0.05, `it runs (${share})`);
      assert.equal((JSON.parse(d.vm('info', 'c', '--json').stdout) as { cap: number }).cap, 50);
      assert.equal(d.vm('sched', 'c', '--cap', '0').status, 0);
    });
  });
});
