/**
 * Maps source paths recorded in DWARF to local files and back. Recorded paths may be build
 * paths (fixed with `substitutePath` rules, applied in order, first match wins) or relative
 * (gcc -fdebug-prefix-map; the samples record "samples/hello/hello.c"): a relative path is
 * looked up under `cwd`, then under the program's folder and each of its parents.
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
    const candidates = [resolve(this.cwd, p)];
    for (let d = resolve(this.programDir); ; d = dirname(d)) {
      candidates.push(join(d, p));
      if (dirname(d) === d) break;
    }
    return candidates.find((c) => existsSync(c)) ?? candidates[0];
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
