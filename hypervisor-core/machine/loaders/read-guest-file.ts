/**
 * Reads the files a user hands to a guest (kernel, initrd, symbol files) with their size
 * checked before a byte is read: `/dev/zero`, a FIFO or any other file of unknown size is
 * refused, and so is a file larger than it may be (an initrd larger than guest RAM), so bad
 * input costs one line instead of memory without bound. The CLI and the debug adapter's
 * launch configuration both read through here.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A guest file that cannot be used; the message is one line for the user. */
export class GuestFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestFileError';
  }
}

/** How large a file may be, and what the limit is in words ("of guest RAM"). */
export interface GuestFileLimit {
  /** Largest accepted size in bytes. */
  bytes: number;
  /** Completes "300 MiB does not fit in 128 MiB ..." (e.g. "of guest RAM"). */
  of: string;
}

/**
 * Largest ELF file read as a kernel or for symbols. An ELF carries debug information that
 * never reaches guest RAM (a vmlinux with DWARF is several times its loaded size), so its
 * limit is not the RAM size; only what it loads must fit, which the ELF loader checks.
 */
export const ELF_FILE_LIMIT: GuestFileLimit = { bytes: 1024 * 1024 * 1024, of: 'allowed for an ELF file' };

/** A limit of `ramBytes` of guest RAM. */
export function guestRamLimit(ramBytes: number): GuestFileLimit {
  return { bytes: ramBytes, of: 'of guest RAM' };
}

/**
 * Reads the regular file at `path` (`what` names it in messages: "kernel", "initrd").
 * @throws GuestFileError if it cannot be opened, is not a regular file or exceeds `limit`.
 */
export function readGuestFile(path: string, what: string, limit: GuestFileLimit): Uint8Array {
  return withFile(path, what, (fd, size) => {
    if (size > limit.bytes) throw new GuestFileError(`${what} ${path}: ${formatSize(size)} does not fit in ${formatSize(limit.bytes)} ${limit.of}`);
    return readExactly(fd, size);
  });
}

/**
 * Reads a kernel: an ELF file up to ELF_FILE_LIMIT (its debug information stays on the host),
 * anything else (a Linux Image, a raw binary) only if it fits in `ramBytes` of guest RAM.
 * @throws GuestFileError as readGuestFile does.
 */
export function readKernelFile(path: string, ramBytes: number, what = 'kernel'): Uint8Array {
  return withFile(path, what, (fd, size) => {
    const magic = new Uint8Array(4);
    const isElf = readSync(fd, magic, 0, 4, 0) === 4 && magic[0] === 0x7f && magic[1] === 0x45 && magic[2] === 0x4c && magic[3] === 0x46;
    const limit = isElf ? ELF_FILE_LIMIT : guestRamLimit(ramBytes);
    if (size > limit.bytes) throw new GuestFileError(`${what} ${path}: ${formatSize(size)} does not fit in ${formatSize(limit.bytes)} ${limit.of}`);
    return readExactly(fd, size);
  });
}

/** Opens `path`, checks that it is a regular file and runs `fn` with its size. */
function withFile<T>(path: string, what: string, fn: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new GuestFileError(`cannot read ${what} '${path}': ${reason(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new GuestFileError(`cannot read ${what} '${path}': is a directory`);
    // A character device, FIFO or socket has no size to check: it could be endless.
    if (!st.isFile()) throw new GuestFileError(`${what} ${path}: not a regular file`);
    return fn(fd, st.size);
  } catch (e) {
    if (e instanceof GuestFileError) throw e;
    throw new GuestFileError(`cannot read ${what} '${path}': ${reason(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Reads `size` bytes from the start; a file that grows meanwhile is cut at `size`. */
function readExactly(fd: number, size: number): Uint8Array {
  const buf = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, buf, done, size - done, done);
    if (n === 0) return buf.subarray(0, done); // it shrank meanwhile
    done += n;
  }
  return buf;
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (e as Error).message;
}

/** "300 MiB", "1.5 GiB", "512 bytes". */
export function formatSize(n: number): string {
  const units: [number, string][] = [[1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];
  for (const [u, name] of units) {
    if (n >= u) return `${Number((n / u).toFixed(1))} ${name}`;
  }
  return `${n} bytes`;
}
