/**
 * A throwaway copy of the repository's `samples/` folder for end-to-end tests and `npm start`,
 * with a `.vscode/launch.json` that launches one sample. The copy keeps the folder name
 * `samples` so the DWARF paths the samples record ("samples/hello/hello.c", relative to the
 * repository root) also resolve by the adapter's upward search; `substitutePath` maps them too.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A launch configuration for `<sample>/<sample>.elf` in the samples folder. */
export function sampleLaunchConfig(sample: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'hyperscope',
    request: 'launch',
    name: `Hyperscope: ${sample}`,
    program: `\${workspaceFolder}/${sample}/${sample}.elf`,
    cwd: '${workspaceFolder}',
    // The samples are built with -fdebug-prefix-map to paths relative to the repository root.
    substitutePath: [{ from: 'samples', to: '${workspaceFolder}' }],
    stopOnEntry: false,
    ...extra,
  };
}

/** The samples folder copied to a temp dir, and how to remove it. */
export interface SampleWorkspace {
  /** The copy (named `samples`). */
  folder: string;
  /** Removes the temp dir. Idempotent. */
  dispose(): void;
}

/**
 * Copies the given sample folders of `samplesDir` (and `common/`, the shared sources) to
 * `<tmp>/samples` and writes a launch.json with the given configurations (the first one is what
 * F5 starts). Only the named folders: `samples/` may hold large trees (a Linux build).
 */
export function makeSampleWorkspace(samplesDir: string, samples: string[], configurations: Record<string, unknown>[]): SampleWorkspace {
  const base = mkdtempSync(join(tmpdir(), 'hyperscope-samples-'));
  const folder = join(base, 'samples');
  for (const name of new Set([...samples, 'common'])) {
    if (existsSync(join(samplesDir, name))) cpSync(join(samplesDir, name), join(folder, name), { recursive: true });
  }
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations }, null, 2));
  let gone = false;
  return {
    folder,
    dispose: () => {
      if (gone) return;
      gone = true;
      rmSync(base, { recursive: true, force: true });
    },
  };
}
