/**
 * The adapter's side of DAP `attach` to a VM of a `hyperscope serve` daemon: opens the daemon's
 * debug route (`GET /v1/vms/NAME/debug`, upgraded to DAP), replays the client's `initialize`
 * there (its answer is dropped: the client has one already), forwards the `attach` request, and
 * from then on passes every message both ways unchanged. The debug session that answers runs
 * next to the VM, inside the daemon (attach-host.ts), so the debugger controls that one VM
 * while the daemon's other VMs keep running.
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEFAULT_PORT, parseHost } from '../hypervisor-core/serve/client';
import { NAME_PATTERN } from '../hypervisor-core/serve/router';
import { DapReader } from './dap-reader';

/** How long the daemon may take to accept the connection. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Messages from the client held while the connection opens (VS Code sends none before `attach` is answered). */
const MAX_QUEUED = 1000;
/** The seq the replayed initialize goes out with; its answer is recognised by it. */
const INIT_SEQ = 0;

/** What the session gives the relay. */
export interface RelayHooks {
  /** A message of the daemon's session for the client (responses and events). */
  toClient(m: DebugProtocol.ProtocolMessage): void;
  /** The attach failed before the daemon's session took over (one line). */
  refused(message: string): void;
  /** The connection ended after the daemon's session took over; `disconnected`: after answering the client's disconnect. */
  ended(disconnected: boolean): void;
}

/** The daemon's address and VM name of attach arguments; throws a one-line Error. */
export function attachAddress(args: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): { host: string; port: number; vm: string } {
  const vm = args.vm;
  if (typeof vm !== 'string' || vm === '') {
    throw new Error("attach needs \"vm\": the name of a VM of a hyperscope serve daemon (launch starts a guest of its own)");
  }
  if (!NAME_PATTERN.test(vm)) throw new Error(`"vm": '${vm.slice(0, 80)}' is not a VM name (letters, digits, '.', '_', '-'; at most 64)`);
  const given = args.host;
  if (given !== undefined && typeof given !== 'string') throw new Error('"host" must be a string: 127.0.0.1:PORT');
  const text = given ?? (env.HYPERSCOPE_HOST || `127.0.0.1:${DEFAULT_PORT}`);
  const where = given !== undefined ? '"host"' : env.HYPERSCOPE_HOST ? 'HYPERSCOPE_HOST' : 'the default address';
  try {
    return { ...parseHost(text), vm };
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** One relayed session. */
export class DaemonRelay {
  private socket?: Socket;
  private queue: unknown[] = [];
  /** `attach` was answered (by the daemon's session, or with a refusal here). */
  private answered = false;
  /** The daemon's session took over: from here on its end is the session's end. */
  private attached = false;
  private disconnected = false;
  private ending = false;
  private closed = false;

  private constructor(private readonly attach: DebugProtocol.AttachResponse, private readonly hooks: RelayHooks) {}

  /**
   * Connects to the daemon named by `args` and attaches to its VM; `hooks.refused` says why not
   * (bad arguments, no daemon, no such VM, a debugger attached already).
   */
  static open(args: Record<string, unknown>, init: DebugProtocol.InitializeRequestArguments, response: DebugProtocol.AttachResponse, hooks: RelayHooks): DaemonRelay {
    const relay = new DaemonRelay(response, hooks);
    let address: { host: string; port: number; vm: string };
    try {
      address = attachAddress(args);
    } catch (e) {
      queueMicrotask(() => relay.fail((e as Error).message));
      return relay;
    }
    relay.connect(address, init, args);
    return relay;
  }

  /** A message from the client, for the daemon's session; false once the connection is over (the adapter answers itself). */
  forward(m: unknown): boolean {
    if (this.closed) return false;
    if (!this.socket) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(m);
      return true;
    }
    this.write(m);
    return true;
  }

  /** Ends the connection (the client went away): the daemon's session gives the VM back, running. */
  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }

  private connect(a: { host: string; port: number; vm: string }, init: DebugProtocol.InitializeRequestArguments, args: Record<string, unknown>): void {
    const where = `the daemon at ${a.host}:${a.port}`;
    const req = request({
      host: a.host, port: a.port, method: 'GET', path: `/v1/vms/${encodeURIComponent(a.vm)}/debug`,
      headers: { connection: 'Upgrade', upgrade: 'dap' }, timeout: CONNECT_TIMEOUT_MS,
    });
    req.on('timeout', () => req.destroy(new Error('it did not answer')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'nothing listens there (start one with `hyperscope serve`)' : e.message;
      this.fail(`cannot reach ${where}: ${why}`);
    });
    req.on('response', (res) => {
      // The daemon refused the upgrade: its JSON error says why.
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => { if (chunks.length < 64) chunks.push(c); });
      res.on('end', () => {
        let message = `${where} answered ${res.statusCode}`;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { message?: unknown } };
          if (typeof body.error?.message === 'string') message = `${a.vm}: ${body.error.message}`;
        } catch {
          // not the API's JSON: the status says enough
        }
        this.fail(message);
      });
    });
    req.on('upgrade', (_res, socket, head) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.socket = socket;
      const reader = new DapReader((m) => this.fromDaemon(m as unknown as DebugProtocol.ProtocolMessage), () => undefined);
      if (head.length) reader.push(head);
      socket.on('data', (b: Buffer) => reader.push(b));
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.onClose(where));
      this.write({ seq: INIT_SEQ, type: 'request', command: 'initialize', arguments: init });
      this.write({ seq: this.attach.request_seq, type: 'request', command: 'attach', arguments: args });
      for (const m of this.queue.splice(0)) this.write(m);
    });
    req.end();
  }

  private fromDaemon(m: DebugProtocol.ProtocolMessage): void {
    const r = m as DebugProtocol.Response;
    if (m.type === 'response' && r.command === 'initialize' && r.request_seq === INIT_SEQ) return;
    if (m.type === 'response' && r.command === 'attach' && r.request_seq === this.attach.request_seq) {
      if (!r.success) {
        this.fail(r.message ?? 'the daemon refused to attach');
        return;
      }
      this.answered = true;
      this.attached = true;
    }
    this.hooks.toClient(m);
    if (m.type === 'response' && r.command === 'disconnect') {
      this.disconnected = true;
      this.closed = true; // anything the client sends now is answered by the adapter
      this.socket?.end();
    }
  }

  private onClose(where: string): void {
    const wasClosed = this.closed;
    this.closed = true;
    if (this.attached && !this.ending) {
      this.ending = true;
      this.hooks.ended(this.disconnected);
      return;
    }
    if (this.attached) return;
    else if (!wasClosed) this.fail(`${where} closed the debug connection`);
  }

  private fail(message: string): void {
    if (this.answered) return;
    this.answered = true; // one answer to attach, whatever else happens
    this.closed = true;
    this.socket?.destroy();
    this.hooks.refused(message);
  }

  private write(m: unknown): void {
    const json = JSON.stringify(m);
    this.socket!.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
  }
}
