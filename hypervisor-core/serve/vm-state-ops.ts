/**
 * A daemon VM's state operations inside its worker thread: a snapshot to a file (`vm
 * snapshot`), a restore from one that replaces the VM (`vm restore`), and the dirty log
 * (`vm dirty-log`). Each runs between two batches of the run loop, so every vCPU is at an
 * instruction boundary and the VM does not run meanwhile. Refusals are WorkerRefusal (a code
 * of the API and one line).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { ConsoleSink } from '../devices/console-sink';
import type { FileBackend } from '../devices/virtio/block/backend';
import { PAGE_SIZE } from '../memory/address';
import type { Vm } from '../hypervisor/vm';
import type { DirtyLogStats } from '../hypervisor/dirty-log';
import { restoreVirt, snapshotVirt, SnapshotMismatchError, type BoardRecord, type RestoreOptions } from '../machine/virt-snapshot';
import { threadsForSnapshot, UsageError } from '../cli/args';
import { StateError } from '../state/persist';
import { SnapshotFileError } from '../state/snapshot-file';
import { openMigratedDisks } from '../cli/incoming-command';

/** A request the worker refuses: the API's code and one line. */
export class WorkerRefusal extends Error {
  constructor(readonly code: 'bad-request' | 'bad-file' | 'wrong-state', message: string) {
    super(message);
  }
}

/** What `vm snapshot` answers. */
export interface SnapshotAnswer {
  file: string;
  /** The file's size in bytes. */
  bytes: number;
  /** Guest instructions retired when it was taken. */
  instructions: number;
}

/** Why a VM's state cannot be saved or sent yet (one line), or null. */
export function stateRefusal(vm: Vm, what: 'saved' | 'migrated'): string | null {
  if (!vm.plic) return `a VM with the AIA (--aia) cannot be ${what} yet: its APLIC and IMSIC state is not in the snapshot format`;
  // Snapshots drop the shadow tables (a cache); live migration's dirty log needs the G-stage's leaves.
  if (vm.memVirt.mode === 'shadow' && what === 'migrated') return 'a VM with --mmu shadow cannot be migrated yet: the dirty log that pre-copy needs works on two-stage translation';
  if (vm.virtio.some((t) => t?.device.kind === 'virtio-net')) return `a VM with a network device cannot be ${what} yet`;
  return null;
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? (e as Error).message;
}

/** Saves `vm`, built from `board`, to `file` (an absolute path on the daemon's host). */
export function snapshotToFile(vm: Vm, board: BoardRecord, file: string): SnapshotAnswer {
  const why = stateRefusal(vm, 'saved');
  if (why) throw new WorkerRefusal('bad-request', why);
  try {
    if (!statSync(file).isFile()) throw new WorkerRefusal('bad-request', `'${file}' exists and is not a regular file`);
  } catch (e) {
    if (e instanceof WorkerRefusal) throw e;
    // Not there yet: it is created below.
  }
  const bytes = snapshotVirt(vm, board);
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    throw new WorkerRefusal('bad-request', `cannot write the snapshot '${file}': ${errnoText(e)}`);
  }
  return { file, bytes: bytes.length, instructions: vm.instructions };
}

/** A VM restored from a file, with its board, the disks opened for it and the host threads its vCPUs run on. */
export interface RestoredVm {
  vm: Vm;
  board: BoardRecord;
  disks: FileBackend[];
  threads: number;
}

/**
 * Builds the VM a snapshot file describes. The current VM's disks must be released first
 * (the snapshot's are usually the same images); refusals are one line: a file that cannot be
 * read, is not a whole snapshot of this version ('bad-file'), or whose disk changed since
 * ('bad-file' unless `force`). A VM created with `threads` above 1 runs the restored vCPUs on
 * that many threads when the snapshot allows it (its vCPUs, clock and firmware), else on one.
 */
export function restoreFromFile(file: string, force: boolean, console: ConsoleSink, jit: boolean, threads = 1): RestoredVm {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new WorkerRefusal('bad-file', `cannot read the snapshot '${file}': ${errnoText(e)}`);
  }
  let disks: FileBackend[] = [];
  let onThreads = 1;
  try {
    const options: RestoreOptions = {
      console: (b) => console.write(b), consoleSink: console, idleSleep: true, jit, force,
      openDisks: (records) => (disks = openMigratedDisks(records)),
      // Decided from the snapshot's board before the board is built: RAM the threads share.
      checkBoard: (board) => {
        onThreads = threadsFit(threads, board);
        options.sharedMemory = onThreads > 1;
      },
    };
    const r = restoreVirt(bytes, options);
    return { vm: r.vm, board: r.board, disks, threads: onThreads };
  } catch (e) {
    for (const d of disks) d.close();
    if (e instanceof SnapshotFileError || e instanceof StateError) throw new WorkerRefusal('bad-file', `${file}: ${e.message}`);
    if (e instanceof SnapshotMismatchError) throw new WorkerRefusal('bad-file', `${file}: ${e.message.replace('--force', 'force')}`);
    if (e instanceof Error && /disk image|in use by another VM/.test(e.message)) throw new WorkerRefusal('bad-file', e.message);
    throw e;
  }
}

/** `threads` when a VM of `board` (a snapshot's, a migrated one's) can run on them, else 1 (it runs on one thread only). */
export function threadsFit(threads: number, board: BoardRecord): number {
  if (threads <= 1) return 1;
  try {
    return Math.min(threadsForSnapshot(Math.min(threads, board.vcpus), board), board.vcpus);
  } catch (e) {
    if (e instanceof UsageError) return 1;
    throw e;
  }
}

/** What `vm dirty-log` answers. */
export interface DirtyLogAnswer {
  /** Whether the log is on after the action. */
  enabled: boolean;
  /** Guest-physical address of bit 0 and the page size. */
  ramBase: number;
  pageSize: number;
  /** fetch: guest pages written since the previous fetch (or the start), and as GPA ranges [first, pages]. */
  dirtyPages?: number;
  ranges?: [number, number][];
  /** fetch: the bitmap itself, KVM_GET_DIRTY_LOG's layout (bit i of u32 word i / 32, little-endian), base64. */
  bitmap?: string;
  /** The log's counters since it started (also in the statistics as dirtyLog). */
  stats?: DirtyLogStats;
}

/** `start`, `fetch` (and clear) or `stop` the VM's dirty log. */
export function dirtyLogAction(vm: Vm, action: 'start' | 'fetch' | 'stop'): DirtyLogAnswer {
  const base = { ramBase: vm.ram.base, pageSize: PAGE_SIZE };
  switch (action) {
    case 'start':
      if (vm.memVirt.mode === 'shadow') throw new WorkerRefusal('bad-request', 'dirty logging needs two-stage translation (not --mmu shadow)');
      return { enabled: true, ...base, stats: { ...vm.startDirtyLog().stats } };
    case 'stop':
      vm.stopDirtyLog();
      return { enabled: false, ...base };
    case 'fetch': {
      if (!vm.dirtyLog) throw new WorkerRefusal('wrong-state', "the VM's dirty log is off (start it first)");
      const bitmap = vm.fetchDirtyLog();
      const ranges: [number, number][] = [];
      let dirtyPages = 0;
      const pages = vm.ram.size / PAGE_SIZE;
      for (let i = 0; i < pages; i++) {
        if (((bitmap[i >>> 5] >>> (i & 31)) & 1) === 0) continue;
        dirtyPages++;
        const last = ranges[ranges.length - 1];
        if (last && last[0] + last[1] * PAGE_SIZE === vm.ram.base + i * PAGE_SIZE) last[1]++;
        else ranges.push([vm.ram.base + i * PAGE_SIZE, 1]);
      }
      const words = Buffer.alloc(bitmap.length * 4);
      bitmap.forEach((w, i) => words.writeUInt32LE(w >>> 0, i * 4));
      return { enabled: true, ...base, dirtyPages, ranges, bitmap: words.toString('base64'), stats: { ...vm.dirtyLog.stats } };
    }
  }
}
