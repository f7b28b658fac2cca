/**
 * Helpers for the DAP tests: a DebugClient on the built adapter (dist/debug-adapter.js, built
 * by `npm test`'s pretest), and launch sequences on the samples with the icount clock.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { join, resolve } from 'node:path';

/** Repository root (tests run from out/test/dap). */
export const ROOT = resolve(__dirname, '../../..');
/** The built adapter. */
export const ADAPTER = join(ROOT, 'dist/debug-adapter.js');
/** A sample's ELF. */
export const sample = (name: string): string => join(ROOT, 'samples', name, `${name}.elf`);

/** Starts a client on the adapter process. */
export async function startClient(): Promise<DebugClient> {
  const dc = new DebugClient('node', ADAPTER, 'hyperscope');
  dc.defaultTimeout = 10_000;
  await dc.start();
  return dc;
}

/**
 * Launches `program` (icount clock, cwd = repository root), runs `configure` between the
 * initialized event and configurationDone (breakpoints), and resolves after configurationDone
 * with a promise of the first stopped event (waited for before it can arrive).
 */
export async function launch(dc: DebugClient, args: Record<string, unknown>, configure?: () => Promise<unknown>):
  Promise<{ firstStop: Promise<DebugProtocol.StoppedEvent> }> {
  let firstStop: Promise<DebugProtocol.StoppedEvent> | undefined;
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      if (configure) await configure();
      firstStop = stopped(dc);
      firstStop.catch(() => undefined); // tests that never stop do not wait for it
      await dc.configurationDoneRequest();
    }),
    dc.launch({ cwd: ROOT, clock: 'icount', ...args }),
  ]);
  return { firstStop: firstStop! };
}

/** Waits for the next stopped event. */
export async function stopped(dc: DebugClient, timeout = 10_000): Promise<DebugProtocol.StoppedEvent> {
  return (await dc.waitForEvent('stopped', timeout)) as DebugProtocol.StoppedEvent;
}

/** The top frame of vCPU 0. */
export async function topFrame(dc: DebugClient): Promise<DebugProtocol.StackFrame> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames[0];
}

/** The variables of a scope of the top frame of vCPU 0, by name. */
export async function scopeValues(dc: DebugClient, scopeName: string): Promise<Map<string, DebugProtocol.Variable>> {
  const frame = await topFrame(dc);
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const scope = scopes.body.scopes.find((s) => s.name === scopeName);
  if (!scope) throw new Error(`no scope ${scopeName}`);
  const vars = await dc.variablesRequest({ variablesReference: scope.variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}
