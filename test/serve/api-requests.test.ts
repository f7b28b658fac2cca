/**
 * The management API against malformed and hostile requests, in-process (startDaemon): each
 * gets its status, its error code and one line, and the VMs are as they were; docs/api.json
 * lists exactly the routes served; a VM whose thread dies is crashed and the daemon goes on.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { apiRouter, Daemon, startDaemon } from '../../hypervisor-core/serve/daemon';
import { VmRegistry } from '../../hypervisor-core/serve/registry';
import { CREATE_REQUEST_FIELDS } from '../../hypervisor-core/serve/create-request';
import { until } from './daemon-harness';

const HELLO = path.join(ROOT, 'samples', 'hello', 'hello.elf');

/** A raw request; resolves to the status and the parsed body. */
function raw(port: number, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}):
  Promise<{ status: number; json: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hyperscope serve: the API refuses bad requests', function () {
  this.timeout(120_000);
  let d: Daemon;
  before(async () => {
    d = await startDaemon(0);
    const r = await raw(d.port, 'POST', '/v1/vms', JSON.stringify({ name: 'h', kernel: HELLO }));
    assert.equal(r.status, 201, JSON.stringify(r.json));
    await until('hello to power off', async () => ((await raw(d.port, 'GET', '/v1/vms/h')).json.state === 'shut off' ? true : undefined));
  });
  after(async () => { await d?.close(); });

  it('docs/api.json describes exactly the routes the daemon serves', () => {
    const api = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'api.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(api.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const served = apiRouter(new VmRegistry()).list().map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort();
    assert.deepEqual(documented, served);
  });

  it('docs/api.json describes exactly the fields a create request may carry', () => {
    const api = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'api.json'), 'utf8')) as { components: { schemas: { CreateRequest: { properties: Record<string, unknown> } } } };
    assert.deepEqual(Object.keys(api.components.schemas.CreateRequest.properties).sort(), [...CREATE_REQUEST_FIELDS].sort());
  });

  const big = 'x'.repeat(70 * 1024);
  const cases: [string, string, string, (string | Buffer)?, Record<string, string>?, number?, string?][] = [
    ['not JSON', 'POST', '/v1/vms', 'garbage', {}, 400, 'bad-request'],
    ['a JSON array', 'POST', '/v1/vms', '[]', {}, 400, 'bad-request'],
    ['no kernel', 'POST', '/v1/vms', '{"name":"x"}', {}, 400, 'bad-request'],
    ['an unknown field', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","cpus":2}`, {}, 400, 'bad-request'],
    ['a relative kernel path', 'POST', '/v1/vms', '{"name":"x","kernel":"hello.elf"}', {}, 400, 'bad-request'],
    ['vcpus as a string', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","vcpus":"2"}`, {}, 400, 'bad-request'],
    ['vcpus not an integer', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","vcpus":1.5}`, {}, 400, 'bad-request'],
    ['vcpus out of range', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","vcpus":0}`, {}, 400, 'bad-request'],
    ['memory out of range', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","memory":"1T"}`, {}, 400, 'bad-request'],
    ['a bad name', 'POST', '/v1/vms', `{"name":"../x","kernel":"${HELLO}"}`, {}, 400, 'bad-request'],
    ['a bad clock', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","clock":"fast"}`, {}, 400, 'bad-request'],
    ['a disk that is no object', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","disks":["/tmp/d"]}`, {}, 400, 'bad-request'],
    ['a missing kernel file', 'POST', '/v1/vms', '{"name":"x","kernel":"/no/such/file"}', {}, 400, 'bad-file'],
    ['an endless kernel file', 'POST', '/v1/vms', '{"name":"x","kernel":"/dev/zero"}', {}, 400, 'bad-file'],
    ['a missing disk', 'POST', '/v1/vms', `{"name":"x","kernel":"${HELLO}","disks":[{"path":"/no/such/disk"}]}`, {}, 400, 'bad-file'],
    ['a taken name', 'POST', '/v1/vms', `{"name":"h","kernel":"${HELLO}"}`, {}, 409, 'vm-exists'],
    ['a body over 64 KiB', 'POST', '/v1/vms', big, {}, 413, 'too-large'],
    ['console input over 4096 bytes', 'POST', '/v1/vms/h/console', big.slice(0, 5000), {}, 413, 'too-large'],
    ['a body where none is taken', 'POST', '/v1/vms/h/pause', 'x', {}, 413, 'too-large'],
    ['a request from a web page', 'GET', '/v1/vms', undefined, { origin: 'http://example.com' }, 403, 'forbidden'],
    ['another Host (DNS rebinding)', 'GET', '/v1/vms', undefined, { host: 'example.com' }, 403, 'forbidden'],
    ['an unknown route', 'GET', '/v2/vms', undefined, {}, 404, 'not-found'],
    ['a wrong method', 'PUT', '/v1/vms', undefined, {}, 405, 'method-not-allowed'],
    ['a bad VM name in the path', 'GET', '/v1/vms/a%2Fb', undefined, {}, 400, 'bad-request'],
    ['bad percent-encoding', 'GET', '/v1/vms/%ZZ', undefined, {}, 400, 'bad-request'],
    ['an unknown VM', 'POST', '/v1/vms/nope/pause', undefined, {}, 404, 'no-such-vm'],
    ['pausing a VM that is shut off', 'POST', '/v1/vms/h/pause', undefined, {}, 409, 'wrong-state'],
    ['console input to a VM that is shut off', 'POST', '/v1/vms/h/console', 'ls\n', {}, 409, 'wrong-state'],
  ];
  for (const [what, method, urlPath, body, headers, status, code] of cases) {
    it(`refuses ${what} with ${status} ${code}, one line, nothing changed`, async () => {
      const r = await raw(d.port, method, urlPath, body, headers);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.equal(r.json.error?.code, code);
      assert.ok(r.json.error && r.json.error.message.length > 0 && !r.json.error.message.includes('\n'), r.json.error?.message);
      const list = (await raw(d.port, 'GET', '/v1/vms')).json as unknown as { vms: { name: string; state: string }[] };
      assert.deepEqual(list.vms.map((v) => [v.name, v.state]), [['h', 'shut off']]);
    });
  }

  it('a client that sends half a body and goes away leaves the daemon answering', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(d.port, '127.0.0.1', () => {
        s.write('POST /v1/vms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"name":');
        setTimeout(() => { s.destroy(); resolve(); }, 50);
      });
    });
    assert.equal((await raw(d.port, 'GET', '/v1')).json.service, 'hyperscope');
  });

  it('a VM whose thread dies is crashed; the daemon answers and can boot it again', async () => {
    const worker = path.join(ROOT, 'out', 'test', 'serve', 'fixtures', 'crashing-worker.js');
    const vms = new VmRegistry(worker);
    const vm = await vms.create('z', { ...(await import('../../hypervisor-core/cli/args')).parseRunArgs([HELLO]) });
    await until('the VM to be crashed', () => (vm.state === 'crashed' ? true : undefined));
    const info = await vm.info();
    assert.equal(info.state, 'crashed');
    assert.match(info.reason ?? '', /the hypervisor failed: the hypervisor failed on purpose/);
    await assert.rejects(vm.pause(), /cannot pause VM 'z': it is crashed/);
    await vm.reset();
    assert.equal(vm.state, 'running');
    await vms.destroyAll();
  });
});
