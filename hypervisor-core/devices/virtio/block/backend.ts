/**
 * Where a virtio block device keeps its sectors. The file backend does synchronous I/O at
 * offsets on a host file (fs.readSync / writeSync), so writes reach the file in the order
 * the guest issued them and complete before the request is returned; FLUSH calls fsync, so
 * "flush" means durable (virtio 1.2 section 5.2.6.2). The memory backend serves tests.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { ImageLockedError, lockImage, type ImageLock } from './image-lock';

/** Size of a virtio-blk sector. */
export const SECTOR_SIZE = 512;

/** A disk image that cannot be used (wrong size, unreadable...); the message is one line. */
export class BlockImageError extends Error {}

/** Storage behind a virtio block device. */
export interface BlockBackend {
  /** Size in bytes (a multiple of SECTOR_SIZE). */
  readonly size: number;
  /** Whether writes are refused (VIRTIO_BLK_F_RO). */
  readonly readOnly: boolean;
  /** Identification string for VIRTIO_BLK_T_GET_ID (at most 20 bytes used). */
  readonly id: string;
  /** Reads `buf.length` bytes at byte `offset` into `buf`. Throws on host I/O errors. */
  read(buf: Uint8Array, offset: number): void;
  /** Writes `buf` at byte `offset`, through to the file. Throws on host I/O errors. */
  write(buf: Uint8Array, offset: number): void;
  /** Makes every completed write durable. */
  flush(): void;
  /** Releases the backing store. */
  close(): void;
}

/** A host file as a disk. */
export class FileBackend implements BlockBackend {
  /** @inheritdoc */
  readonly size: number;
  /** @inheritdoc */
  readonly id: string;
  private fd: number;
  private lock: ImageLock;
  private readonly ident: { dev: number; ino: number };

  /**
   * Opens `path` and locks it as QEMU does (image-lock.ts: a writer excludes every other VM,
   * readers share); throws BlockImageError if it cannot be opened, is not whole sectors or
   * another VM holds it.
   */
  constructor(readonly path: string, readonly readOnly = false) {
    try {
      this.fd = openSync(path, readOnly ? 'r' : 'r+');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? (e as Error).message;
      throw new BlockImageError(`cannot open disk image '${path}': ${why}`);
    }
    const st = fstatSync(this.fd);
    if (!st.isFile()) {
      closeSync(this.fd);
      throw new BlockImageError(`disk image '${path}' is not a regular file`);
    }
    if (st.size % SECTOR_SIZE !== 0) {
      closeSync(this.fd);
      throw new BlockImageError(`disk image '${path}' is ${st.size} bytes, not a multiple of ${SECTOR_SIZE}`);
    }
    try {
      this.lock = lockImage(path, st, readOnly ? 'read' : 'write');
    } catch (e) {
      closeSync(this.fd);
      throw e instanceof ImageLockedError ? new BlockImageError(e.message) : e;
    }
    this.size = st.size;
    this.id = basename(path).slice(0, 20);
    this.ident = { dev: st.dev, ino: st.ino };
  }

  /**
   * Flushes and closes the image and gives up its lock, keeping this object (a live
   * migration hands the image to the destination; `reattach` takes it back if that fails).
   */
  detach(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    this.lock.release();
  }

  /** Opens and locks the image again after `detach`; BlockImageError when it is gone, replaced or taken. */
  reattach(): void {
    if (this.fd >= 0) return;
    const fd = (() => {
      try {
        return openSync(this.path, this.readOnly ? 'r' : 'r+');
      } catch (e) {
        throw new BlockImageError(`cannot open disk image '${this.path}' again: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    })();
    const st = fstatSync(fd);
    if (st.dev !== this.ident.dev || st.ino !== this.ident.ino || st.size !== this.size) {
      closeSync(fd);
      throw new BlockImageError(`disk image '${this.path}' is another file now`);
    }
    try {
      this.lock = lockImage(this.path, st, this.readOnly ? 'read' : 'write');
    } catch (e) {
      closeSync(fd);
      throw e instanceof ImageLockedError ? new BlockImageError(e.message) : e;
    }
    this.fd = fd;
  }

  /** @inheritdoc */
  read(buf: Uint8Array, offset: number): void {
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd, buf, done, buf.length - done, offset + done);
      if (n === 0) {
        buf.fill(0, done); // the file shrank under us: read zeros
        return;
      }
      done += n;
    }
  }

  /** @inheritdoc */
  write(buf: Uint8Array, offset: number): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, offset + done);
  }

  /** @inheritdoc */
  flush(): void {
    fsyncSync(this.fd);
  }

  /** @inheritdoc */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.lock.release();
  }
}

/** A disk in host memory (tests, scratch disks). */
export class MemoryBackend implements BlockBackend {
  /** Number of flush calls (tests check ordering with it). */
  flushes = 0;

  constructor(readonly bytes: Uint8Array, readonly readOnly = false, readonly id = 'hyperscope-mem') {
    if (bytes.length % SECTOR_SIZE !== 0) throw new BlockImageError(`disk of ${bytes.length} bytes is not a multiple of ${SECTOR_SIZE}`);
  }

  /** @inheritdoc */
  get size(): number {
    return this.bytes.length;
  }

  /** @inheritdoc */
  read(buf: Uint8Array, offset: number): void {
    buf.set(this.bytes.subarray(offset, offset + buf.length));
  }

  /** @inheritdoc */
  write(buf: Uint8Array, offset: number): void {
    this.bytes.set(buf, offset);
  }

  /** @inheritdoc */
  flush(): void {
    this.flushes++;
  }

  /** @inheritdoc */
  close(): void {}
}
