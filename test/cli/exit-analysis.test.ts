/**
 * Exit analysis from the command line: the counts under RISC-V KVM's vCPU statistics names
 * (`--stats=kvm`, `--stats-json`'s `kvm`) and the guest code behind each exit reason
 * (`--stats-json`'s `attribution`). Runs bin/hyperscope.js on the samples with the icount
 * clock, so counts are exact.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');

function hyperscope(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Row = { key: string; samples: number };
type Kvm = Record<string, number>;
type Site = { pc: string; count: number; function?: string; symbol?: string; file?: string; line?: number };
type Attribution = { reason: string; samples: number; other: number; sites: Site[] };
interface Report { attribution: Attribution[]; totalExits: number; reasons: Row[]; sbi: Row[]; mmio: Row[]; virtio: Row[]; kvm: { total: Kvm; perVcpu: Kvm[] } }

const samples = (rows: Row[], key: string) => rows.find((r) => r.key === key)?.samples ?? 0;

describe('hyperscope run: KVM statistics names', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-exitan-'));

  it('--stats-json has a kvm object whose counters match the exits the sample makes', () => {
    const json = path.join(tmp, 'uart.json');
    const r = hyperscope('run', 'samples/uart/uart.elf', '--clock', 'icount', '--stats-json', json);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const kvm = report.kvm.total;
    assert.equal(kvm.exits, report.totalExits, 'KVM counts every return from the guest');
    // uart.c counts its own register accesses (README: 320 UART + 130 PLIC); all are emulated
    // in user space by QEMU on a KVM host.
    assert.equal(kvm.mmio_exit_user, 450);
    assert.equal(kvm.mmio_exit_kernel, 0);
    assert.equal(kvm.wfi_exit_stat, samples(report.reasons, 'wfi'));
    // Only console calls leave KVM for user space (vcpu_sbi_v01.c, vcpu_sbi_replace.c).
    const consoleCalls = report.sbi.filter((x) => /^(DBCN\.console_|legacy\.console_)/.test(x.key)).reduce((s, x) => s + x.samples, 0);
    assert.equal(kvm.ecall_exit_stat, consoleCalls);
    assert.ok(kvm.ecall_exit_stat < samples(report.reasons, 'sbi'), 'TIME and SRST stay in the kernel');
    assert.equal(report.kvm.perVcpu.length, 1);
    assert.equal(report.kvm.perVcpu[0].exits, kvm.exits);
  });

  it('virtio queue notifications count as mmio_exit_kernel (QEMU ioeventfd), the other registers as mmio_exit_user', () => {
    const disk = path.join(tmp, 'disk.img');
    copyFileSync(path.join(ROOT, 'samples/virtio/disk.img'), disk);
    const json = path.join(tmp, 'virtio.json');
    const r = hyperscope('run', 'samples/virtio/virtio.elf', '--clock', 'icount', '--disk', disk, '--rng', '--stats-json', json);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    // virtio.c: five block requests (read, write, flush, read back, read past the end) and one
    // entropy request, each one QueueNotify write.
    assert.equal(report.kvm.total.mmio_exit_kernel, 6);
    assert.equal(report.virtio.reduce((s, x) => s + x.samples, 0), 6);
    assert.equal(report.kvm.total.mmio_exit_kernel + report.kvm.total.mmio_exit_user, samples(report.reasons, 'mmio'));
  });

  it('--stats=kvm prints the KVM block instead of the perf table; --stats=all prints both', () => {
    const kvm = hyperscope('run', 'samples/hello/hello.elf', '--clock', 'icount', '--stats=kvm');
    assert.equal(kvm.status, 0, kvm.stderr);
    assert.doesNotMatch(kvm.stderr, /VM-EXIT/);
    assert.match(kvm.stderr, /KVM vCPU statistics \(arch\/riscv\/kvm names\)/);
    // hello.c writes its 9 lines through DBCN console_write: 9 forwards to user space under KVM.
    assert.match(kvm.stderr, /^ecall_exit_stat\s+9$/m);
    const all = hyperscope('run', 'samples/hello/hello.elf', '--clock', 'icount', '--stats=all');
    assert.match(all.stderr, /VM-EXIT/);
    assert.match(all.stderr, /@exit_ns\[sbi\]:/);
    assert.match(all.stderr, /^ecall_exit_stat\s+9$/m);
  });

  it('--stats= with an unknown view is a usage error (one line, status 2)', () => {
    const r = hyperscope('run', 'samples/hello/hello.elf', '--stats=vmstat');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "hyperscope: --stats= takes perf, kvm or all, not 'vmstat'\n");
  });
});

describe('hyperscope run: the guest code behind each exit reason', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-attr-'));

  function attribution(elf: string): Report {
    const json = path.join(tmp, path.basename(elf) + '.json');
    const r = hyperscope('run', elf, '--clock', 'icount', '--stats-json', json);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(json, 'utf8')) as Report;
  }

  it('names the uart driver functions that make the MMIO exits and the SBI wrapper that makes the SBI calls', () => {
    const report = attribution('samples/uart/uart.elf');
    const mmio = report.attribution.find((a) => a.reason === 'mmio')!;
    assert.equal(mmio.samples, samples(report.reasons, 'mmio'));
    // The register accessors of samples/uart (ns16550a.c uart_read/uart_write, plic.c
    // plic_read/plic_write: the only code touching device registers), inlined or not.
    for (const site of mmio.sites) {
      assert.ok(['uart_read', 'uart_write', 'plic_read', 'plic_write'].includes(site.function!), JSON.stringify(site));
      assert.match(site.file!, /^samples\/uart\/(ns16550a|plic)\.c$/);
      assert.ok(site.line! > 0);
      assert.match(site.pc, /^0x8020[0-9a-f]{4}$/);
    }
    assert.deepEqual(new Set(mmio.sites.map((s) => s.function)), new Set(['uart_read', 'uart_write', 'plic_read', 'plic_write']));
    assert.ok(mmio.sites.reduce((n, s) => n + s.count, 0) + mmio.other <= mmio.samples);
    // Every ecall is the one in sbi_ecall (samples/common/sbi.c), inlined into the wrappers uart.c
    // and the console call: set_timer, probe_extension, debug_console_write, system_reset.
    const sbi = report.attribution.find((a) => a.reason === 'sbi')!;
    assert.equal(sbi.sites.reduce((n, s) => n + s.count, 0), sbi.samples);
    for (const site of sbi.sites) {
      assert.equal(site.function, 'sbi_ecall');
      assert.equal(site.file, 'samples/common/sbi.c');
    }
    assert.deepEqual(sbi.sites.map((s) => s.symbol!.replace(/\+0x[0-9a-f]+$/, '')).sort(),
      ['sbi_debug_console_write', 'sbi_probe_extension', 'sbi_set_timer', 'sbi_system_reset']);
  });

  it('names the console writer behind hello\'s DBCN calls', () => {
    const report = attribution('samples/hello/hello.elf');
    const sbi = report.attribution.find((a) => a.reason === 'sbi')!;
    const write = sbi.sites.find((s) => s.symbol?.startsWith('sbi_debug_console_write+'));
    assert.equal(write?.count, 9, 'hello.c writes 9 lines through DBCN console_write');
  });
});
