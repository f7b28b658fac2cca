/**
 * The launch configurations "create a launch.json" and F5 offer, from what a scan of the
 * workspace found: one per RISC-V ELF and one per Linux Image, with the attributes the files
 * around them call for. No vscode import (unit tested); paths are workspace-relative with '/'
 * (absolute, with an empty root, when there is no workspace folder).
 *
 * - an ELF gets as many vCPUs as its largest `expected-smp<N>.txt` beside it says it was
 *   checked with (the samples' smp: 4), and the `*.img` beside it as a snapshot disk with an
 *   entropy device (the virtio sample), so a debug session never changes a committed image;
 * - a Linux Image gets the initramfs beside it (`*.cpio.gz`, `*.cpio`, `initrd*`), `vmlinux.xz`
 *   (or `vmlinux`) as symbols, a serial console, 2 vCPUs, the icount clock, and the
 *   `get-sources.sh` beside it as the command that gets its sources.
 */
import type { HyperscopeLaunchArgs } from '../debug-adapter/launch-config';

/** A launch configuration as launch.json holds it. */
export interface LaunchConfig extends Omit<HyperscopeLaunchArgs, 'clock'> {
  type: 'hyperscope';
  request: 'launch';
  name: string;
  program: string;
  clock?: 'realtime' | 'icount';
}

/** What a workspace scan found (workspace-relative paths). */
export interface ScannedGuests {
  /** RISC-V ELF executables (header checked). */
  elfs: string[];
  /** RISC-V Linux Images (header checked). */
  images: string[];
  /** Other files the rules look at: disk images, initramfs, vmlinux(.xz), expected-smp<N>.txt, get-sources.sh. */
  others: string[];
}

/** The file name patterns the scan collects into `others` (a VS Code glob). */
export const COMPANION_GLOB = '**/{*.img,*.cpio,*.cpio.gz,initrd*,initramfs*,vmlinux,vmlinux.xz,expected-smp*.txt,get-sources.sh}';

/** The debug type. */
export const DEBUG_TYPE = 'hyperscope';

const dirOf = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
/** The workspace folder as launch.json names it. */
export const WORKSPACE = '${workspaceFolder}';
/** A path in a configuration: under `root` (the workspace folder), or as is when there is none. */
const at = (root: string, rel: string): string => (root ? `${root}/${rel}` : rel);

/** Files directly in the folder of `path`, by name. */
function siblings(path: string, all: string[]): string[] {
  const dir = dirOf(path);
  return all.filter((f) => dirOf(f) === dir && f !== path).map(baseOf).sort();
}

/** Nearest to the workspace root first, then by path. */
function byDepth(a: string, b: string): number {
  return a.split('/').length - b.split('/').length || a.localeCompare(b);
}

/** The configuration for one RISC-V ELF. */
export function elfConfig(elf: string, others: string[] = [], root = WORKSPACE): LaunchConfig {
  const near = siblings(elf, others);
  const smp = near.map((n) => /^expected-smp(\d+)\.txt$/.exec(n)).filter((m) => m).map((m) => Number(m![1]));
  const disks = near.filter((n) => n.endsWith('.img'));
  const c: LaunchConfig = {
    type: DEBUG_TYPE, request: 'launch', name: `Hyperscope: ${elf}`, program: at(root, elf),
    vcpus: smp.length ? Math.min(32, Math.max(...smp)) : 1, memory: '128M', stopOnEntry: true, clock: 'realtime',
  };
  if (disks.length) {
    c.disks = disks.slice(0, 7).map((d) => ({ path: at(root, dirOf(elf) + d), snapshot: true }));
    c.rng = true;
  }
  return c;
}

/** The configuration for one Linux Image. */
export function imageConfig(image: string, others: string[] = [], root = WORKSPACE): LaunchConfig {
  const near = siblings(image, others);
  const dir = dirOf(image);
  const initrd = near.find((n) => /\.cpio(\.gz)?$/.test(n)) ?? near.find((n) => /^initr(d|amfs)/.test(n));
  // The .xz when there is one: the adapter unpacks it once and again when it is rebuilt.
  const symbols = near.includes('vmlinux.xz') ? 'vmlinux.xz' : near.includes('vmlinux') ? 'vmlinux' : undefined;
  const c: LaunchConfig = {
    type: DEBUG_TYPE, request: 'launch', name: `Hyperscope: Linux ${image}`, program: at(root, image),
    args: 'console=ttyS0', vcpus: 2, memory: '128M', stopOnEntry: false, clock: 'icount',
  };
  if (initrd) c.initrd = at(root, dir + initrd);
  if (symbols) c.symbols = [{ path: at(root, dir + symbols) }];
  if (near.includes('get-sources.sh')) c.sourcesCommand = `bash ${dir}get-sources.sh`;
  return c;
}

/** Every configuration for what the scan found: the ELFs, then the Linux Images. */
export function launchConfigurations(found: ScannedGuests, root = WORKSPACE): LaunchConfig[] {
  return [
    ...[...found.elfs].sort(byDepth).map((e) => elfConfig(e, found.others, root)),
    ...[...found.images].sort(byDepth).map((i) => imageConfig(i, found.others, root)),
  ];
}
