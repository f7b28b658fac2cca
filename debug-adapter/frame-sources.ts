/**
 * Stack frames name only source files that exist. DWARF records the files a guest was built
 * from; when they are not on this machine (a kernel's sources not fetched yet), a frame naming
 * one makes VS Code offer "Create File", a dead end. Such a frame gets a source reference
 * instead: VS Code still focuses it (it focuses only frames with a source) and shows, read-only,
 * a few lines saying where the sources were expected and the command that gets them, at the
 * frame's line; the code itself is in the Disassembly view. The debug console says the same
 * once per session.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PathSubstitution } from '../hypervisor-core/debug/source-resolver';

/** What FrameSources needs to know about the launch. */
export interface FrameSourcesOptions {
  /** The launch cwd (relative substitution targets are resolved against it). */
  cwd: string;
  /** The launch's sourceMap/substitutePath rules: a missing file under a target names that folder. */
  substitutions: PathSubstitution[];
  /** The launch's `sourcesCommand`: what to run to get the sources. */
  command?: string;
  /** File existence (tests replace it). */
  exists?: (path: string) => boolean;
}

/** A frame's source after the check. */
export interface CheckedSource {
  /** The path to give the frame; undefined when the file does not exist. */
  path?: string;
  /** For a missing file: the DAP sourceReference whose content explains it (see `content`). */
  reference?: number;
  /** The one line to print on the debug console: set the first time a file is missing. */
  notice?: string;
}

/** The `origin` of a missing file's stand-in source (the extension recognises it). */
export const MISSING_SOURCE_ORIGIN = 'source not on this machine';

/** Most stand-in sources a session hands out (one per missing file and line). */
const MAX_REFERENCES = 4096;
/** Lines of padding a stand-in gets at most (its text sits at the frame's line). */
const MAX_LINE = 200_000;

/** Half of the 64-bit address space and up: a kernel's addresses on RISC-V (Sv39/48/57). */
const KERNEL_HALF = 1n << 63n;

/** Checks frames' source files for one debug session. */
export class FrameSources {
  private told = false;
  private readonly exists: (path: string) => boolean;
  private readonly refs = new Map<string, number>();
  private readonly stand: { path: string; line: number; what: string }[] = [];

  constructor(private readonly o: FrameSourcesOptions) {
    this.exists = o.exists ?? existsSync;
  }

  /** Checks the local path of a frame at `pc` and `line`. */
  check(path: string, pc: bigint, line = 1): CheckedSource {
    if (this.exists(path)) return { path };
    const what = `${pc >= KERNEL_HALF ? 'kernel sources' : 'sources'} not found under ${this.expectedDir(path)}: ${this.how()}`;
    const out: CheckedSource = { reference: this.reference(path, line, what) };
    if (!this.told) {
      this.told = true;
      out.notice = what;
    }
    return out;
  }

  /** The text of a stand-in source, or undefined for a reference this session did not hand out. */
  content(reference: number): string | undefined {
    const s = this.stand[reference - 1];
    if (!s) return undefined;
    const head = [
      `// ${s.path} is not on this machine.`,
      `// ${s.what}, then restart the debug session.`,
      '// Meanwhile the Disassembly view shows the code (Call Stack: right-click a frame, Open Disassembly View).',
    ];
    const lines = Array.from({ length: Math.max(head.length, s.line) }, (_, i) => head[i] ?? '');
    if (s.line > head.length) lines[s.line - 1] = `// line ${s.line} of ${s.path}`;
    return lines.join('\n') + '\n';
  }

  private how(): string {
    return this.o.command ? `run ${this.o.command} to get them` : 'point "sourceMap" in launch.json at them';
  }

  private reference(path: string, line: number, what: string): number | undefined {
    const key = `${line}:${path}`;
    let ref = this.refs.get(key);
    if (ref === undefined && this.stand.length < MAX_REFERENCES) {
      this.stand.push({ path, line: Math.min(Math.max(1, Math.floor(line) || 1), MAX_LINE), what });
      this.refs.set(key, (ref = this.stand.length));
    }
    return ref;
  }

  /** The substitution target the path lies under (the longest), else its highest missing folder. */
  private expectedDir(path: string): string {
    let best = '';
    for (const s of this.o.substitutions) {
      const to = resolve(this.o.cwd, s.to);
      if (path.startsWith(to + '/') && to.length > best.length) best = to;
    }
    if (best) return best;
    let dir = dirname(path);
    while (dirname(dir) !== dir && !this.exists(dirname(dir))) dir = dirname(dir);
    return dir;
  }
}
