/**
 * The gdb stub's TCP server: listens on 127.0.0.1 only, serves one gdb at a time (a second
 * connection gets an error packet saying so and is closed), and, as QEMU does when gdb
 * connects, stops a running guest before the new gdb's first packet is answered.
 */
import { createServer, Server, Socket } from 'node:net';
import type { GuestDebugger } from '../debug';
import { GdbSession } from './session';
import { encodePacket, toHex } from './packet-codec';

/** What the server tells its owner. */
export interface GdbServerEvents {
  /** A line for the user (stderr). */
  log(line: string): void;
  /** gdb asked to end the VM. */
  kill(): void;
}

/** Bytes a client may have in flight before we stop reading (gdb waits for each reply). */
const MAX_PENDING_OUT = 1 << 20;

/** A gdb remote stub serving one debugged VM. */
export class GdbServer {
  private readonly server: Server;
  private client?: { socket: Socket; session: GdbSession };

  private constructor(private readonly dbg: GuestDebugger, private readonly events: GdbServerEvents) {
    this.server = createServer((s) => this.accept(s));
  }

  /** Listens on 127.0.0.1:`port` (0 picks a free port); rejects with the listen error (EADDRINUSE...). */
  static async listen(dbg: GuestDebugger, port: number, events: GdbServerEvents): Promise<GdbServer> {
    const g = new GdbServer(dbg, events);
    await new Promise<void>((resolve, reject) => {
      g.server.once('error', reject);
      g.server.listen(port, '127.0.0.1', () => { g.server.off('error', reject); resolve(); });
    });
    return g;
  }

  /** The port listened on. */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** True while a gdb is connected. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /**
   * Stops listening; the client gets what was already written (a final W reply), then the
   * connection closes (after at most a second if the client does not read).
   */
  async close(): Promise<void> {
    this.server.close();
    await new Promise((r) => setImmediate(r)); // replies queued in this turn go out first
    const c = this.client;
    this.client = undefined;
    if (!c || c.socket.destroyed) return;
    c.session.close();
    await new Promise<void>((r) => {
      const t = setTimeout(() => { c.socket.destroy(); r(); }, 1000);
      c.socket.once('close', () => { clearTimeout(t); r(); });
      c.socket.end();
    });
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    if (this.client) {
      // One debugger at a time, as QEMU: tell the second one why, in a packet gdb prints.
      const who = `${socket.remoteAddress}:${socket.remotePort}`;
      this.events.log(`gdb: refused a second connection from ${who}: one debugger at a time`);
      socket.on('error', () => undefined);
      socket.end('+' + encodePacket('E.' + 'another gdb is attached to this VM') + encodePacket('O' + toHex('hyperscope: another gdb is attached\n')));
      return;
    }
    const session = new GdbSession(this.dbg, {
      write: (data) => {
        if (socket.destroyed) return;
        socket.write(Buffer.from(data, 'latin1'));
        if (socket.writableLength > MAX_PENDING_OUT) socket.destroy(); // a client that never reads
      },
      detached: () => {
        this.events.log('gdb: detached; the guest runs on');
        void this.dbg.continue();
      },
      kill: () => this.events.kill(),
      log: (line) => this.events.log(line),
    });
    this.client = { socket, session };
    this.events.log(`gdb: connected from ${socket.remoteAddress}:${socket.remotePort}`);
    // A guest left running by an earlier gdb stops for this one (QEMU stops the VM on connect).
    const ready = this.dbg.state === 'running'
      ? new Promise<void>((r) => { this.dbg.once('stopped', () => r()); this.dbg.once('terminated', () => r()); this.dbg.pause(); })
      : Promise.resolve();
    const early: Buffer[] = [];
    let isReady = false;
    void ready.then(() => { isReady = true; for (const b of early.splice(0)) session.receive(b); });
    socket.on('data', (b: Buffer) => {
      if (isReady) session.receive(b);
      else if (early.length < 64) early.push(b);
    });
    const gone = () => {
      if (this.client?.socket !== socket) return;
      session.close();
      this.client = undefined;
      // As QEMU: a guest stopped for gdb stays stopped until a gdb connects again (or Ctrl-C ends it).
      if (this.dbg.state === 'stopped') this.events.log('gdb: disconnected; the guest stays stopped until gdb connects again');
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }
}
