/**
 * `hyperscope run`: boots a guest on the hypervisor (or, with --bare, on the hart alone),
 * streams its console, and maps how it ended to the exit status.
 */
import { formatInterruptLine } from '../hypervisor/stats/interrupt-report';
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { BootOptions, bootVirt } from '../machine/virt-board';
import type { ConsoleSink } from '../devices/console-sink';
import { balloonStats } from '../hypervisor/balloon-stats';
import { BareMachine } from '../machine/bare-machine';
import { KernelFormatError } from '../machine/loaders/kernel';
import { GuestFileError, guestRamLimit, readGuestFile, readKernelFile } from '../machine/loaders/read-guest-file';
import { BlockImageError, FileBackend } from '../devices/virtio/block/backend';
import { Vm } from '../hypervisor/vm';
import { FinalStop, runUntilStop } from '../hypervisor/runner';
import { prestartVcpuThreads, threadsReportOf } from '../hypervisor/threads/vcpu-threads';
import { formatThreadsReport } from '../hypervisor/threads/thread-stats';
import { formatExitTable, formatTechniques } from '../hypervisor/stats/perf-table';
import { formatHistograms } from '../hypervisor/stats/hist-text';
import { formatKvmStats } from '../hypervisor/stats/kvm-stats';
import { formatAttribution } from '../hypervisor/stats/attribution-text';
import type { ExitStatsReport } from '../hypervisor/stats/report';
import { isElf, parseElf } from '../machine/loaders/elf';
import { DebugSymbols } from '../debug/debug-symbols';
import { DEFAULT_TRACE_EVENTS, Timeline } from '../hypervisor/trace/timeline';
import { writeTrace } from '../hypervisor/trace/trace-events';
import { kernelSiteNamer } from '../debug/exit-site-names';
import { RunOptions, threadsForSnapshot, UsageError } from './args';
import { useJitBackend } from '../hart/jit/block-cache';
import { useRegionProfile } from '../host/region-profile';
import { warmUpInterpreter } from '../hart/warm-up';
import { openNetwork, type RunNetwork } from './net-args';
import { formatNetworkReport, networkReport } from '../hypervisor/stats/network-report';
import { attachStdin, StdoutSink } from './console-io';
import { runWithGdb } from './gdb-command';
import { diskRecord, restoreVirt, snapshotVirt, SnapshotMismatchError, type BoardRecord } from '../machine/virt-snapshot';
import { SnapshotFileError } from '../state/snapshot-file';
import { StateError } from '../state/persist';
import { runIncoming } from './incoming-command';

/** Exit statuses of the command (SIGPIPE: stdout's reader went away, 128 + 13 as a shell reports). */
export const ExitStatus = {
  OK: 0, GUEST_FAILURE: 1, USAGE: 2, VM_ERROR: 3,
  /** --restore: not a snapshot file, another format version, truncated or corrupt. */
  BAD_SNAPSHOT: 4,
  /** --restore: a disk image changed since the snapshot (without --force). */
  SNAPSHOT_MISMATCH: 5,
  /** --incoming: the migration broke or was refused before the VM ran here. */
  INCOMING_FAILED: 6,
  TIMEOUT: 124, SIGPIPE: 141,
} as const;

/** Runs a file read; an unusable file is a usage error (one line, status 2). */
function readInput(read: () => Uint8Array): Uint8Array {
  try {
    return read();
  } catch (e) {
    if (e instanceof GuestFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** Runs the command; resolves to the process exit status. */
export async function runCommand(o: RunOptions): Promise<number> {
  if (o.jitBackend !== undefined) useJitBackend(o.jitBackend);
  // The interpreter's warm-up before anything else, and the compile of the optimised
  // interpreter started: V8 compiles it on its own thread while the files are read and the
  // machine is built. With --threads the vCPU threads warm up their own interpreters.
  if (o.threads <= 1) warmUpInterpreter({ optimise: true });
  if (o.restore !== undefined) return runRestored(o, o.restore);
  if (o.incoming !== undefined) return runIncoming(o, o.incoming);
  // The vCPU threads start while the kernel is read and the VM built.
  if (o.threads > 1 && !o.bare) prestartVcpuThreads(o.threads);
  const kernel = readInput(() => readKernelFile(o.kernel, o.memory));
  if (o.bare) return runBare(kernel, o);
  const initrd = o.initrd !== undefined ? readInput(() => readGuestFile(o.initrd!, 'initrd', guestRamLimit(o.memory))) : undefined;
  const disks = openDisks(o);
  let statsFd: number | undefined;
  let traceFd: number | undefined;
  try {
    statsFd = o.statsJson !== undefined ? openOutputFile(o.statsJson, '--stats-json') : undefined;
    traceFd = o.trace !== undefined ? openOutputFile(o.trace, '--trace') : undefined;
    if (o.gdb !== undefined) {
      const r = await runWithGdb(o, kernel, initrd, disks);
      reportEnd(o, r.vm, kernel, statsFd);
      return r.status;
    }
    // The regions an earlier run of this kernel compiled compile at their first look; this
    // run's are kept for the next (host/region-profile.ts). vCPU threads compile on their own.
    const profile = o.jit && o.threads <= 1 ? useRegionProfile(o.kernel, o.vcpus) : null;
    const status = await runVirt(o, kernel, initrd, disks, statsFd, traceFd);
    profile?.save();
    return status;
  } finally {
    for (const d of disks) d.close();
    if (statsFd !== undefined) closeSync(statsFd);
    if (traceFd !== undefined) closeSync(traceFd);
  }
}

/**
 * The board that run options describe: one place for `hyperscope run` and the VMs of
 * `hyperscope serve`, so both build the same machine from the same options.
 */
export function virtBootOptions(o: RunOptions, kernel: Uint8Array, initrd: Uint8Array | undefined, disks: FileBackend[],
  console: ConsoleSink): BootOptions {
  return {
    kernel, initrd, bootargs: o.append, vcpus: o.vcpus, memory: o.memory, clock: o.clock, svadu: o.svadu, jit: o.jit,
    bios: o.bios, aia: o.aia, mmu: o.mmu, cpuVirt: o.cpuVirt, sharedMemory: o.threads > 1,
    idleSleep: true, // an idle guest waits in host time, costing no CPU
    console: (b) => console.write(b), consoleSink: console,
    disks, virtioConsole: o.virtioConsole, rng: o.rng,
    balloon: o.balloon ? { target: o.balloonTarget } : undefined,
    rawKernel: true, // as QEMU's -kernel: neither ELF nor Image runs as a raw binary
  };
}

/** Reads the kernel and initrd of run options; an unusable file is a UsageError (one line). */
export function readRunFiles(o: RunOptions): { kernel: Uint8Array; initrd?: Uint8Array } {
  const kernel = readInput(() => readKernelFile(o.kernel, o.memory));
  const initrd = o.initrd !== undefined ? readInput(() => readGuestFile(o.initrd!, 'initrd', guestRamLimit(o.memory))) : undefined;
  return { kernel, initrd };
}

/** Opens an output file before the guest runs, so a bad path costs one line, not the run. */
export function openOutputFile(path: string, option: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? (e as Error).message;
    throw new UsageError(`cannot write ${option} '${path}': ${why}`);
  }
}

/** Opens the --disk files; an unusable image is a usage error (one line). */
export function openDisks(o: RunOptions): FileBackend[] {
  const disks: FileBackend[] = [];
  try {
    for (const d of o.disks) disks.push(new FileBackend(d.path, d.readOnly));
  } catch (e) {
    for (const d of disks) d.close();
    if (e instanceof BlockImageError) throw new UsageError(e.message);
    throw e;
  }
  return disks;
}

/** Internal status: the guest asked for a reboot (SBI SRST cold or warm reboot). */
const REBOOT = -1;
/** Internal status: the VM reached --save-at. */
const SAVE = -2;
/** Internal status: the snapshot was written. */
const SAVE_DONE = -3;

/** Removes the empty --save file of a run that saved nothing. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone: nothing to tidy
  }
}

/** A VM to continue from a snapshot or a migration, made when runVirt has its console. */
export interface Restored {
  board: BoardRecord;
  make(console: { console: (b: Uint8Array) => void; consoleSink: StdoutSink; idleSleep: boolean; jit: boolean }): Vm;
}

/** Writes the snapshot of `vm` (stopped at --save-at) to the open --save file; the run's status. */
function saveSnapshot(vm: Vm, board: BoardRecord, fd: number, path: string): number {
  const file = snapshotVirt(vm, board);
  try {
    writeFileSync(fd, file);
  } catch (e) {
    process.stderr.write(`\nhyperscope: cannot write --save '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return ExitStatus.VM_ERROR;
  }
  const size = file.length >= 1048576 ? `${(file.length / 1048576).toFixed(1)} MiB` : `${Math.ceil(file.length / 1024)} KiB`;
  process.stderr.write(`\nhyperscope: saved the VM at ${vm.instructions} instructions to ${path} (${size})\n`);
  return SAVE_DONE;
}

/**
 * --restore: reads and checks the snapshot before anything runs (one line and status 4 or 5
 * when it cannot be used), then continues it as runVirt runs a booted VM.
 */
async function runRestored(o: RunOptions, path: string): Promise<number> {
  if (o.threads > 1) prestartVcpuThreads(o.threads);
  let file: Uint8Array;
  try {
    file = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --restore '${path}': ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`);
  }
  const disks: FileBackend[] = [];
  let first: { vm: Vm; board: BoardRecord } | undefined;
  // The board is built once runVirt has its console; the file is checked now, so a bad one
  // costs one line before any output.
  let sink: { console: (b: Uint8Array) => void; consoleSink: StdoutSink } | undefined;
  try {
    first = restoreVirt(file, {
      // Restoring writes nothing to the console: the sink is bound before the guest runs.
      console: (b) => sink?.console(b),
      consoleSink: {
        write: (b) => sink?.consoleSink.write(b) ?? true,
        onceDrained: (f) => (sink ? sink.consoleSink.onceDrained(f) : queueMicrotask(f)),
      },
      idleSleep: true, jit: o.jit, force: o.force,
      // --threads N: checked against the snapshot's vCPUs and clock; RAM shared with the vCPU threads.
      sharedMemory: o.threads > 1,
      checkBoard: (board) => { threadsForSnapshot(o.threads, board); },
      openDisks: (records) => {
        try {
          for (const d of records) disks.push(new FileBackend(d.path, d.readOnly));
        } catch (e) {
          if (e instanceof BlockImageError) throw new UsageError(e.message);
          throw e;
        }
        return disks;
      },
    });
  } catch (e) {
    for (const d of disks) d.close();
    if (e instanceof SnapshotFileError || e instanceof StateError) {
      process.stderr.write(`hyperscope: ${path}: ${e.message}\n`);
      return ExitStatus.BAD_SNAPSHOT;
    }
    if (e instanceof SnapshotMismatchError) {
      process.stderr.write(`hyperscope: ${path}: ${e.message}\n`);
      return ExitStatus.SNAPSHOT_MISMATCH;
    }
    throw e;
  }
  const restored: Restored = {
    board: first.board,
    make: (c) => {
      sink = c;
      return first!.vm;
    },
  };
  let statsFd: number | undefined;
  try {
    statsFd = o.statsJson !== undefined ? openOutputFile(o.statsJson, '--stats-json') : undefined;
    return await runVirt(o, new Uint8Array(0), undefined, disks, statsFd, undefined, restored);
  } finally {
    for (const d of disks) d.close();
    if (statsFd !== undefined) closeSync(statsFd);
  }
}

/** Boots the virt board (or continues `restored`) and runs it to the end; a guest reboot starts a fresh VM, as QEMU does. */
export async function runVirt(o: RunOptions, kernel: Uint8Array, initrd: Uint8Array | undefined, disks: FileBackend[],
  statsFd: number | undefined, traceFd?: number, restored?: Restored): Promise<number> {
  // One network across guest reboots (hostfwd keeps its ports); each boot gets a fresh NIC.
  const network = o.net ? await openNetwork(o.net) : undefined;
  try {
    return await runVirtOn(o, kernel, initrd, disks, statsFd, traceFd, restored, network);
  } finally {
    network?.close();
  }
}

async function runVirtOn(o: RunOptions, kernel: Uint8Array, initrd: Uint8Array | undefined, disks: FileBackend[],
  statsFd: number | undefined, traceFd: number | undefined, restored: Restored | undefined, network: RunNetwork | undefined): Promise<number> {
  if (network && o.net) {
    o.net.hostfwd.forEach((r, i) => {
      if (r.hostPort === 0) process.stderr.write(`hyperscope: hostfwd tcp:127.0.0.1:${network.hostPorts[i]}-${r.guestAddr}:${r.guestPort}\n`);
    });
  }
  let quit: number | null = null;
  const saveFd = o.save !== undefined ? openOutputFile(o.save, '--save') : undefined;
  // The disks as they are when the snapshot is taken (the guest may have written them).
  const board = (): BoardRecord => ({
    ...(restored?.board ?? { vcpus: o.vcpus, memory: o.memory, clock: o.clock, bios: o.bios, svadu: o.svadu, virtioConsole: o.virtioConsole, rng: o.rng, balloon: o.balloon }),
    disks: (restored?.board.disks ?? o.disks).map((d) => diskRecord(d.path, d.readOnly)),
  });
  // One timeline across guest reboots, as the console is one.
  const timeline = traceFd !== undefined ? new Timeline(o.vcpus, o.traceSize ?? DEFAULT_TRACE_EVENTS, o.traceRing ?? false) : undefined;
  const stop = (status: number) => { quit ??= status; };
  let restoredUsed = false;
  const stdout = new StdoutSink((code) => {
    // The reader went away (`| head`): stop quietly with the status of a process that died
    // of SIGPIPE, as QEMU and other producers in a pipeline do. Another error gets one line.
    if (code !== null) process.stderr.write(`\nhyperscope: cannot write the guest console to stdout: ${code}\n`);
    stop(code === null ? ExitStatus.SIGPIPE : ExitStatus.VM_ERROR);
  });
  /** The run's hooks on a VM, restored or booted. */
  const wire = (v: Vm): Vm => {
    v.timeline = timeline;
    // The guest keeps running (an interrupt may yet rescue it); the user learns why it is stuck.
    v.onFaultLoop = (_vcpu, message) => {
      stdout.flush(); // the guest's output up to here comes first
      process.stderr.write(`\nhyperscope: ${message}\n`);
      return false;
    };
    v.pauseAtInstructions = o.saveAt ?? Infinity;
    return v;
  };
  const boot = (): Vm => {
    if (restored && !restoredUsed) {
      restoredUsed = true;
      return wire(restored.make({ console: (b) => stdout.write(b), consoleSink: stdout, idleSleep: true, jit: o.jit }));
    }
    try {
      return wire(bootVirt({ ...virtBootOptions(o, kernel, initrd, disks, stdout), nics: network ? [network.nic()] : undefined }).vm);
    } catch (e) {
      if (e instanceof KernelFormatError) throw new UsageError(`${o.kernel}: ${e.message}`);
      throw e;
    }
  };
  let vm = boot();
  const stdin = attachStdin(() => vm.input, () => stop(ExitStatus.OK));
  const onSigint = () => stop(ExitStatus.OK);
  process.on('SIGINT', onSigint);
  const deadline = o.timeout !== undefined ? performance.now() + o.timeout * 1000 : Infinity;
  let status: number;
  try {
    while ((status = await runToStatus(vm, deadline, () => quit, o.threads)) === REBOOT) {
      if (restored) {
        // QEMU's loadvm then reboot loads -kernel again; a snapshot carries no kernel file.
        process.stderr.write('\nhyperscope: the restored guest rebooted; there is no kernel to boot again\n');
        status = ExitStatus.OK;
        break;
      }
      vm = boot();
      stdin.retarget();
    }
    if (status === SAVE) status = saveSnapshot(vm, board(), saveFd!, o.save!);
    else if (saveFd !== undefined) {
      process.stderr.write(`\nhyperscope: the VM stopped after ${vm.instructions} instructions, before --save-at ${o.saveAt}: nothing saved\n`);
    }
  } finally {
    stdout.flush();
    stdin.detach();
    process.off('SIGINT', onSigint);
    if (saveFd !== undefined) closeSync(saveFd);
  }
  if (saveFd !== undefined && status !== SAVE_DONE) unlinkQuietly(o.save!);
  if (status === SAVE_DONE) status = ExitStatus.OK;
  reportEnd(o, vm, kernel, statsFd, traceFd !== undefined && timeline ? { fd: traceFd, timeline } : undefined);
  return status;
}

/** After the run: device errors, --stats on stderr, --stats-json, --trace. */
function reportEnd(o: RunOptions, vm: Vm, kernel: Uint8Array, statsFd: number | undefined,
  trace?: { fd: number; timeline: Timeline }): void {
  for (const t of vm.virtio) {
    if (t?.lastError) process.stderr.write(`\nhyperscope: ${t.lastError} (the device needed a reset; ${t.errorCount} error(s))\n`);
  }
  if (!o.stats && statsFd === undefined) {
    // Nothing asks for the report: naming its exit sites would parse the kernel's DWARF for nothing.
    if (trace) writeTimeline(o, vm, trace.fd, trace.timeline);
    return;
  }
  const report = vm.stats.report();
  if (siteNamesWanted(o, statsFd !== undefined)) kernelSiteNamer(kernel)?.name(report);
  const network = networkReport(vm.virtio);
  if (network) report.network = network;
  const balloon = balloonStats(vm);
  if (balloon) report.balloon = balloon;
  const threads = threadsReportOf(vm);
  if (threads) report.threads = threads;
  // perf's table as perf prints it, then, as bpftrace prints its hist() maps at exit, the
  // latency distribution of each exit reason with samples (the mean alone hides outliers).
  const view = o.statsView ?? 'perf';
  // The interrupts delivered and their cost in exits follow perf's table (the PLIC against --aia).
  const irqs = report.interrupts && report.interrupts.delivered > 0 ? formatInterruptLine(report.interrupts) + '\n' : '';
  if (o.stats && (view === 'perf' || view === 'all')) process.stderr.write('\n' + formatExitTable(report) + irqs + formatTechniques(report) + '\n' + withBlank(formatHistograms('exit_ns', report.reasons)));
  if (o.stats && (view === 'kvm' || view === 'all') && report.kvm) process.stderr.write((view === 'all' ? '' : '\n') + formatKvmStats(report.kvm));
  if (o.stats && (view === 'sites' || view === 'all')) process.stderr.write('\n' + formatAttribution(report));
  if (o.stats && network) process.stderr.write('\n' + formatNetworkReport(network));
  if (o.stats && threads) process.stderr.write('\n' + formatThreadsReport(threads));
  if (statsFd !== undefined) writeFileSync(statsFd, JSON.stringify(report, null, 2) + '\n');
  if (trace) writeTimeline(o, vm, trace.fd, trace.timeline);
}

/** Writes --trace at the end of the run. */
function writeTimeline(o: RunOptions, vm: Vm, fd: number, timeline: Timeline): void {
  const sbi = vm.sbi;
  timeline.finish(performance.now());
  writeTrace(fd, timeline, { clock: o.clock, kernel: o.kernel, sbiName: (eid, fid) => sbi.statsKey(eid, fid) });
  if (timeline.dropped > 0) {
    process.stderr.write(`hyperscope: the trace kept ${timeline.length} of ${timeline.length + timeline.dropped} events (--trace-size)${timeline.ring ? ', the last ones' : ''}\n`);
  }
}

/**
 * Whether the end-of-run report needs the guest code behind its exits named (the kernel's
 * DWARF parsed): only the sites view of --stats and --stats-json show the names.
 */
export function siteNamesWanted(o: Pick<RunOptions, 'stats' | 'statsView'>, json: boolean): boolean {
  const view = o.statsView ?? 'perf';
  return json || (!!o.stats && (view === 'sites' || view === 'all'));
}

function withBlank(text: string): string {
  return text === '' ? '' : text + '\n';
}

/** The run loop until the VM stops, the user quits, or --timeout; resolves to the exit status (or REBOOT). */
async function runToStatus(vm: Vm, deadline: number, quit: () => number | null, threads: number): Promise<number> {
  const end = await runUntilStop(vm, { quit: () => quit() !== null, deadline, threads });
  if (end.kind === 'quit') return quit()!;
  if (end.kind === 'pause-point') return SAVE;
  if (end.kind === 'timeout') {
    process.stderr.write('\nhyperscope: timeout\n');
    return ExitStatus.TIMEOUT;
  }
  return statusOf(end.stop);
}

function hex(v: bigint): string {
  return '0x' + v.toString(16);
}

/** Exit status for a stop that ends the run. */
function statusOf(stop: FinalStop): number {
  switch (stop.kind) {
    case 'shutdown': return stop.failure ? ExitStatus.GUEST_FAILURE : ExitStatus.OK;
    case 'reboot': return REBOOT;
    case 'fatal':
      process.stderr.write(`\nhyperscope: vCPU ${stop.vcpu}: ${stop.message}: pc ${hex(stop.pc)} scause ${hex(stop.scause)} ` +
        `stval ${hex(stop.stval)} htval ${hex(stop.htval)} htinst ${hex(stop.htinst)}\n`);
      return ExitStatus.VM_ERROR;
  }
}

/** --bare: the hart alone in M-mode with HTIF. */
function runBare(kernel: Uint8Array, o: RunOptions): number {
  let m: BareMachine;
  const stdout = new StdoutSink(() => undefined); // a write error ends no test early; it just loses output
  try {
    m = new BareMachine(kernel, { memory: o.memory, output: (b) => stdout.write(b), svadu: o.svadu, jit: o.jit });
  } catch (e) {
    if (e instanceof KernelFormatError) throw new UsageError(`${o.kernel}: ${e.message}`);
    throw e;
  }
  const deadline = o.timeout !== undefined ? performance.now() + o.timeout * 1000 : Infinity;
  for (;;) {
    const r = m.run(m.hart.instret + 50_000_000);
    stdout.flush(); // this loop never returns to the event loop before the end
    if (r.kind === 'pass') return ExitStatus.OK;
    if (r.kind === 'fail') {
      process.stderr.write(`hyperscope: test failed with code ${r.code}\n`);
      return ExitStatus.GUEST_FAILURE;
    }
    if (performance.now() >= deadline) {
      process.stderr.write('hyperscope: timeout\n');
      return ExitStatus.TIMEOUT;
    }
  }
}
