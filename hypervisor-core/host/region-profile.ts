/**
 * Region profiles: the guest code regions one `hyperscope run` of a kernel compiled, kept in
 * the cache directory so the next run of the same kernel compiles them at their first look
 * instead of after the entries the weight rule waits for (as JIT profile caches do for managed
 * runtimes). Only when regions compile changes: never what the guest computes, since
 * translated code retires exactly what the interpreter would.
 *
 * Why: a first boot of the Linux sample to its prompt interprets 53 M of its 142 M
 * instructions; of those, 13.5 M are in regions the boot compiles later anyway, interpreted
 * until their entries times their length reach the weight. A boot with the profile of the
 * one before translated 103.0 M instead of 89.5 M and reached the prompt in 1.18-1.23 s
 * against 1.27-1.34 s (in-process, three interleaved pairs).
 *
 * A region's key is its exact code (every instruction word and length) at its exact addresses and host
 * pages (wasm/index.ts), so a hint can only match code that is there: a stale profile (the
 * kernel rebuilt, other options) hints regions no run finds, a cost of nothing but the file.
 *
 *   file = <cache dir>/<kernel file name>-<12 hex digits>.regions, the digits from the kernel's
 *          path, size and modification time and the vCPU count (a 2-vCPU boot compiles regions
 *          a 1-vCPU boot would not: with its profile, a 1-vCPU boot gained half as much);
 *   JSON { "format": "hyperscope-region-profile", "version": 2, "regions": [[key, pcLo], ...] }
 *
 * Anything unreadable, malformed or larger than MAX_PROFILE_BYTES is ignored; writes go
 * through a temporary file and a rename; the directory keeps the 16 most recently used
 * profiles (code-cache.ts pruneCodeCache). HYPERSCOPE_REGION_PROFILE=off turns profiles off
 * (a kernel's first run, as `npm run bench` shows it), HYPERSCOPE_CODE_CACHE=off too.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { codeCacheDir, touch, writeCacheFile } from './code-cache';
import { MAX_RECORDED, RegionHint, hintRegions, recordRegions, recordedRegions } from '../hart/jit/wasm';

const FORMAT = 'hyperscope-region-profile';
// 2: the region weight of the interpreter's WebAssembly fast path (2^20). A profile written
// before (weight 65,536) names regions that now cost more translated than interpreted, and a
// run that compiles a profile's regions records them again, so it would never shrink.
const VERSION = 2;
const SUFFIX = '.regions';
/** The largest profile read or written (the Linux sample's is about 80 KB). */
export const MAX_PROFILE_BYTES = 8 * 1024 * 1024;

/** The profile file of the kernel at `kernelPath` run on `vcpus` vCPUs in `dir`, or null when the kernel cannot be stat'ed. */
export function regionProfileFile(dir: string, kernelPath: string, vcpus: number): string | null {
  try {
    const s = statSync(kernelPath);
    const where = createHash('sha1').update(`${path.resolve(kernelPath)}\0${s.size}\0${s.mtimeMs}\0${vcpus}`).digest('hex').slice(0, 12);
    return path.join(dir, `${path.basename(kernelPath)}-${where}${SUFFIX}`);
  } catch {
    return null;
  }
}

/** The regions of a profile file, or null when it is missing, too large or not a profile. */
export function readRegionProfile(file: string): RegionHint[] | null {
  try {
    if (statSync(file).size > MAX_PROFILE_BYTES) return null;
    const p: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof p !== 'object' || p === null) return null;
    const { format, version, regions } = p as { format?: unknown; version?: unknown; regions?: unknown };
    if (format !== FORMAT || version !== VERSION || !Array.isArray(regions) || regions.length > MAX_RECORDED) return null;
    const out: RegionHint[] = [];
    for (const r of regions as unknown[]) {
      if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || (r[1] as number) !== ((r[1] as number) | 0)) return null;
      out.push([r[0], r[1] as number]);
    }
    return out;
  } catch {
    return null;
  }
}

/** Writes a profile file of `regions` (false when it would be too large or cannot be written). */
export function writeRegionProfile(file: string, regions: readonly RegionHint[]): boolean {
  const bytes = Buffer.from(JSON.stringify({ format: FORMAT, version: VERSION, regions }));
  return bytes.length <= MAX_PROFILE_BYTES && writeCacheFile(file, bytes, SUFFIX);
}

/**
 * For a run of the kernel at `kernelPath` on `vcpus` vCPUs: takes the hints of its profile, if any, and records
 * the regions compiled from now on. Returns what writes the next profile as the run ends (it
 * writes nothing when no region compiled, so a run stopped before any keeps the last profile),
 * or null when profiles are off or the kernel's file has no profile name.
 */
export function useRegionProfile(kernelPath: string, vcpus: number, env: NodeJS.ProcessEnv = process.env): { save(): boolean } | null {
  const dir = env.HYPERSCOPE_REGION_PROFILE === 'off' ? null : codeCacheDir(env);
  const file = dir !== null ? regionProfileFile(dir, kernelPath, vcpus) : null;
  if (file === null) return null;
  const hints = readRegionProfile(file);
  if (hints !== null) {
    hintRegions(hints);
    touch(file);
  }
  recordRegions();
  return {
    save: () => {
      const regions = recordedRegions();
      return regions.length > 0 && writeRegionProfile(file, regions);
    },
  };
}
