/**
 * Stack frames name only source files that exist. DWARF records the files a guest was built
 * from; when they are not on this machine (a kernel's sources not fetched yet), a frame naming
 * one makes VS Code offer "Create File", a dead end. Such a frame gets no source, so VS Code
 * shows its disassembly, and the debug console says once per session where the sources were
 * expected and the command that gets them.
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
  /** The one line to print on the debug console: set the first time a file is missing. */
  notice?: string;
}

/** Half of the 64-bit address space and up: a kernel's addresses on RISC-V (Sv39/48/57). */
const KERNEL_HALF = 1n << 63n;

/** Checks frames' source files for one debug session. */
export class FrameSources {
  private told = false;
  private readonly exists: (path: string) => boolean;

  constructor(private readonly o: FrameSourcesOptions) {
    this.exists = o.exists ?? existsSync;
  }

  /** Checks the local path of a frame at `pc`. */
  check(path: string, pc: bigint): CheckedSource {
    if (this.exists(path)) return { path };
    if (this.told) return {};
    this.told = true;
    const what = pc >= KERNEL_HALF ? 'kernel sources' : 'sources';
    const how = this.o.command
      ? `run ${this.o.command} to get them`
      : 'frames show disassembly; point "sourceMap" in launch.json at them';
    return { notice: `${what} not found under ${this.expectedDir(path)}: ${how}` };
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
