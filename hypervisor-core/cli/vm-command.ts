/**
 * `hyperscope vm ...`: the client of `hyperscope serve`. The daemon is found through
 * `--host 127.0.0.1:PORT`, else HYPERSCOPE_HOST, else 127.0.0.1:7357. Every refusal is one line
 * on stderr with an exit status of its own (VM_STATUS).
 */
import * as path from 'node:path';
import { formatExitTable } from '../hypervisor/stats/perf-table';
import type { ExitStatsReport } from '../hypervisor/stats/report';
import { ApiClient, ClientError, ClientErrorCode, DEFAULT_PORT, parseHost } from '../serve/client';
import { createRequestOf } from '../serve/create-request';
import type { VmInfo } from '../serve/vm-host';
import { parseRunArgs, parseSize, UsageError } from './args';
import { formatVcpuTimes } from '../hypervisor/stats/vcpu-times-text';
import { formatNetworkReport } from '../hypervisor/stats/network-report';
import { consoleSession } from './vm-console';
import type { MigrationReport } from '../state/migrate/send';
import type { DirtyLogAnswer, SnapshotAnswer } from '../serve/vm-state-ops';
import { capProblem, weightProblem, type SchedAnswer, type SchedSettings } from '../serve/vm-sched';

/** Exit statuses of `hyperscope vm`. */
export const VM_STATUS = {
  OK: 0, USAGE: 2, ERROR: 3, NO_SUCH_VM: 4, VM_EXISTS: 5, BAD_FILE: 6, WRONG_STATE: 7, NO_DAEMON: 8, TOO_MANY_VMS: 9,
  MIGRATION_FAILED: 10,
} as const;

const STATUS_OF: Partial<Record<ClientErrorCode, number>> = {
  'bad-request': VM_STATUS.USAGE, 'no-such-vm': VM_STATUS.NO_SUCH_VM, 'vm-exists': VM_STATUS.VM_EXISTS,
  'bad-file': VM_STATUS.BAD_FILE, 'wrong-state': VM_STATUS.WRONG_STATE, unreachable: VM_STATUS.NO_DAEMON,
  'too-many-vms': VM_STATUS.TOO_MANY_VMS, 'migration-failed': VM_STATUS.MIGRATION_FAILED,
};

/** The usage text of `hyperscope vm`. */
export const VM_USAGE = `usage: hyperscope vm <command> [--host 127.0.0.1:PORT]

Manages the VMs of a daemon (hyperscope serve); the daemon is --host, else $HYPERSCOPE_HOST,
else 127.0.0.1:${DEFAULT_PORT}.

  create NAME KERNEL [options]  create and start a VM; options as for hyperscope run
                                (--vcpus, --memory, --initrd, --append, --clock, --bios,
                                --disk, --disk-readonly, --virtio-console, --rng, --aia,
                                --no-jit, --no-svadu, --balloon, --net switch=NAME[,mac=MAC]:
                                VMs created with the same switch NAME share one Ethernet
                                switch; stats show its ports, info the MAC and port;
                                --threads N: its vCPUs in parallel on N host threads,
                                default 1: they take turns on the VM's thread)
  create NAME --incoming 127.0.0.1:PORT
                                a VM that waits (paused) for the VM another daemon sends
                                with migrate; port 0 picks one (info shows it)
  create ... --weight W --cap C  its credit scheduler weight (default 256) and cap (percent
                                of one host CPU, 0 = none), as sched below
  sched NAME [--weight W] [--cap C] [--json]
                                read or change its weight and cap live (xl sched-credit):
                                the daemon's host-CPU slots (serve --host-threads) go to
                                runnable VMs by weight; a cap holds it to C% of one host CPU
                                even when slots are idle. Shows the budget units it ran
                                (its deterministic share), its CPU time and its wait (steal)
  list [--json]                 the VMs: name, state, vCPUs, memory, instructions, exits
  info NAME [--json]            one VM
  pause NAME                    stop its vCPUs (it retires no instruction; guest time stops)
  resume NAME                   run a paused VM again
  reset NAME                    boot it afresh (also starts a VM that is shut off or crashed)
  destroy NAME                  end it and forget it
  console NAME                  what its console printed so far, then live; the terminal's
                                input goes to the guest (Ctrl-] leaves)
  stats NAME [--json]           its exit statistics and each vCPU's run, wait (runnable,
                                not scheduled) and blocked time
  balloon NAME SIZE             set the target of its memory balloon (a VM created with
                                --balloon), e.g. 64M: the guest gives that much RAM back;
                                info shows the balloon, the committed host memory and the
                                guest's memory statistics (virsh setmem / dommemstat)
  snapshot NAME FILE            save the VM to FILE (the snapshot format of hyperscope run
                                --save; it does not run while it is saved)
  restore NAME FILE [--force]   replace the VM by the one saved in FILE (any state; --force
                                takes a disk image that changed since the snapshot)
  dirty-log NAME start|fetch|stop [--json]
                                the dirty page log: fetch prints (and clears) the guest pages
                                written since the last fetch, as GPA ranges
  migrate NAME 127.0.0.1:PORT [--json]
                                live migration to a destination waiting with --incoming
                                (hyperscope run --incoming, or vm create --incoming): the
                                guest runs on while its memory is copied in rounds, then
                                stops briefly and continues there; this VM ends shut off.
                                Prints rounds, pages, bytes, total time and downtime

States as libvirt names them: running, paused, shut off, crashed.
exit status: 0 done, 2 bad arguments or request, 3 daemon error, 4 no such VM, 5 the name is
taken, 6 a file (kernel, initrd, disk) is unusable, 7 wrong state for the action (pausing a
paused VM), 8 no daemon at the address, 9 the daemon hosts as many VMs as it takes, 10 the
migration failed (the VM runs on where it was)`;

/** Runs `hyperscope vm ARGS`; resolves to the exit status. */
export async function vmCommand(argv: string[]): Promise<number> {
  const { client, rest } = takeHost(argv);
  const [sub, ...args] = rest;
  if (sub === undefined) throw new UsageError('missing command: hyperscope vm create|list|info|pause|resume|reset|destroy|console|stats|sched|balloon|snapshot|restore|dirty-log|migrate');
  try {
    return await dispatch(client, sub, args);
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    process.stderr.write(`hyperscope: ${e.message}\n`);
    return STATUS_OF[e.code] ?? VM_STATUS.ERROR;
  }
}

async function dispatch(client: ApiClient, sub: string, args: string[]): Promise<number> {
  const vmPath = (name: string) => `/v1/vms/${encodeURIComponent(name)}`;
  switch (sub) {
    case 'create': {
      const [name, ...rest] = args;
      const { sched, rest: runArgs } = takeSched(rest);
      if (name === undefined || runArgs.length === 0) throw new UsageError('usage: hyperscope vm create NAME KERNEL [options]');
      const info = await client.call<VmInfo>('POST', '/v1/vms', { ...(createBody(name, runArgs) as object), ...sched });
      process.stdout.write(`${info.name}: ${info.state}${info.incoming ? ` (${info.reason})` : ''}\n`);
      return VM_STATUS.OK;
    }
    case 'list': {
      const json = flags(args, ['--json'], 0, 'list [--json]');
      const { vms } = await client.call<{ vms: VmInfo[] }>('GET', '/v1/vms');
      process.stdout.write(json.has('--json') ? JSON.stringify(vms, null, 2) + '\n' : formatList(vms));
      return VM_STATUS.OK;
    }
    case 'info': {
      const json = flags(args, ['--json'], 1, 'info NAME [--json]');
      const info = await client.call<VmInfo>('GET', vmPath(positional(args)));
      process.stdout.write(json.has('--json') ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info));
      return VM_STATUS.OK;
    }
    case 'pause': case 'resume': case 'reset': {
      flags(args, [], 1, `${sub} NAME`);
      const info = await client.call<VmInfo>('POST', `${vmPath(positional(args))}/${sub}`);
      process.stdout.write(`${info.name}: ${info.state}\n`);
      return VM_STATUS.OK;
    }
    case 'destroy': {
      flags(args, [], 1, 'destroy NAME');
      const name = positional(args);
      await client.call('DELETE', vmPath(name));
      process.stdout.write(`${name}: destroyed\n`);
      return VM_STATUS.OK;
    }
    case 'stats': {
      const json = flags(args, ['--json'], 1, 'stats NAME [--json]');
      const report = await client.call<ExitStatsReport>('GET', `${vmPath(positional(args))}/stats`);
      const text = formatExitTable(report) + '\n\n' + formatVcpuTimes(report) + (report.network ? '\n' + formatNetworkReport(report.network) : '');
      process.stdout.write(json.has('--json') ? JSON.stringify(report, null, 2) + '\n' : text);
      return VM_STATUS.OK;
    }
    case 'balloon': {
      flags(args, [], 2, 'balloon NAME SIZE');
      const [name, size] = args;
      let target: number;
      try {
        target = parseSize(size);
      } catch {
        throw new UsageError(`the balloon's size must be a size like 64M, not '${size}'`);
      }
      const info = await client.call<VmInfo>('POST', `${vmPath(name)}/balloon`, { target });
      process.stdout.write(`${info.name}: balloon target ${mib(target)}\n`);
      return VM_STATUS.OK;
    }
    case 'snapshot': {
      flags(args, [], 2, 'snapshot NAME FILE');
      const [name, file] = args;
      const r = await client.call<SnapshotAnswer>('POST', `${vmPath(name)}/snapshot`, { file: path.resolve(file) });
      process.stdout.write(`${name}: saved to ${r.file} (${r.bytes} bytes) at ${r.instructions} instructions\n`);
      return VM_STATUS.OK;
    }
    case 'restore': {
      const force = flags(args, ['--force'], 2, 'restore NAME FILE [--force]').has('--force');
      const [name, file] = args.filter((a) => !a.startsWith('-'));
      const info = await client.call<VmInfo>('POST', `${vmPath(name)}/restore`, { file: path.resolve(file), ...(force ? { force } : {}) });
      process.stdout.write(`${info.name}: ${info.state} (${info.reason})\n`);
      return VM_STATUS.OK;
    }
    case 'dirty-log': {
      const json = flags(args, ['--json'], 2, 'dirty-log NAME start|fetch|stop [--json]');
      const [name, action] = args.filter((a) => !a.startsWith('-'));
      if (action !== 'start' && action !== 'fetch' && action !== 'stop') throw new UsageError(`dirty-log takes start, fetch or stop, not '${action}'`);
      const r = await client.call<DirtyLogAnswer>('POST', `${vmPath(name)}/dirty-log/${action}`);
      if (json.has('--json')) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else if (action !== 'fetch') process.stdout.write(`${name}: dirty log ${r.enabled ? 'on' : 'off'}\n`);
      else {
        process.stdout.write(`${name}: ${r.dirtyPages} dirty pages\n` +
          (r.ranges ?? []).map(([gpa, n]) => `  0x${gpa.toString(16)}  ${n} page${n === 1 ? '' : 's'}\n`).join(''));
      }
      return VM_STATUS.OK;
    }
    case 'migrate': {
      const json = flags(args, ['--json'], 2, 'migrate NAME 127.0.0.1:PORT [--json]');
      const [name, to] = args.filter((a) => !a.startsWith('-'));
      const r = await client.call<MigrationReport>('POST', `${vmPath(name)}/migrate`, { to });
      process.stdout.write(json.has('--json') ? JSON.stringify(r, null, 2) + '\n' : formatMigration(name, to, r));
      return VM_STATUS.OK;
    }
    case 'sched': {
      const { sched, rest } = takeSched(args);
      const json = flags(rest, ['--json'], 1, 'sched NAME [--weight W] [--cap C] [--json]');
      const route = `${vmPath(positional(rest))}/sched`;
      const r = Object.keys(sched).length > 0 ? await client.call<SchedAnswer>('POST', route, sched) : await client.call<SchedAnswer>('GET', route);
      process.stdout.write(json.has('--json') ? JSON.stringify(r, null, 2) + '\n' : formatSched(r));
      return VM_STATUS.OK;
    }
    case 'console': {
      flags(args, [], 1, 'console NAME');
      return consoleSession(client, positional(args));
    }
    default:
      throw new UsageError(`unknown vm command '${sub}' (create, list, info, pause, resume, reset, destroy, console, stats, sched, balloon, snapshot, restore, dirty-log, migrate)`);
  }
}

/** Takes `--weight W` and `--cap C` out of the arguments, checked (one line, status 2, before anything is sent). */
function takeSched(argv: string[]): { sched: Partial<SchedSettings>; rest: string[] } {
  const sched: Partial<SchedSettings> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const flag = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (flag !== '--weight' && flag !== '--cap') {
      rest.push(a);
      continue;
    }
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    const n = /^\d{1,6}$/.test(v) ? Number(v) : NaN;
    const why = flag === '--weight' ? weightProblem(n) : capProblem(n);
    if (why) throw new UsageError(`${flag}: ${why}, not '${v}'`);
    sched[flag === '--weight' ? 'weight' : 'cap'] = n;
  }
  return { sched, rest };
}

function formatSched(r: SchedAnswer): string {
  const rows = [['NAME', 'WEIGHT', 'CAP', 'UNITS', 'CPU-MS', 'WAIT-MS'],
    [r.name, String(r.weight), String(r.cap), String(r.units), r.cpuMs.toFixed(0), r.waitMs.toFixed(0)]];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c >= 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ')).join('\n') +
    `\n(${r.slots} host-CPU slot${r.slots === 1 ? '' : 's'})\n`;
}

/** Takes `--host` out of the arguments; the client for it, HYPERSCOPE_HOST or the default. */
function takeHost(argv: string[]): { client: ApiClient; rest: string[] } {
  const rest: string[] = [];
  let host = process.env.HYPERSCOPE_HOST && process.env.HYPERSCOPE_HOST !== '' ? process.env.HYPERSCOPE_HOST : `127.0.0.1:${DEFAULT_PORT}`;
  let from = process.env.HYPERSCOPE_HOST ? 'HYPERSCOPE_HOST' : 'the default';
  for (let i = 0; i < argv.length; i++) {
    // Past `create NAME KERNEL`, the arguments are run options: --host is still ours.
    if (argv[i] === '--host' || argv[i].startsWith('--host=')) {
      const v = argv[i].startsWith('--host=') ? argv[i].slice(7) : argv[++i];
      if (v === undefined) throw new UsageError('--host needs a value (127.0.0.1:PORT)');
      host = v;
      from = '--host';
    } else {
      rest.push(argv[i]);
    }
  }
  try {
    const { host: h, port } = parseHost(host);
    return { client: new ApiClient(h, port), rest };
  } catch (e) {
    throw new UsageError(`${from}: ${(e as Error).message}`);
  }
}

/** Checks that `args` holds `count` positionals and only the `allowed` flags; returns the flags given. */
function flags(args: string[], allowed: string[], count: number, usage: string): Set<string> {
  const given = new Set<string>();
  let positionals = 0;
  for (const a of args) {
    if (a.startsWith('-')) {
      if (!allowed.includes(a)) throw new UsageError(`unknown option '${a}' (hyperscope vm ${usage})`);
      given.add(a);
    } else {
      positionals++;
    }
  }
  if (positionals !== count) throw new UsageError(`usage: hyperscope vm ${usage}`);
  return given;
}

function positional(args: string[]): string {
  return args.find((a) => !a.startsWith('-'))!;
}

/** Options of `hyperscope run` that describe a run on the terminal, not a VM of the daemon. */
const RUN_ONLY: [keyof ReturnType<typeof parseRunArgs>, string][] = [
  ['stats', '--stats (use hyperscope vm stats NAME)'], ['statsJson', '--stats-json (use hyperscope vm stats NAME --json)'],
  ['trace', '--trace'], ['timeout', '--timeout'], ['bare', '--bare'], ['gdb', '--gdb'],
  ['saveAt', '--save-at'], ['save', '--save'], ['restore', '--restore'],
];

/** The create request for `NAME KERNEL [options]`: parsed as `hyperscope run` parses them, paths made absolute. */
function createBody(name: string, runArgs: string[]): unknown {
  // Without --threads a VM of the daemon runs its vCPUs in turn on its own thread (not the host's cores).
  const threaded = runArgs.some((a) => a === '--threads' || a.startsWith('--threads='));
  const o = parseRunArgs(threaded ? runArgs : [...runArgs, '--threads', '1']);
  for (const [key, flag] of RUN_ONLY) {
    const v = o[key];
    if (v !== undefined && v !== false) throw new UsageError(`${flag} is an option of hyperscope run, not of a VM of the daemon`);
  }
  if (o.net && o.net.kind !== 'switch') {
    throw new UsageError('--net user and --hostfwd are options of hyperscope run; a VM of the daemon takes --net switch=NAME[,mac=MAC]');
  }
  // The daemon may run elsewhere in the file system: it gets absolute paths.
  o.kernel = path.resolve(o.kernel);
  if (o.initrd !== undefined) o.initrd = path.resolve(o.initrd);
  o.disks = o.disks.map((d) => ({ ...d, path: path.resolve(d.path) }));
  return createRequestOf(name, o);
}

function formatList(vms: VmInfo[]): string {
  const rows = [['NAME', 'STATE', 'VCPUS', 'MEMORY', 'INSTRUCTIONS', 'EXITS'],
    ...vms.map((v) => [v.name, v.state, String(v.vcpus), mib(v.memory), String(v.instructions), String(v.exits)])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

function formatInfo(v: VmInfo): string {
  const lines: [string, string][] = [
    ['name', v.name], ['state', v.reason ? `${v.state} (${v.reason})` : v.state], ['vcpus', String(v.vcpus)], ['memory', mib(v.memory)],
    ['kernel', v.kernel], ['clock', v.clock], ['instructions', String(v.instructions)], ['exits', String(v.exits)],
  ];
  if (v.weight !== undefined) lines.push(['sched', `weight ${v.weight}, cap ${v.cap === 0 ? 'none' : `${v.cap}%`}`]);
  if (v.net) lines.push(['net', `virtio-net0 ${v.net.mac} on switch ${v.net.switch} port ${v.net.port}`]);
  const b = v.balloon;
  if (b) {
    lines.push(['balloon', `target ${mib(b.targetBytes)}, actual ${mib(b.actualBytes)}`], ['committed', mib(b.committedBytes)]);
    const guest = Object.entries(b.guest).map(([k, n]) => `${k} ${n}`).join(', ');
    if (guest) lines.push(['memstat', guest]);
  }
  return lines.map(([k, val]) => `${(k + ':').padEnd(14)}${val}`).join('\n') + '\n';
}

function formatMigration(name: string, to: string, r: MigrationReport): string {
  return `${name}: migrated to ${to}\n` +
    `rounds ${r.rounds}, pages sent ${r.pagesSent}, bytes ${r.bytesSent}, total ${r.totalMs.toFixed(1)} ms, downtime ${r.downtimeMs.toFixed(1)} ms\n`;
}

function mib(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)}M` : `${bytes}`;
}
