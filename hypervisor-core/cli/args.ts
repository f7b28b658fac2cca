/**
 * Command-line parsing for `hyperscope`. Errors are UsageError with a one-line message; the
 * caller prints it and exits with status 2.
 */
import { VIRTIO_COUNT } from '../machine/memory-map';
import { defaultVcpuThreads } from '../hypervisor/threads/placement';
import { MAX_TRACE_EVENTS } from '../hypervisor/trace/timeline';
import { parseNetOption, parseRule, type NetOptions } from './net-args';
import { parseMigrationAddress } from '../state/migrate/wire';
import type { HostForward } from '../net/user/hostfwd';
import type { JitBackend } from '../hart/jit/block-cache';

/** A bad command line. */
export class UsageError extends Error {}

/** Options of `hyperscope run`. */
export interface RunOptions {
  kernel: string;
  vcpus: number;
  memory: number;
  initrd?: string;
  append?: string;
  stats: boolean;
  /** What --stats prints: perf's table and histograms (default), KVM's counter names, or both. */
  statsView?: 'perf' | 'kvm' | 'sites' | 'all';
  statsJson?: string;
  /** --trace FILE: the vCPU timelines as Chrome trace-event JSON. */
  trace?: string;
  /** --trace-size EVENTS: events the trace keeps. */
  traceSize?: number;
  /** --trace-ring: keep the last events rather than the first. */
  traceRing?: boolean;
  clock: 'realtime' | 'icount';
  timeout?: number;
  bare: boolean;
  /** Virtio disks in command-line order (--disk, --disk-readonly). */
  disks: { path: string; readOnly: boolean }[];
  /** --virtio-console: add a virtio console (Linux /dev/hvc0). */
  virtioConsole: boolean;
  /** --rng: add a virtio entropy device. */
  rng: boolean;
  /** --balloon: add a virtio memory balloon; --balloon-target SIZE: inflate it to SIZE bytes. */
  balloon: boolean;
  balloonTarget?: number;
  /** False with --no-svadu: PTEs without A/D fault instead of being updated. */
  svadu: boolean;
  /** --gdb: the port of a gdb remote stub on 127.0.0.1; the guest waits for gdb. */
  gdb?: number;
  /** False with --no-jit: the interpreter runs all guest code (no block translation). */
  jit: boolean;
  /** --jit js|wasm: what hot regions compile to (default: HYPERSCOPE_JIT, else wasm). */
  jitBackend?: JitBackend;
  /** --bios: 'default' (SBI from the hypervisor, S-mode entry) or 'none' (M-mode entry). */
  bios: 'default' | 'none';
  /** --aia: APLIC and IMSICs (exit-less interrupts) instead of the PLIC. */
  aia: boolean;
  /** --save-at: save the VM (to `save`) once it has retired this many instructions, and stop. */
  saveAt?: number;
  /** --save FILE: where --save-at writes the snapshot. */
  save?: string;
  /** --restore FILE: continue a saved VM instead of booting a kernel. */
  restore?: string;
  /** --force: restore even if a disk image changed since the snapshot. */
  force: boolean;
  /** --incoming HOST:PORT: wait on 127.0.0.1:PORT for a VM that `vm migrate` sends, and run it. */
  incoming?: string;
  /** --net / --hostfwd: a virtio-net device and its network. */
  net?: NetOptions;
  /** --mmu: 'two-stage' (the H extension's G-stage) or 'shadow' (the hypervisor's shadow tables). */
  mmu: 'two-stage' | 'shadow';
  /**
   * --cpu-virt: 'hardware' (the H extension runs the guest in VS/VU) or 'trap-emulate' (no H
   * extension: the guest kernel in U-mode, its sensitive instructions trapped and emulated,
   * memory through shadow tables).
   */
  cpuVirt: 'hardware' | 'trap-emulate';
  /**
   * Host threads the vCPUs run on (--threads; default the host's cores but one, at most the vCPUs;
   * 1 with --clock icount, --bios none, --trace, --aia, --save-at, --restore,
   * --balloon, --mmu shadow or --cpu-virt trap-emulate). 1 is the VM's own deterministic round robin.
   * With --restore an explicit N is checked against the snapshot's vCPUs and clock when it is read
   * (`threadsForSnapshot`).
   */
  threads: number;
}

/** Options that a snapshot fixes: refused with --restore. */
const FROM_SNAPSHOT = new Set(['--vcpus', '--smp', '--memory', '-m', '--initrd', '--append', '--clock', '--disk',
  '--disk-readonly', '--virtio-console', '--rng', '--no-svadu', '--bios', '--bare', '--aia', '--mmu', '--cpu-virt', '--balloon', '--net']);

/**
 * The port of `--gdb PORT`, also written as QEMU's -gdb takes it (`tcp::PORT`,
 * `tcp:127.0.0.1:PORT`, `tcp:localhost:PORT`); 0 picks a free port (printed when listening).
 * Only 127.0.0.1 is served.
 */
export function parseGdbPort(text: string): number {
  const m = /^(?:tcp:(?:|127\.0\.0\.1|localhost):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--gdb must be a TCP port from 1 to 65535 (or tcp::PORT; 0 picks a free one), not '${text}'`);
  }
  return port;
}

/** Parses a size such as 128M, 1G, 65536K or a byte count. */
export function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)(i?B)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid size '${text}' (use e.g. 128M or 1G)`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

const MIN_MEMORY = 16 * 1024 * 1024;
const MAX_MEMORY = 2048 * 1024 * 1024;

/** Parses the arguments after `run`. */
export function parseRunArgs(argv: string[]): RunOptions {
  const o: Partial<RunOptions> & { stats: boolean; bare: boolean } = { stats: false, bare: false };
  const disks: { path: string; readOnly: boolean }[] = [];
  const given = new Set<string>();
  const hostfwd: HostForward[] = [];
  const value = (i: number, name: string): string => {
    if (i >= argv.length) throw new UsageError(`${name} needs a value`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const next = (): string => (inline !== undefined ? inline : value(++i, flag));
    given.add(flag);
    switch (flag) {
      case '--vcpus': case '--smp': {
        const v = next();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 32) throw new UsageError(`--vcpus must be a number from 1 to 32, not '${v}'`);
        o.vcpus = n;
        break;
      }
      case '--threads': {
        const v = next();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 32) throw new UsageError(`--threads must be a number from 1 to 32, not '${v}'`);
        o.threads = n;
        break;
      }
      case '--memory': case '-m': {
        const n = parseSize(next());
        if (n < MIN_MEMORY || n > MAX_MEMORY || n % 4096 !== 0) throw new UsageError('--memory must be between 16M and 2G, a multiple of 4K');
        o.memory = n;
        break;
      }
      case '--initrd': o.initrd = next(); break;
      case '--append': o.append = next(); break;
      case '--stats':
        o.stats = true;
        if (inline !== undefined) {
          if (inline !== 'perf' && inline !== 'kvm' && inline !== 'sites' && inline !== 'all') throw new UsageError(`--stats= takes perf, kvm, sites or all, not '${inline}'`);
          o.statsView = inline;
        }
        break;
      case '--stats-json': o.statsJson = next(); break;
      case '--trace': o.trace = next(); break;
      case '--trace-size': {
        const v = next();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > MAX_TRACE_EVENTS) throw new UsageError(`--trace-size must be a number of events from 1 to ${MAX_TRACE_EVENTS}, not '${v}'`);
        o.traceSize = n;
        break;
      }
      case '--trace-ring': o.traceRing = true; break;
      case '--clock': {
        const c = next();
        if (c !== 'realtime' && c !== 'icount') throw new UsageError(`--clock must be realtime or icount, not '${c}'`);
        o.clock = c;
        break;
      }
      case '--timeout': {
        const v = next();
        const t = Number(v);
        if (!(t > 0) || !Number.isFinite(t)) throw new UsageError(`--timeout must be a positive number of seconds, not '${v}'`);
        o.timeout = t;
        break;
      }
      case '--bare': o.bare = true; break;
      case '--disk': disks.push({ path: next(), readOnly: false }); break;
      case '--disk-readonly': disks.push({ path: next(), readOnly: true }); break;
      case '--virtio-console': o.virtioConsole = true; break;
      case '--rng': o.rng = true; break;
      case '--net': case '--nic': {
        if (o.net) throw new UsageError(`${flag} given twice (one network device per VM)`);
        const rules = hostfwd.splice(0);
        o.net = parseNetOption(next());
        o.net.hostfwd.unshift(...rules);
        break;
      }
      case '--hostfwd':
        if (o.net) o.net.hostfwd.push(parseRule(next()));
        else hostfwd.push(parseRule(next()));
        break;
      case '--balloon': o.balloon = true; break;
      case '--balloon-target': {
        const v = next();
        let n: number;
        try {
          n = parseSize(v);
        } catch {
          throw new UsageError(`--balloon-target must be a size like 64M, not '${v}'`);
        }
        o.balloon = true;
        o.balloonTarget = n;
        break;
      }
      case '--no-svadu': o.svadu = false; break;
      case '--gdb': o.gdb = parseGdbPort(next()); break;
      case '--no-jit': o.jit = false; break;
      case '--jit': {
        const v = next();
        if (v !== 'js' && v !== 'wasm') throw new UsageError(`--jit must be js (JavaScript regions) or wasm (WebAssembly regions), not '${v}'`);
        o.jitBackend = v;
        break;
      }
      case '--aia': o.aia = true; break;
      case '--bios': {
        const b = next();
        if (b !== 'default' && b !== 'none') {
          throw new UsageError(`--bios must be default (SBI from the hypervisor) or none (the kernel starts in M-mode), not '${b}'`);
        }
        o.bios = b;
        break;
      }
      case '--save-at': {
        const v = next();
        const n = Number(v);
        if (!/^\d+$/.test(v) || !(n >= 1) || !Number.isSafeInteger(n)) throw new UsageError(`--save-at must be a number of instructions, not '${v}'`);
        o.saveAt = n;
        break;
      }
      case '--save': o.save = next(); break;
      case '--restore': o.restore = next(); break;
      case '--force': o.force = true; break;
      case '--incoming': {
        const v = next();
        try {
          parseMigrationAddress(v, '--incoming');
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        o.incoming = v;
        break;
      }
      case '--mmu': {
        const m = next();
        if (m !== 'two-stage' && m !== 'shadow') {
          throw new UsageError(`--mmu must be two-stage (the hart's G-stage) or shadow (the hypervisor's shadow page tables), not '${m}'`);
        }
        o.mmu = m;
        break;
      }
      case '--cpu-virt': {
        const c = next();
        if (c !== 'hardware' && c !== 'trap-emulate') {
          throw new UsageError(`--cpu-virt must be hardware (the H extension) or trap-emulate (the guest kernel deprivileged in U-mode), not '${c}'`);
        }
        o.cpuVirt = c;
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
        if (o.kernel !== undefined) throw new UsageError(`unexpected argument '${a}' (one kernel only)`);
        o.kernel = a;
    }
  }
  if (o.restore !== undefined) {
    if (o.kernel !== undefined) throw new UsageError('--restore continues a saved VM: give no kernel');
    const fixed = [...given].find((f) => FROM_SNAPSHOT.has(f));
    if (fixed) throw new UsageError(`${fixed} comes from the snapshot with --restore`);
    if (o.gdb !== undefined) throw new UsageError('--gdb cannot debug a restored VM yet');
    o.kernel = '';
  }
  if (o.incoming !== undefined) {
    if (o.kernel !== undefined) throw new UsageError('--incoming runs the VM that arrives: give no kernel');
    if (o.restore !== undefined) throw new UsageError('--incoming and --restore both bring a VM: choose one');
    const fixed = [...given].find((f) => FROM_SNAPSHOT.has(f));
    if (fixed) throw new UsageError(`${fixed} comes from the migrated VM with --incoming`);
    if (o.gdb !== undefined || o.saveAt !== undefined) throw new UsageError(`${o.gdb !== undefined ? '--gdb' : '--save-at'} cannot go with --incoming yet`);
    o.kernel = '';
  }
  if ((o.saveAt === undefined) !== (o.save === undefined)) throw new UsageError('--save-at INSTRUCTIONS and --save FILE go together');
  if (o.saveAt !== undefined && (o.gdb !== undefined || o.bare)) throw new UsageError(`--save-at saves a run of the hypervisor, not one under ${o.bare ? '--bare' : '--gdb'}`);
  if (o.saveAt !== undefined && o.aia) throw new UsageError('--save-at cannot save a VM with --aia yet (its APLIC and IMSIC state is not in the snapshot format)');
  if (o.saveAt !== undefined && o.net !== undefined) throw new UsageError('--save-at cannot save a VM with --net yet (its network is not in the snapshot format)');
  if (o.force && o.restore === undefined) throw new UsageError('--force goes with --restore FILE');
  if (o.kernel === undefined) throw new UsageError('missing kernel file: hyperscope run <kernel> [options]');
  if ((o.traceSize !== undefined || o.traceRing) && o.trace === undefined) throw new UsageError('--trace-size and --trace-ring go with --trace FILE');
  if (o.trace !== undefined && (o.gdb !== undefined || o.bare)) throw new UsageError(`--trace records a run of the hypervisor, not one under ${o.bare ? '--bare' : '--gdb'}`);
  if (o.mmu === 'shadow' && o.aia) throw new UsageError('--mmu shadow goes with the PLIC, not --aia (its interrupt files sit in the G-stage)');
  if (o.cpuVirt === 'trap-emulate') checkTrapEmulate(o);
  if (o.gdb !== undefined && o.bare) throw new UsageError('--gdb debugs a guest of the hypervisor, not a --bare run');
  if (o.aia && (o.bare || o.bios === 'none')) throw new UsageError(`--aia goes with the hypervisor's SBI firmware, not ${o.bare ? '--bare' : '--bios none'}`);
  if (!o.net && hostfwd.length > 0) o.net = { kind: 'user', hostfwd };
  if (o.net?.kind === 'switch' && o.net.hostfwd.length > 0) throw new UsageError('--hostfwd forwards into the user network (--net user), not onto a shared switch');
  if (o.net && (o.bare || o.gdb !== undefined)) throw new UsageError(`--net runs with the hypervisor, not under ${o.bare ? '--bare' : '--gdb'}`);
  if (o.net && (o.saveAt !== undefined || o.restore !== undefined)) {
    throw new UsageError(`${o.restore !== undefined ? '--restore' : '--save-at'} cannot carry a network device yet (its connections are host sockets; virtio-net state is not in the snapshot format)`);
  }
  const virtio = disks.length + (o.virtioConsole ? 1 : 0) + (o.rng ? 1 : 0) + (o.net ? 1 : 0) + (o.balloon ? 1 : 0);
  if (virtio > VIRTIO_COUNT) {
    throw new UsageError(`${virtio} virtio devices (--disk, --disk-readonly, --virtio-console, --rng, --net, --balloon) but the board has ${VIRTIO_COUNT} virtio-mmio slots`);
  }
  if (o.balloonTarget !== undefined && o.balloonTarget > (o.memory ?? 128 * 1024 * 1024)) {
    throw new UsageError('--balloon-target must not exceed the guest RAM (--memory)');
  }
  if (o.balloon && o.bare) throw new UsageError('--balloon adds a device to the virt board, not to a --bare run');
  if (o.jitBackend !== undefined && o.jit === false) throw new UsageError('--jit chooses what hot code compiles to; --no-jit compiles none: give one of them');
  const threads = resolveThreads(o);
  return {
    threads,
    kernel: o.kernel, vcpus: o.vcpus ?? 1, memory: o.memory ?? 128 * 1024 * 1024, initrd: o.initrd,
    append: o.append, stats: o.stats, statsView: o.statsView, statsJson: o.statsJson,
    trace: o.trace, traceSize: o.traceSize, traceRing: o.traceRing ?? false, clock: o.clock ?? 'realtime',
    timeout: o.timeout, bare: o.bare, disks, virtioConsole: o.virtioConsole ?? false, rng: o.rng ?? false,
    balloon: o.balloon ?? false, balloonTarget: o.balloonTarget,
    svadu: o.svadu ?? true, gdb: o.gdb, jit: o.jit ?? true, jitBackend: o.jitBackend, bios: o.bios ?? 'default', aia: o.aia ?? false, net: o.net,
    saveAt: o.saveAt, save: o.save, restore: o.restore, force: o.force ?? false, incoming: o.incoming,
    mmu: o.mmu ?? (o.cpuVirt === 'trap-emulate' ? 'shadow' : 'two-stage'), cpuVirt: o.cpuVirt ?? 'hardware',
  };
}

/** The options trap-and-emulate cannot go with, each refused in one line. */
function checkTrapEmulate(o: Partial<RunOptions>): void {
  const why = o.mmu === 'two-stage' ? '--mmu two-stage (without the H extension there is no G-stage: memory goes through shadow tables)'
    : o.bios === 'none' ? '--bios none (the guest runs on the hypervisor\'s SBI firmware)'
    : o.aia ? '--aia (its interrupt files are H-extension hardware)'
    : o.bare ? '--bare (which runs no hypervisor)'
    : undefined;
  if (why) throw new UsageError(`--cpu-virt trap-emulate cannot go with ${why}`);
}

/**
 * --threads checked against the rest, or its default: the host's cores but one, at most the vCPUs,
 * and 1 where a run must be reproducible or inspected on one thread.
 */
function resolveThreads(o: Partial<RunOptions>): number {
  // The snapshot (or the migrated VM) fixes the vCPUs, the clock and the firmware: an explicit
  // count is checked when it is read.
  if (o.restore !== undefined || o.incoming !== undefined) return o.threads ?? 1;
  const vcpus = o.vcpus ?? 1;
  const oneThread = o.clock === 'icount' ? '--clock icount (a reproducible run)' : o.bios === 'none' ? '--bios none'
    : o.trace !== undefined ? '--trace' : o.bare ? '--bare' : o.aia ? '--aia'
    : o.saveAt !== undefined ? '--save-at' : o.balloon ? '--balloon'
    : o.mmu === 'shadow' ? '--mmu shadow' : o.cpuVirt === 'trap-emulate' ? '--cpu-virt trap-emulate' : undefined;
  if (o.threads === undefined) return oneThread ? 1 : defaultVcpuThreads(vcpus);
  return checkThreads(o.threads, vcpus, oneThread, '');
}

/** An explicit --threads count against the vCPUs and what must run on one thread; `whose`: "the snapshot's " or "". */
function checkThreads(threads: number, vcpus: number, oneThread: string | undefined, whose: string): number {
  if (threads > vcpus) throw new UsageError(`--threads ${threads} is more than ${whose || 'the '}${vcpus} vCPU(s): at most one thread per vCPU`);
  if (threads > 1 && oneThread) throw new UsageError(`--threads ${threads} cannot go with ${whose}${oneThread}: it runs on one thread (--threads 1)`);
  return threads;
}

/**
 * --threads with --restore, checked against the snapshot's board (its vCPUs, clock, firmware,
 * balloon) as it would be against the same options given to a booting run. 1 when not given:
 * a restored VM continues on one thread unless asked otherwise.
 */
export function threadsForSnapshot(threads: number, board: { vcpus: number; clock: string; bios: string; balloon?: boolean }): number {
  const oneThread = board.clock === 'icount' ? '--clock icount (a reproducible run)' : board.bios === 'none' ? '--bios none'
    : board.balloon ? '--balloon' : undefined;
  return checkThreads(threads, board.vcpus, oneThread, "the snapshot's ");
}

/** The usage text. */
export const USAGE = `usage: hyperscope run <kernel> [options]

Runs a RISC-V RV64 guest (ELF, Linux Image, or a raw binary loaded at 0x80200000) as a
VS-mode guest of the Hyperscope hypervisor, on QEMU virt's memory map. The guest console is on stdin/stdout (Ctrl-A x quits).

options:
  --vcpus N             number of vCPUs (default 1)
  --threads N           host threads the vCPUs run on in parallel (default: the host's cores
                        but one, at most the vCPUs); 1 runs them in turn, deterministically, as
                        --clock icount, --bios none, --trace, --aia, --save-at,
                        --balloon, --mmu shadow and --cpu-virt trap-emulate require;
                        with --restore 1 unless given, checked against the snapshot
  --memory SIZE         guest RAM, e.g. 128M (default), 1G
  --initrd FILE         initial ramdisk, placed as QEMU does
  --append "ARGS"       kernel command line (/chosen/bootargs)
  --stats               print exit statistics (perf kvm stat style) at the end, on stderr,
                        then a log2 latency histogram per exit reason (bpftrace style)
  --stats=kvm|sites|all the counts under RISC-V KVM's vCPU statistics names (kvm_stat), the
                        guest code behind each exit reason (pc, function, source line), or all
  --stats-json FILE     write the exit statistics as JSON
  --trace FILE          record each vCPU's timeline (guest runs, exits, blocked time, injected
                        interrupts) as Chrome trace-event JSON (Perfetto); read it back with
                        \`hyperscope report FILE\`
  --trace-size EVENTS   events the trace keeps (default 200000); past it the rest are dropped
  --trace-ring          keep the last EVENTS instead (what led up to the end)
  --clock realtime|icount   guest time from host time (default) or from executed instructions
  --timeout SECONDS     stop after this many seconds (exit status 124)
  --disk FILE           attach FILE as a virtio block disk (repeatable; /dev/vda, vdb... in
                        order); its size must be a multiple of 512 bytes; locked as QEMU
                        does (no other VM may use it meanwhile; read-only users share)
  --disk-readonly FILE  the same, read-only (VIRTIO_BLK_F_RO)
  --virtio-console      add a virtio console (Linux: /dev/hvc0, use --append "console=hvc0")
  --rng                 add a virtio entropy device (host random numbers)
  --net user[,hostfwd=RULE]...[,mac=MAC]
                        add a virtio network device (Linux: eth0) on QEMU's user-mode network:
                        gateway 10.0.2.2, DHCP from 10.0.2.15; TCP and UDP to 10.0.2.2:PORT
                        reach 127.0.0.1:PORT on the host, nothing else; ping 10.0.2.2 answers
  --hostfwd tcp:127.0.0.1:HOSTPORT-:GUESTPORT
                        a host client of 127.0.0.1:HOSTPORT reaches the guest's GUESTPORT (at
                        10.0.2.15); repeatable; implies --net user; binds 127.0.0.1 only
  --net switch=NAME[,mac=MAC]
                        (hyperscope vm create only) the NIC joins switch NAME of the daemon,
                        shared by every VM created with it; the MAC defaults to the first of
                        52:54:00:12:34:56, :57... free on that switch
  --balloon             add a virtio memory balloon (Linux: CONFIG_VIRTIO_BALLOON); its size,
                        the committed host memory and the guest's memory statistics go in
                        --stats-json ("balloon")
  --balloon-target SIZE inflate the balloon to SIZE (e.g. 64M) once the guest's driver is up:
                        the pages it gives are unmapped and their host memory released
  --bare                run the ELF on the hart alone in M-mode, with HTIF tohost (ISA tests)
  --bios default|none   default: the hypervisor is the SBI firmware, the kernel starts in
                        S-mode; none: no firmware, as QEMU's -bios none: every vCPU starts
                        at the kernel's entry in its own (emulated) M-mode, with the CLINT
                        and the SiFive test device (raw binaries load at 0x80000000)
  --aia                 the RISC-V AIA instead of the PLIC, as QEMU -M virt,aia=aplic-imsic:
                        an APLIC (MSI mode) and an IMSIC per vCPU whose guest interrupt
                        file takes device interrupts and IPIs without VM exits
  --mmu two-stage|shadow
                        memory virtualisation: two-stage (default): the hart walks the
                        guest's tables and the G-stage; shadow: the hypervisor keeps its own
                        GVA->HPA tables, filled on the guest's page faults, with satp and
                        SFENCE.VMA trapped (hstatus.VTVM)
  --cpu-virt hardware|trap-emulate
                        CPU virtualisation: hardware (default): the H extension runs the
                        guest in VS/VU-mode; trap-emulate: no H extension, the guest kernel
                        runs in U-mode and every sensitive instruction (CSR access, sret,
                        sfence.vma, wfi, ecall) traps and is emulated; memory through shadow
                        tables
  --no-svadu            page-table entries without the A (or, on a store, D) bit fault
                        instead of being updated by the hart (QEMU: -cpu rv64,svadu=off)
  --gdb PORT            serve gdb's remote protocol on 127.0.0.1:PORT (also tcp::PORT, as
                        QEMU's -gdb) and wait for gdb before the guest starts (QEMU's -s -S);
                        one gdb thread per vCPU, all-stop across --threads (a stop on any
                        vCPU stops all; vCont;s:N steps thread N alone, vCont;c:N runs N
                        alone); 'monitor help' in gdb lists the extra commands;
                        port 0 picks a free port (the 'waiting for gdb' line names it)
  --no-jit              interpret every instruction (no translation of hot code to
                        JavaScript): slower, same results and exit counts
  --jit js|wasm         compile hot code to JavaScript functions or to WebAssembly
                        modules (default wasm, or HYPERSCOPE_JIT); same results and exit counts
  --save-at INSTRUCTIONS --save FILE
                        once the VM has retired INSTRUCTIONS (at the end of that scheduler
                        slice, every vCPU at an instruction boundary), save it to FILE and stop
  --restore FILE        continue a saved VM (no kernel; vCPUs, memory, clock, firmware and
                        disks come from the snapshot); with --clock icount it prints what the
                        uninterrupted run would have printed
  --force               restore even though a disk image changed since the snapshot
  --incoming 127.0.0.1:PORT
                        wait for a VM that 'hyperscope vm migrate NAME 127.0.0.1:PORT' sends
                        (no kernel; the machine comes with it; disks must be the same image
                        files) and run it; port 0 picks a free port (named on stderr)

other commands: hyperscope report FILE [--key sample|time|max|min|mean] [--vcpu N] | report A B
                hyperscope serve [--port N]   (a daemon hosting VMs; --help for more)
                hyperscope vm create|list|info|pause|resume|reset|destroy|console|stats

exit status: 0 guest shut down, 1 guest reported failure, 2 bad arguments or kernel file,
3 the VM stopped on an error, 4 the snapshot file is not usable (not a snapshot, another
version, truncated, corrupt), 5 the snapshot's disk changed (see --force), 124 timeout,
141 stdout was closed (e.g. | head), 6 the incoming migration failed`;
