/**
 * `hyperscope serve` and `hyperscope vm ...` as users run them: two VMs at once, listed,
 * paused (their instruction count frozen), resumed, reset and destroyed through the CLI;
 * isolation (two guests fill their RAM with their own patterns, each reads back only its own:
 * test/guests/reproducers/src/isolation.S, PASS on QEMU -m 16M too); a guest that panics
 * leaves the daemon and the other VM running; refusals are one line with a distinct status.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';
import { CLI, consoleText, GUESTS, startTestDaemon, TestDaemon, until } from './daemon-harness';

type Info = { name: string; state: string; reason?: string; vcpus: number; memory: number; instructions: number; exits: number };

describe('hyperscope serve: VMs through the CLI', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  const info = (name: string): Info => {
    const r = d.vm('info', name, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Info;
  };
  /** The instruction count through the API (quicker than a CLI process per poll). */
  const instructions = async (name: string) => (await d.client.call<Info>('GET', `/v1/vms/${name}`)).instructions;

  // More host-CPU slots than VMs: no VM ever waits for one, so a lone vCPU's wait time is 0.
  before(async () => { d = await startTestDaemon('--host-threads', '16'); });
  after(async () => {
    if (d) assert.equal(await d.stop(), 0, 'the daemon ends with status 0 on SIGINT');
  });

  it('creates two VMs that run at once and lists them', () => {
    for (const [name, elf] of [['a', 'isolation-a.elf'], ['b', 'isolation-b.elf']]) {
      const r = d.vm('create', name, path.join(GUESTS, elf), '--memory', '16M');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${name}: running\n`);
    }
    const list = d.vm('list');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+STATE\s+VCPUS\s+MEMORY\s+INSTRUCTIONS\s+EXITS$/m);
    assert.match(list.stdout, /^a\s+running\s+1\s+16M\s+\d+\s+\d+$/m);
    assert.match(list.stdout, /^b\s+running\s+1\s+16M\s+\d+\s+\d+$/m);
    const json = JSON.parse(d.vm('list', '--json').stdout) as Info[];
    assert.deepEqual(json.map((v) => [v.name, v.state, v.vcpus, v.memory]), [['a', 'running', 1, 16 << 20], ['b', 'running', 1, 16 << 20]]);
  });

  it('keeps each VM to its own memory: both fill all their RAM and read back only their own pattern', async () => {
    // After PASS each guest prints a '.' per further round of filling and checking: two dots
    // each means both filled their RAM again while the other VM was filling its own.
    const done = (text: string, tag: string) => new RegExp(`isolation ${tag}: PASS\\n\\.\\.`).test(text);
    const [a, b] = await Promise.all([
      until('VM a to pass two more rounds', async () => { const t = await consoleText(d, 'a'); return done(t, 'A') ? t : undefined; }),
      until('VM b to pass two more rounds', async () => { const t = await consoleText(d, 'b'); return done(t, 'B') ? t : undefined; }),
    ]);
    assert.doesNotMatch(a, /FAIL/);
    assert.doesNotMatch(b, /FAIL/);
    assert.doesNotMatch(a, /isolation B/);
    assert.equal(info('a').state, 'running');
    assert.equal(info('b').state, 'running');
  });

  it('pause freezes the instruction count while the other VM runs on; resume continues it', async () => {
    const p = d.vm('pause', 'a');
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, 'a: paused\n');
    const frozen = info('a');
    assert.equal(frozen.state, 'paused');
    const b0 = await instructions('b');
    await until('VM b to retire more instructions', async () => ((await instructions('b')) > b0 ? true : undefined));
    assert.equal(info('a').instructions, frozen.instructions, 'a paused VM retires no instruction');
    const again = d.vm('pause', 'a');
    assert.equal(again.status, 7, 'pausing a paused VM is refused (wrong state)');
    assert.equal(again.stderr, "hyperscope: cannot pause VM 'a': it is paused\n");
    assert.equal(d.vm('resume', 'a').stdout, 'a: running\n');
    await until('VM a to run again', async () => ((await instructions('a')) > frozen.instructions ? true : undefined));
  });

  it('reset boots a VM afresh: its console goes on with a new boot', async () => {
    const r = d.vm('reset', 'a');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'a: running\n');
    const text = await until('VM a to boot again', async () => {
      const t = await consoleText(d, 'a');
      return /\[hyperscope: VM reset\]\r?\n(.|\n)*isolation A: filling RAM/.test(t) ? t : undefined;
    });
    assert.equal(text.split('isolation A: filling RAM').length - 1, 2, 'two boots on one console');
    assert.equal(info('a').state, 'running');
  });

  it('a guest that panics is crashed; the daemon and the other VMs run on', async () => {
    assert.equal(d.vm('create', 'p', path.join(GUESTS, 'panic.elf')).status, 0);
    const p = await until('VM p to crash', () => { const i = info('p'); return i.state === 'crashed' ? i : undefined; });
    assert.equal(p.reason, 'the guest reported a system failure');
    assert.match(await consoleText(d, 'p'), /panic: the guest gives up/);
    const b0 = await instructions('b');
    await until('VM b to retire more instructions', async () => ((await instructions('b')) > b0 ? true : undefined));
    assert.equal(info('a').state, 'running');
    assert.equal(d.vm('pause', 'p').status, 7, 'a crashed VM cannot be paused');
    assert.equal(d.vm('stats', 'p').status, 0, 'its statistics stay readable');
  });

  it('refuses bad commands with one line, a status of their own, and changes nothing', () => {
    const states = () => (JSON.parse(d.vm('list', '--json').stdout) as Info[]).map((v) => `${v.name}:${v.state}`).join();
    const before = states();
    const cases: [string[], number, RegExp][] = [
      [['info', 'nope'], 4, /^hyperscope: no VM named 'nope'\n$/],
      [['create', 'a', path.join(GUESTS, 'panic.elf')], 5, /^hyperscope: a VM named 'a' exists already\n$/],
      [['create', 'c', '/no/such/kernel.elf'], 6, /^hyperscope: cannot read kernel '\/no\/such\/kernel.elf': no such file\n$/],
      [['create', 'c', path.join(GUESTS, 'panic.elf'), '--vcpus', '99'], 2, /^hyperscope: --vcpus must be a number from 1 to 32, not '99'\n$/],
      [['create', 'c', path.join(GUESTS, 'panic.elf'), '--gdb', '1234'], 2, /^hyperscope: --gdb is an option of hyperscope run/],
      [['create', 'bad/name', path.join(GUESTS, 'panic.elf')], 2, /^hyperscope: 'name' must be a VM name/],
      [['resume', 'b'], 7, /^hyperscope: cannot resume VM 'b': it is running\n$/],
      [['frobnicate', 'b'], 2, /^hyperscope: unknown vm command 'frobnicate'/],
      [['list', '--host', '127.0.0.1:1'], 8, /^hyperscope: cannot reach the daemon at 127.0.0.1:1: nothing listens there/],
      [['list', '--host', '10.0.0.1:80'], 2, /^hyperscope: --host: the daemon's address must be 127.0.0.1:PORT/],
    ];
    for (const [args, status, stderr] of cases) {
      const r = d.vm(...args);
      assert.equal(r.status, status, `vm ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, stderr, `vm ${args.join(' ')}`);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
    assert.equal(states(), before, 'the VMs are as they were');
  });

  it('vm console shows what the console printed so far, then live output, and forwards input', async () => {
    assert.equal(d.vm('create', 'e', path.join(GUESTS, 'echo.elf')).status, 0);
    await until('the echo guest to be ready', async () => ((await consoleText(d, 'e')).includes('echo: ready') ? true : undefined));
    // Connected after the guest printed its prompt: the prompt comes first (history).
    const client = spawn(process.execPath, [CLI, 'vm', 'console', 'e'], { cwd: ROOT, env: { ...process.env, HYPERSCOPE_HOST: d.host } });
    let out = '';
    client.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((r) => client.on('exit', (code) => r(code)));
    await until('the history', () => (out.includes('echo: ready\n') ? true : undefined));
    client.stdin.write('typed ');
    await until('the echo of the input', () => (out.includes('typed ') ? true : undefined));
    client.stdin.write('q'); // the guest powers off: the console ends, and so does the client
    assert.equal(await exited, 0);
    assert.equal(out, 'echo: ready\ntyped \necho: bye\n');
    assert.equal(info('e').state, 'shut off');
    assert.equal(d.vm('destroy', 'e').status, 0);
  });

  it('vm stats prints the exit table of one VM and its vCPUs\' run, wait and blocked time', () => {
    const r = d.vm('stats', 'b');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /VM-EXIT\s+Samples/);
    assert.match(r.stdout, /guest-page-fault/);
    assert.match(r.stdout, /^\s+vCPU\s+run ms\s+wait ms\s+blocked ms\s+run%\s+wait%\s+blocked%\n\s+0\s+\d+\.\d\d\s/m);
    const json = JSON.parse(d.vm('stats', 'b', '--json').stdout) as { schema: string; totalExits: number; perVcpu: { runNs: number; waitNs: number }[] };
    assert.equal(json.schema, 'hyperscope.exit-stats/1');
    assert.ok(json.totalExits > 0);
    assert.ok(json.perVcpu[0].runNs > 0);
    assert.equal(json.perVcpu[0].waitNs, 0, 'a lone vCPU never waits for another');
  });

  it('destroy ends a VM and forgets it', () => {
    for (const name of ['a', 'p']) {
      const r = d.vm('destroy', name);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${name}: destroyed\n`);
    }
    assert.equal(d.vm('info', 'a').status, 4);
    const json = JSON.parse(d.vm('list', '--json').stdout) as Info[];
    assert.deepEqual(json.map((v) => [v.name, v.state]), [['b', 'running']]);
  });
});
