/**
 * Times a console session of a guest: start a VMM process, wait for the shell prompt, type
 * commands one prompt at a time, and wait for the process to end. Used by `npm run bench`
 * for the Linux boot, with Hyperscope and with QEMU alike.
 */
import { spawn } from 'node:child_process';

/** Timings of one session, in seconds from the start of the process. */
export interface SessionTiming {
  prompt: number;
  exit: number;
  status: number | null;
  output: string;
}

const PROMPT = /\/\S* # $/;

/** Runs `command args` (with `env` added to this process's environment), answering each prompt with the next of `commands`. */
export function timeSession(command: string, args: string[], commands: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<SessionTiming> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '', next = 0, prompt = -1;
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${command}: no result in ${timeoutMs / 1000} s`)); }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (next < commands.length && PROMPT.test(output)) {
        if (prompt < 0) prompt = (performance.now() - t0) / 1000;
        output += '\n';
        p.stdin.write(commands[next++] + '\n');
      }
    });
    p.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ prompt, exit: (performance.now() - t0) / 1000, status, output });
    });
  });
}
