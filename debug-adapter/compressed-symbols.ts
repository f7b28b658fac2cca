/**
 * Symbol files that come xz-compressed (the Linux sample ships `vmlinux.xz`, 11 MB instead of
 * 44 MB). A `symbols` path that names `vmlinux` when only `vmlinux.xz` exists, or that names the
 * `.xz` file itself, is unpacked once with the `xz` command (Node's zlib has no xz; every Debian
 * has xz-utils, dpkg needs it) into the same name without `.xz`, next to it; when that folder
 * cannot be written, into ~/.cache/hyperscope. The unpack goes to a temporary file renamed into
 * place, so an interrupted one never leaves half a file that a later launch would take.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** An unpack that cannot be done (one line for the user). */
export class UnpackError extends Error {}

/** How to unpack; the defaults are for real use, tests replace them. */
export interface UnpackOptions {
  /** The xz command (default `xz` from PATH). */
  xz?: string;
  /** Where to unpack when the file's own folder is read-only (default ~/.cache/hyperscope). */
  cacheDir?: string;
  /** Told one line before an unpack starts (the debug console). */
  log?: (line: string) => void;
}

/** What `findSymbolFile` decided. */
export interface SymbolFile {
  /** The uncompressed file to read. */
  path: string;
  /** True when this call unpacked it. */
  unpacked: boolean;
}

/** Longest an unpack may take before it is abandoned (a 44 MB vmlinux takes about a second). */
const UNPACK_TIMEOUT_MS = 120_000;

const mb = (bytes: number): string => `${Math.max(1, Math.round(bytes / 1e6))} MB`;

/** True when `path` is a regular file at least as new as `source` (an unpack of it, not older). */
function freshCopy(path: string, source: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && st.size > 0 && st.mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

/** The uncompressed size xz records in the file's index, or undefined if it cannot say. */
function unpackedSize(xz: string, file: string): number | undefined {
  const r = spawnSync(xz, ['--robot', '--list', file], { encoding: 'utf8', timeout: 10_000 });
  const totals = r.status === 0 ? r.stdout.split('\n').find((l) => l.startsWith('totals\t')) : undefined;
  const n = totals ? Number(totals.split('\t')[4]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Runs `xz -dc compressed > out` through a temporary file; throws UnpackError or a write error. */
function unpack(xz: string, compressed: string, out: string): void {
  const tmp = `${out}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let ok = false;
  try {
    const r = spawnSync(xz, ['-dc', '--', compressed], { stdio: ['ignore', fd, 'pipe'], timeout: UNPACK_TIMEOUT_MS });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UnpackError(`cannot unpack '${compressed}': the xz command is missing (install the xz-utils package)`);
      throw new UnpackError(`cannot unpack '${compressed}': xz: ${code ?? r.error.message}`);
    }
    if (r.status !== 0) {
      const why = r.stderr.toString().trim().split('\n')[0] || (r.signal ? `killed by ${r.signal}` : `status ${r.status}`);
      throw new UnpackError(`cannot unpack '${compressed}': ${why}`);
    }
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try { unlinkSync(tmp); } catch { /* already gone */ }
    }
  }
  renameSync(tmp, out);
}

/** Write errors that mean "this folder is not ours to write": try the cache instead. */
const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The uncompressed symbol file for a `symbols` path, unpacking `<path>.xz` (or `path` itself
 * when it ends in `.xz`) once. Paths with nothing to unpack come back unchanged (reading them
 * reports a missing file).
 */
export function findSymbolFile(path: string, o: UnpackOptions = {}): SymbolFile {
  let compressed: string;
  let out: string;
  if (path.endsWith('.xz')) {
    compressed = path;
    out = path.slice(0, -3);
  } else {
    if (existsSync(path) || !existsSync(path + '.xz')) return { path, unpacked: false };
    compressed = path + '.xz';
    out = path;
  }
  if (!existsSync(compressed)) return { path, unpacked: false };
  const st = statSync(compressed);
  const cached = join(o.cacheDir ?? join(homedir(), '.cache', 'hyperscope'), `${basename(out)}-${st.size}-${Math.floor(st.mtimeMs)}`);
  for (const p of [out, cached]) if (freshCopy(p, compressed)) return { path: p, unpacked: false };
  const xz = o.xz ?? 'xz';
  const size = unpackedSize(xz, compressed);
  for (const target of [out, cached]) {
    o.log?.(`unpacking ${basename(compressed)} (${mb(st.size)} -> ${size ? mb(size) : '?'}) into ${target}, once`);
    try {
      mkdirSync(dirname(target), { recursive: true });
      unpack(xz, compressed, target);
      return { path: target, unpacked: true };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (target === out && code && READ_ONLY.has(code)) continue;
      if (e instanceof UnpackError) throw e;
      throw new UnpackError(`cannot unpack '${compressed}' into '${target}': ${code ?? (e as Error).message}`);
    }
  }
  throw new UnpackError(`cannot unpack '${compressed}': no writable place`); // not reached: the cache throws
}
