/**
 * The `hyperscope` launch configuration: validates what VS Code sends and reads the files,
 * turning every problem into a LaunchError with a one-line message (the DAP error the user
 * sees): missing or unreadable program, not a RISC-V kernel, bad memory size or vCPU count.
 */
import { codeAddr } from '../hypervisor-core/debug/address';
import { resolve } from 'node:path';
import { parseElf } from '../hypervisor-core/machine/loaders/elf';
import { ELF_FILE_LIMIT, guestRamLimit, readGuestFile, readKernelFile } from '../hypervisor-core/machine/loaders/read-guest-file';
import type { DebugLaunchOptions } from '../hypervisor-core/debug/guest-debugger';
import type { PathSubstitution } from '../hypervisor-core/debug/source-resolver';
import { debugThreadCount } from '../hypervisor-core/debug/debug-threads';
import { findSymbolFile, UnpackError } from './compressed-symbols';
import { openDisks, type LaunchDisk } from './launch-disks';
import { NetConfigError, SWITCH_IN_ONE_VM, parseNetSpec, type NetOptions } from '../hypervisor-core/net/net-config';

/** The launch request's arguments (see package.json configurationAttributes). */
export interface HyperscopeLaunchArgs {
  program?: string;
  initrd?: string;
  args?: string;
  vcpus?: number;
  /** Host threads the vCPUs run on (default as `hyperscope run`: the host's cores but one, at most the vCPUs; 1 with icount). */
  threads?: number;
  memory?: string | number;
  stopOnEntry?: boolean;
  symbols?: { path: string; offset?: string | number }[];
  sourceMap?: Record<string, string>;
  substitutePath?: { from: string; to: string }[];
  clock?: string;
  cwd?: string;
  /** Virtio block disks, /dev/vda first; `snapshot` keeps the guest's writes in memory. */
  disks?: LaunchDisk[];
  /** A virtio entropy device. */
  rng?: boolean;
  /** False: interpret every instruction (no block translation), as `hyperscope run --no-jit`. */
  jit?: boolean;
  /** "default" (SBI from the hypervisor) or "none" (the kernel starts in M-mode, QEMU's -bios none). */
  bios?: string;
  /** AIA (APLIC + IMSICs, exit-less interrupts) instead of the PLIC, as `hyperscope run --aia`. */
  aia?: boolean;
  /** A virtio memory balloon (`hyperscope run --balloon`); `balloonTarget` ("64M") inflates it once the guest's driver is up. */
  balloon?: boolean;
  balloonTarget?: string | number;
  /** "two-stage" (default) or "shadow": the memory virtualisation, as `hyperscope run --mmu`. */
  mmu?: string;
  /** "hardware" (default) or "trap-emulate": the CPU virtualisation, as `hyperscope run --cpu-virt`. */
  cpuVirt?: string;
  /**
   * A virtio network device on QEMU's user-mode network, as `hyperscope run --net`:
   * "user[,hostfwd=tcp:127.0.0.1:HOSTPORT-:GUESTPORT]...[,mac=...]".
   */
  net?: string;
  /** The command that gets the program's sources, named when a frame's source file is missing. */
  sourcesCommand?: string;
}

/** The balloon's target in bytes (0 when not given), at most the guest RAM. */
function balloonTarget(v: string | number | undefined, memory: number): number {
  if (v === undefined) return 0;
  let n: number;
  try {
    n = parseMemorySize(v);
  } catch {
    throw new LaunchError(`balloonTarget must be a size such as "64M", not ${JSON.stringify(v)}`);
  }
  if (n > memory) throw new LaunchError(`balloonTarget (${JSON.stringify(v)}) must not exceed the guest memory`);
  return n;
}

/** A configuration problem (one line). */
export class LaunchError extends Error {}

const MIN_MEMORY = 16 * 1024 * 1024;
const MAX_MEMORY = 2048 * 1024 * 1024;

/** Parses "128M", "1G", "65536" or a number of bytes. */
export function parseMemorySize(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v <= 0) throw new LaunchError(`invalid memory size ${v}`);
    return v;
  }
  const m = /^\s*(\d+)\s*([KMG]?)(i?B)?\s*$/i.exec(v);
  if (!m) throw new LaunchError(`invalid memory size '${v}' (use e.g. "128M" or "1G")`);
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
}

/** A symbols offset written as a string: decimal or hex, optionally negative; NaN when malformed. */
function parseOffset(text: string): number {
  const m = /^\s*(-?)(0x[0-9a-f]+|\d+)\s*$/i.exec(text);
  if (!m) return NaN;
  const v = BigInt(m[2]);
  return codeAddr(m[1] ? -v : v);
}

/** Reads a guest file through the core's bounded reader (size checked before reading). */
function readInput(read: () => Uint8Array): Uint8Array {
  try {
    return read();
  } catch (e) {
    throw new LaunchError((e as Error).message);
  }
}

/** The most symbol files one launch reads (each may be up to ELF_FILE_LIMIT). */
const MAX_SYMBOL_FILES = 16;

const describe = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
};

/** Checks the type of each attribute the client sent (any client: not only VS Code's schema-checked ones). */
function checkTypes(a: HyperscopeLaunchArgs): void {
  const raw = a as Record<string, unknown>;
  const wrong = (name: string, what: string) => new LaunchError(`${name} must be ${what}, not ${describe(raw[name])}`);
  for (const name of ['program', 'initrd', 'args', 'clock', 'cwd', 'sourcesCommand', 'bios', 'mmu', 'cpuVirt', 'net']) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') throw wrong(name, 'a string');
  }
  for (const name of ['stopOnEntry', 'rng', 'jit', 'aia', 'balloon']) {
    if (raw[name] !== undefined && typeof raw[name] !== 'boolean') throw wrong(name, 'true or false');
  }
  if (raw.memory !== undefined && typeof raw.memory !== 'string' && typeof raw.memory !== 'number') throw wrong('memory', 'a size such as "128M"');
  if (raw.balloonTarget !== undefined && typeof raw.balloonTarget !== 'string' && typeof raw.balloonTarget !== 'number') {
    throw wrong('balloonTarget', 'a size such as "64M"');
  }
  if (raw.symbols !== undefined) {
    if (!Array.isArray(raw.symbols)) throw wrong('symbols', 'a list of { path, offset }');
    if (raw.symbols.length > MAX_SYMBOL_FILES) throw new LaunchError(`symbols lists ${raw.symbols.length} files, at most ${MAX_SYMBOL_FILES}`);
    raw.symbols.forEach((s: unknown, i) => {
      const e = s as Record<string, unknown>;
      if (typeof e !== 'object' || e === null || typeof e.path !== 'string') throw new LaunchError(`symbols[${i}] must be { path, offset }, not ${describe(s)}`);
      if (e.offset !== undefined && typeof e.offset !== 'string' && typeof e.offset !== 'number') throw new LaunchError(`symbols[${i}].offset must be a number or a hex string`);
    });
  }
  if (raw.sourceMap !== undefined) {
    const m = raw.sourceMap;
    if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.values(m).some((v) => typeof v !== 'string')) throw wrong('sourceMap', 'an object of paths');
  }
  if (raw.substitutePath !== undefined) {
    const l = raw.substitutePath;
    if (!Array.isArray(l) || l.some((e) => typeof e !== 'object' || e === null || typeof e.from !== 'string' || typeof e.to !== 'string')) {
      throw wrong('substitutePath', 'a list of { from, to }');
    }
  }
}

/**
 * Validates the arguments and reads the files into the facade's launch options. `log` gets the
 * lines worth a word on the debug console (a symbol file unpacked on first use).
 */
export function resolveLaunch(a: HyperscopeLaunchArgs, log?: (line: string) => void): DebugLaunchOptions & { stopOnEntry: boolean; net?: NetOptions } {
  checkTypes(a);
  const cwd = resolve(a.cwd ?? process.cwd());
  if (typeof a.program !== 'string' || a.program.trim() === '') throw new LaunchError("the launch configuration needs 'program' (the guest ELF or Image)");
  const programPath = resolve(cwd, a.program);
  const vcpus = a.vcpus ?? 1;
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 32) throw new LaunchError(`vcpus must be an integer from 1 to 32, not ${JSON.stringify(a.vcpus)}`);
  if (a.threads !== undefined && (!Number.isInteger(a.threads) || a.threads < 1 || a.threads > 32)) {
    throw new LaunchError(`threads must be an integer from 1 to 32, not ${JSON.stringify(a.threads)}`);
  }
  const memory = parseMemorySize(a.memory ?? '128M');
  if (memory < MIN_MEMORY || memory > MAX_MEMORY || memory % 4096 !== 0) {
    throw new LaunchError(`memory must be a multiple of 4K from 16M to 2G, not ${JSON.stringify(a.memory)}`);
  }
  const clock = a.clock ?? 'realtime';
  if (clock !== 'realtime' && clock !== 'icount') throw new LaunchError(`clock must be "realtime" or "icount", not ${JSON.stringify(a.clock)}`);
  const bios = a.bios ?? 'default';
  if (bios !== 'default' && bios !== 'none') throw new LaunchError(`bios must be "default" or "none", not ${JSON.stringify(a.bios)}`);
  if (a.aia === true && bios === 'none') throw new LaunchError('aia goes with the SBI firmware (bios "default"), not bios "none"');
  const mmu = a.mmu ?? 'two-stage';
  if (mmu !== 'two-stage' && mmu !== 'shadow') throw new LaunchError(`mmu must be "two-stage" or "shadow", not ${JSON.stringify(a.mmu)}`);
  if (mmu === 'shadow' && a.aia === true) throw new LaunchError('mmu "shadow" goes with the PLIC, not aia');
  const cpuVirt = a.cpuVirt ?? 'hardware';
  if (cpuVirt !== 'hardware' && cpuVirt !== 'trap-emulate') throw new LaunchError(`cpuVirt must be "hardware" or "trap-emulate", not ${JSON.stringify(a.cpuVirt)}`);
  if (cpuVirt === 'trap-emulate' && (a.mmu === 'two-stage' || bios === 'none' || a.aia === true)) {
    throw new LaunchError(`cpuVirt "trap-emulate" (memory through shadow tables, the SBI firmware, the PLIC) cannot go with ${a.aia === true ? 'aia' : bios === 'none' ? 'bios "none"' : 'mmu "two-stage"'}`);
  }
  let net: NetOptions | undefined;
  try {
    net = a.net !== undefined ? parseNetSpec(a.net, 'net') : undefined;
    if (net?.kind === 'switch') throw new LaunchError(SWITCH_IN_ONE_VM);
  } catch (e) {
    if (e instanceof NetConfigError) throw new LaunchError(e.message);
    throw e;
  }
  const substitutePath: PathSubstitution[] = [...(a.substitutePath ?? [])];
  for (const [from, to] of Object.entries(a.sourceMap ?? {})) substitutePath.push({ from, to });
  const extraSymbols = (a.symbols ?? []).map((s) => {
    let path = resolve(cwd, s.path);
    try {
      path = findSymbolFile(path, { log }).path;
    } catch (e) {
      throw new LaunchError(e instanceof UnpackError ? e.message : `${path}: ${(e as Error).message}`);
    }
    // A string offset is a 64-bit value ("0xffffffff00000000" relocates downwards): exact, modulo 2^64.
    const offset = typeof s.offset === 'string' ? parseOffset(s.offset) : s.offset ?? 0;
    if (!Number.isSafeInteger(offset)) throw new LaunchError(`invalid symbols offset ${JSON.stringify(s.offset)} for '${s.path}'`);
    try {
      return { elf: parseElf(readInput(() => readGuestFile(path, 'symbol file', ELF_FILE_LIMIT))), offset };
    } catch (e) {
      if (e instanceof LaunchError) throw e;
      throw new LaunchError(`${path}: ${(e as Error).message}`);
    }
  });
  const balloon = a.balloon === true || a.balloonTarget !== undefined ? { target: balloonTarget(a.balloonTarget, memory) } : undefined;
  const { threads, notice } = debugThreadCount({ vcpus, clock, bios, aia: a.aia === true, mmu, cpuVirt, balloon, threads: a.threads });
  if (notice) log?.(notice);
  return {
    kernel: readInput(() => readKernelFile(programPath, memory, 'program')), programPath, threads,
    initrd: a.initrd ? readInput(() => readGuestFile(resolve(cwd, a.initrd!), 'initrd', guestRamLimit(memory))) : undefined,
    bootargs: a.args, vcpus, memory, clock, bios, mmu: cpuVirt === 'trap-emulate' ? 'shadow' : mmu, cpuVirt, cwd, substitutePath, extraSymbols,
    stopOnEntry: a.stopOnEntry ?? false, net,
    // Last: files opened here stay open for the session (the caller closes them).
    disks: openDisks(a.disks, cwd, (m) => new LaunchError(m)), rng: a.rng === true, jit: a.jit !== false,
    aia: a.aia === true,
    balloon,
  };
}
