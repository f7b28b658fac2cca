/** Routes: pause, resume and reset a VM (virsh suspend, resume, reset), and set its balloon (virsh setmem). */
import { ApiError } from '../api-error';
import type { VmRegistry } from '../registry';
import type { Route } from '../router';

/** The routes of this group; each answers the VM's info after the change. */
export function lifecycleRoutes(vms: VmRegistry): Route[] {
  /** POST /v1/vms/:name/ACTION: the VM's method of that name, then its info. */
  const lifecycleAction = (action: 'pause' | 'resume' | 'reset'): Route => ({
    method: 'POST', path: `/v1/vms/:name/${action}`,
    handler: async ({ params }) => {
      const vm = vms.get(params.name);
      await vm[action]();
      return { json: await vm.info() };
    },
  });
  return [
    lifecycleAction('pause'),
    lifecycleAction('resume'),
    {
      // Body { "target": BYTES }: the balloon's new target size.
      method: 'POST', path: '/v1/vms/:name/balloon', maxBody: 1024,
      handler: async ({ params, body }) => {
        let target: unknown;
        try {
          target = (JSON.parse(body.toString('utf8')) as { target?: unknown })?.target;
        } catch {
          throw new ApiError('bad-request', 'the body is not valid JSON');
        }
        if (typeof target !== 'number' || !Number.isSafeInteger(target) || target < 0) {
          throw new ApiError('bad-request', "'target' must be the balloon's size in bytes");
        }
        const vm = vms.get(params.name);
        await vm.setBalloon(target);
        return { json: await vm.info() };
      },
    },
    lifecycleAction('reset'),
  ];
}
