/**
 * A DAP client that writes the bytes itself, for the tests DebugClient cannot express:
 * malformed JSON, wrong Content-Length headers, garbage between messages, a TCP client
 * that drops its connection. It reads the adapter's messages with strict framing.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { Socket, connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { ADAPTER } from './dap-helpers';

/** A message from the adapter (response, event or reverse request). */
export interface DapMessage {
  seq: number;
  type: string;
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown> & { output?: string; category?: string };
}

/** Frames a request the way a correct client does. */
export function frame(json: string): string {
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}

/** A raw client on the adapter's stdio (spawned) or on a TCP connection (server mode). */
export class RawDapClient {
  readonly messages: DapMessage[] = [];
  /** The adapter's stderr (spawned clients). */
  stderr = '';
  /** Resolves with the exit code when the spawned adapter exits. */
  readonly exited: Promise<number | null>;
  private seq = 1;
  private buf = Buffer.alloc(0);
  private waiters: { pred: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];
  private exitCode: number | null | undefined;

  private constructor(private readonly input: Readable, private readonly output: Writable, readonly child?: ChildProcess, readonly socket?: Socket) {
    input.on('data', (b: Buffer) => this.onData(b));
    this.exited = child
      ? new Promise((r) => child.on('exit', (code) => { this.exitCode = code; r(code); }))
      : new Promise(() => undefined);
    child?.stderr?.on('data', (b: Buffer) => { this.stderr += b.toString(); });
  }

  /** Starts the built adapter on stdio. */
  static spawn(): RawDapClient {
    const child = spawn('node', [ADAPTER], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new RawDapClient(child.stdout!, child.stdin!, child);
  }

  /** Connects to an adapter in server mode. */
  static async connect(port: number): Promise<RawDapClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    return new RawDapClient(socket, socket, undefined, socket);
  }

  /** True while the spawned adapter process lives. */
  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Writes bytes as they are. */
  write(bytes: string | Buffer): void {
    this.output.write(bytes);
  }

  /** The next request sequence number (for hand-made messages). */
  nextSeq(): number {
    return this.seq++;
  }

  /** Sends a well-formed request and waits for its response (success or not). */
  async request(command: string, args?: unknown, timeout = 10_000): Promise<DapMessage> {
    const seq = this.nextSeq();
    const msg: Record<string, unknown> = { seq, type: 'request', command };
    if (args !== undefined) msg.arguments = args;
    this.write(frame(JSON.stringify(msg)));
    return this.waitFor((m) => m.type === 'response' && m.request_seq === seq, timeout, `response to ${command}`);
  }

  /** Waits for a message (already received or to come) that satisfies `pred`. */
  waitFor(pred: (m: DapMessage) => boolean, timeout = 10_000, what = 'message'): Promise<DapMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m: DapMessage) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no ${what} within ${timeout} ms; stderr: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /** Waits for an output event whose text matches. */
  waitForOutput(re: RegExp, timeout = 10_000): Promise<DapMessage> {
    return this.waitFor((m) => m.type === 'event' && m.event === 'output' && re.test(String(m.body?.output ?? '')), timeout, `output ${re}`);
  }

  /** initialize + launch (icount) + configurationDone. */
  async launch(args: Record<string, unknown>): Promise<void> {
    const init = await this.request('initialize', { adapterID: 'hyperscope', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    if (!init.success) throw new Error(`initialize: ${init.message}`);
    const launched = await this.request('launch', { clock: 'icount', ...args });
    if (!launched.success) throw new Error(`launch: ${launched.message}`);
    await this.request('configurationDone');
  }

  /** Ends the connection or the process (by its pid). */
  close(): void {
    this.socket?.destroy();
    if (this.child && this.alive) this.child.kill();
  }

  private onData(b: Buffer): void {
    this.buf = Buffer.concat([this.buf, b]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /^Content-Length: (\d+)$/.exec(this.buf.subarray(0, end).toString('latin1'));
      if (!m) throw new Error(`bad header from the adapter: ${this.buf.subarray(0, end).toString()}`);
      const len = Number(m[1]);
      if (this.buf.length < end + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString('utf8')) as DapMessage;
      this.buf = this.buf.subarray(end + 4 + len);
      this.messages.push(msg);
      for (const w of [...this.waiters]) {
        if (w.pred(msg)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(msg);
        }
      }
    }
  }
}
