/**
 * Classic trap-and-emulate (`--cpu-virt trap-emulate`) runs guests unchanged: the ISA tests
 * that run as S-mode guests under the H extension pass, every sample prints what it prints
 * under hardware + two-stage and hardware + shadow (and under QEMU: samples/<name>/expected*.txt),
 * the privilege guest (U, SUM, MXR, traps and interrupts from U- and S-mode; it prints PASS on
 * QEMU 7.2 + OpenSBI) passes under all three, and Linux boots and powers off on 1, 2 and 4 vCPUs.
 * The statistics show the technique: the kernel's CSR accesses, SRETs and SFENCE.VMAs exit as
 * illegal instructions, broken down by instruction and CSR.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRunArgs, UsageError } from '../../hypervisor-core/cli/args';
import { createRequestOf, parseCreateRequest } from '../../hypervisor-core/serve/create-request';
import { GuestDebugger } from '../../hypervisor-core/debug/guest-debugger';
import { LaunchError, resolveLaunch } from '../../debug-adapter/launch-config';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import { Vm } from '../../hypervisor-core/hypervisor/vm';
import { comparable, ROOT, runGuest } from './guest-runner';
import { bootLinuxCli, haveLinuxSample } from './linux-cli-boot';

const TRAP_EMULATE = { cpuVirt: 'trap-emulate' } as const;
/** Exit counts by reason. */
function reasons(report: ExitStatsReport): Record<string, number> {
  return Object.fromEntries(report.reasons.map((row) => [row.key, row.samples]));
}

describe('trap-and-emulate: the ISA tests as S-mode guests without the H extension', function () {
  this.timeout(30_000);
  const dir = path.join(ROOT, 'test', 'isa', 'build', 'guest');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.elf')).sort()) {
    it(f.replace('.elf', ''), () => {
      const r = runGuest(path.join('test', 'isa', 'build', 'guest', f), 1, undefined, TRAP_EMULATE);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.match(r.output, /PASS/);
    });
  }
});

const SAMPLES: [string, number][] = [['hello', 1], ['paging', 1], ['timer', 1], ['uart', 1], ['cvars', 1], ['irqs', 1],
  ['virtio', 1], ['smp', 1], ['smp', 2], ['smp', 4], ['atomics', 4]];

describe('trap-and-emulate runs the samples unchanged (the same console under every technique)', function () {
  this.timeout(120_000);

  for (const [name, vcpus] of SAMPLES) {
    it(`${name} on ${vcpus} vCPU(s): the same console under trap-emulate, hardware + shadow and hardware + two-stage`, () => {
      const elf = `samples/${name}/${name}.elf`;
      const te = runGuest(elf, vcpus, undefined, TRAP_EMULATE);
      const shadow = runGuest(elf, vcpus, undefined, { mmu: 'shadow' });
      const twoStage = runGuest(elf, vcpus);
      assert.deepEqual(te.stop, { kind: 'shutdown', failure: false }, te.output);
      // "instret:" lines count retired instructions, which emulated ones are not.
      assert.equal(comparable(te.output), comparable(twoStage.output));
      assert.equal(comparable(shadow.output), comparable(twoStage.output));
      const report = te.vm.stats.report();
      assert.equal(report.cpuVirtMode, 'trap-emulate');
      assert.equal(report.mmuMode, 'shadow');
    });
  }

  it('paging: the kernel\'s sensitive instructions exit as illegal instructions, counted by instruction and CSR; SBI calls and injected page faults as under the H extension', () => {
    const te = runGuest('samples/paging/paging.elf', 1, undefined, TRAP_EMULATE).vm.stats.report();
    const hw = runGuest('samples/paging/paging.elf', 1, undefined, { mmu: 'shadow' }).vm.stats.report();
    const m = te.memVirt!;
    const emulated = Object.fromEntries(m.emulated.map((row) => [row.key, row.samples]));
    // The guest's trap handler (samples/common/trap.S) reads scause, sepc, stval and returns with sret;
    // it enters U-mode with sret and switches on paging with csrw satp.
    for (const key of ['csrrs scause', 'csrrs sepc', 'csrrs stval', 'sret', 'csrrw satp']) assert.ok(emulated[key] > 0, `${key}: ${JSON.stringify(m.emulated)}`);
    const total = m.emulated.reduce((n, row) => n + row.samples, 0);
    assert.equal(reasons(te)['illegal-instruction'], total, 'every illegal-instruction exit of this guest is an emulated instruction');
    assert.equal(reasons(te).sbi, reasons(hw).sbi, 'the same SBI calls');
    // The 11 page faults the guest counts itself (expected.txt, recorded on QEMU) are injected.
    assert.equal(m.injectedFaults, 11);
    assert.equal(hw.memVirt!.injectedFaults, 11);
  });
});

describe('the privilege guest (U, SUM, MXR, traps and interrupts from U- and S-mode) under every technique', function () {
  this.timeout(30_000);
  const GUEST = 'test/guests/reproducers/build/privilege.elf';
  // It prints "privilege: PASS" on QEMU 7.2 + OpenSBI 1.1 (make -C test/guests/reproducers qemu).
  for (const [name, board] of [['hardware + two-stage', {}], ['hardware + shadow', { mmu: 'shadow' }], ['trap-emulate', TRAP_EMULATE]] as const) {
    it(`passes under ${name}`, () => {
      const r = runGuest(GUEST, 1, 100_000_000, board);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.match(r.output, /privilege: PASS/);
    });
  }

  it('under trap-emulate the user program\'s ecall, page faults and illegal instructions reach its kernel as traps delivered in software', () => {
    const r = runGuest(GUEST, 1, 100_000_000, TRAP_EMULATE);
    const report = r.vm.stats.report();
    // From src/privilege.S: 3 ecalls from U-mode (cases 6, 8, 9) reach the kernel as cause 8;
    // 8 page faults are the guest's own (cases 1, 3, 4, 5 twice, 7 twice, 8), injected by the
    // shadow MMU after its walk of the guest's tables.
    assert.equal(reasons(report)['fault-redirect'], 3, JSON.stringify(report.reasons));
    assert.equal(report.memVirt!.injectedFaults, 8, JSON.stringify(report.memVirt));
  });
});

describe('emulated instructions retire (instret, minstret and the icount clock count them)', function () {
  this.timeout(30_000);
  const GUEST = 'test/guests/reproducers/build/instret.elf';

  // src/instret.S reads instret across 16 instructions (CSR accesses, SFENCE.VMA, SRET among
  // them): 17 on QEMU 7.2 + OpenSBI with -icount shift=0, which it checks itself.
  for (const [name, board] of [['hardware + two-stage', {}], ['hardware + shadow', { mmu: 'shadow' }], ['trap-emulate', TRAP_EMULATE]] as const) {
    it(`the guest's rdinstret reads what QEMU's does under ${name}`, () => {
      const r = runGuest(GUEST, 1, 10_000_000, board);
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.match(r.output, /instret: PASS/);
    });
  }

  for (const [name, board] of [['hardware + two-stage', {}], ['hardware + shadow', { mmu: 'shadow' }], ['trap-emulate', TRAP_EMULATE]] as const) {
    it(`a WFI (a VM exit under every technique) retires: an instruction step over it counts one, under ${name}`, async () => {
      const d = GuestDebugger.launch(resolveLaunch({ program: GUEST, cwd: ROOT, clock: 'icount', ...board }));
      d.setFunctionBreakpoints([{ name: 'instret_wfi' }]);
      await d.continue();
      assert.equal(d.lastStop?.reason, 'function breakpoint');
      const h = d.hart(0);
      const [pc, n] = [h.pcLo, h.instret];
      await d.stepInstruction(0);
      assert.equal(h.pcLo, pc + 4, 'past the WFI (a timer interrupt is pending and enabled in sie)');
      assert.equal(h.instret, n + 1, 'the privileged spec\'s WFI raises no exception: it retires');
      d.terminate();
    });
  }

  it('the whole run retires as many instructions under every technique, and the icount clock counts each', () => {
    const runs = [{}, { mmu: 'shadow' as const }, TRAP_EMULATE].map((board) => runGuest(GUEST, 1, 10_000_000, board).vm);
    assert.equal(runs[1].instructions, runs[0].instructions, 'shadow paging (its satp write and SFENCE.VMA are emulated)');
    assert.equal(runs[2].instructions, runs[0].instructions, 'trap-and-emulate');
    for (const vm of runs) assert.equal(vm.clock.save().instructions, vm.instructions);
  });
});

describe('trap-and-emulate: what it cannot go with is refused in one line', () => {
  const refused = (args: string[], message: RegExp) => assert.throws(() => parseRunArgs(['k.elf', ...args]), (e: unknown) => e instanceof UsageError && message.test(e.message));

  it('--cpu-virt takes hardware or trap-emulate', () => {
    refused(['--cpu-virt', 'binary-translation'], /--cpu-virt must be hardware .* or trap-emulate .*, not 'binary-translation'/);
    assert.equal(parseRunArgs(['k.elf']).cpuVirt, 'hardware');
    const o = parseRunArgs(['k.elf', '--cpu-virt', 'trap-emulate', '--vcpus', '4']);
    assert.equal(o.cpuVirt, 'trap-emulate');
    assert.equal(o.mmu, 'shadow', 'memory always goes through shadow tables');
    assert.equal(o.threads, 1, 'the vCPUs take turns on one thread');
  });

  it('refuses --mmu two-stage, --bios none, --aia and --threads above 1', () => {
    refused(['--cpu-virt', 'trap-emulate', '--mmu', 'two-stage'], /cannot go with --mmu two-stage/);
    refused(['--cpu-virt', 'trap-emulate', '--bios', 'none'], /cannot go with --bios none/);
    refused(['--cpu-virt', 'trap-emulate', '--aia'], /cannot go with --aia/);
    refused(['--cpu-virt', 'trap-emulate', '--vcpus', '2', '--threads', '2'], /--threads 2 cannot go with --cpu-virt trap-emulate/);
    assert.throws(() => parseRunArgs(['--restore', 'x.snap', '--cpu-virt', 'trap-emulate']), /--cpu-virt comes from the snapshot/);
  });

  it('a VM of the daemon (vm create ... --cpu-virt trap-emulate) gets it, and --mmu, through the create request', () => {
    const body = createRequestOf('te', parseRunArgs(['/k.elf', '--cpu-virt', 'trap-emulate', '--vcpus', '2']));
    const o = parseCreateRequest(JSON.parse(JSON.stringify(body))).options;
    assert.equal(o.cpuVirt, 'trap-emulate');
    assert.equal(o.mmu, 'shadow');
    assert.equal(parseCreateRequest(createRequestOf('s', parseRunArgs(['/k.elf', '--mmu', 'shadow']))).options.mmu, 'shadow');
    assert.throws(() => parseCreateRequest({ name: 'x', kernel: '/k.elf', cpuVirt: 'binary-translation' }), /--cpu-virt must be hardware/);
  });

  it('a VM refuses the same combinations', () => {
    const base = { vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount' as const, console: () => undefined, cpuVirt: 'trap-emulate' as const };
    assert.throws(() => new Vm({ ...base, mmu: 'two-stage' }), /no G-stage/);
    assert.throws(() => new Vm({ ...base, aia: true }), /not bios none or AIA/);
    assert.throws(() => new Vm({ ...base, sharedMemory: true }), /one thread/);
  });
});

describe('trap-and-emulate in the debugger (launch attribute "cpuVirt")', function () {
  this.timeout(30_000);

  it('"cpuVirt": "trap-emulate" runs the guest so; a function breakpoint stops in its kernel with its call stack', async () => {
    const d = GuestDebugger.launch(resolveLaunch({ program: 'samples/paging/paging.elf', cwd: ROOT, clock: 'icount', cpuVirt: 'trap-emulate' }));
    d.setFunctionBreakpoints([{ name: 'map_user_page' }]);
    await d.continue();
    assert.equal(d.lastStop?.reason, 'function breakpoint', d.lastStop?.description);
    // samples/paging/paging.c: the kernel maps the task's entry page before entering U-mode...
    assert.deepEqual(d.stackTrace(0).slice(0, 2).map((f) => f.name), ['map_user_page', 'start_user_task']);
    // ...and then the pages the task faults on, from its trap handler (trap_handler inlines handle_page_fault).
    await d.continue();
    assert.deepEqual(d.stackTrace(0).slice(0, 3).map((f) => f.name), ['map_user_page', 'handle_page_fault', 'trap_entry']);
    assert.equal(d.statsReport().cpuVirtMode, 'trap-emulate');
    assert.equal(d.statsReport().mmuMode, 'shadow');
  });

  it('Save VM Snapshot at a breakpoint writes a file that `run --restore` continues (the guest\'s privilege and virtual CSRs in it)', async () => {
    let before = '';
    const d = GuestDebugger.launch(resolveLaunch({ program: 'samples/paging/paging.elf', cwd: ROOT, clock: 'icount', cpuVirt: 'trap-emulate' }));
    d.on('output', (t: string) => { before += t; });
    d.setFunctionBreakpoints([{ name: 'map_user_page' }]);
    await d.continue();
    await d.continue(); // the task's first page fault: its kernel handles it, the task in (virtual) U-mode
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hs-trapemu-')), 'vm.snap');
    assert.ok(d.saveSnapshot(file).bytes > 0);
    d.terminate();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hyperscope.js'), 'run', '--restore', file], { encoding: 'utf8', timeout: 30_000, input: '' });
    assert.equal(r.status, 0, r.stderr);
    // samples/paging/expected.txt is QEMU's console of the whole run.
    assert.equal(before + r.stdout, readFileSync(path.join(ROOT, 'samples/paging/expected.txt'), 'utf8'));
  });

  it('refuses anything but "hardware" and "trap-emulate", and what trap-emulate cannot go with', () => {
    const launch = (extra: Record<string, unknown>) => resolveLaunch({ program: 'samples/hello/hello.elf', cwd: ROOT, ...extra });
    assert.equal(launch({}).cpuVirt, 'hardware');
    assert.throws(() => launch({ cpuVirt: 'paravirt' }), (e: Error) => e instanceof LaunchError && e.message === 'cpuVirt must be "hardware" or "trap-emulate", not "paravirt"');
    assert.throws(() => launch({ cpuVirt: 'trap-emulate', mmu: 'two-stage' }), /cannot go with mmu "two-stage"/);
    assert.throws(() => launch({ cpuVirt: 'trap-emulate', bios: 'none' }), /cannot go with bios "none"/);
    // The virtual CSR file lives on the VM's thread: the vCPUs take turns there.
    assert.equal(launch({ cpuVirt: 'trap-emulate', vcpus: 4 }).threads, 1);
    const notes: string[] = [];
    assert.equal(resolveLaunch({ program: 'samples/hello/hello.elf', cwd: ROOT, cpuVirt: 'trap-emulate', vcpus: 4, threads: 4 }, (l) => notes.push(l)).threads, 1);
    assert.match(notes.join(''), /cpuVirt "trap-emulate" runs on one thread/);
  });
});

describe('Linux guest under trap-and-emulate (samples/linux)', function () {
  this.timeout(550_000);
  before(function () {
    if (!haveLinuxSample()) this.skip();
  });

  for (const vcpus of [1, 2, 4]) {
    it(`boots to a busybox shell on ${vcpus} vCPU(s) with --cpu-virt trap-emulate, runs commands, powers off with status 0`, async () => {
      const r = await bootLinuxCli(['--vcpus', String(vcpus), '--cpu-virt', 'trap-emulate'], ['uname -a', 'cat /proc/cpuinfo', 'poweroff'], 500_000);
      assert.equal(r.status, 0, r.output.slice(-2000));
      assert.match(r.output, /Linux hyperscope 6\.1\.\S+ #1 SMP .* riscv64 GNU\/Linux/);
      assert.equal((r.output.match(/^processor\s*: \d+/gm) ?? []).length, vcpus, 'one /proc/cpuinfo entry per vCPU');
      assert.match(r.output, /reboot: Power down/);
      assert.equal(comparable(r.output).includes('Oops'), false);
      assert.equal(r.stats.cpuVirtMode, 'trap-emulate');
      const emulated = Object.fromEntries(r.stats.memVirt!.emulated.map((row) => [row.key, row.samples]));
      // Linux's trap entry and exit (arch/riscv/kernel/entry.S) and its interrupt masking.
      for (const key of ['csrrw sscratch', 'csrrs scause', 'sret', 'csrrci sstatus', 'csrrw satp']) assert.ok(emulated[key] > 0, key);
      assert.equal(r.stats.memVirt!.poolResets, 0, 'the shadow pool holds a Linux boot');
    });
  }
});
