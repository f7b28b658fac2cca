/**
 * A running Linux guest (samples/linux) migrated live between two processes: a daemon's VM
 * with a heartbeat typed into its shell (a loop printing a counter) goes to `hyperscope run
 * --incoming`; the heartbeats the source printed followed by the destination's are one
 * sequence without gap or repeat, and the shell on the destination takes console input
 * (Ctrl-C ends the loop, `poweroff` ends the VM with status 0).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { ROOT } from '../guests/guest-runner';
import { haveLinuxSample } from '../guests/linux-cli-boot';
import { CLI, consoleText, createLinuxVm, startTestDaemon, TestDaemon, until } from './daemon-harness';


function heartbeats(text: string): number[] {
  return [...text.matchAll(/^hb (\d+)\r?$/gm)].map((m) => Number(m[1]));
}

describe('live migration of a running Linux guest', function () {
  this.timeout(300_000);
  let d: TestDaemon | undefined;
  before(function () {
    if (!haveLinuxSample()) this.skip();
  });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0);
  });

  it('keeps its heartbeat going from the daemon to hyperscope run --incoming, and its shell answers there', async () => {
    d = await startTestDaemon();
    const daemon = d;
    await createLinuxVm(daemon, 'lx');
    await daemon.client.call('POST', '/v1/vms/lx/console', new TextEncoder().encode('i=0; while true; do echo hb $i; i=$((i+1)); usleep 50000; done\n'));
    await until('five heartbeats', async () => (heartbeats(await consoleText(daemon, 'lx')).length >= 5 ? true : undefined));

    const dst = spawn(process.execPath, [CLI, 'run', '--incoming', '127.0.0.1:0'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    dst.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    dst.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const exited = new Promise<number | null>((r) => dst.once('exit', r));
    try {
      const port = await until('the destination to listen', () => /on 127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
      const m = spawn(process.execPath, [CLI, 'vm', 'migrate', 'lx', `127.0.0.1:${port}`, '--json'],
        { cwd: ROOT, env: { ...process.env, HYPERSCOPE_HOST: daemon.host } });
      let report = '';
      let mErr = '';
      m.stdout.on('data', (b: Buffer) => { report += b.toString(); });
      m.stderr.on('data', (b: Buffer) => { mErr += b.toString(); });
      assert.equal(await new Promise((r) => m.once('close', r)), 0, mErr);
      const r = JSON.parse(report) as { rounds: number; pagesSent: number; downtimeMs: number; totalMs: number };
      assert.ok(r.pagesSent > 1000, `a booted Linux has thousands of pages: ${report}`);
      assert.ok(r.downtimeMs < r.totalMs, report);

      const src = heartbeats(await consoleText(daemon, 'lx'));
      src.forEach((n, i) => assert.equal(n, i, `source heartbeat ${i}`));
      const info = await daemon.client.call<{ state: string }>('GET', '/v1/vms/lx');
      assert.equal(info.state, 'shut off');
      await until('ten heartbeats on the destination', () => (heartbeats(out).length >= 10 ? true : undefined));
      const moved = heartbeats(out);
      moved.forEach((n, i) => assert.equal(n, src[src.length - 1] + 1 + i, `destination heartbeat ${i}: ${moved.slice(0, 12).join(' ')}`));

      dst.stdin.write('\x03');
      await until('the prompt on the destination', () => (/\/\S* # $/.test(out) ? true : undefined));
      dst.stdin.write('poweroff\n');
      assert.equal(await exited, 0, err + out.slice(-500));
      assert.match(out, /reboot: Power down/);
    } finally {
      if (dst.exitCode === null) dst.kill('SIGKILL');
    }
  });
});
