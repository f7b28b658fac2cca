/**
 * `hyperscope serve`: an HTTP server on 127.0.0.1 with the management API (docs/api.md,
 * docs/api.json) over a registry of VMs, each in its own worker thread. Every request is
 * checked before anything changes; a refused one gets `{"error":{"code","message"}}` with one
 * line of message; nothing a client sends and nothing a VM does takes the daemon down.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { ApiError } from './api-error';
import { VmRegistry } from './registry';
import { Route, Router } from './router';
import { consoleRoutes } from './routes/console';
import { eventRoutes } from './routes/events';
import { lifecycleRoutes } from './routes/lifecycle';
import { migrateRoutes } from './routes/migrate';
import { stateRoutes } from './routes/state';
import { statsRoutes } from './routes/stats';
import { vmRoutes } from './routes/vms';
import { debugRoutes, upgradeToDebugger } from './routes/debug';
import { VM_WORKER_FILE } from './vm-host';
import { schedRoutes } from './routes/sched';
import { CreditScheduler } from '../hypervisor/threads/credit-scheduler';

/** Connections served at once (event and console streams included). */
const MAX_CONNECTIONS = 128;

/** A running daemon. */
export interface Daemon {
  /** The port it listens on (127.0.0.1 only). */
  port: number;
  vms: VmRegistry;
  router: Router;
  /** Destroys every VM and stops listening. */
  close(): Promise<void>;
}

/** Every route of the API, in one table (a new route group adds itself here). */
export function apiRouter(vms: VmRegistry): Router {
  return new Router().add(...vmRoutes(vms), ...lifecycleRoutes(vms), ...consoleRoutes(vms), ...statsRoutes(vms), ...eventRoutes(vms), ...migrateRoutes(vms), ...stateRoutes(vms), ...schedRoutes(vms), ...debugRoutes());
}

/** Starts the daemon on 127.0.0.1:`port` (0 picks a free port). Rejects when it cannot listen. */
export async function startDaemon(port: number, workerFile = VM_WORKER_FILE, hostThreads = availableParallelism()): Promise<Daemon> {
  // The VMs' threads run guest code only while they hold one of `hostThreads` slots (the credit scheduler).
  const vms = new VmRegistry(workerFile, CreditScheduler.create(hostThreads));
  const router = apiRouter(vms);
  const server = createServer((req, res) => void serve(router, req, res));
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  server.on('upgrade', (req, socket, head) => upgradeToDebugger(vms, router, checkOrigin, req, socket, head));
  return {
    port: (server.address() as AddressInfo).port, vms, router,
    close: async () => {
      await vms.destroyAll();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // streams would hold close() open forever
  });
}

/** Answers one request. */
async function serve(router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.on('error', () => undefined); // a client that went away is no error of ours
  try {
    checkOrigin(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { route, params } = router.match(req.method ?? '', url.pathname);
    const body = await readBody(req, route);
    const result = await route.handler({ req, res, params, query: url.searchParams, body });
    if (result === 'streaming') return;
    send(res, result.status ?? 200, result.json);
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError('internal', `internal error: ${oneLine((e as Error)?.message ?? String(e))}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err.code === 'too-large') res.setHeader('connection', 'close');
    send(res, err.status, { error: { code: err.code, message: oneLine(err.message) } });
  }
}

/**
 * A browser page may send requests to 127.0.0.1 too: requests with an Origin header, or a Host
 * other than the loopback address (DNS rebinding), are refused.
 */
function checkOrigin(req: IncomingMessage): void {
  if (req.headers.origin !== undefined) throw new ApiError('forbidden', 'requests from web pages are refused');
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new ApiError('forbidden', `the daemon answers as 127.0.0.1, not '${host.slice(0, 80)}'`);
}

/** Reads the body, refusing one larger than the route takes (without reading it all). */
function readBody(req: IncomingMessage, route: Route): Promise<Buffer> {
  const max = route.maxBody ?? 0;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) {
    req.pause();
    return Promise.reject(new ApiError('too-large', max === 0 ? `${route.method} ${route.path} takes no body` : `the body is larger than ${max} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        // Stop taking data; the answer closes the connection (the rest is never read).
        req.removeAllListeners('data');
        req.pause();
        reject(new ApiError('too-large', max === 0 ? `${route.method} ${route.path} takes no body` : `the body is larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new ApiError('bad-request', 'the request was cut short')));
  });
}

function send(res: ServerResponse, status: number, json: unknown): void {
  const text = JSON.stringify(json) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function oneLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 300 ? line.slice(0, 300) + '...' : line;
}
