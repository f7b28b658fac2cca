/**
 * Starts `hyperscope serve --port 0` as users do (dist/cli.js, built by `npm test`), runs
 * `hyperscope vm ...` against it, and waits for conditions with a generous guard against a
 * hang (no test depends on how fast anything runs).
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { LINUX_IMAGE, LINUX_INITRD, LINUX_PROMPT } from '../guests/linux-cli-boot';
import { ApiClient } from '../../hypervisor-core/serve/client';

export const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
export const GUESTS = path.join(ROOT, 'test', 'guests', 'reproducers', 'build');

/** A daemon started for a test. */
export interface TestDaemon {
  proc: ChildProcess;
  port: number;
  host: string;
  client: ApiClient;
  /** Runs `hyperscope vm ARGS` against this daemon. */
  vm(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Sends SIGINT and resolves to the daemon's exit status. */
  stop(): Promise<number | null>;
}

/** Starts a daemon on a free port, with `serveArgs` (e.g. --host-threads 1). */
export async function startTestDaemon(...serveArgs: string[]): Promise<TestDaemon> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...serveArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`the daemon ended with ${code} before listening: ${stderr}`)));
  });
  const host = `127.0.0.1:${port}`;
  return {
    proc, port, host, client: new ApiClient('127.0.0.1', port),
    vm: (...args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, 'vm', ...args], {
        cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '', env: { ...process.env, HYPERSCOPE_HOST: host },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve(proc.exitCode);
      proc.once('exit', (code) => resolve(code));
      proc.kill('SIGINT');
    }),
  };
}

/** Polls `check` until it returns a value other than undefined; fails after `guardMs` (a hang). */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, guardMs = 90_000): Promise<T> {
  const end = Date.now() + guardMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a VM's console printed so far (the API's history, no following). */
export async function consoleText(d: TestDaemon, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  const s = await d.client.stream(`/v1/vms/${name}/console?follow=0`, (c) => chunks.push(c));
  await s.done;
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Creates daemon VM `name` of the Linux sample (console on ttyS0) with the extra `options`
 * and waits for its shell prompt; the `vm create` status must be 0.
 */
export async function createLinuxVm(d: TestDaemon, name: string, ...options: string[]): Promise<void> {
  const c = d.vm('create', name, LINUX_IMAGE, '--initrd', LINUX_INITRD, '--append', 'console=ttyS0', ...options);
  if (c.status !== 0) throw new Error(`vm create ${name}: status ${c.status}: ${c.stderr}`);
  await until('the shell prompt', async () => (LINUX_PROMPT.test(await consoleText(d, name)) ? true : undefined), 240_000);
}

/**
 * The tick numbers of the ticker guest's complete lines in console text, in order: a line
 * counts once its newline arrived (console text read while the guest prints may end inside
 * one, and "tick 14" of a "tick 146" still being printed is no tick).
 */
export function ticks(text: string): number[] {
  return [...text.matchAll(/^tick (\d+)\r?\n/gm)].map((m) => Number(m[1]));
}

/** Asserts that `seq` counts up by one from `from` (the ticker's ticks: no gap, no repeat). */
export function assertConsecutive(seq: number[], from: number, what: string): void {
  seq.forEach((n, i) => {
    if (n !== from + i) assert.fail(`${what}: tick ${from + i} expected at position ${i}, found ${n} (…${seq.slice(Math.max(0, i - 3), i + 3).join(', ')}…)`);
  });
}
