/** Routes: pause, resume and reset a VM (virsh suspend, resume, reset). */
import type { VmRegistry } from '../registry';
import type { Route } from '../router';

/** The routes of this group; each answers the VM's info after the change. */
export function lifecycleRoutes(vms: VmRegistry): Route[] {
  return [
    {
      method: 'POST', path: '/v1/vms/:name/pause',
      handler: async ({ params }) => {
        const vm = vms.get(params.name);
        await vm.pause();
        return { json: await vm.info() };
      },
    },
    {
      method: 'POST', path: '/v1/vms/:name/resume',
      handler: async ({ params }) => {
        const vm = vms.get(params.name);
        await vm.resume();
        return { json: await vm.info() };
      },
    },
    {
      method: 'POST', path: '/v1/vms/:name/reset',
      handler: async ({ params }) => {
        const vm = vms.get(params.name);
        await vm.reset();
        return { json: await vm.info() };
      },
    },
  ];
}
