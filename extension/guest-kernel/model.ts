/**
 * What the Guest Kernel view shows, from the adapter's `hyperscope.linux` answer
 * ({ tasks?: [{ address, pid, comm, state, cpu, vcpus }], log?: string[], logOmitted?, errors }).
 * Pure: no vscode import.
 */

/** One task as the adapter sends it. */
export interface TaskJson { address: string; pid: number; comm: string; state: string; cpu: number; vcpus: number[] }

/** The answer, checked. */
export interface KernelJson { tasks?: TaskJson[]; log?: string[]; logOmitted: number; errors: string[] }

const isTask = (t: unknown): t is TaskJson => {
  const x = t as TaskJson;
  return !!x && typeof x === 'object' && typeof x.pid === 'number' && typeof x.comm === 'string' && typeof x.state === 'string';
};

/** Validates an answer; undefined when it is not one. */
export function parseKernel(body: unknown): KernelJson | undefined {
  const b = body as Partial<KernelJson> | undefined;
  if (!b || typeof b !== 'object') return undefined;
  return {
    tasks: Array.isArray(b.tasks) ? b.tasks.filter(isTask).map((t) => ({ ...t, vcpus: Array.isArray(t.vcpus) ? t.vcpus.filter((v) => typeof v === 'number') : [] })) : undefined,
    log: Array.isArray(b.log) ? b.log.filter((l): l is string => typeof l === 'string') : undefined,
    logOmitted: typeof b.logOmitted === 'number' ? b.logOmitted : 0,
    errors: Array.isArray(b.errors) ? b.errors.filter((e): e is string => typeof e === 'string') : [],
  };
}

/** ps's words for its state letters. */
const STATES: Record<string, string> = {
  R: 'running', S: 'sleeping', D: 'disk sleep', T: 'stopped', t: 'tracing stop', X: 'dead', Z: 'zombie', P: 'parked', I: 'idle',
};

/** A task's tree item: "sh [42]", "S · cpu 1 · on vCPU 0". */
export function taskText(t: TaskJson): { label: string; description: string; tooltip: string } {
  const on = t.vcpus.length ? ` · on vCPU ${t.vcpus.join(', ')}` : '';
  return {
    label: `${t.comm} [${t.pid}]`,
    description: `${t.state} · cpu ${t.cpu}${on}`,
    tooltip: `${t.comm}, pid ${t.pid}\nstate ${t.state} (${STATES[t.state] ?? 'unknown'}), cpu ${t.cpu}\ntask_struct at ${t.address}${on ? `\nrunning now${on.slice(2)}` : ''}`,
  };
}
