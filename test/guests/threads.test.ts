/**
 * vCPUs on host threads (--threads): SMP guests give the results they give under QEMU
 * (samples/<name>/expected-smp<N>.txt, recorded with qemu-system-riscv64 -smp N, whose MTTCG
 * runs the harts in parallel too) when their vCPUs run in parallel on worker threads:
 * atomics totals exact, the share-nothing guest's checksums, HSM start/stop and IPIs across
 * threads, Linux to its prompt.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { prestartVcpuThreads, spareVcpuThreads, threadsReportOf, VcpuThreads } from '../../hypervisor-core/hypervisor/threads/vcpu-threads';
import type { Vm, VmStop } from '../../hypervisor-core/hypervisor/vm';
import { comparable, ROOT, runGuest } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');

/** Boots `elf` with `vcpus` vCPUs on `threads` threads and runs it until it stops (60 s guard against a hang). */
async function runOnThreads(elf: string, vcpus: number, threads: number): Promise<{ output: string; stop: VmStop | null; instructions: number; vm: Vm }> {
  let output = '';
  const decoder = new TextDecoder();
  const { vm } = bootVirt({
    kernel: readFileSync(path.join(ROOT, elf)), vcpus, memory: 64 * 1024 * 1024, clock: 'realtime', sharedMemory: true,
    console: (b) => { output += decoder.decode(b, { stream: true }); },
  });
  const t = new VcpuThreads(vm, threads);
  t.start();
  try {
    const stop = await t.run(performance.now() + 60_000, () => false);
    return { output, stop, instructions: vm.instructions, vm };
  } finally {
    await t.terminate();
  }
}

function expected(name: string, file: string): string {
  return comparable(readFileSync(path.join(ROOT, 'samples', name, file), 'utf8'));
}

describe('vCPUs on host threads', function () {
  this.timeout(120_000);

  for (const [vcpus, threads] of [[2, 2], [4, 2], [4, 4]]) {
    it(`amoadd.w/.d and LR/SC loops on ${vcpus} vCPUs on ${threads} threads give exact totals (as QEMU -smp ${vcpus})`, async () => {
      const r = await runOnThreads('samples/atomics/atomics.elf', vcpus, threads);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.equal(comparable(r.output), expected('atomics', `expected-smp${vcpus}.txt`));
    });
  }

  for (const [vcpus, threads] of [[2, 2], [4, 2]]) {
    it(`parallel (share-nothing): every hart's checksum on ${vcpus} vCPUs on ${threads} threads as QEMU -smp ${vcpus}`, async () => {
      const r = await runOnThreads('samples/parallel/parallel.elf', vcpus, threads);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.equal(comparable(r.output), expected('parallel', `expected-smp${vcpus}.txt`));
    });
  }

  for (const vcpus of [1, 2]) {
    it(`parallel on ${vcpus} vCPU(s) on one thread (icount, round robin) prints what QEMU prints`, () => {
      const r = runGuest('samples/parallel/parallel.elf', vcpus);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.equal(comparable(r.output), expected('parallel', `expected-smp${vcpus}.txt`));
    });
  }

  for (const vcpus of [1, 2, 4]) {
    it(`atomics on ${vcpus} vCPU(s) on one thread (icount, round robin) prints what QEMU prints`, () => {
      const r = runGuest('samples/atomics/atomics.elf', vcpus);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.equal(comparable(r.output), expected('atomics', `expected-smp${vcpus}.txt`));
    });
  }

  for (const vcpus of [2, 4]) {
    it(`smp: HSM hart_start/hart_stop, hart_get_status and IPIs across 2 threads with ${vcpus} vCPUs (as QEMU)`, async () => {
      const r = await runOnThreads('samples/smp/smp.elf', vcpus, 2);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.equal(comparable(r.output), expected('smp', `expected-smp${vcpus}.txt`));
      assert.ok(r.instructions > 0, 'the threads report the instructions they retired');
      const reasons = r.vm.stats.report().reasons;
      assert.ok(reasons.some((x) => x.key === 'wfi' && x.samples > 0), 'WFI exits handled on the vCPU threads are counted');
      assert.ok(reasons.some((x) => x.key.startsWith('sbi') && x.samples > 0), 'SBI exits handled on the VM thread are counted');
    });
  }

  it('smp: IPIs sent on the vCPU threads themselves reach their harts and count as on one thread (SBI statistics, PMU firmware events)', async () => {
    const one = runGuest('samples/smp/smp.elf', 2);
    const r = await runOnThreads('samples/smp/smp.elf', 2, 2);
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
    assert.equal(comparable(r.output), expected('smp', 'expected-smp2.txt'));
    const calls = (vm: Vm): number | undefined => vm.stats.report().sbi.find((row) => row.key === 'IPI.send_ipi')?.samples;
    assert.ok((calls(one.vm) ?? 0) > 0);
    assert.equal(calls(r.vm), calls(one.vm), 'as many send_ipi exits as on one thread');
    const threads = threadsReportOf(r.vm)!.threads;
    assert.equal(threads.reduce((n, t) => n + t.sbiHere, 0), calls(one.vm), 'each answered on its vCPU thread');
    // SBI v2.0 PMU firmware events 6 and 7: IPI_SENT by the caller, IPI_RECEIVED by each target.
    for (const hart of [0, 1]) {
      for (const event of [6, 7]) {
        assert.equal(r.vm.sbi.firmwareEvents.total(hart, event), one.vm.sbi.firmwareEvents.total(hart, event), `hart ${hart} event ${event}`);
      }
    }
    // Event 256, SBI calls: hart 0 polls hart_get_status while hart 1 starts, as often as the
    // threads' timing lets it, so the count is the run's own SBI exits, not the one-thread run's.
    const sbiExits = r.vm.stats.report().sbi.reduce((n, row) => n + row.samples, 0);
    assert.equal(r.vm.sbi.firmwareEvents.total(0, 256) + r.vm.sbi.firmwareEvents.total(1, 256), sbiExits, 'every SBI exit is one SBI call event');
  });

  it('uart: the UART console accesses a vCPU thread answers itself are the same bytes and the same MMIO exits as on one thread', async () => {
    // samples/uart: polled transmit (LSR read, THR write per byte, IER 0: answered on the
    // vCPU thread), THRE-interrupt transmit and RX interrupts (the VM's thread); it counts its
    // own register accesses, each one MMIO exit (expected.txt recorded on QEMU).
    const { vm, output, stop } = await (async () => {
      let out = '';
      const { vm } = bootVirt({
        kernel: readFileSync(path.join(ROOT, 'samples/uart/uart.elf')), vcpus: 1, memory: 64 * 1024 * 1024, clock: 'realtime',
        sharedMemory: true, console: (b) => { out += Buffer.from(b).toString('latin1'); },
      });
      const t = new VcpuThreads(vm, 1);
      t.start();
      try {
        const stop = await t.run(performance.now() + 60_000, () => false);
        return { vm, output: out, stop };
      } finally {
        await t.terminate();
      }
    })();
    assert.deepEqual(stop, { kind: 'shutdown', failure: false }, output);
    assert.equal(comparable(output), expected('uart', 'expected.txt'));
    const m = /uart: (\d+) register accesses, (\d+) plic register accesses/.exec(output)!;
    const report = vm.stats.report();
    assert.equal(report.mmio.find((row) => row.key === 'uart0')?.samples, Number(m[1]), 'every UART access is one MMIO exit');
    const thread = threadsReportOf(vm)!.threads[0];
    // The polled line "uart: polled transmit through THR\r\n" alone is 35 LSR reads and 35 THR writes.
    assert.ok(thread.uartHere >= 70, `UART accesses answered on the vCPU thread: ${thread.uartHere}`);
    // Its PLIC accesses are answered on the thread over the shared PLIC state, and counted as the MMIO exits they are.
    assert.equal(report.mmio.find((row) => row.key === 'plic')?.samples, Number(m[2]), 'every PLIC access is one MMIO exit');
    assert.equal(thread.plicHere, Number(m[2]), `PLIC accesses answered on the vCPU thread: ${thread.plicHere}`);
    assert.equal(thread.exitsToVm + thread.uartHere + thread.plicHere + thread.wfi, vm.stats.report().reasons.reduce((n, r) => n + r.samples, 0),
      'each exit was answered once, on the thread or on the VM\'s');
  });

  it('threads started before their VM exists run its vCPUs (their start overlaps building the VM)', async () => {
    prestartVcpuThreads(2);
    assert.equal(spareVcpuThreads(), 2);
    const r = await runOnThreads('samples/atomics/atomics.elf', 2, 2);
    assert.equal(spareVcpuThreads(), 0, 'the VM took both prestarted threads');
    assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
    assert.equal(comparable(r.output), expected('atomics', 'expected-smp2.txt'));
  });

  it('prestarted threads that no VM takes do not keep the process alive', () => {
    const module = path.join(ROOT, 'out', 'hypervisor-core', 'hypervisor', 'threads', 'vcpu-threads.js');
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(module)}).prestartVcpuThreads(2)`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, 'the process ended by itself (not killed by the 30 s guard)');
    assert.equal(r.status, 0, r.stderr);
  });

  it('a paused VM retires no instruction until it resumes, then finishes as QEMU does', async () => {
    let output = '';
    const { vm } = bootVirt({
      kernel: readFileSync(path.join(ROOT, 'samples/atomics/atomics.elf')), vcpus: 2, memory: 64 * 1024 * 1024,
      clock: 'realtime', sharedMemory: true, bootargs: 'work=20', console: (b) => { output += Buffer.from(b).toString(); },
    });
    const t = new VcpuThreads(vm, 2);
    t.start();
    try {
      const running = t.run(performance.now() + 60_000, () => false);
      while (vm.instructions < 1_000_000 && output === '') await new Promise((r) => setTimeout(r, 5));
      await t.pause();
      const before = vm.instructions;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(vm.instructions, before, 'no vCPU thread ran while paused');
      t.resume();
      assert.deepEqual(await running, { kind: 'shutdown', failure: false }, output);
      assert.match(output, /atomics: exact \(expected 40000 each\)/);
      assert.ok(vm.instructions > before);
    } finally {
      await t.terminate();
    }
  });

  it('hyperscope run --threads: one line and status 2 for a count above the vCPUs or with --clock icount', () => {
    const elf = path.join(ROOT, 'samples', 'atomics', 'atomics.elf');
    for (const [args, message] of [
      [['--vcpus', '2', '--threads', '3'], /--threads 3 is more than the 2 vCPU\(s\)/],
      [['--vcpus', '2', '--threads', '2', '--clock', 'icount'], /--threads 2 cannot go with --clock icount/],
      [['--threads', 'x'], /--threads must be a number from 1 to 32/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'run', elf, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('hyperscope run --threads 2 --stats reports each thread: its CPU seconds, slices, instructions, exits sent and waits', () => {
    const elf = path.join(ROOT, 'samples', 'parallel', 'parallel.elf');
    const json = path.join(mkdtempSync(path.join(os.tmpdir(), 'hyperscope-threads-')), 'stats.json');
    const r = spawnSync(process.execPath, [CLI, 'run', elf, '--vcpus', '2', '--threads', '2', '--stats', '--stats-json', json, '--timeout', '60'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /vCPU threads \(CPU seconds per thread from the kernel; load average [\d.]+\)\nthread  vCPUs  CPU s/);
    const report = JSON.parse(readFileSync(json, 'utf8')).threads;
    assert.deepEqual(report.threads.map((t: { vcpus: number[] }) => t.vcpus), [[0], [1]]);
    for (const t of report.threads) {
      assert.ok(t.slices > 0 && t.instructions > 0, JSON.stringify(t));
      assert.ok(t.spinWaits >= 0, `pauses after spinning on a lock: ${JSON.stringify(t)}`);
      if (process.platform === 'linux') assert.ok(t.cpuSeconds > 0, JSON.stringify(t));
    }
    // Hart 0 prints, starts hart 1 and shuts down through the VM's thread; hart 1 only stops itself there.
    assert.ok(report.threads[0].exitsToVm >= 3, JSON.stringify(report.threads[0]));
    assert.equal(report.vmThread.exitsHandled, report.threads[0].exitsToVm + report.threads[1].exitsToVm);
    assert.equal(report.threads[0].instructions + report.threads[1].instructions,
      JSON.parse(readFileSync(json, 'utf8')).instructions, 'the threads retired every instruction of the run');
  });

  it('hyperscope run --vcpus 2 --threads 2 runs the atomics sample to its exact totals', () => {
    const elf = path.join(ROOT, 'samples', 'atomics', 'atomics.elf');
    const r = spawnSync(process.execPath, [CLI, 'run', elf, '--vcpus', '2', '--threads', '2', '--timeout', '60'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(comparable(r.stdout), expected('atomics', 'expected-smp2.txt'));
  });

  describe('Linux (samples/linux) on vCPU threads', function () {
    const image = path.join(ROOT, 'samples', 'linux', 'Image');
    const initrd = path.join(ROOT, 'samples', 'linux', 'initramfs.cpio.gz');
    this.timeout(400_000);
    before(function () {
      if (!existsSync(image) || !existsSync(initrd)) this.skip();
    });

    // One boot per shape checks everything: the CPUs brought up, one cpuinfo entry each, poweroff.
    for (const [vcpus, threads] of [[2, 2], [4, 2], [4, 4]]) {
      it(`${vcpus} vCPUs on ${threads} threads: boots to the busybox prompt, sees ${vcpus} CPUs, and powers off with status 0`, async () => {
        const p = spawn(process.execPath, [CLI, 'run', image, '--initrd', initrd, '--append', 'console=ttyS0',
          '--vcpus', String(vcpus), '--threads', String(threads), '--timeout', '380'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        const commands = ['cat /proc/cpuinfo', 'poweroff'];
        p.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          if (commands.length > 0 && /\/\S* # $/.test(output)) {
            output += '\n';
            p.stdin.write(commands.shift() + '\n');
          }
        });
        p.stderr.on('data', (d: Buffer) => { output += d.toString(); });
        const status = await new Promise<number | null>((r) => p.on('exit', r));
        assert.equal(status, 0, output.slice(-2000));
        assert.match(output, new RegExp(`smp: Brought up 1 node, ${vcpus} CPUs`));
        assert.equal((output.match(/^processor\s*: \d+/gm) ?? []).length, vcpus, 'one /proc/cpuinfo entry per vCPU');
        assert.match(output, /reboot: Power down/);
      });
    }
  });
});
