/**
 * The `disks` launch attribute: virtio block disks for the guest, as the CLI's `--disk` and
 * `--disk-readonly`. A `snapshot` disk is read into memory and the guest's writes stay there
 * (QEMU's `snapshot=on`): a sample's committed image is never changed by a debug session.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BlockImageError, FileBackend, MemoryBackend, type BlockBackend } from '../hypervisor-core/devices/virtio/block/backend';

/** One entry of `disks`. */
export interface LaunchDisk {
  path: string;
  readOnly?: boolean;
  snapshot?: boolean;
}

/** Largest image a snapshot disk copies into memory. */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

function openOne(d: LaunchDisk, cwd: string): BlockBackend {
  const path = resolve(cwd, d.path);
  if (!d.snapshot) return new FileBackend(path, d.readOnly === true);
  let size: number;
  try {
    const st = statSync(path);
    // A device or FIFO (/dev/zero) has no size to check and could be endless: never read it whole.
    if (!st.isFile()) throw new BlockImageError(`disk image '${path}' is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof BlockImageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new BlockImageError(`cannot open disk image '${path}': ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`);
  }
  if (size > MAX_SNAPSHOT_BYTES) {
    throw new BlockImageError(`disk image '${path}' is ${size} bytes: a snapshot disk holds at most ${MAX_SNAPSHOT_BYTES} (256M); drop "snapshot"`);
  }
  const bytes = new Uint8Array(readFileSync(path));
  return new MemoryBackend(bytes, d.readOnly === true, path.split('/').pop()!.slice(0, 20));
}

/**
 * Opens the disks in order. Every problem (bad entry, missing or unusable image) becomes
 * `fail(message)`, and the disks opened before it are closed.
 */
export function openDisks(disks: unknown, cwd: string, fail: (message: string) => Error): BlockBackend[] {
  if (disks === undefined) return [];
  if (!Array.isArray(disks)) throw fail(`disks must be a list of { "path": ... }, not ${JSON.stringify(disks)}`);
  if (disks.length > 8) throw fail(`at most 8 disks (the board's virtio slots), not ${disks.length}`);
  const open: BlockBackend[] = [];
  try {
    for (const d of disks as LaunchDisk[]) {
      if (typeof d !== 'object' || d === null || typeof d.path !== 'string' || d.path === '') {
        throw fail(`each disk needs a "path", not ${JSON.stringify(d)}`);
      }
      try {
        open.push(openOne(d, cwd));
      } catch (e) {
        throw e instanceof BlockImageError ? fail(e.message) : e;
      }
    }
  } catch (e) {
    for (const b of open) b.close();
    throw e;
  }
  return open;
}
