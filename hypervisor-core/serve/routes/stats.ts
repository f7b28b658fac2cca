/** Routes: a VM's exit statistics (the report of `hyperscope run --stats-json`). */
import type { VmRegistry } from '../registry';
import type { Route } from '../router';

/** The routes of this group. */
export function statsRoutes(vms: VmRegistry): Route[] {
  return [
    {
      method: 'GET', path: '/v1/vms/:name/stats',
      handler: async ({ params }) => ({ json: await vms.get(params.name).stats() }),
    },
  ];
}
