/**
 * The Linux kernel commands of the Debug Console, named after the kernel's own gdb scripts
 * (scripts/gdb/linux): lx-dmesg, lx-ps, lx-cmdline, lx-version, lx-cpus. Everything is read
 * through the kernel's symbols and DWARF (kernel.ts); without them each says what is missing.
 */
import type { ConsoleCommand } from '../console-commands';
import type { GuestDebugger } from '../guest-debugger';
import { privilegeName } from '../registers';
import { formatLog, readLog } from './dmesg';
import { Kernel } from './kernel';
import { formatTasks, listTasks, readTask, currentTasks } from './tasks';

/** lx-version: the kernel's banner (init/version.c linux_banner). */
function version(k: Kernel): string {
  return k.text(k.symbol('linux_banner', 'lx-version'), 512).trimEnd();
}

/** lx-cmdline: the command line the kernel booted with (saved_command_line). */
function cmdline(k: Kernel): string {
  return k.text(k.ptr(k.symbol('saved_command_line', 'lx-cmdline')), 4096);
}

/** lx-cpus: each Linux CPU with its hart, whether it is possible/online, and what its vCPU runs. */
function cpus(d: GuestDebugger, k: Kernel): string {
  const C = 'lx-cpus';
  const n = Number(k.uint(k.symbol('nr_cpu_ids', C), 4));
  const map = k.symbol('__cpuid_to_hartid_map', C);
  const bit = (mask: bigint, cpu: number) => (k.uint(mask + BigInt(Math.floor(cpu / 64) * 8), 8) >> BigInt(cpu % 64)) & 1n;
  const online = k.symbol('__cpu_online_mask', C), possible = k.symbol('__cpu_possible_mask', C);
  const current = currentTasks(k, d.vm.vcpus.length);
  const lines = ['CPU  HART  STATE     vCPU  CURRENT'];
  for (let cpu = 0; cpu < Math.min(n, 1024); cpu++) {
    const hart = k.uint(map + BigInt(cpu * 8), 8);
    const state = bit(online, cpu) ? 'online' : bit(possible, cpu) ? 'offline' : 'absent';
    const v = d.vm.vcpus[Number(hart)];
    let now = '';
    if (v) {
      const task = k.currentTask(v.id);
      const t = task !== undefined ? readTask(k, task, C, current) : undefined;
      now = `${v.state} ${privilegeName(v.hart)}${t ? `: ${t.comm} [${t.pid}]` : ''}`;
    }
    lines.push(`${String(cpu).padStart(3)}  ${String(hart).padStart(4)}  ${state.padEnd(8)}  ${v ? String(v.id).padStart(4) : '   -'}  ${now}`);
  }
  return lines.join('\n');
}

const withKernel = (f: (d: GuestDebugger, k: Kernel, args: string) => string) =>
  (d: GuestDebugger, vcpu: number, args: string) => f(d, new Kernel(d, vcpu), args);

/** The lx-* commands. */
export const LINUX_COMMANDS: ConsoleCommand[] = [
  { name: 'lx-dmesg', usage: 'lx-dmesg', help: 'the Linux kernel log (printk ring buffer), as dmesg prints it', run: withKernel((_d, k) => formatLog(readLog(k)) || '(the log is empty)') },
  { name: 'lx-ps', usage: 'lx-ps', help: 'the Linux tasks: pid, state, cpu, comm; the task each vCPU runs is marked', run: withKernel((d, k) => formatTasks(listTasks(k, d.vm.vcpus.length))) },
  { name: 'lx-cmdline', usage: 'lx-cmdline', help: 'the Linux kernel command line', run: withKernel((_d, k) => cmdline(k)) },
  { name: 'lx-version', usage: 'lx-version', help: 'the Linux kernel version banner', run: withKernel((_d, k) => version(k)) },
  { name: 'lx-cpus', usage: 'lx-cpus', help: 'the Linux CPUs: hart, online, and what each vCPU runs', run: withKernel((d, k) => cpus(d, k)) },
];

/**
 * "sh [42]" for the task a vCPU runs, for its thread name in the Call Stack; undefined when the
 * guest is not a Linux kernel with symbols, or the vCPU runs no task yet.
 */
export function vcpuTaskName(d: GuestDebugger, vcpu: number): string | undefined {
  if (d.addressOfSymbol('init_task') === undefined || d.addressOfSymbol('linux_banner') === undefined) return undefined;
  try {
    const k = new Kernel(d, vcpu);
    const task = k.currentTask(vcpu);
    if (task === undefined) return undefined;
    const t = readTask(k, task, '', new Map());
    return /^[\x20-\x7e]+$/.test(t.comm) ? `${t.comm} [${t.pid}]` : undefined;
  } catch {
    return undefined;
  }
}

/** What the Guest Kernel view shows: the tasks and the newest lines of the log, or why not. */
export interface KernelSnapshot {
  tasks?: { address: string; pid: number; comm: string; state: string; cpu: number; vcpus: number[] }[];
  log?: string[];
  /** Lines of the log left out (only the newest `maxLog` are sent). */
  logOmitted?: number;
  /** Why the tasks or the log could not be read (one line each). */
  errors: string[];
}

/** The tasks and the last `maxLog` log lines of a stopped Linux guest. */
export function kernelSnapshot(d: GuestDebugger, vcpu: number, maxLog: number): KernelSnapshot {
  const k = new Kernel(d, vcpu);
  const out: KernelSnapshot = { errors: [] };
  try {
    out.tasks = listTasks(k, d.vm.vcpus.length).map((t) => ({
      address: '0x' + t.address.toString(16), pid: t.pid, comm: t.comm, state: t.state, cpu: t.cpu, vcpus: t.onVcpus,
    }));
  } catch (e) {
    out.errors.push((e as Error).message);
  }
  try {
    const lines = formatLog(readLog(k)).split('\n').filter((l) => l);
    out.logOmitted = Math.max(0, lines.length - maxLog);
    out.log = lines.slice(-maxLog);
  } catch (e) {
    out.errors.push((e as Error).message);
  }
  return out;
}
