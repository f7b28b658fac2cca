/**
 * The VM state of a Hyperscope debug session as the DAP messages tell it (no vscode import, so
 * unit tests load it): running after configurationDone/continue/step requests and `continued`
 * events, paused on `stopped`, stopped for good on `terminated`/`exited`.
 */

/** What the status bar and the views show. */
export type VmState = 'starting' | 'running' | 'paused' | 'stopped';

/** The fields of a DAP message this module reads. */
export interface DapMessage {
  type?: string;
  command?: string;
  event?: string;
  body?: unknown;
}

/** Requests after which the guest runs (until a `stopped` event says otherwise). */
const RUNNING_REQUESTS = new Set(['configurationDone', 'continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'restart', 'goto']);

/**
 * The state after one message. `toAdapter` is true for messages VS Code sends to the adapter
 * (requests), false for what the adapter sends (responses and events).
 */
export function stateAfter(prev: VmState, m: DapMessage, toAdapter: boolean): VmState {
  if (prev === 'stopped') return prev;
  if (toAdapter) return m.type === 'request' && m.command && RUNNING_REQUESTS.has(m.command) ? 'running' : prev;
  if (m.type !== 'event') return prev;
  switch (m.event) {
    case 'stopped':
      return 'paused';
    case 'continued':
      return 'running';
    case 'terminated':
    case 'exited':
      return 'stopped';
    default:
      return prev;
  }
}

/** The thread id (vCPU + 1) of a `stopped` event, when it names one. */
export function stoppedThread(m: DapMessage): number | undefined {
  if (m.type !== 'event' || m.event !== 'stopped') return undefined;
  const id = (m.body as { threadId?: unknown } | undefined)?.threadId;
  return typeof id === 'number' ? id : undefined;
}

/** Text of an `output` event of the given categories (the guest console is `stdout`). */
export function outputText(m: DapMessage, categories: readonly string[] = ['stdout']): string | undefined {
  if (m.type !== 'event' || m.event !== 'output') return undefined;
  const b = m.body as { output?: unknown; category?: unknown } | undefined;
  const category = typeof b?.category === 'string' ? b.category : 'console';
  return typeof b?.output === 'string' && categories.includes(category) ? b.output : undefined;
}
