/**
 * Routes: the event stream, as server-sent events (text/event-stream): one `vm` event per
 * change, its data a VmEvent as JSON (created, state, destroyed). A client that reconnects
 * lists the VMs again (`GET /v1/vms`); events are not replayed.
 */
import type { VmEvent, VmRegistry } from '../registry';
import type { Route } from '../router';

/** Event-stream clients served at once (each holds a connection). */
export const MAX_EVENT_CLIENTS = 32;

/** A client this far behind is dropped. */
const MAX_UNSENT = 256 * 1024;

/** The routes of this group. */
export function eventRoutes(vms: VmRegistry): Route[] {
  let clients = 0;
  return [
    {
      method: 'GET', path: '/v1/events',
      handler: ({ res }) => {
        if (clients >= MAX_EVENT_CLIENTS) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'internal', message: `at most ${MAX_EVENT_CLIENTS} event streams at once` } }) + '\n');
          return 'streaming';
        }
        clients++;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        // A comment line first: the client knows the stream is open (and proxies flush).
        res.write(': hyperscope events\n\n');
        const onEvent = (e: VmEvent) => {
          if (res.writableLength > MAX_UNSENT) res.destroy();
          else res.write(`event: vm\ndata: ${JSON.stringify(e)}\n\n`);
        };
        vms.on('event', onEvent);
        res.on('close', () => {
          clients--;
          vms.off('event', onEvent);
        });
        return 'streaming';
      },
    },
  ];
}
