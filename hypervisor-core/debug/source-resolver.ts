/**
 * Maps source paths recorded in DWARF to local files and back. Recorded paths may be build
 * paths (fixed with `substitutePath` rules, applied in order, first match wins) or relative
 * (gcc -fdebug-prefix-map; the samples record "samples/hello/hello.c"): a relative path is
 * looked up under `cwd`, then under the program's folder and each of its parents; when it is
 * under none, the guess is where most of its folders exist.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';

/** A path substitution: a recorded prefix and its local replacement. */
export interface PathSubstitution {
  from: string;
  to: string;
}

/** Resolves recorded source paths. */
export class SourceResolver {
  private readonly cache = new Map<string, string>();

  /**
   * @param programDir folder of the guest program (relative paths are searched upward from it)
   * @param cwd the launch cwd
   * @param substitutions recorded prefix -> local prefix rules
   */
  constructor(private readonly programDir: string, private readonly cwd: string,
    private readonly substitutions: PathSubstitution[] = []) {}

  /** The local path of a recorded path (the best guess when no file exists). */
  toLocal(recorded: string): string {
    let hit = this.cache.get(recorded);
    if (hit === undefined) this.cache.set(recorded, (hit = this.find(recorded)));
    return hit;
  }

  private find(recorded: string): string {
    let p = recorded;
    for (const s of this.substitutions) {
      if (p === s.from || p.startsWith(s.from.endsWith('/') ? s.from : s.from + '/')) {
        p = s.to + p.slice(s.from.length);
        break;
      }
    }
    if (isAbsolute(p)) return normalize(p);
    const bases = [resolve(this.cwd)];
    for (let d = resolve(this.programDir); ; d = dirname(d)) {
      bases.push(d);
      if (dirname(d) === d) break;
    }
    const hit = bases.map((d) => join(d, p)).find((c) => existsSync(c));
    return hit ?? join(bestBase(bases, p), p);
  }

  /** The recorded paths (of `recorded`) that name the local file `local`. */
  matching(local: string, recorded: Iterable<string>): string[] {
    const want = normalize(resolve(this.cwd, local));
    const out: string[] = [];
    for (const r of recorded) if (this.toLocal(r) === want) out.push(r);
    if (out.length > 0) return out;
    // No exact match: the longest recorded path that is a suffix of the local path.
    let best = '';
    for (const r of recorded) if (r.length > best.length && want.endsWith('/' + normalize(r).replace(/^(\.\.\/)+/, ''))) best = r;
    return best ? [best] : [];
  }
}

/**
 * For a file that exists under none of the bases: the base under which most of its leading
 * folders exist, so the guess (and the "not found under" message) points where the sources
 * belong ("samples/linux/build/..." under the repository, not under samples/samples/...).
 */
function bestBase(bases: string[], relative: string): string {
  const parts = normalize(relative).split('/').slice(0, -1);
  let best = bases[0];
  let bestDepth = 0;
  for (const base of bases) {
    let depth = 0;
    while (depth < parts.length && existsSync(join(base, ...parts.slice(0, depth + 1)))) depth++;
    if (depth > bestDepth) [best, bestDepth] = [base, depth];
  }
  return best;
}
