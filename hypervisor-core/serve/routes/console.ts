/**
 * Routes: a VM's console. GET streams what it printed so far, then (unless `follow=0`) the
 * live output until the VM ends or the client goes; POST forwards input to the guest.
 */
import type { VmEvent, VmRegistry } from '../registry';
import type { Route } from '../router';

/** Largest piece of input one request carries. */
export const CONSOLE_INPUT_MAX = 4096;

/** A client this far behind on live output is dropped rather than buffered for without bound. */
const MAX_UNSENT = 1024 * 1024;

/** The routes of this group. */
export function consoleRoutes(vms: VmRegistry): Route[] {
  return [
    {
      method: 'GET', path: '/v1/vms/:name/console',
      handler: ({ params, query, res, req }) => {
        const vm = vms.get(params.name);
        // A VM that is not running or paused prints nothing more until a reset: history only.
        const follow = query.get('follow') !== '0' && (vm.state === 'running' || vm.state === 'paused');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
        res.write(vm.console.history());
        if (!follow) {
          res.end();
          return 'streaming';
        }
        const stop = vm.console.listen((bytes) => {
          if (res.writableLength > MAX_UNSENT) res.destroy();
          else res.write(bytes);
        });
        const onGone = () => {
          stop();
          vms.off('event', onEvent);
        };
        const onEvent = (e: VmEvent) => {
          if (e.name !== params.name) return;
          if (e.type === 'destroyed' || (e.type === 'state' && (e.state === 'shut off' || e.state === 'crashed'))) res.end();
        };
        vms.on('event', onEvent);
        res.on('close', onGone);
        req.on('close', onGone);
        return 'streaming';
      },
    },
    {
      method: 'POST', path: '/v1/vms/:name/console', maxBody: CONSOLE_INPUT_MAX,
      handler: async ({ params, body }) => {
        const accepted = await vms.get(params.name).input(new Uint8Array(body));
        return { json: { accepted } };
      },
    },
  ];
}
