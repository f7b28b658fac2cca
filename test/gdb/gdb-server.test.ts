/**
 * The stub's TCP server with a raw RSP client (no gdb needed): 127.0.0.1 only, one client at
 * a time, Ctrl-C, detach and re-attach (the guest runs on after D and stops for the next gdb,
 * as QEMU does on connect), and noise that must not stop it from answering.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { GuestDebugger } from '../../hypervisor-core/debug/guest-debugger';
import { GdbServer } from '../../hypervisor-core/gdb/server';
import { encodePacket } from '../../hypervisor-core/gdb/packet-codec';

const ROOT = join(__dirname, '..', '..', '..');

/** A raw client: collects what the stub sends, waits for a pattern. */
class RawClient {
  data = '';
  closed = false;
  private waiters: (() => void)[] = [];
  readonly socket: Socket;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (b) => { this.data += b.toString('latin1'); this.wake(); });
    this.socket.on('close', () => { this.closed = true; this.wake(); });
    this.socket.on('error', () => undefined);
  }
  private wake(): void { for (const w of this.waiters.splice(0)) w(); }
  send(s: string): void { this.socket.write(Buffer.from(s, 'latin1')); }
  /** Resolves when the received text matches (a 20 s guard fails a hang). */
  async until(re: RegExp): Promise<RegExpExecArray> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = re.exec(this.data);
      if (m) return m;
      if (this.closed) throw new Error(`closed before ${re}: ${JSON.stringify(this.data)}`);
      if (Date.now() > deadline) throw new Error(`no ${re} in ${JSON.stringify(this.data)}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }
  untilClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((r) => this.socket.once('close', () => r()));
  }
}

describe('gdb stub TCP server', function () {
  this.timeout(60_000);
  let dbg: GuestDebugger;
  let server: GdbServer;
  const logs: string[] = [];
  const clients: RawClient[] = [];
  const client = () => { const c = new RawClient(server.port); clients.push(c); return c; };

  beforeEach(async () => {
    const elf = join(ROOT, 'samples', 'cpu-bound', 'cpu-bound.elf');
    dbg = GuestDebugger.launch({ kernel: readFileSync(elf), programPath: elf, vcpus: 1, memory: 64 << 20, clock: 'icount', cwd: ROOT });
    logs.length = 0;
    server = await GdbServer.listen(dbg, 0, { log: (l) => logs.push(l), kill: () => dbg.terminate() });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await server.close();
    dbg.terminate();
  });

  it('listens on 127.0.0.1 only and answers a client', async () => {
    const c = client();
    c.send(encodePacket('?'));
    await c.until(/^\+\$T05thread:1;#[0-9a-f]{2}$/);
  });

  it('stops a running guest on Ctrl-C with SIGINT (T02)', async () => {
    const c = client();
    c.send(encodePacket('vCont;c'));
    await c.until(/^\+$/);
    while (dbg.state !== 'running') await new Promise((r) => setImmediate(r));
    c.send('\u0003');
    await c.until(/\$T02thread:1;#/);
    assert.equal(dbg.state, 'stopped');
  });

  it('refuses a second client with a reason and keeps serving the first', async () => {
    const a = client();
    a.send(encodePacket('?'));
    await a.until(/T05/);
    const b = client();
    await b.untilClosed();
    assert.match(b.data, /\$E\.another gdb is attached to this VM#/);
    assert.ok(logs.some((l) => /refused a second connection from 127\.0\.0\.1:\d+: one debugger at a time/.test(l)), logs.join('\n'));
    a.send(encodePacket('qC'));
    await a.until(/\$QC1#/);
  });

  it('after D the guest runs on; the next gdb stops it on connect, as QEMU does', async () => {
    const a = client();
    a.send(encodePacket('D'));
    await a.until(/\$OK#/);
    a.socket.destroy();
    await a.untilClosed();
    while (dbg.state !== 'running') await new Promise((r) => setImmediate(r));
    while (server.connected) await new Promise((r) => setImmediate(r));
    const b = client();
    b.send(encodePacket('?'));
    await b.until(/\$T02thread:1;#/);
    assert.equal(dbg.state, 'stopped');
  });

  it('drops the breakpoints and watchpoints of a gdb that vanished', async () => {
    const c = client();
    c.send(encodePacket('Z0,80200010,4') + encodePacket('Z2,80201000,8'));
    await c.until(/\$OK#9a\+?\$OK#9a/);
    assert.equal(dbg.breakpoints.addresses().size, 1);
    assert.equal(dbg.watchpoints.list.length, 1);
    c.socket.destroy();
    while (server.connected) await new Promise((r) => setImmediate(r));
    assert.equal(dbg.breakpoints.addresses().size, 0);
    assert.equal(dbg.watchpoints.list.length, 0);
    assert.ok(logs.some((l) => /disconnected; the guest stays stopped until gdb connects again/.test(l)), logs.join('\n'));
  });

  it('keeps answering after noise, torn packets and an over-long packet', async () => {
    const c = client();
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    // Random bytes without 0x03, '$' or 'k' so the noise cannot resume, interrupt or kill by chance.
    const noise = Buffer.from(Array.from({ length: 50_000 }, rnd).map((b) => (b === 3 || b === 36 || b === 107 ? 32 : b)));
    c.socket.write(noise);
    c.send('$' + 'M0,1:' + '0'.repeat(30_000) + '#00');
    c.send(encodePacket('?'));
    await c.until(/\$T05thread:1;#[0-9a-f]{2}$/);
  });
});
