/**
 * A daemon VM's state through the API and the client: `vm snapshot NAME FILE` saves it (a
 * file `hyperscope run --restore` continues too), `vm restore NAME FILE` puts it back (the
 * guest goes on from the saved instant: test/guests/reproducers/src/ticker.S prints the next
 * tick after the saved one), bad paths and files are one line with the client's status, and
 * `vm dirty-log NAME start|fetch|stop` reports the pages a guest with a known write pattern
 * wrote (64 consecutive pages per tick), counted in the statistics.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { CLI, consoleText, GUESTS, startTestDaemon, TestDaemon, ticks, until, assertConsecutive } from './daemon-harness';

const TICKER = path.join(GUESTS, 'ticker.elf');

describe('daemon VM state: vm snapshot, vm restore, vm dirty-log', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let dir: string;
  before(async () => {
    d = await startTestDaemon();
    dir = mkdtempSync(path.join(tmpdir(), 'hyperscope-state-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (d) assert.equal(await d.stop(), 0);
  });

  it('saves a running VM, restores it into the same VM, and the saved file runs under hyperscope run --restore too', async () => {
    assert.equal(d.vm('create', 's', TICKER).status, 0);
    await until('a few ticks', async () => (ticks(await consoleText(d, 's')).length >= 3 ? true : undefined));
    assert.equal(d.vm('pause', 's').status, 0);
    const saved = ticks(await consoleText(d, 's'));
    const k = saved[saved.length - 1];
    const file = path.join(dir, 's.snap');
    const r = d.vm('snapshot', 's', file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^s: saved to ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(\\d+ bytes\\) at \\d+ instructions\\n$`));
    assert.ok(existsSync(file));
    assert.equal(d.vm('resume', 's').status, 0);
    await until('ten more ticks', async () => (ticks(await consoleText(d, 's')).length >= saved.length + 10 ? true : undefined));

    const back = d.vm('restore', 's', file);
    assert.equal(back.status, 0, back.stderr);
    assert.equal(back.stdout, `s: running (restored from ${file})\n`);
    const text = await until('ticks after the restore', async () => {
      const t = await consoleText(d, 's');
      const after = t.split('[hyperscope: VM restored from')[1];
      return after !== undefined && ticks(after).length >= 3 ? t : undefined;
    });
    const [before, after] = text.split('[hyperscope: VM restored from');
    assertConsecutive(ticks(before), 0, 'before the restore');
    assertConsecutive(ticks(after), k + 1, 'after the restore: the tick after the saved one');

    // The same file with hyperscope run --restore: the guest goes on from the same tick.
    const run = spawn(process.execPath, [CLI, 'run', '--restore', file], { cwd: ROOT });
    let out = '';
    run.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    await until('hyperscope run --restore to print ticks', () => (ticks(out).length >= 3 ? true : undefined));
    run.kill('SIGINT');
    await new Promise((res) => run.once('exit', res));
    assertConsecutive(ticks(out), k + 1, 'hyperscope run --restore');
    assert.equal(d.vm('destroy', 's').status, 0);
  });

  it('refuses bad paths and files with one line and leaves the VM as it was', async () => {
    assert.equal(d.vm('create', 'b', TICKER).status, 0);
    let r = d.vm('snapshot', 'b', path.join(dir, 'no', 'such', 'dir', 'x.snap'));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^hyperscope: cannot write the snapshot '.*x\.snap': no such file or directory\n$/);
    const junk = path.join(dir, 'junk.snap');
    writeFileSync(junk, 'not a snapshot at all');
    r = d.vm('restore', 'b', junk);
    assert.equal(r.status, 6, r.stderr);
    assert.match(r.stderr, /^hyperscope: .*junk\.snap: not a Hyperscope snapshot file\n$/);
    r = d.vm('restore', 'b', path.join(dir, 'missing.snap'));
    assert.equal(r.status, 6, r.stderr);
    assert.match(r.stderr, /^hyperscope: cannot read the snapshot '.*missing\.snap': no such file or directory\n$/);
    const before = (await d.client.call<{ state: string; instructions: number }>('GET', '/v1/vms/b'));
    assert.equal(before.state, 'running');
    await until('b to run on', async () => ((await d.client.call<{ instructions: number }>('GET', '/v1/vms/b')).instructions > before.instructions ? true : undefined));
    assertConsecutive(ticks(await consoleText(d, 'b')), 0, 'b after the refusals');
    const rel = await d.client.call('POST', '/v1/vms/b/snapshot', { file: 'relative.snap' }).catch((e: Error) => e);
    assert.match(String(rel), /'file' must be an absolute file path/);
    assert.equal(d.vm('destroy', 'b').status, 0);
  });

  it('reports the pages a guest writes through the dirty log, fetched and cleared, counted in the statistics', async () => {
    assert.equal(d.vm('create', 'g', TICKER).status, 0);
    await until('a tick', async () => (ticks(await consoleText(d, 'g')).length >= 1 ? true : undefined));
    const api = <T>(action: string) => d.client.call<T>('POST', `/v1/vms/g/dirty-log/${action}`);
    let r = d.vm('dirty-log', 'g', 'fetch');
    assert.equal(r.status, 7, 'fetching a log that is off is the wrong state');
    assert.equal(d.vm('dirty-log', 'g', 'start').stdout, 'g: dirty log on\n');
    await d.client.call('POST', '/v1/vms/g/pause');
    await api('fetch');
    const idle = await api<{ dirtyPages: number }>('fetch');
    assert.equal(idle.dirtyPages, 0, 'a paused VM writes nothing');
    await d.client.call('POST', '/v1/vms/g/resume');
    const seen = ticks(await consoleText(d, 'g')).length;
    await until('two more ticks', async () => (ticks(await consoleText(d, 'g')).length >= seen + 2 ? true : undefined));
    r = d.vm('dirty-log', 'g', 'fetch', '--json');
    assert.equal(r.status, 0, r.stderr);
    const log = JSON.parse(r.stdout) as { dirtyPages: number; ranges: [number, number][]; bitmap: string; ramBase: number; pageSize: number };
    // ticker.S stores into the first word of each of 64 consecutive pages of its buffer per tick.
    assert.ok(log.ranges.some(([, n]) => n >= 64), JSON.stringify(log.ranges));
    assert.equal(log.ranges.reduce((n, [, c]) => n + c, 0), log.dirtyPages);
    const bits = Buffer.from(log.bitmap, 'base64');
    let set = 0;
    for (const byte of bits) for (let b = byte; b; b &= b - 1) set++;
    assert.equal(set, log.dirtyPages, 'the bitmap has a bit per dirty page');
    const human = d.vm('dirty-log', 'g', 'fetch');
    assert.match(human.stdout, /^g: \d+ dirty pages\n(  0x[0-9a-f]+  \d+ pages?\n)*$/);
    const stats = await d.client.call<{ dirtyLog?: { fetches: number; pagesFetched: number; protectionFaults: number } }>('GET', '/v1/vms/g/stats');
    assert.ok(stats.dirtyLog && stats.dirtyLog.fetches >= 4 && stats.dirtyLog.pagesFetched >= 64 && stats.dirtyLog.protectionFaults >= 64, JSON.stringify(stats.dirtyLog));
    assert.equal(d.vm('dirty-log', 'g', 'stop').stdout, 'g: dirty log off\n');
    assert.match(String(await api('fetch').catch((e: Error) => e)), /dirty log is off/);
    assert.equal(d.vm('dirty-log', 'g', 'sideways').status, 2);
    assert.equal(d.vm('destroy', 'g').status, 0);
  });
});
