/**
 * One gdb connection: bytes in, bytes out. Acknowledges packets ('+', or '-' for a bad
 * checksum so gdb sends it again) until QStartNoAckMode, resends the last reply on '-',
 * answers packets one at a time in order, and while the guest runs turns Ctrl-C (0x03) into a
 * pause. Packets that arrive while the guest runs wait (gdb sends none in all-stop mode; at
 * most MAX_QUEUED are kept).
 */
import type { GuestDebugger } from '../debug';
import { GdbDispatcher } from './dispatcher';
import { encodePacket, MAX_PACKET, RspDecoder, toHex } from './packet-codec';

/** Packets kept while one is being answered. */
const MAX_QUEUED = 64;
/** Characters of monitor output per O packet. */
const CONSOLE_CHUNK = MAX_PACKET / 4;
/** Times one reply is sent again after a '-'. */
const MAX_RESENDS = 8;

/** Where a session writes and what it asks of its owner. */
export interface SessionHost {
  /** Sends bytes (a latin1 string) to gdb. */
  write(data: string): void;
  /** gdb detached (D): the guest runs on; the connection may close. */
  detached(): void;
  /** gdb asked to kill the VM (k, vKill). */
  kill(): void;
  /** A line for the user (stderr): protocol trouble worth knowing about. */
  log(line: string): void;
}

/** The protocol state of one connection. */
export class GdbSession {
  readonly dispatcher: GdbDispatcher;
  private readonly decoder = new RspDecoder();
  private noAck = false;
  private lastReply?: string;
  private resends = 0;
  private readonly queue: string[] = [];
  private busy = false;
  private running = false;
  private closed = false;

  constructor(private readonly dbg: GuestDebugger, private readonly host: SessionHost) {
    this.dispatcher = new GdbDispatcher(dbg);
  }

  /** True while the guest runs for this session (c, s, vCont). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Bytes from gdb. */
  receive(chunk: Uint8Array): void {
    for (const e of this.decoder.feed(chunk)) {
      switch (e.kind) {
        case 'ack': this.resends = 0; break;
        case 'nack':
          if (this.lastReply !== undefined && this.resends++ < MAX_RESENDS) this.host.write(this.lastReply);
          break;
        case 'interrupt':
          if (this.running) this.dbg.pause();
          break;
        case 'bad-checksum':
          if (!this.noAck) this.host.write('-');
          break;
        case 'overflow': case 'malformed':
          this.ack();
          this.enqueue('\u0000'); // answered E22 in order with the others
          break;
        case 'packet':
          this.ack();
          this.enqueue(e.payload);
          break;
      }
    }
  }

  /** The connection is gone: nothing more is sent, and its breakpoints and watchpoints go. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (!this.dbg.isEnded()) this.dispatcher.removeAll();
  }

  private ack(): void {
    if (!this.noAck) this.host.write('+');
  }

  private enqueue(payload: string): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.host.log('gdb: too many packets while the guest runs; dropped one');
      return;
    }
    this.queue.push(payload);
    void this.drain();
  }

  private send(payload: string): void {
    if (this.closed) return;
    // Register and memory hex compresses well (runs of zeros): gdb decodes '*' in any reply.
    const rle = /^[0-9a-f]*$/.test(payload) && payload.length > 32;
    this.lastReply = encodePacket(payload, rle);
    this.resends = 0;
    this.host.write(this.lastReply);
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const p = this.queue.shift()!;
        await this.answer(p);
      }
    } finally {
      this.busy = false;
    }
  }

  private async answer(p: string): Promise<void> {
    if (p === '\u0000') { this.send('E22'); return; }
    if (p === 'QStartNoAckMode') {
      this.send('OK');
      this.noAck = true;
      return;
    }
    let action;
    try {
      action = this.dispatcher.handle(p);
    } catch (e) {
      // A facade error on a strange request must not end the connection or the VM.
      this.host.log(`gdb: '${p.slice(0, 40)}' failed: ${(e as Error).message}`);
      this.send('E22');
      return;
    }
    if ('kill' in action) {
      if (action.reply !== undefined) this.send(action.reply);
      this.host.kill();
      return;
    }
    if ('reply' in action) {
      // Console text in packets that fit gdb's buffer: hex doubles it.
      const text = action.console ?? '';
      for (let i = 0; i < text.length; i += CONSOLE_CHUNK) this.send('O' + toHex(text.slice(i, i + CONSOLE_CHUNK)));
      this.send(action.reply);
      return;
    }
    if ('detach' in action) {
      this.send('OK');
      this.dispatcher.removeAll();
      this.host.detached();
      return;
    }
    this.running = true;
    try {
      const stop = await this.dispatcher.resume(action.resume);
      this.send(stop);
    } catch (e) {
      this.dbg.fail((e as Error).message);
      this.send(this.dispatcher.stopReply());
    } finally {
      this.running = false;
    }
  }
}
