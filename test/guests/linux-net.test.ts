/**
 * The Linux sample on the user-mode network of a plain `hyperscope run` (`--hostfwd
 * tcp:127.0.0.1:0-:80`), one boot: udhcpc gets QEMU's lease (10.0.2.15 from 10.0.2.2), the
 * guest pings the gateway, fetches a page from a 127.0.0.1 server of the host through
 * 10.0.2.2:PORT, and serves a 348,894-byte file with busybox httpd that a host client
 * (node's http.get) fetches through the forwarded port (random bytes: the host's md5 of what it
 * got equals the guest's md5sum of the file). Expected behaviour: QEMU's `-nic user,hostfwd=...` with the same guest
 * (lease, gateway, forwarded port). Skips when the Linux sample is absent. About 20-40 s.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ROOT } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
const IMAGE = path.join(ROOT, 'samples', 'linux', 'Image');
const INITRD = path.join(ROOT, 'samples', 'linux', 'initramfs.cpio.gz');

/** GET http://127.0.0.1:port/path: status and body. */
function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error('no answer in 120 s')));
    req.on('error', reject);
  });
}

describe('Linux guest on the user-mode network (hostfwd, DHCP, NAT)', function () {
  this.timeout(300_000);
  let vm: ChildProcessWithoutNullStreams | undefined;
  let hostServer: http.Server | undefined;

  before(function () {
    if (!existsSync(IMAGE) || !existsSync(INITRD)) this.skip();
  });
  after(() => {
    if (vm && vm.exitCode === null) vm.kill('SIGKILL');
    hostServer?.close();
  });

  it('gets a lease, reaches a host server through 10.0.2.2, and serves a page a host client fetches through hostfwd', async () => {
    hostServer = http.createServer((_req, res) => res.end('hello from the host\n'));
    await new Promise<void>((r) => hostServer!.listen(0, '127.0.0.1', () => r()));
    const hostPort = (hostServer.address() as AddressInfo).port;

    const t0 = Date.now();
    const p = vm = spawn(process.execPath, [CLI, 'run', IMAGE, '--initrd', INITRD, '--append', 'console=ttyS0 quiet',
      '--hostfwd', 'tcp:127.0.0.1:0-:80'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    /** Waits until the output after `from` holds `marker` (a guard against a hang, not a timing). */
    const waitFor = async (marker: string, from = 0, guardMs = 180_000): Promise<string> => {
      const end = Date.now() + guardMs;
      while (!out.slice(from).includes(marker)) {
        if (Date.now() > end || p.exitCode !== null) throw new Error(`no '${marker}'; output:\n${out.slice(-3000)}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return out.slice(from);
    };
    const run = async (line: string, done: string): Promise<string> => {
      const from = out.length;
      p.stdin.write(line + '\n');
      return waitFor(done, from);
    };

    await waitFor('/root # ');
    const bootMs = Date.now() - t0;
    const fwd = /hyperscope: hostfwd tcp:127\.0\.0\.1:(\d+)-10\.0\.2\.15:80/.exec(err);
    assert.ok(fwd, `the picked host port is told on stderr: ${err}`);
    const port = Number(fwd[1]);

    const dhcp = await run('udhcpc -i eth0 -q -n; ip addr show eth0; echo DHCP-DONE', '\nDHCP-DONE');
    assert.match(dhcp, /lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2/);
    assert.match(dhcp, /inet 10\.0\.2\.15\/24 /);
    const ping = await run('ping -c 2 10.0.2.2; echo PING-DONE', '\nPING-DONE');
    assert.match(ping, /^2 packets transmitted, 2 packets received, 0% packet loss\r?$/m);
    const fromHost = await run(`wget -q -O - http://10.0.2.2:${hostPort}/ ; echo WGET-DONE`, '\nWGET-DONE');
    assert.match(fromHost, /^hello from the host\r?$/m);

    const made = await run('mkdir -p /tmp/www && head -c 348894 /dev/urandom > /tmp/www/page.bin && md5sum /tmp/www/page.bin && httpd -h /tmp/www -p 80 && echo HTTPD-UP', '\nHTTPD-UP');
    const md5 = /^([0-9a-f]{32})  \/tmp\/www\/page\.bin\r?$/m.exec(made);
    assert.ok(md5, made);
    const t1 = Date.now();
    const page = await get(port, '/page.bin');
    const fetchMs = Date.now() - t1;
    assert.equal(page.status, 200);
    assert.equal(page.body.length, 348894);
    assert.equal(createHash('md5').update(Buffer.from(page.body, 'latin1')).digest('hex'), md5[1], "the host's md5 of what it got is the guest's md5sum of what it served");
    const missing = await get(port, '/none.txt');
    assert.equal(missing.status, 404, "httpd's own answer for a missing file");

    p.stdin.write('poweroff -f\n');
    assert.equal(await exited, 0);
    console.log(`    (prompt after ${(bootMs / 1000).toFixed(1)} s; 348,894 bytes through hostfwd in ${(fetchMs / 1000).toFixed(1)} s)`);
  });
});
