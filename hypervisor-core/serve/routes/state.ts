/**
 * Routes: a VM's state. Snapshot to a file and restore from one (virsh save / restore, on
 * the daemon's host), and the dirty log (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG).
 */
import { ApiError } from '../api-error';
import type { VmRegistry } from '../registry';
import type { Route } from '../router';

/** Longest file path taken. */
const MAX_PATH = 4096;

/** The JSON object of a small body. */
function bodyObject(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('bad-request', 'the body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError('bad-request', 'the body must be a JSON object');
  return v as Record<string, unknown>;
}

/** The `file` field: an absolute path on the daemon's host. */
function filePath(b: Record<string, unknown>, allowed: string[]): string {
  for (const k of Object.keys(b)) if (!allowed.includes(k)) throw new ApiError('bad-request', `unknown field '${k.slice(0, 40)}'`);
  const f = b.file;
  if (typeof f !== 'string' || !f.startsWith('/') || f.length > MAX_PATH || f.includes('\0') || f.endsWith('/')) {
    throw new ApiError('bad-request', "'file' must be an absolute file path on the daemon's host");
  }
  return f;
}

/** The routes of this group. */
export function stateRoutes(vms: VmRegistry): Route[] {
  const dirtyLog = (action: 'start' | 'fetch' | 'stop'): Route => ({
    method: 'POST', path: `/v1/vms/:name/dirty-log/${action}`,
    handler: async ({ params }) => ({ json: await vms.get(params.name).dirtyLog(action) }),
  });
  return [
    {
      // Body { "file": "/abs/path" }: answers { file, bytes, instructions }.
      method: 'POST', path: '/v1/vms/:name/snapshot', maxBody: 8192,
      handler: async ({ params, body }) => {
        const file = filePath(bodyObject(body), ['file']);
        return { json: await vms.get(params.name).snapshot(file) };
      },
    },
    {
      // Body { "file": "/abs/path", "force"?: true }: answers the VM's info, running from the snapshot.
      method: 'POST', path: '/v1/vms/:name/restore', maxBody: 8192,
      handler: async ({ params, body }) => {
        const b = bodyObject(body);
        const file = filePath(b, ['file', 'force']);
        if (b.force !== undefined && typeof b.force !== 'boolean') throw new ApiError('bad-request', "'force' must be true or false");
        const vm = vms.get(params.name);
        await vm.restore(file, b.force === true);
        return { json: await vm.info() };
      },
    },
    dirtyLog('start'),
    dirtyLog('fetch'),
    dirtyLog('stop'),
  ];
}
