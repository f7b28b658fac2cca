/** Routes: live migration of a VM to a destination waiting with --incoming (virsh migrate). */
import { ApiError } from '../api-error';
import type { VmRegistry } from '../registry';
import type { Route } from '../router';

/** The routes of this group. */
export function migrateRoutes(vms: VmRegistry): Route[] {
  return [
    {
      // Body { "to": "127.0.0.1:PORT" }; answers the MigrationReport once the VM runs there.
      method: 'POST', path: '/v1/vms/:name/migrate', maxBody: 1024,
      handler: async ({ params, body }) => {
        let to: unknown;
        try {
          to = (JSON.parse(body.toString('utf8')) as { to?: unknown })?.to;
        } catch {
          throw new ApiError('bad-request', 'the body is not valid JSON');
        }
        if (typeof to !== 'string' || !/^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(to) || Number(to.slice(to.lastIndexOf(':') + 1)) < 1 ||
          Number(to.slice(to.lastIndexOf(':') + 1)) > 65535) {
          throw new ApiError('bad-request', "'to' must be the destination as 127.0.0.1:PORT (migration runs on the loopback only)");
        }
        return { json: await vms.get(params.name).migrate(to) };
      },
    },
  ];
}
