/**
 * Disk image locking, with QEMU's rules: a VM that opens an image for writing excludes every
 * other VM, read-only users share it. Two VMs writing one image (or one reading while
 * another writes) corrupt the file system inside, so the second open is refused with one
 * line, as QEMU's `Failed to get "write" lock`.
 *
 * QEMU takes fcntl OFD locks on the image; Node has no fcntl, so the locks are kept apart
 * from the image, keyed by its device and inode (the same file under any path or link):
 *
 * - in this process, a registry (several VMs in one process: the debug adapter, tests);
 * - across processes, one entry file per holder in a runtime directory
 *   ($XDG_RUNTIME_DIR/hyperscope-locks, else <tmpdir>/hyperscope-locks), named
 *   `<dev>-<ino>.<pid>.<n>.<read|write>`. An entry is created first and the others checked
 *   after, so two processes opening at the same moment both see each other (at worst both
 *   are refused, never both admitted). Entries of processes that no longer exist are stale:
 *   ignored and removed. Nothing is ever created next to the user's image.
 *
 * Locks are released when the disk is closed (the VM ends) and, for whatever is still held,
 * when the process exits.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a VM uses an image. */
export type ImageLockMode = 'read' | 'write';

/** The lock a VM holds on an image. */
export interface ImageLock {
  /** Gives the image back (idempotent). */
  release(): void;
}

/** Another VM holds the image; the message is one line. */
export class ImageLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageLockedError';
  }
}

/** A holder of an image, in this process or another. */
interface Holder {
  pid: number;
  mode: ImageLockMode;
}

/** The directory that holds the entry files (created on first use). */
export function lockDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_RUNTIME_DIR || tmpdir(), 'hyperscope-locks');
}

const held = new Map<string, Set<Holder>>();
const entryFiles = new Set<string>();
let entrySeq = 0;
let exitHookInstalled = false;

/**
 * Locks the image identified by `id` (its stat device and inode) for `mode`; `name` is how
 * messages call it.
 * @throws ImageLockedError when another VM holds it in a conflicting mode.
 */
export function lockImage(name: string, id: { dev: number; ino: number }, mode: ImageLockMode, dir = lockDirectory()): ImageLock {
  const key = `${id.dev}-${id.ino}`;
  const local = held.get(key) ?? new Set<Holder>();
  const inProcess = [...local].find((h) => conflicts(mode, h.mode));
  if (inProcess) throw lockedError(name, mode, inProcess);
  const entry = createEntry(dir, key, mode, name);
  const other = entry ? otherProcesses(dir, key).find((h) => conflicts(mode, h.mode)) : undefined;
  if (other) {
    removeEntry(entry!);
    throw lockedError(name, mode, other);
  }
  const me: Holder = { pid: process.pid, mode };
  local.add(me);
  held.set(key, local);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      local.delete(me);
      if (local.size === 0) held.delete(key);
      if (entry) removeEntry(entry);
    },
  };
}

/** A writer excludes everyone; readers share. */
function conflicts(want: ImageLockMode, have: ImageLockMode): boolean {
  return want === 'write' || have === 'write';
}

function lockedError(name: string, want: ImageLockMode, h: Holder): ImageLockedError {
  const how = h.mode === 'write' ? 'for writing' : 'read-only';
  const qemu = want === 'write' ? 'Failed to get "write" lock' : 'Failed to get shared "write" lock';
  return new ImageLockedError(`disk ${name}: in use by another VM (pid ${h.pid}) ${how} (${qemu})`);
}

/**
 * Creates this holder's entry file; null when the directory cannot be used (then only the
 * in-process registry protects the image, rather than refusing every disk).
 */
function createEntry(dir: string, key: string, mode: ImageLockMode, name: string): string | null {
  try {
    makeSharedDirectory(dir);
    const path = join(dir, `${key}.${process.pid}.${entrySeq++}.${mode}`);
    const fd = openSync(path, 'wx', 0o644);
    try {
      writeSync(fd, `${process.pid} ${mode} ${name}\n`);
    } finally {
      closeSync(fd);
    }
    entryFiles.add(path);
    installExitHook();
    return path;
  } catch {
    return null;
  }
}

/** Creates `dir` writable by every user, sticky as /tmp (entries of one user stay theirs). */
function makeSharedDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  chmodSync(dir, 0o1777); // mkdir's mode is cut by the umask
}

function removeEntry(path: string): void {
  entryFiles.delete(path);
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Live holders of `key` in other processes; stale entries are removed on the way. */
function otherProcesses(dir: string, key: string): Holder[] {
  const holders: Holder[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return holders;
  }
  for (const n of names) {
    const m = /^(\d+-\d+)\.(\d+)\.\d+\.(read|write)$/.exec(n);
    if (!m || m[1] !== key) continue;
    const pid = Number(m[2]);
    if (pid === process.pid) continue; // this process: the registry knows
    if (!alive(pid)) {
      removeEntry(join(dir, n));
      continue;
    }
    holders.push({ pid, mode: m[3] as ImageLockMode });
  }
  return holders;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/** Entries still held when the process exits are removed (a crash leaves stale ones, ignored). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of [...entryFiles]) removeEntry(p);
  });
}
