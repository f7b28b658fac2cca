/**
 * `--server=PORT`: a client that drops its connection takes its guest with it (the VM stops
 * and its run loop returns; the server says so), and the server goes on serving others.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import { ADAPTER, sample } from './dap-helpers';
import { RawDapClient } from './raw-client';

describe('debug adapter: server mode', function () {
  this.timeout(20_000);
  let server: ChildProcess;
  let stderr = '';
  let port = 0;

  /** Waits until the server's stderr has a line matching `re`. */
  function logLine(re: RegExp, timeout = 10_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(stderr);
        if (m) { clearTimeout(timer); server.stderr!.off('data', check); resolve(m); }
      };
      const timer = setTimeout(() => { server.stderr!.off('data', check); reject(new Error(`no ${re} in: ${stderr}`)); }, timeout);
      server.stderr!.on('data', check);
      check();
    });
  }

  before(async () => {
    server = spawn('node', [ADAPTER, '--server=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    port = Number((await logLine(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  });
  after(() => { server.kill(); });

  it('stops the guest of a client that disconnects, and serves the next client', async () => {
    const a = await RawDapClient.connect(port);
    await a.launch({ program: sample('cpu-bound') }); // runs for seconds: the loop is busy when the client goes
    await a.waitFor((m) => m.type === 'event' && m.event === 'hyperscope.exitStats', 10_000, 'stats while running');
    a.close();
    await logLine(/client 1 disconnected: its VM stopped; 0 sessions left/);
    const b = await RawDapClient.connect(port);
    await b.launch({ program: sample('hello'), stopOnEntry: true });
    await b.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10_000, 'the entry stop');
    b.close();
    await logLine(/client 2 disconnected: its VM stopped; 0 sessions left/);
    assert.equal(server.exitCode, null);
  });

  it('refuses a bad --server option with one line and status 2', async () => {
    const p = spawn('node', [ADAPTER, '--server=99999'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const code = await new Promise((r) => p.on('exit', r));
    assert.equal(code, 2);
    assert.equal(err, "hyperscope debug adapter: bad option '--server=99999': use --server=PORT with a port from 0 to 65535\n");
  });
});
