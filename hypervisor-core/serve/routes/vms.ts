/** Routes: the VMs (list, create, info, destroy) and the service description. */
import { ApiError } from '../api-error';
import { parseCreateRequest } from '../create-request';
import type { VmRegistry } from '../registry';
import type { Route } from '../router';

/** Largest create request (a kernel command line and eight disk paths fit many times over). */
export const CREATE_BODY_MAX = 64 * 1024;

/** The API version in every path (/v1/...). */
export const API_VERSION = 1;

/** The routes of this group. */
export function vmRoutes(vms: VmRegistry): Route[] {
  return [
    {
      method: 'GET', path: '/v1',
      handler: () => ({ json: { service: 'hyperscope', api: API_VERSION } }),
    },
    {
      method: 'GET', path: '/v1/vms',
      handler: async () => ({ json: { vms: await Promise.all(vms.all().map((vm) => vm.info())) } }),
    },
    {
      method: 'POST', path: '/v1/vms', maxBody: CREATE_BODY_MAX,
      handler: async ({ body }) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new ApiError('bad-request', 'the body is not valid JSON');
        }
        const { name, options, sched } = parseCreateRequest(parsed);
        const vm = await vms.create(name, options, sched);
        return { status: 201, json: await vm.info() };
      },
    },
    {
      method: 'GET', path: '/v1/vms/:name',
      handler: async ({ params }) => ({ json: await vms.get(params.name).info() }),
    },
    {
      method: 'DELETE', path: '/v1/vms/:name',
      handler: async ({ params }) => {
        await vms.destroy(params.name);
        return { json: { name: params.name, destroyed: true } };
      },
    },
  ];
}
