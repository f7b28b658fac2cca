/**
 * Boots the Linux sample with `hyperscope run` (icount clock) and extra run options, types
 * each command at a shell prompt, and returns the exit status, the console and the
 * `--stats-json` report: the shared harness of the tests that boot Linux under each
 * virtualization technique.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExitStatsReport } from '../../hypervisor-core/hypervisor/stats/report';
import { ROOT } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
/** The Linux sample's kernel and initramfs. */
export const LINUX_IMAGE = path.join(ROOT, 'samples', 'linux', 'Image');
export const LINUX_INITRD = path.join(ROOT, 'samples', 'linux', 'initramfs.cpio.gz');
/** The busybox shell's prompt at the end of the console ("/ # ", "/tmp # "). */
export const LINUX_PROMPT = /\/\S* # $/;

/** Whether the Linux sample is in the checkout (a test skips without it). */
export function haveLinuxSample(): boolean {
  return existsSync(LINUX_IMAGE) && existsSync(LINUX_INITRD);
}

/** What a boot gave. */
export interface LinuxBoot {
  status: number | null;
  output: string;
  stats: ExitStatsReport;
}

/**
 * Boots the sample with the run options `options` (e.g. `['--vcpus', '2', '--mmu', 'shadow']`),
 * sends each command at a prompt; rejects after `timeoutMs` with the console's tail.
 */
export function bootLinuxCli(options: string[], commands: string[], timeoutMs: number): Promise<LinuxBoot> {
  const json = path.join(mkdtempSync(path.join(os.tmpdir(), 'hs-linux-boot-')), 'stats.json');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'run', LINUX_IMAGE, '--initrd', LINUX_INITRD, '--append', 'console=ttyS0',
      '--clock', 'icount', ...options, '--stats-json', json], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let next = 0;
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`timeout; output so far:\n${output.slice(-3000)}`)); }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (next < commands.length && LINUX_PROMPT.test(output)) {
        output += '\n';
        p.stdin.write(commands[next++] + '\n');
      }
    });
    p.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    p.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, output, stats: JSON.parse(readFileSync(json, 'utf8')) as ExitStatsReport });
    });
  });
}
