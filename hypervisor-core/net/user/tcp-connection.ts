/**
 * One TCP connection between a guest and a host socket on 127.0.0.1, the guest side spoken
 * by this small state machine (RFC 9293; the states QEMU's slirp keeps, fewer of them):
 *
 *   outbound (the guest connects to 10.0.2.2:PORT):
 *     guest SYN -> 'connecting' (host socket connecting to 127.0.0.1:PORT)
 *       -> connected: SYN-ACK to the guest -> 'established' on the guest's ACK
 *       -> refused: RST to the guest
 *   inbound (hostfwd: a host client connected to 127.0.0.1:HOSTPORT):
 *     SYN to the guest -> 'syn-sent' -> guest SYN-ACK: ACK -> 'established'; guest RST: the
 *     host client is closed
 *   either way: data both ways; the guest's FIN ends the host socket's writing side, the host
 *   socket's end becomes our FIN once its data is through; both FINs acknowledged -> closed.
 *
 * Bounded: at most SEND_BUFFER bytes from the host wait for the guest's acknowledgment (the
 * socket is paused past it); the window advertised to the guest is what the host socket's
 * write buffer still takes, at most RECEIVE_WINDOW. Lost segments (a full receive backlog in
 * the guest's NIC) are sent again after RETRANSMIT_MS, go-back-N; after MAX_RETRIES the
 * connection is reset. Out-of-order segments from the guest are dropped (it sends them
 * again); only an acknowledgment of what arrived in order goes back.
 */
import type { Socket } from 'node:net';
import { TcpFlag, seqDiff, type TcpOut, type TcpSegment } from './tcp-segment';

/** Host bytes waiting for the guest's acknowledgment at most. */
export const SEND_BUFFER = 256 * 1024;
/** Largest window advertised to the guest (no window scaling). */
export const RECEIVE_WINDOW = 65535;
/** Our MSS: a 1500-byte MTU less the IPv4 and TCP headers. */
export const OUR_MSS = 1460;
/** Retransmission timeout. */
export const RETRANSMIT_MS = 400;
/** Retransmissions before the connection is reset. */
export const MAX_RETRIES = 10;

/** Connection states. */
export type TcpState = 'connecting' | 'syn-received' | 'syn-sent' | 'established' | 'closed';

/** What the connection needs from the network: a way to send segments to the guest. */
export interface TcpLink {
  /** Sends a segment to the guest (ports, addresses and checksum filled by the link). */
  send(conn: TcpConnection, seg: Omit<TcpOut, 'srcPort' | 'dstPort'>): void;
  /** The connection is over: forget it. */
  closed(conn: TcpConnection): void;
}

let nextIss = 0x1000;

/** One connection. */
export class TcpConnection {
  state: TcpState;
  /** Our next sequence number to send, oldest unacknowledged, and the guest's next. */
  private sndNxt: number;
  private sndUna: number;
  private rcvNxt = 0;
  private readonly iss: number;
  /** Guest's window and MSS. */
  private sndWnd = 0;
  private mss = 536;
  /** Host bytes not yet acknowledged by the guest; `sendBuf[0]` is at sndUna (after the SYN). */
  private sendBuf: Uint8Array[] = [];
  private sendLen = 0;
  private hostEnded = false;
  private finSent = false;
  private finAcked = false;
  private guestFin = false;
  private timer: NodeJS.Timeout | null = null;
  private retries = 0;
  private socketPaused = false;

  /**
   * @param key the connection's key in the gateway's table
   * @param guestIp, guestPort the guest's end
   * @param hostPort our end's port as the guest sees it (on 10.0.2.2)
   */
  constructor(private readonly link: TcpLink, readonly socket: Socket, readonly key: string, readonly guestIp: Uint8Array,
    readonly guestPort: number, readonly hostPort: number, direction: 'outbound' | 'inbound') {
    this.iss = nextIss = (nextIss + 0x10000) >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.state = direction === 'outbound' ? 'connecting' : 'syn-sent';
    socket.on('data', (d: Buffer) => this.fromHost(d));
    socket.on('end', () => {
      this.hostEnded = true;
      this.pump();
    });
    socket.on('drain', () => this.windowUpdate());
    socket.on('error', () => this.abort());
    socket.on('close', () => {
      if (this.state !== 'closed' && !this.hostEnded) this.abort();
    });
  }

  /** Outbound: the guest's SYN that opened the connection. */
  guestSyn(seg: TcpSegment): void {
    this.rcvNxt = (seg.seq + 1) >>> 0;
    this.sndWnd = seg.window;
    this.mss = Math.min(OUR_MSS, seg.mss ?? 536);
  }

  /** Outbound: the host socket connected; answer the guest's SYN. */
  hostConnected(): void {
    if (this.state !== 'connecting') return;
    this.state = 'syn-received';
    this.sndNxt = (this.iss + 1) >>> 0;
    this.sendSynAck();
    this.arm();
  }

  /** Inbound: opens the connection to the guest. */
  open(): void {
    this.socket.pause(); // nothing to send until the guest accepts
    this.socketPaused = true;
    this.sndNxt = (this.iss + 1) >>> 0;
    this.link.send(this, { seq: this.iss, ack: 0, flags: TcpFlag.SYN, window: this.window(), mss: OUR_MSS });
    this.arm();
  }

  /** A segment from the guest for this connection. */
  fromGuest(seg: TcpSegment): void {
    if (this.state === 'closed') return;
    if (seg.flags & TcpFlag.RST) {
      this.close(false);
      return;
    }
    if (this.state === 'connecting') return; // the guest repeats its SYN; we answer once connected
    if (this.state === 'syn-sent') {
      const want = (TcpFlag.SYN | TcpFlag.ACK);
      if ((seg.flags & want) !== want || seg.ack !== this.sndNxt) return;
      this.rcvNxt = (seg.seq + 1) >>> 0;
      this.mss = Math.min(OUR_MSS, seg.mss ?? 536);
      this.established(seg);
      this.ack();
      this.pump();
      return;
    }
    if (seg.flags & TcpFlag.SYN) {
      // A repeated SYN: our SYN-ACK was lost.
      if (this.state === 'syn-received') this.sendSynAck();
      return;
    }
    if (!(seg.flags & TcpFlag.ACK)) return;
    this.acknowledged(seg);
    let needAck = false;
    if (seg.payload.length > 0 || seg.flags & TcpFlag.FIN) {
      needAck = true;
      if (seg.seq === this.rcvNxt && !this.guestFin) {
        const room = this.window();
        const data = seg.payload.subarray(0, room);
        if (data.length > 0) {
          this.socket.write(data);
          this.rcvNxt = (this.rcvNxt + data.length) >>> 0;
        }
        if (seg.flags & TcpFlag.FIN && data.length === seg.payload.length) {
          this.rcvNxt = (this.rcvNxt + 1) >>> 0;
          this.guestFin = true;
          this.socket.end();
        }
      }
    }
    if (needAck) this.ack();
    this.pump();
    this.maybeDone();
  }

  /** Resets the connection (host error, too many retries, the NAT shutting down). */
  abort(): void {
    if (this.state === 'closed') return;
    // Refused while connecting: the RST answers the guest's SYN (RFC 9293 section 3.10.7.1).
    const seq = this.state === 'connecting' ? 0 : this.sndNxt;
    this.link.send(this, { seq, ack: this.rcvNxt, flags: TcpFlag.RST | TcpFlag.ACK, window: 0 });
    this.close(false);
  }

  private established(seg: TcpSegment): void {
    this.state = 'established';
    this.sndUna = seg.ack;
    this.sndWnd = seg.window;
    this.retries = 0;
    this.disarm();
    if (this.socketPaused && this.sendLen < SEND_BUFFER) {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  private acknowledged(seg: TcpSegment): void {
    if (this.state === 'syn-received') {
      if (seg.ack !== this.sndNxt) return;
      this.established(seg);
      return;
    }
    const acked = seqDiff(seg.ack, this.sndUna);
    const inFlight = seqDiff(this.sndNxt, this.sndUna);
    if (acked < 0 || acked > inFlight) return;
    this.sndWnd = seg.window;
    if (acked === 0) return;
    let data = acked;
    if (this.finSent && seg.ack === this.sndNxt) {
      this.finAcked = true;
      data--;
    }
    this.dropSent(data);
    this.sndUna = seg.ack;
    this.retries = 0;
    this.disarm();
    if (this.sndNxt !== this.sndUna) this.arm();
  }

  /** Sends what the guest's window allows, then our FIN when the host is done. */
  private pump(): void {
    if (this.state !== 'established') return;
    for (;;) {
      const offset = seqDiff(this.sndNxt, this.sndUna);
      const unsent = this.sendLen - offset;
      const room = this.sndWnd - offset;
      if (unsent <= 0 || room <= 0) break;
      const n = Math.min(this.mss, unsent, room);
      this.link.send(this, { seq: this.sndNxt, ack: this.rcvNxt, flags: TcpFlag.ACK | TcpFlag.PSH, window: this.window(), payload: this.peek(offset, n) });
      this.sndNxt = (this.sndNxt + n) >>> 0;
    }
    if (this.hostEnded && !this.finSent && seqDiff(this.sndNxt, this.sndUna) === this.sendLen) {
      this.link.send(this, { seq: this.sndNxt, ack: this.rcvNxt, flags: TcpFlag.FIN | TcpFlag.ACK, window: this.window() });
      this.sndNxt = (this.sndNxt + 1) >>> 0;
      this.finSent = true;
    }
    if (this.sndNxt !== this.sndUna) this.arm();
    this.maybeDone();
  }

  private fromHost(d: Buffer): void {
    this.sendBuf.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice());
    this.sendLen += d.byteLength;
    if (this.sendLen >= SEND_BUFFER && !this.socketPaused) {
      this.socketPaused = true;
      this.socket.pause();
    }
    this.pump();
  }

  private dropSent(n: number): void {
    this.sendLen -= n;
    while (n > 0 && this.sendBuf.length > 0) {
      const b = this.sendBuf[0];
      if (b.length <= n) {
        n -= b.length;
        this.sendBuf.shift();
      } else {
        this.sendBuf[0] = b.subarray(n);
        n = 0;
      }
    }
    if (this.socketPaused && this.sendLen < SEND_BUFFER / 2 && this.state === 'established') {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  private peek(offset: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    for (const b of this.sendBuf) {
      if (offset >= b.length) {
        offset -= b.length;
        continue;
      }
      const part = b.subarray(offset, Math.min(b.length, offset + n - at));
      out.set(part, at);
      at += part.length;
      offset = 0;
      if (at >= n) break;
    }
    return out;
  }

  /** The window we advertise: what the host socket's write buffer still takes. */
  private window(): number {
    return Math.max(0, RECEIVE_WINDOW - this.socket.writableLength);
  }

  private ack(): void {
    this.link.send(this, { seq: this.sndNxt, ack: this.rcvNxt, flags: TcpFlag.ACK, window: this.window() });
  }

  private windowUpdate(): void {
    if (this.state === 'established') this.ack();
  }

  private sendSynAck(): void {
    this.link.send(this, { seq: this.iss, ack: this.rcvNxt, flags: TcpFlag.SYN | TcpFlag.ACK, window: this.window(), mss: OUR_MSS });
  }

  private arm(): void {
    if (this.timer || this.state === 'closed') return;
    this.timer = setTimeout(() => this.retransmit(), RETRANSMIT_MS);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private retransmit(): void {
    this.timer = null;
    if (this.state === 'closed') return;
    if (++this.retries > MAX_RETRIES) {
      this.abort();
      return;
    }
    if (this.state === 'syn-sent') {
      this.link.send(this, { seq: this.iss, ack: 0, flags: TcpFlag.SYN, window: this.window(), mss: OUR_MSS });
    } else if (this.state === 'syn-received') {
      this.sendSynAck();
    } else if (this.state === 'established') {
      // Go back to the oldest unacknowledged byte and send everything again.
      this.sndNxt = this.sndUna;
      if (this.finSent && !this.finAcked) this.finSent = false;
      this.pump();
      return;
    }
    this.arm();
  }

  private maybeDone(): void {
    if (this.guestFin && this.finAcked) this.close(true);
  }

  private close(graceful: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.disarm();
    if (graceful) this.socket.end();
    else this.socket.destroy();
    this.link.closed(this);
  }
}
