/**
 * `hyperscope serve [--port N]`: the daemon hosting VMs, with the management API on
 * 127.0.0.1:N until SIGINT or SIGTERM, which destroys its VMs.
 */
import { DEFAULT_PORT } from '../serve/client';
import { startDaemon } from '../serve/daemon';
import { UsageError } from './args';
import { availableParallelism } from 'node:os';

/** Most host-CPU slots a daemon takes. */
export const MAX_HOST_THREADS = 256;

/** The usage text of `hyperscope serve`. */
export const SERVE_USAGE = `usage: hyperscope serve [--port N] [--host-threads P]

Hosts VMs, each in its own thread, managed through a JSON API over HTTP on 127.0.0.1:N
(default ${DEFAULT_PORT}; 0 picks a free port). Prints 'listening on 127.0.0.1:N' when ready.
The VMs' threads run guest code on P host-CPU slots (default: the host's cores, at most
${MAX_HOST_THREADS}), shared by a credit scheduler: hyperscope vm sched NAME [--weight W] [--cap C].
Clients: hyperscope vm ... (with --host 127.0.0.1:N or HYPERSCOPE_HOST), the VS Code
extension's Virtual Machines view, or any HTTP client (docs/api.md). Ctrl-C ends every VM.`;

/** Parses the arguments after `serve`. */
export function parseServeArgs(argv: string[]): ServeOptions {
  let port = DEFAULT_PORT;
  let hostThreads = Math.min(MAX_HOST_THREADS, availableParallelism());
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag !== '--port' && flag !== '--host-threads') throw new UsageError(a.startsWith('-') ? `unknown option '${a}'` : `unexpected argument '${a}'`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    const n = Number(v);
    if (flag === '--host-threads') {
      if (!/^\d{1,3}$/.test(v) || n < 1 || n > MAX_HOST_THREADS) throw new UsageError(`--host-threads must be a number from 1 to ${MAX_HOST_THREADS}, not '${v}'`);
      hostThreads = n;
      continue;
    }
    if (!/^\d{1,5}$/.test(v) || n > 65535) throw new UsageError(`--port must be a TCP port from 1 to 65535 (0 picks a free one), not '${v}'`);
    port = n;
  }
  return { port, hostThreads };
}

/** What `hyperscope serve` runs with. */
export interface ServeOptions {
  port: number;
  /** Host-CPU slots of the credit scheduler. */
  hostThreads: number;
}

/** Runs the daemon until a signal; resolves to the exit status. */
export async function serveCommand(o: ServeOptions): Promise<number> {
  let daemon;
  try {
    daemon = await startDaemon(o.port, undefined, o.hostThreads);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : code ?? (e as Error).message;
    throw new UsageError(`cannot listen on 127.0.0.1:${o.port}: ${why}`);
  }
  process.stdout.write(`listening on 127.0.0.1:${daemon.port}\n`);
  await new Promise<void>((resolve) => {
    const end = () => resolve();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  });
  await daemon.close();
  return 0;
}
