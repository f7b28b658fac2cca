/**
 * Exit analysis from the command line: the counts under RISC-V KVM's vCPU statistics names
 * (`--stats=kvm`, `--stats-json`'s `kvm`) and the guest code behind each exit reason
 * (`--stats-json`'s `attribution`). Runs bin/hyperscope.js on the samples with the icount
 * clock, so counts are exact.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { parseRunArgs, UsageError } from '../../hypervisor-core/cli/args';
import { parseReportArgs } from '../../hypervisor-core/cli/report-command';

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
    assert.equal(r.stderr, "hyperscope: --stats= takes perf, kvm, sites or all, not 'vmstat'\n");
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

  it('--stats=sites prints the guest code behind each reason', () => {
    const r = hyperscope('run', 'samples/uart/uart.elf', '--clock', 'icount', '--stats=sites');
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /VM-EXIT/);
    assert.match(r.stderr, /^Guest code behind the exits/m);
    assert.match(r.stderr, /^mmio \(450 exits\):\n\s+\d+  0x8020[0-9a-f]+  uart_(read|write)  \(uart_\w+\+0x[0-9a-f]+\)  samples\/uart\/ns16550a\.c:\d+$/m);
    assert.match(r.stderr, /^sbi \(9 exits\):\n(\s+\d+  0x8020[0-9a-f]+  sbi_ecall  \(sbi_\w+\+0x[0-9a-f]+\)  samples\/common\/sbi\.c:21\n)+/m);
  });

  it('names the console writer behind hello\'s DBCN calls', () => {
    const report = attribution('samples/hello/hello.elf');
    const sbi = report.attribution.find((a) => a.reason === 'sbi')!;
    const write = sbi.sites.find((s) => s.symbol?.startsWith('sbi_debug_console_write+'));
    assert.equal(write?.count, 9, 'hello.c writes 9 lines through DBCN console_write');
  });
});

describe('hyperscope run --trace and hyperscope report', function () {
  this.timeout(60_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-trace-'));
  const traceOf = (name: string) => path.join(tmp, name);

  it('report reproduces the live perf table from the trace (icount, smp on 4 vCPUs)', () => {
    const trace = traceOf('smp.json'), json = traceOf('smp-stats.json');
    const run = hyperscope('run', 'samples/smp/smp.elf', '--vcpus', '4', '--clock', 'icount', '--stats', '--stats-json', json, '--trace', trace);
    assert.equal(run.status, 0, run.stderr);
    const live = /Analyze events[\s\S]*?\(clock: icount\)\.\n/.exec(run.stderr)![0];
    const r = hyperscope('report', trace);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, live);
    // One track per vCPU, and as many exit events as the live count.
    const doc = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string; name: string; tid: number; cat?: string }[] };
    const tracks = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid);
    assert.deepEqual(tracks, [0, 1, 2, 3]);
    const stats = JSON.parse(readFileSync(json, 'utf8')) as Report;
    assert.equal(doc.traceEvents.filter((e) => e.cat === 'exit').length, stats.totalExits);
    for (const v of [0, 1, 2, 3]) assert.ok(doc.traceEvents.some((e) => e.cat === 'guest' && e.tid === v), `vCPU ${v} ran`);
    // A --stats-json report reads the same; a trace and a report of one run differ in nothing.
    assert.equal(hyperscope('report', json).stdout, live);
    const same = hyperscope('report', json, trace).stdout;
    assert.match(same, /^\s+sbi\s+(\d+)\s+\1\s+\+0\.00%\s/m);
    // Per vCPU, as perf kvm stat report --vcpu.
    const v2 = hyperscope('report', trace, '--vcpu', '2');
    assert.match(v2.stdout, /^Analyze events for all VMs, VCPU 2:/);
  });

  it('--key sorts by average, max or min time instead of samples', () => {
    const trace = traceOf('uart.json');
    assert.equal(hyperscope('run', 'samples/uart/uart.elf', '--clock', 'icount', '--trace', trace).status, 0);
    const rows = (text: string) => [...text.split(/\n\s*SBI-CALL/)[0].matchAll(/^\s+([a-z-]+)\s+(\d+)\s+[\d.]+%\s+[\d.]+%\s+([\d.]+)us\s+([\d.]+)us\s+([\d.]+)us/gm)]
      .map((m) => ({ key: m[1], samples: Number(m[2]), min: Number(m[3]), max: Number(m[4]), mean: Number(m[5]) }));
    const bySample = rows(hyperscope('report', trace).stdout);
    assert.ok(bySample.length >= 3);
    const samplesDesc = bySample.map((g) => g.samples);
    assert.deepEqual(samplesDesc, [...samplesDesc].sort((x, y) => y - x), 'by samples by default');
    for (const [key, field] of [['time', 'mean'], ['max', 'max'], ['min', 'min']] as const) {
      const got = rows(hyperscope('report', trace, '--key', key).stdout);
      const values = got.map((g) => g[field]);
      assert.deepEqual(values, [...values].sort((x, y) => y - x), `--key ${key}`);
      assert.equal(got.length, bySample.length);
    }
  });

  it('report A B sets two runs side by side with the changes', () => {
    const a = traceOf('hello.json'), b = traceOf('uart-b.json');
    assert.equal(hyperscope('run', 'samples/hello/hello.elf', '--clock', 'icount', '--trace', a).status, 0);
    assert.equal(hyperscope('run', 'samples/uart/uart.elf', '--clock', 'icount', '--trace', b).status, 0);
    const r = hyperscope('report', a, b);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^A: .*hello\.json\nB: .*uart-b\.json\n/);
    assert.match(r.stdout, /VM-EXIT\s+Samples A\s+Samples B\s+Delta\s+Avg time A\s+Avg time B\s+Delta/);
    // hello makes no MMIO exit, uart 450; hello 24 SBI calls, uart 9 (both counted by the samples' sources).
    assert.match(r.stdout, /^\s+mmio\s+-\s+450\s+new\s+-\s+[\d.]+us$/m);
    assert.match(r.stdout, /^\s+sbi\s+24\s+9\s+-62\.50%\s/m);
    assert.match(r.stdout, /^Total exits: A \d+, B \d+/m);
  });

  it('--trace-size bounds the trace; the report says what was dropped; --trace-ring keeps the end', () => {
    const first = traceOf('first.json'), ring = traceOf('ring.json');
    const r1 = hyperscope('run', 'samples/uart/uart.elf', '--clock', 'icount', '--trace', first, '--trace-size', '100');
    assert.equal(r1.status, 0);
    assert.match(r1.stderr, /the trace kept 100 of \d+ events \(--trace-size\)\n/);
    const doc = JSON.parse(readFileSync(first, 'utf8')) as { traceEvents: { ph: string }[]; otherData: { events: number; dropped: number } };
    assert.equal(doc.otherData.events, 100);
    assert.equal(doc.traceEvents.filter((e) => e.ph !== 'M').length, 100);
    const rep = hyperscope('report', first);
    assert.equal(rep.status, 0);
    assert.match(rep.stderr, /events were not recorded \(--trace-size: the newest\); the table covers the rest\n$/);
    assert.equal(hyperscope('run', 'samples/uart/uart.elf', '--clock', 'icount', '--trace', ring, '--trace-size', '100', '--trace-ring').status, 0);
    const last = JSON.parse(readFileSync(ring, 'utf8')) as { traceEvents: { name: string; args?: { call?: string } }[]; otherData: { ring: boolean } };
    assert.equal(last.otherData.ring, true);
    // uart.c ends with the SRST shutdown: the ring kept it.
    assert.ok(last.traceEvents.some((e) => e.args?.call === 'SRST.system_reset'));
  });

  it('bad input: one line and status 2', () => {
    const bad = (r: { status: number | null; stderr: string }, line: RegExp) => {
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, line);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    };
    bad(hyperscope('report', traceOf('missing.json')), /^hyperscope: cannot read '.*missing\.json': no such file\n$/);
    const malformed = traceOf('malformed.json');
    writeFileSync(malformed, '{"traceEvents": [');
    bad(hyperscope('report', malformed), /^hyperscope: .*malformed\.json: not JSON/);
    writeFileSync(malformed, '{"traceEvents": []}');
    bad(hyperscope('report', malformed), /not a hyperscope trace/);
    bad(hyperscope('report', 'x.json', '--key', 'speed'), /^hyperscope: --key must be one of sample, time, max, min, mean, not 'speed'\n$/);
    bad(hyperscope('run', 'samples/hello/hello.elf', '--trace', path.join(tmp, 'no', 'dir.json')), /^hyperscope: cannot write --trace '.*': no such directory\n$/);
  });

  it('parses report and trace options; refuses bad ones with one line', () => {
    assert.deepEqual(parseReportArgs(['t.json']), { files: ['t.json'], key: 'sample', vcpu: undefined });
    assert.deepEqual(parseReportArgs(['--key=max', 't.json', '--vcpu', '1']), { files: ['t.json'], key: 'max', vcpu: 1 });
    assert.deepEqual(parseReportArgs(['a', 'b']).files, ['a', 'b']);
    const refused = (f: () => unknown, why: RegExp) => assert.throws(f, (e: Error) => e instanceof UsageError && why.test(e.message));
    refused(() => parseReportArgs([]), /^missing trace file/);
    refused(() => parseReportArgs(['a', 'b', 'c']), /at most two files/);
    refused(() => parseReportArgs(['a', 'b', '--vcpu', '0']), /--vcpu shows one trace/);
    refused(() => parseReportArgs(['a', '--vcpu', 'x']), /--vcpu must be a vCPU number/);
    refused(() => parseReportArgs(['a', '--sort']), /unknown option '--sort'/);
    const run = parseRunArgs(['k.elf', '--trace', 't.json', '--trace-size', '5000', '--trace-ring']);
    assert.deepEqual([run.trace, run.traceSize, run.traceRing], ['t.json', 5000, true]);
    refused(() => parseRunArgs(['k.elf', '--trace', 't', '--gdb', '1234']), /--trace records a run of the hypervisor, not one under --gdb/);
    refused(() => parseRunArgs(['k.elf', '--trace-ring']), /--trace-size and --trace-ring go with --trace FILE/);
    refused(() => parseRunArgs(['k.elf', '--trace', 't', '--trace-size', '0']), /--trace-size must be a number of events from 1 to 10000000, not '0'/);
  });
});
