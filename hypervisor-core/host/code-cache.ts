/**
 * Loads a CommonJS bundle with a V8 code cache, so that a fresh `hyperscope` process does not
 * compile the same megabyte of JavaScript again (Node 20 has no module.enableCompileCache).
 *
 * Why: compiling dist/cli-main.js took about 40 ms of every start, and each function the run
 * then calls for the first time (the interpreter, the loaders, the board) was compiled again
 * in every process. The cache is V8's serialised bytecode of the bundle as it stood when the
 * process that wrote it exited (`vm.Script#createCachedData`), so it holds those functions too.
 *
 * A cache file is used only when it was written for exactly this bundle, Node, V8, architecture
 * and V8 flags (the key: a SHA-1 of all of them) and its payload is intact (a SHA-1 of it); V8
 * checks its own version and flags again. Anything else (missing, foreign, truncated, corrupt,
 * refused by V8) is ignored, the bundle compiles from source as `require` would, and the cache
 * is written anew when the process exits. Nothing here may stop the command: an unwritable or
 * unreadable cache directory only means the next process compiles from source too.
 *
 *   file  = MAGIC (8 bytes) | key (20) | SHA-1 of payload (20) | payload (V8 cached data)
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import * as vm from 'node:vm';

const MAGIC = Buffer.from('HSV8CC1\n', 'latin1');
const HEADER = MAGIC.length + 20 + 20;

/** How a load went: whether a cache file was used, and whether a fresh one will be written. */
export interface CodeCacheLoad {
  /** 'used': V8 took the cache; 'none': no usable file; 'rejected': a file for this key that V8 refused. */
  readonly cache: 'used' | 'none' | 'rejected';
  /** The cache file (null: caching is off). */
  readonly file: string | null;
}

/**
 * Where code caches live: $HYPERSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/hyperscope, else
 * ~/.cache/hyperscope; null when HYPERSCOPE_CODE_CACHE is `off` or `0`.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const off = env.HYPERSCOPE_CODE_CACHE;
  if (off === 'off' || off === '0') return null;
  if (env.HYPERSCOPE_CACHE_DIR) return path.join(env.HYPERSCOPE_CACHE_DIR, 'code-cache');
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'hyperscope', 'code-cache');
}

/**
 * The cache file of `bundle` in `dir`: one per bundle path and set of Node options, so two
 * checkouts, or runs with and without a V8 flag, never take turns overwriting one file.
 */
export function codeCacheFile(dir: string, bundle: string): string {
  const where = createHash('sha1').update(path.resolve(bundle)).update(`\0${process.execArgv.join('\0')}`).digest('hex').slice(0, 12);
  return path.join(dir, `${path.basename(bundle, '.js')}-${where}.v8cache`);
}

/**
 * The key a cache file must carry: the bundle's bytes and everything else V8's bytecode
 * depends on (v8.cachedDataVersionTag: V8's version, its flags and the CPU's features).
 */
export function codeCacheKey(source: Buffer): Buffer {
  return createHash('sha1')
    .update(source)
    .update(`\0${process.version}\0${process.arch}\0${cachedDataVersionTag()}\0${process.execArgv.join(' ')}`)
    .digest();
}

/** The payload of `file` when it is a whole cache file for `key`, else undefined. */
export function readCodeCache(file: string, key: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined; // missing or unreadable: compile from source
  }
  if (data.length <= HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!data.subarray(MAGIC.length, MAGIC.length + 20).equals(key)) return undefined;
  const payload = data.subarray(HEADER);
  const sum = createHash('sha1').update(payload).digest();
  return sum.equals(data.subarray(MAGIC.length + 20, HEADER)) ? payload : undefined;
}

/**
 * Cache files kept in a directory: each bundle path and set of Node options has a file of its
 * own (some 0.8 MB for dist/cli-main.js), so every checkout, extension version and temporary
 * copy would otherwise leave one there for good.
 */
export const CODE_CACHE_FILES_KEPT = 16;
/** Age after which a leftover temporary file (a writer that died before its rename) is removed. */
const STALE_TMP_MS = 10 * 60_000;

/**
 * Writes a cache file through a temporary name and a rename, so a concurrent reader sees the
 * old file or the new one, never half of one, then prunes the directory (pruneCodeCache).
 * Errors are swallowed: a cache is an optimisation.
 */
export function writeCodeCache(file: string, key: Buffer, payload: Buffer): boolean {
  const sum = createHash('sha1').update(payload).digest();
  return writeCacheFile(file, Buffer.concat([MAGIC, key, sum, payload]), CODE_CACHE_SUFFIX);
}

/**
 * Writes `bytes` to a file of the cache directory as writeCodeCache does (a temporary name, a
 * rename, then pruneCodeCache over the files ending in `suffix`). False on any error.
 */
export function writeCacheFile(file: string, bytes: Uint8Array, suffix: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    pruneCodeCache(path.dirname(file), CODE_CACHE_FILES_KEPT, suffix);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    return false;
  }
}

/** Marks a cache file used now (pruneCodeCache keeps the most recently used), if it can. */
export function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // a read-only cache directory: the file may be pruned earlier, nothing worse
  }
}

/** Whether `name` is a temporary file of a writer of `suffix` files (`<file><suffix>.<pid>.tmp`). */
function isTmpOf(name: string, suffix: string): boolean {
  const m = /\.(\d+)\.tmp$/.exec(name);
  return m !== null && name.slice(0, m.index).endsWith(suffix);
}

/** The name ending of code cache files. */
const CODE_CACHE_SUFFIX = '.v8cache';

/**
 * Keeps the `kept` most recently written or used cache files of `dir` and removes the older ones, and
 * temporary files left by writers that died (older than ten minutes). Only files of one kind
 * are touched (`*<suffix>` and `*<suffix>.<pid>.tmp`, code caches by default); any error
 * leaves the rest as it is.
 */
export function pruneCodeCache(dir: string, kept = CODE_CACHE_FILES_KEPT, suffix = CODE_CACHE_SUFFIX): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const caches: { file: string; mtime: number }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (name.endsWith(suffix)) caches.push({ file, mtime: statSync(file).mtimeMs });
      else if (isTmpOf(name, suffix) && now - statSync(file).mtimeMs > STALE_TMP_MS) unlinkSync(file);
    } catch {
      // gone meanwhile (another process pruned it), or not ours to read: left alone
    }
  }
  caches.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of caches.slice(kept)) {
    try {
      unlinkSync(file);
    } catch {
      // another process removed it first
    }
  }
}

/**
 * Runs the CommonJS bundle `bundle` as `require` would (its own `require`, `module`,
 * `__filename` and `__dirname`), compiled from the code cache in `dir` when there is a good
 * one; with `dir` null, or when the cache machinery itself fails, it is simply required.
 */
export function loadWithCodeCache(bundle: string, dir: string | null = codeCacheDir()): CodeCacheLoad {
  const file = path.resolve(bundle);
  if (dir === null) {
    require(file);
    return { cache: 'none', file: null };
  }
  let script: vm.Script;
  let key: Buffer;
  let cacheFile: string;
  let cache: CodeCacheLoad['cache'];
  try {
    const bytes = readFileSync(file);
    // esbuild writes ASCII (non-ASCII characters escaped): latin1 then reads the same string without UTF-8 decoding.
    const source = Module.wrap(isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'));
    key = codeCacheKey(bytes);
    cacheFile = codeCacheFile(dir, file);
    const cachedData = readCodeCache(cacheFile, key);
    script = new vm.Script(source, { filename: file, cachedData });
    cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
    if (cache === 'used') touch(cacheFile);
  } catch {
    require(file);
    return { cache: 'none', file: null };
  }
  if (cache !== 'used') {
    // At exit every function the command ran is compiled: the next process gets them all.
    const tag = cachedDataVersionTag();
    process.once('exit', () => {
      // V8 flags set while running (the vCPU threads' compiler policy) would make the next
      // process refuse this cache, and so write it again, every time.
      if (cachedDataVersionTag() !== tag) return;
      try {
        writeCodeCache(cacheFile, key, script.createCachedData());
      } catch {
        // the process is ending; the next one compiles from source again
      }
    });
  }
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module,
    filename: string, dirname: string) => void;
  const mod = new Module(file, require.main);
  mod.filename = file;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return { cache, file: cacheFile };
}

/**
 * A bundle for a worker thread to run through a code cache (`WORKER_BOOTSTRAP`): a worker is a
 * V8 isolate of its own, which compiles its script from source at every start (the vCPU
 * threads' dist/vcpu-worker.js: some 40 ms of each thread's start, measured below). The
 * parent reads the bundle and its cache once; the worker compiles with it.
 */
export interface WorkerCode {
  filename: string;
  /** The bundle wrapped as a CommonJS module (Module.wrap). */
  source: string;
  /** V8's cached data for it, when there is a good cache file. */
  cachedData?: Uint8Array;
  /** Where a worker writes a fresh cache (`writeWorkerCodeCache`): set when there was no good one. */
  cacheFile?: string;
  /** The key that cache file must carry. */
  key?: Uint8Array;
}

const workerCodes = new Map<string, WorkerCode>();

/**
 * `bundle` and its code cache in `dir`, for workers started from now on (read once per
 * process and V8 flags: the flags the workers start under decide which cache fits); null when
 * caching is off or the bundle cannot be read, and the worker should run the file itself.
 */
export function readWorkerCode(bundle: string, dir: string | null = codeCacheDir()): WorkerCode | null {
  if (dir === null) return null;
  const filename = path.resolve(bundle);
  const memo = `${filename}\0${cachedDataVersionTag()}`;
  const known = workerCodes.get(memo);
  if (known) return known;
  let code: WorkerCode;
  try {
    const bytes = readFileSync(filename);
    const source = Module.wrap(isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'));
    const key = codeCacheKey(bytes);
    const cacheFile = codeCacheFile(dir, filename);
    const cachedData = readCodeCache(cacheFile, key);
    code = cachedData ? { filename, source, cachedData } : { filename, source, cacheFile, key };
    if (cachedData) touch(cacheFile);
  } catch {
    return null;
  }
  workerCodes.set(memo, code);
  return code;
}

/** A worker wrote the cache of `bundle` (`writeWorkerCodeCache`): workers started from now on read it. */
export function workerCodeWritten(bundle: string): void {
  const filename = path.resolve(bundle);
  for (const k of workerCodes.keys()) if (k.startsWith(`${filename}\0`)) workerCodes.delete(k);
}

/**
 * A worker's script (`new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { code } })`, code
 * from `readWorkerCode`): compiles the bundle with its cached data and runs it as `require`
 * would. The script is kept where `writeWorkerCodeCache` finds it.
 */
export const WORKER_BOOTSTRAP = `'use strict';
const { workerData } = require('node:worker_threads');
const vm = require('node:vm');
const Module = require('node:module');
const path = require('node:path');
const c = workerData.code;
const script = new vm.Script(c.source, { filename: c.filename, cachedData: c.cachedData ? Buffer.from(c.cachedData.buffer, c.cachedData.byteOffset, c.cachedData.byteLength) : undefined });
globalThis[Symbol.for('hyperscope.workerScript')] = script;
const mod = new Module(c.filename, null);
mod.filename = c.filename;
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(c.filename), mod, c.filename, path.dirname(c.filename));
mod.loaded = true;`;

/**
 * In a worker started from `WORKER_BOOTSTRAP` with no good cache: writes the cache of its
 * script as it stands now (every function the worker ran so far is compiled in it). Call it
 * before the worker is terminated: `Worker.terminate()` runs no exit handler. False when
 * there was nothing to write or it failed (a cache is an optimisation).
 */
export function writeWorkerCodeCache(code: WorkerCode | undefined): boolean {
  const script = (globalThis as Record<symbol, unknown>)[Symbol.for('hyperscope.workerScript')];
  if (!code?.cacheFile || !code.key || !(script instanceof vm.Script)) return false;
  try {
    return writeCodeCache(code.cacheFile, Buffer.from(code.key), script.createCachedData());
  } catch {
    return false;
  }
}
