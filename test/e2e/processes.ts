/**
 * Process-tree helpers for tearing down code-server: its extension host, file watcher and
 * debug adapters linger after SIGTERM, so the harness collects every descendant pid first and
 * ends each one by id (never by name).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of a process from /proc/PID/stat, or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Every descendant of `root` (children, grandchildren...), deepest last. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** True while the process exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops `root` and all its descendants: collects the tree, SIGTERMs each pid, waits up to
 * `graceMs`, then SIGKILLs whatever is left. Returns the pids that had to be killed.
 */
export async function stopTree(root: number, graceMs = 3000): Promise<number[]> {
  const pids = [root, ...descendants(root)];
  for (const p of pids) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  // Children spawned during shutdown are collected again before the hard stop.
  const left = [...new Set([...pids, ...descendants(root)])].filter(isAlive);
  for (const p of left) signal(p, 'SIGKILL');
  return left;
}
