/**
 * Snapshots of the virt board: the VM's state (vm-state.ts) with what the board was built
 * from (its disks by path, identity and size, the virtio console and entropy device), in the
 * snapshot file format (state/snapshot-file.ts). Restoring builds the same board and puts the
 * state back; a disk image that changed since the snapshot is refused unless forced, since
 * the guest's page cache and file systems describe the disk as it was.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BlockBackend } from '../devices/virtio/block/backend';
import { memoryForRestore, restoreVm, saveVm, usedHostMemory } from '../hypervisor/vm-state';
import type { Vm } from '../hypervisor/vm';
import type { ClockKind } from '../hypervisor/clock';
import { arr, num, obj, StateError, type Saved } from '../state/persist';
import { decodeSnapshot, encodeSnapshot } from '../state/snapshot-file';
import { createVirtBoard, type BoardOptions } from './virt-board';

/** A disk as the snapshot found it. */
export interface DiskRecord {
  /** Absolute path of the image. */
  path: string;
  readOnly: boolean;
  size: number;
  /** The file's identity (device and inode) and last modification when the snapshot was taken. */
  dev: number;
  ino: number;
  mtimeMs: number;
}

/** What the board was built from. */
export interface BoardRecord {
  vcpus: number;
  memory: number;
  clock: ClockKind;
  bios: 'default' | 'none';
  svadu: boolean;
  disks: DiskRecord[];
  virtioConsole: boolean;
  rng: boolean;
  /** A virtio memory balloon (its target and inflated pages are in the VM state). Absent in files of older writers: false. */
  balloon?: boolean;
  /** Memory virtualisation (`--mmu`); taken from the VM when saved. Absent in files of older writers: two-stage. */
  mmu?: 'two-stage' | 'shadow';
  /** CPU virtualisation (`--cpu-virt`); taken from the VM when saved. Absent in files of older writers: hardware. */
  cpuVirt?: 'hardware' | 'trap-emulate';
}

/** A snapshot's board does not match the host as it is now (a changed disk); one line. */
export class SnapshotMismatchError extends Error {}

/** Records disk `path` as it is now. */
export function diskRecord(path: string, readOnly: boolean): DiskRecord {
  const abs = resolve(path);
  const st = statSync(abs);
  return { path: abs, readOnly, size: st.size, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs };
}

/** Why disk `d` cannot be used as the snapshot's (one line), or null when it is the same file, unchanged. */
export function diskChange(d: DiskRecord): string | null {
  let st;
  try {
    st = statSync(d.path);
  } catch {
    return `the snapshot's disk image '${d.path}' is gone`;
  }
  if (st.dev !== d.dev || st.ino !== d.ino) return `the snapshot's disk image '${d.path}' is another file now`;
  if (st.size !== d.size) return `the snapshot's disk image '${d.path}' changed size (${d.size} -> ${st.size} bytes)`;
  if (st.mtimeMs !== d.mtimeMs) return `the snapshot's disk image '${d.path}' was modified after the snapshot`;
  return null;
}

/** Encodes `vm`, built from `board`, as a snapshot file. Call between runs (runFor returned). */
export function snapshotVirt(vm: Vm, board: BoardRecord): Buffer {
  const boardState: Saved = {
    ...board, disks: board.disks.map((d) => ({ ...d })), mmu: vm.memVirt.mode, cpuVirt: vm.opts.cpuVirt ?? 'hardware',
  };
  return encodeSnapshot({ state: { board: boardState, vm: saveVm(vm) }, memory: usedHostMemory(vm) });
}

/** The board of a decoded snapshot state (or of a migration's handshake, which carries it the same way). */
export function boardOf(state: Saved): BoardRecord {
  const b = obj(obj(state, 'snapshot').board, 'board');
  const clock = b.clock === 'icount' ? 'icount' : 'realtime';
  const disks = arr(b.disks, 'disks').map((v) => {
    const d = obj(v, 'disk');
    if (typeof d.path !== 'string') throw new StateError('disk: no path');
    return { path: d.path, readOnly: d.readOnly === true, size: num(d.size, 'size'), dev: num(d.dev, 'dev'), ino: num(d.ino, 'ino'), mtimeMs: num(d.mtimeMs, 'mtime') };
  });
  return {
    vcpus: num(b.vcpus, 'vcpus'), memory: num(b.memory, 'memory'), clock, bios: b.bios === 'none' ? 'none' : 'default',
    svadu: b.svadu !== false, disks, virtioConsole: b.virtioConsole === true, rng: b.rng === true, balloon: b.balloon === true,
    mmu: b.mmu === 'shadow' ? 'shadow' : 'two-stage', cpuVirt: b.cpuVirt === 'trap-emulate' ? 'trap-emulate' : 'hardware',
  };
}

/** The board options that rebuild `board` (the balloon's target comes back with the VM state). */
export function boardOptions(o: Omit<BoardOptions, keyof BoardRecord | 'balloon'>, board: BoardRecord, disks: BlockBackend[]): BoardOptions {
  return { ...o, ...board, disks, balloon: board.balloon ? {} : undefined };
}

/** How to rebuild the board of a snapshot. */
export interface RestoreOptions extends Omit<BoardOptions, 'vcpus' | 'memory' | 'clock' | 'bios' | 'svadu' | 'disks' | 'virtioConsole' | 'rng' | 'balloon' | 'mmu' | 'cpuVirt'> {
  /** Opens the snapshot's disks (after their check); the caller closes them. */
  openDisks: (disks: DiskRecord[]) => BlockBackend[];
  /** Use disks that changed since the snapshot (`--force`). */
  force?: boolean;
  /** Looks at the snapshot's board before anything is built (throws to refuse it). */
  checkBoard?: (board: BoardRecord) => void;
}

/**
 * Builds the board a snapshot file describes and restores it. Throws SnapshotFileError for a
 * file that is not a whole snapshot of this version, SnapshotMismatchError for a changed disk
 * (unless forced), and whatever `openDisks` throws.
 */
export function restoreVirt(file: Uint8Array, o: RestoreOptions): { vm: Vm; board: BoardRecord } {
  let vm: Vm | undefined;
  let board: BoardRecord | undefined;
  const { state } = decodeSnapshot(file, (s) => {
    board = boardOf(s);
    o.checkBoard?.(board);
    if (!o.force) {
      for (const d of board.disks) {
        const why = diskChange(d);
        if (why) throw new SnapshotMismatchError(`${why} (--force restores anyway)`);
      }
    }
    const disks = o.openDisks(board.disks);
    vm = createVirtBoard(boardOptions(o, board, disks));
    return memoryForRestore(vm, obj(s, 'snapshot').vm ?? null);
  });
  try {
    restoreVm(vm!, obj(state, 'snapshot').vm ?? null);
  } catch (e) {
    if (e instanceof StateError) throw new StateError(`the snapshot does not fit: ${e.message}`);
    throw e;
  }
  return { vm: vm!, board: board! };
}
