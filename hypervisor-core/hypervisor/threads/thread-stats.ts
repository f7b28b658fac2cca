/**
 * What each vCPU thread did, for `--stats` and `--stats-json`: its CPU seconds (the kernel's
 * per-thread utime + stime from /proc/self/task/TID/stat: wall time on a shared machine says
 * little, a thread's CPU time says what it cost), the slices it ran, the exits it handed to
 * the VM's thread and how long it waited for their answers, the WFIs, UART console accesses,
 * PLIC accesses and SBI IPIs and remote fences it handled itself, its
 * idle waits and the blocks it compiled; and the VM thread's CPU seconds and exits handled.
 *
 * A thread counts into its own row of a shared Float64Array (one writer per row, read by the
 * VM's thread at the end, before the threads go).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';

/** Fields of a thread's row. */
export const enum TS { TID, SLICES, EXITS, REPLY_WAIT_MS, WFI, IDLE_WAITS, IDLE_MS, COMPILED, SPIN_WAITS, UART_HERE, SBI_HERE, FENCE_WAIT_MS, PLIC_HERE, WIDTH }

/** The rows of `threads` threads. */
export function newThreadStats(threads: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(threads * TS.WIDTH * 8)).fill(0);
}

/** This thread's kernel thread id, or -1 where /proc/thread-self is not there (not Linux). */
export function ownTid(): number {
  try {
    const m = /task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** CPU seconds (user + system) of thread `tid` of this process so far, or NaN when unknown. */
export function threadCpuSeconds(tid: number): number {
  if (tid < 0) return NaN;
  try {
    // Fields after the command (which may hold spaces, so split after its closing parenthesis):
    // utime and stime are the 12th and 13th, in clock ticks (USER_HZ, 100 on Linux).
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** One vCPU thread's figures. */
export interface VcpuThreadStats {
  thread: number;
  vcpus: number[];
  /** CPU seconds of the thread (null where the kernel does not tell). */
  cpuSeconds: number | null;
  /** Guest instructions its vCPUs retired. */
  instructions: number;
  slices: number;
  /** Exits handed to the VM's thread, and the milliseconds spent waiting for their answers. */
  exitsToVm: number;
  replyWaitMs: number;
  /** WFI exits handled on the thread itself. */
  wfi: number;
  /** Waits with nothing to run (every vCPU blocked or stopped) and their milliseconds. */
  idleWaits: number;
  idleMs: number;
  /** Guest blocks its translator compiled (each thread compiles its own). */
  blocksCompiled: number;
  /** Pauses after its vCPUs spun on a lock (pause-loop exiting: the host CPU left to the others). */
  spinWaits: number;
  /** UART THR writes and LSR reads it answered itself (MMIO exits not sent to the VM's thread). */
  uartHere: number;
  /** PLIC accesses it answered itself (plic-on-thread.ts: MMIO exits not sent to the VM's thread). */
  plicHere: number;
  /** SBI IPI and remote fence calls it answered itself (sbi-on-thread.ts). */
  sbiHere: number;
  /** Milliseconds its vCPUs waited for remote fences to be done by the other threads. */
  fenceWaitMs: number;
}

/** The threads' figures of a run on vCPU threads. */
export interface ThreadsReport {
  threads: VcpuThreadStats[];
  /** The VM's thread: its CPU seconds over the whole process life so far, and the exits it handled for the threads. */
  vmThread: { cpuSeconds: number | null; exitsHandled: number };
  /** The host's 1-minute load average when the report was made. */
  loadAverage: number;
}

/** Reads the rows into a report (call before the threads end: their /proc entries go with them). */
export function readThreadsReport(rows: Float64Array, vcpusOf: number[][], instructions: (vcpu: number) => number,
  vmTid: number, exitsHandled: number): ThreadsReport {
  const cpu = (tid: number): number | null => {
    const s = threadCpuSeconds(tid);
    return Number.isNaN(s) ? null : s;
  };
  const threads = vcpusOf.map((vcpus, t) => {
    const r = (f: TS): number => rows[t * TS.WIDTH + f];
    return {
      thread: t, vcpus, cpuSeconds: cpu(r(TS.TID)), instructions: vcpus.reduce((n, v) => n + instructions(v), 0),
      slices: r(TS.SLICES), exitsToVm: r(TS.EXITS), replyWaitMs: Math.round(r(TS.REPLY_WAIT_MS) * 10) / 10, wfi: r(TS.WFI),
      idleWaits: r(TS.IDLE_WAITS), idleMs: Math.round(r(TS.IDLE_MS) * 10) / 10, blocksCompiled: r(TS.COMPILED),
      spinWaits: r(TS.SPIN_WAITS), uartHere: r(TS.UART_HERE), plicHere: r(TS.PLIC_HERE), sbiHere: r(TS.SBI_HERE), fenceWaitMs: Math.round(r(TS.FENCE_WAIT_MS) * 10) / 10,
    };
  });
  return { threads, vmThread: { cpuSeconds: cpu(vmTid), exitsHandled }, loadAverage: Math.round(os.loadavg()[0] * 100) / 100 };
}

/** The report as the text `--stats` prints. */
export function formatThreadsReport(r: ThreadsReport): string {
  const num = (x: number | null, digits = 2): string => (x === null ? '-' : x.toFixed(digits));
  const head = ['thread', 'vCPUs', 'CPU s', 'instructions', 'slices', 'exits to VM', 'reply wait ms', 'WFI', 'idle waits', 'idle ms', 'blocks', 'spin waits', 'UART here', 'PLIC here', 'SBI here', 'fence wait ms'];
  const rows = r.threads.map((t) => [String(t.thread), t.vcpus.join(','), num(t.cpuSeconds), String(t.instructions), String(t.slices),
    String(t.exitsToVm), num(t.replyWaitMs, 1), String(t.wfi), String(t.idleWaits), num(t.idleMs, 1), String(t.blocksCompiled), String(t.spinWaits), String(t.uartHere), String(t.plicHere), String(t.sbiHere), num(t.fenceWaitMs, 1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return `vCPU threads (CPU seconds per thread from the kernel; load average ${r.loadAverage.toFixed(2)})\n` +
    [line(head), ...rows.map(line)].join('\n') +
    `\nVM thread: ${num(r.vmThread.cpuSeconds)} CPU s in all, ${r.vmThread.exitsHandled} exits handled for the vCPU threads\n`;
}
