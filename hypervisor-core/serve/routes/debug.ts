/**
 * Route: attach a debugger to a VM (DAP `attach`). `GET /v1/vms/NAME/debug` with
 * `Connection: Upgrade` and `Upgrade: dap` switches the connection to the Debug Adapter
 * Protocol, spoken by a debug session next to the VM in its worker (debug-host.ts): the
 * debugger controls that VM while the others run. Without the upgrade the route answers 426.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../api-error';
import type { VmRegistry } from '../registry';
import type { Route, Router } from '../router';

/** The upgrade token a debugger's connection asks for. */
export const DAP_UPGRADE = 'dap';

/** The route as the router lists it: a plain GET is told to upgrade. */
export function debugRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/v1/vms/:name/debug',
      handler: () => { throw new ApiError('bad-request', `the debug route speaks DAP: send 'Connection: Upgrade' and 'Upgrade: ${DAP_UPGRADE}'`); },
    },
  ];
}

/**
 * Serves an upgrade request (the server's 'upgrade' event): checks it as every request is
 * checked (`check` throws ApiError), then hands the socket to the VM. A refusal is the API's
 * JSON error, after which the connection closes.
 */
export function upgradeToDebugger(vms: VmRegistry, router: Router, check: (req: IncomingMessage) => void,
  req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  try {
    check(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { route, params } = router.match(req.method ?? '', url.pathname);
    if (route.path !== '/v1/vms/:name/debug') throw new ApiError('bad-request', `${url.pathname} cannot be upgraded`);
    if ((req.headers.upgrade ?? '').toLowerCase() !== DAP_UPGRADE) {
      throw new ApiError('bad-request', `the debug route upgrades to '${DAP_UPGRADE}', not '${String(req.headers.upgrade).slice(0, 40)}'`);
    }
    const vm = vms.get(params.name);
    vm.attachDebugger(socket, head); // throws, having changed nothing, when the VM cannot be debugged
    // Written before any byte of the session: the worker answers through the event loop.
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${DAP_UPGRADE}\r\nConnection: Upgrade\r\n\r\n`);
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError('internal', `internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    const text = JSON.stringify({ error: { code: err.code, message: err.message.split('\n')[0] } }) + '\n';
    socket.end(`HTTP/1.1 ${err.status} ${err.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  }
}
