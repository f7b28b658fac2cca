/**
 * `--server=PORT`: a client that drops its connection takes its guest with it (the VM stops
 * and its run loop returns; the server says so), and the server goes on serving others.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ADAPTER, sample } from './dap-helpers';
import { RawDapClient, frame } from './raw-client';

/** CPU milliseconds a process has used (Linux /proc; undefined elsewhere). */
function cpuMs(pid: number): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Peak resident memory of a process in MB (Linux /proc; undefined elsewhere). */
function peakRssMb(pid: number): number | undefined {
  try {
    return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
  } catch {
    return undefined;
  }
}

describe('debug adapter: server mode', function () {
  this.timeout(20_000);
  let server: ChildProcess;
  let stderr = '';
  let port = 0;

  /** Waits until the server's stderr has a line matching `re` (after its first `from` characters). */
  function logLine(re: RegExp, from = 0, timeout = 10_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(stderr.slice(from));
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
    // Interpreted, it runs for seconds (translated, about 0.15 s): the loop is busy when the client goes.
    await a.launch({ program: sample('cpu-bound'), jit: false });
    await a.waitFor((m) => m.type === 'event' && m.event === 'hyperscope.exitStats', 10_000, 'stats while running');
    a.close();
    await logLine(/client 1 disconnected: its VM stopped; 0 sessions left/);
    // A figure, not a check (the machine may be busy): what the server uses once the guest is gone.
    const c0 = cpuMs(server.pid!);
    await new Promise((r) => setTimeout(r, 1000));
    const c1 = cpuMs(server.pid!);
    if (c0 !== undefined && c1 !== undefined) console.log(`    (server CPU in the second after the client left: ${c1 - c0} ms)`);
    const b = await RawDapClient.connect(port);
    await b.launch({ program: sample('hello'), stopOnEntry: true });
    await b.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10_000, 'the entry stop');
    b.close();
    await logLine(/client 2 disconnected: its VM stopped; 0 sessions left/);
    assert.equal(server.exitCode, null);
  });

  it('cuts off a client that stops reading its responses (memory stays bounded), and goes on serving', async () => {
    const from = stderr.length;
    const a = await RawDapClient.connect(port);
    await a.launch({ program: sample('hello'), stopOnEntry: true });
    await a.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10_000, 'the entry stop');
    a.socket!.pause(); // reads nothing more
    // 100 reads of 1 MiB: about 140 MB of responses, more than the 64 MiB the adapter holds for a client.
    for (let i = 0; i < 100; i++) {
      a.write(frame(JSON.stringify({ seq: a.nextSeq(), type: 'request', command: 'readMemory', arguments: { memoryReference: 'phys:0x80000000', count: 1 << 20 } })));
    }
    await logLine(/the client is not reading \(\d+ bytes unread\): closing its session/, from);
    await logLine(/client \d+ disconnected: its VM stopped; 0 sessions left/, from);
    console.log(`    (server peak RSS: ${peakRssMb(server.pid!)} MB after a client left about 140 MB of responses unread)`);
    a.close();
    const b = await RawDapClient.connect(port);
    await b.launch({ program: sample('hello'), stopOnEntry: true });
    await b.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10_000, 'the entry stop');
    b.close();
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
