/**
 * Runs `hyperscope run ... --gdb 0` (a free port, named on stderr) and gdb-multiarch in batch
 * mode against it, as a user would. gdb-multiarch missing skips the suite, or fails it under
 * HYPERSCOPE_E2E=1 (CI, where scripts/e2e/setup.sh installs it), as e2e's requireTools does.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root (tests run from out/test/gdb). */
export const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'hyperscope.js');
/** The gdb the tests drive. */
export const GDB = process.env.HYPERSCOPE_GDB || 'gdb-multiarch';

/** Skips the suite without gdb-multiarch, or fails it in CI. Call from a `before` hook. */
export function requireGdb(ctx: Mocha.Context): void {
  const r = spawnSync(GDB, ['--version'], { encoding: 'utf8' });
  if (!r.error && r.status === 0) return;
  if (process.env.HYPERSCOPE_E2E === '1') throw new Error(`${GDB} is missing: apt-get install gdb-multiarch (scripts/e2e/setup.sh does)`);
  console.log(`    (skipped: ${GDB} is not installed; apt-get install gdb-multiarch)`);
  ctx.skip();
}

/** A running stub. */
export interface Stub {
  port: number;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit status. */
  exited: Promise<number | null>;
}

/** Starts `hyperscope run <args> --gdb 0` and resolves once it listens. */
export function startStub(args: string[]): Promise<Stub> {
  const proc = spawn(process.execPath, [CLI, 'run', ...args, '--gdb', '0'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => { proc.kill(); reject(new Error(`the stub did not listen: ${err}`)); }, 20_000);
    proc.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /waiting for gdb on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(guard);
        resolve({ port: Number(m[1]), proc, stdout: () => out, stderr: () => err, exited });
      }
    });
    proc.on('exit', () => { clearTimeout(guard); reject(new Error(`the stub ended before listening: ${err}`)); });
  });
}

/**
 * Runs gdb-multiarch -batch -nx on `file` against the stub with `commands`; resolves with its
 * output. `withGdb` gets a function that sends gdb SIGINT (what Ctrl-C at its prompt sends).
 */
export function runGdb(file: string, port: number, commands: string[], withGdb?: (interrupt: () => void) => void, timeoutMs = 60_000):
  Promise<{ stdout: string; stderr: string; status: number | null }> {
  const args = ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set width 0',
    '-ex', `file ${file}`, '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of commands) args.push('-ex', c);
  const gdb = spawn(GDB, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  gdb.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  withGdb?.(() => gdb.kill('SIGINT'));
  gdb.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => {
    const guard = setTimeout(() => gdb.kill('SIGKILL'), timeoutMs); // a hang fails the test, never the run
    gdb.on('exit', (status) => { clearTimeout(guard); resolve({ stdout, stderr, status }); });
  });
}

/** Ends a stub that is still running (by its pid). */
export function stopStub(s: Stub | undefined): void {
  if (s && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
}

/** gdb in MI mode (how IDEs such as cpptools drive it): send a command, wait for a record. */
export class MiGdb {
  private out = '';
  private readonly gdb: ChildProcess;
  private waiters: (() => void)[] = [];
  constructor() {
    this.gdb = spawn(GDB, ['--interpreter=mi2', '-nx'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.gdb.stdout!.on('data', (b: Buffer) => { this.out += b.toString(); for (const w of this.waiters.splice(0)) w(); });
  }
  /** Sends `command` and resolves with the first new output line matching `re` (a 30 s guard fails a hang). */
  async run(command: string, re: RegExp): Promise<string> {
    const from = this.out.length;
    this.gdb.stdin!.write(command + '\n');
    const deadline = Date.now() + 30_000;
    for (;;) {
      // Complete lines only: a record may arrive in several chunks.
      const text = this.out.slice(from);
      const line = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').find((l) => re.test(l));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no ${re} after '${command}':\n${this.out.slice(from)}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 500); });
    }
  }
  /** Ends gdb (by its pid). */
  close(): void {
    if (this.gdb.exitCode === null) this.gdb.kill();
  }
}
