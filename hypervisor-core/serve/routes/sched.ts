/** Routes: a VM's credit scheduler weight and cap (Xen's `xl sched-credit -d NAME [-w W] [-c C]`). */
import { ApiError } from '../api-error';
import type { VmRegistry } from '../registry';
import type { Route } from '../router';
import { parseSchedRequest } from '../vm-sched';

/** The routes of this group. */
export function schedRoutes(vms: VmRegistry): Route[] {
  return [
    {
      method: 'GET', path: '/v1/vms/:name/sched',
      handler: ({ params }) => ({ json: vms.get(params.name).schedInfo() }),
    },
    {
      // Body { "weight"?, "cap"? }: either or both change at once, or nothing when one is wrong.
      method: 'POST', path: '/v1/vms/:name/sched', maxBody: 1024,
      handler: ({ params, body }) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new ApiError('bad-request', 'the body is not valid JSON');
        }
        const vm = vms.get(params.name);
        return { json: vm.setSched(parseSchedRequest(parsed)) };
      },
    },
  ];
}
