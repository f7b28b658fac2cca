/**
 * Live migration as users run it: `hyperscope vm migrate NAME 127.0.0.1:PORT` sends a daemon's
 * VM while it runs to `hyperscope run --incoming` (another process) or to a VM of a daemon
 * created with `vm create NAME --incoming`. The guest (test/guests/reproducers/src/ticker.S)
 * prints "tick N" for N = 0, 1, 2... and dirties 64 pages per tick: what the source printed
 * followed by what the destination printed must be that sequence with no gap and no repeat
 * (the guest cannot tell it moved). A destination that refuses, a stream cut short and
 * garbage are one line on either side, and the source VM runs on.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { CLI, consoleText, GUESTS, startTestDaemon, TestDaemon, ticks, until, assertConsecutive } from './daemon-harness';

const TICKER = path.join(GUESTS, 'ticker.elf');

/** `hyperscope run --incoming 127.0.0.1:0` as a child; resolves once it names its port. */
async function startDestination(extra: string[] = []): Promise<{ proc: ChildProcess; port: number; out: () => string; err: () => string; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [CLI, 'run', '--incoming', '127.0.0.1:0', ...extra], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const port = await until('the destination to listen', () => {
    const m = /waiting for a migration on 127\.0\.0\.1:(\d+)/.exec(err);
    if (m) return Number(m[1]);
    if (proc.exitCode !== null) throw new Error(`the destination ended: ${err}`);
    return undefined;
  });
  return { proc, port, out: () => out, err: () => err, exited };
}

/** `hyperscope vm ARGS` without blocking this process (its fake destinations must answer meanwhile). */
function vmAsync(d: TestDaemon, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [CLI, 'vm', ...args], { cwd: ROOT, env: { ...process.env, HYPERSCOPE_HOST: d.host }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => p.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('live migration: vm migrate, run --incoming, vm create --incoming', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  const children: ChildProcess[] = [];
  const info = async (name: string) => d.client.call<{ state: string; reason?: string; instructions: number; incoming?: string }>('GET', `/v1/vms/${name}`);
  const createTicker = async (name: string, ...args: string[]) => {
    const r = d.vm('create', name, TICKER, ...args);
    assert.equal(r.status, 0, r.stderr);
    await until(`${name} to print a few ticks`, async () => (ticks(await consoleText(d, name)).length >= 3 ? true : undefined));
  };

  before(async () => { d = await startTestDaemon(); });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (d) assert.equal(await d.stop(), 0);
  });

  it('moves a running guest to hyperscope run --incoming: its counter goes on without gap or repeat', async () => {
    await createTicker('t1');
    const dst = await startDestination();
    children.push(dst.proc);
    const r = d.vm('migrate', 't1', `127.0.0.1:${dst.port}`, '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { rounds: number; pagesSent: number; bytesSent: number; totalMs: number; downtimeMs: number };
    assert.ok(report.rounds >= 1 && report.pagesSent > 64 && report.bytesSent > 0, r.stdout);
    assert.ok(report.downtimeMs > 0 && report.downtimeMs <= report.totalMs, r.stdout);
    const src = await info('t1');
    assert.equal(src.state, 'shut off');
    assert.equal(src.reason, `migrated to 127.0.0.1:${dst.port}`);
    const before = ticks(await consoleText(d, 't1'));
    assertConsecutive(before, 0, 'the source');
    await until('the destination to print 5 ticks', () => (ticks(dst.out()).length >= 5 ? true : undefined));
    dst.proc.kill('SIGINT');
    assert.equal(await dst.exited, 0, dst.err());
    assert.match(dst.err(), /the VM arrived \(\d+ pages in \d+ rounds\); running it/);
    assertConsecutive(ticks(dst.out()), before[before.length - 1] + 1, 'the destination');
  });

  it('moves a VM between two VMs of daemons (vm create --incoming), and the human report names the figures', async () => {
    await createTicker('t2');
    const c = d.vm('create', 'd2', '--incoming', '127.0.0.1:0');
    assert.equal(c.status, 0, c.stderr);
    const m = /^d2: paused \(waiting for an incoming migration on 127\.0\.0\.1:(\d+)\)$/m.exec(c.stdout);
    assert.ok(m, c.stdout);
    const waiting = await info('d2');
    assert.equal(waiting.incoming, `127.0.0.1:${m[1]}`);
    assert.equal(d.vm('resume', 'd2').status, 7, 'a VM waiting for its migration cannot be resumed');
    const r = d.vm('migrate', 't2', `127.0.0.1:${m[1]}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^t2: migrated to 127\.0\.0\.1:\d+\nrounds \d+, pages sent \d+, bytes \d+, total [\d.]+ ms, downtime [\d.]+ ms\n$/);
    const arrived = await info('d2');
    assert.equal(arrived.state, 'running');
    assert.equal(arrived.reason, 'migrated');
    const before = ticks(await consoleText(d, 't2'));
    assertConsecutive(before, 0, 'the source');
    const after = await until('d2 to print 5 ticks', async () => { const t = ticks(await consoleText(d, 'd2')); return t.length >= 5 ? t : undefined; });
    assertConsecutive(after, before[before.length - 1] + 1, 'the destination VM');
    for (const name of ['t2', 'd2']) assert.equal(d.vm('destroy', name).status, 0);
  });

  it('moves a VM with a disk when the destination sees the same image file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hyperscope-migrate-'));
    try {
      const img = path.join(dir, 'disk.img');
      writeFileSync(img, Buffer.alloc(64 * 1024));
      await createTicker('t3', '--disk', img);
      const dst = await startDestination();
      children.push(dst.proc);
      const r = d.vm('migrate', 't3', `127.0.0.1:${dst.port}`);
      assert.equal(r.status, 0, r.stderr);
      await until('the destination to print a tick', () => (ticks(dst.out()).length >= 1 ? true : undefined));
      // The destination holds the image now (the source gave its lock up): a third VM cannot write it.
      const third = d.vm('create', 'x3', TICKER, '--disk', img);
      assert.equal(third.status, 6, third.stderr);
      assert.match(third.stderr, /in use by another VM \(pid \d+\) for writing/);
      dst.proc.kill('SIGINT');
      assert.equal(await dst.exited, 0, dst.err());
      assert.equal(d.vm('destroy', 't3').status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses with one line and leaves the source running: nothing listening, garbage, a stream cut short', async () => {
    await createTicker('t4');
    const nobody = await new Promise<number>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
    let r = d.vm('migrate', 't4', `127.0.0.1:${nobody}`);
    assert.equal(r.status, 10, r.stderr);
    assert.match(r.stderr, /^hyperscope: cannot connect to 127\.0\.0\.1:\d+: nothing waits there/);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');

    // A "destination" that answers the handshake with garbage, then one that accepts and hangs up.
    for (const [answer, why] of [[Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), /corrupt|out of order|unknown frame/],
      [Buffer.from([2, 0, 0, 0, 0]), /ended while waiting|closed/]] as const) {
      const server: Server = createServer((s) => {
        s.once('data', () => { s.end(answer); });
      });
      await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
      r = await vmAsync(d, 'migrate', 't4', `127.0.0.1:${(server.address() as { port: number }).port}`);
      server.close();
      assert.equal(r.status, 10, r.stderr);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
      const a = await info('t4');
      assert.equal(a.state, 'running');
      await until('t4 to retire more instructions', async () => ((await info('t4')).instructions > a.instructions ? true : undefined));
    }
    assertConsecutive(ticks(await consoleText(d, 't4')), 0, 't4 after the failed migrations');

    // Not the loopback, and not an address.
    r = d.vm('migrate', 't4', '10.0.0.1:4444');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1:PORT \(migration runs on the loopback only\)/);
    assert.equal(d.vm('destroy', 't4').status, 0);
  });

  it('a destination refuses a foreign or cut stream with one line and status 6; run --incoming takes only the loopback', async () => {
    const dst = await startDestination();
    children.push(dst.proc);
    await new Promise<void>((resolve) => {
      const s = connect(dst.port, '127.0.0.1', () => s.end('GET / HTTP/1.1\r\n\r\n'));
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    assert.equal(await dst.exited, 6);
    assert.match(dst.err(), /hyperscope: the incoming migration failed: the migration stream is corrupt \(unknown frame kind 71\)\n$/);
    const far = spawn(process.execPath, [CLI, 'run', '--incoming', '192.168.1.1:4444'], { cwd: ROOT });
    let err = '';
    far.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    assert.equal(await new Promise((r) => far.once('exit', r)), 2);
    assert.equal(err, 'hyperscope: --incoming must be 127.0.0.1:PORT (migration runs on the loopback only), not \'192.168.1.1:4444\'\n');
  });
});
