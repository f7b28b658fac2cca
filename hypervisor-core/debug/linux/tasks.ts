/**
 * The kernel's tasks, as scripts/gdb/linux/tasks.py walks them: from init_task along
 * `tasks` (every thread group leader), and each leader's threads along `thread_group`; the
 * state letter as fs/proc/array.c's task_state_array gives it; the CPU from thread_info.cpu
 * (or task_struct.cpu, where a kernel keeps it there). Bounded: a corrupt list ends the walk
 * after MAX_TASKS tasks or where it does not come back.
 */
import { Kernel } from './kernel';

/** One task. */
export interface TaskInfo {
  address: bigint;
  pid: number;
  comm: string;
  /** "R", "S", "D", "T", "t", "X", "Z", "P" or "I" (ps's letters). */
  state: string;
  cpu: number;
  /** vCPUs that run it now (their current task). */
  onVcpus: number[];
}

/** The most tasks listed (a list that does not end is cut there). */
export const MAX_TASKS = 10_000;

const T = 'struct task_struct';
/** fs/proc/array.c task_state_array order: index = fls(state & TASK_REPORT | exit_state). */
const STATE_LETTERS = 'RSDTtXZP';
/** include/linux/sched.h: TASK_REPORT covers bits 0-6; TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD. */
const TASK_REPORT = 0x7fn, TASK_IDLE = 0x402n;

/** The ps letter of a task's __state and exit_state (fs/proc/array.c, task_state_index). */
export function stateLetter(state: bigint, exitState: bigint): string {
  if ((state & TASK_IDLE) === TASK_IDLE) return 'I';
  const s = (state & TASK_REPORT) | exitState;
  let fls = 0;
  for (let v = s; v > 0n; v >>= 1n) fls++;
  return STATE_LETTERS[fls] ?? '?';
}

/** Reads one task. */
export function readTask(k: Kernel, task: bigint, command: string, current: Map<bigint, number[]>): TaskInfo {
  const stateMember = k.hasMember(T, '__state') ? '__state' : 'state';
  const cpuAt = k.hasMember(T, 'cpu') ? k.offset(T, 'cpu', command) : k.offset(T, 'thread_info', command) + k.offset('struct thread_info', 'cpu', command);
  return {
    address: task,
    pid: Number(k.int(task + BigInt(k.offset(T, 'pid', command)), 4)),
    comm: k.text(task + BigInt(k.offset(T, 'comm', command)), k.size(`${T}`, command) > 0 ? 16 : 16),
    state: stateLetter(k.uint(task + BigInt(k.offset(T, stateMember, command)), 4), k.uint(task + BigInt(k.offset(T, 'exit_state', command)), 4)),
    cpu: Number(k.int(task + BigInt(cpuAt), 4)),
    onVcpus: current.get(task) ?? [],
  };
}

/** The vCPUs' current tasks: task address -> vCPU numbers. */
export function currentTasks(k: Kernel, vcpus: number): Map<bigint, number[]> {
  const out = new Map<bigint, number[]>();
  for (let v = 0; v < vcpus; v++) {
    const t = k.currentTask(v);
    if (t !== undefined) out.set(t, [...(out.get(t) ?? []), v]);
  }
  return out;
}

/** Every task: leaders from init_task along `tasks`, each followed by its other threads. */
export function listTasks(k: Kernel, vcpus: number, command = 'lx-ps'): TaskInfo[] {
  const init = k.symbol('init_task', command);
  const tasksOff = BigInt(k.offset(T, 'tasks', command));
  const groupOff = k.hasMember(T, 'thread_group') ? BigInt(k.offset(T, 'thread_group', command)) : undefined;
  const current = currentTasks(k, vcpus);
  const out: TaskInfo[] = [];
  const seen = new Set<bigint>();
  let leader = init;
  do {
    if (seen.has(leader)) break;
    let t = leader;
    do {
      seen.add(t);
      out.push(readTask(k, t, command, current));
      if (groupOff === undefined) break;
      t = k.ptr(t + groupOff) - groupOff;
    } while (t !== leader && !seen.has(t) && out.length < MAX_TASKS);
    leader = k.ptr(leader + tasksOff) - tasksOff;
  } while (leader !== init && out.length < MAX_TASKS);
  return out;
}

/** lx-ps's table. */
export function formatTasks(tasks: TaskInfo[]): string {
  const lines = ['      TASK             PID  ST  CPU  COMM'];
  for (const t of tasks) {
    const on = t.onVcpus.length ? `   <- running on vCPU ${t.onVcpus.join(', ')}` : '';
    lines.push(`0x${t.address.toString(16)} ${String(t.pid).padStart(6)}  ${t.state.padEnd(2)} ${String(t.cpu).padStart(4)}  ${t.comm}${on}`);
  }
  return lines.join('\n');
}
