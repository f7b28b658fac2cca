/**
 * UDP from the guest to 10.0.2.2:PORT, relayed to 127.0.0.1:PORT from a host socket bound to
 * 127.0.0.1 (one per guest address and port, as slirp's udp_output keeps a socket per flow);
 * what comes back on that socket goes to the guest from 10.0.2.2. At most UDP_FLOWS flows;
 * a flow idle for UDP_IDLE_MS is closed.
 */
import { createSocket, type Socket } from 'node:dgram';

/** Flows kept at most. */
export const UDP_FLOWS = 32;
/** A flow's host socket closes after this long without traffic. */
export const UDP_IDLE_MS = 60_000;

/** A reply for the guest: to `guestIp:guestPort` from 10.0.2.2:`fromPort`. */
export type UdpReply = (guestIp: Uint8Array, guestPort: number, fromPort: number, data: Uint8Array) => void;

interface Flow {
  socket: Socket;
  timer: NodeJS.Timeout;
}

/** The relay. */
export class UdpProxy {
  private readonly flows = new Map<string, Flow>();

  constructor(private readonly reply: UdpReply) {}

  /** Relays a datagram; false when no flow could be opened (the limit). */
  send(guestIp: Uint8Array, guestPort: number, hostPort: number, data: Uint8Array): boolean {
    const key = `${guestIp.join('.')}:${guestPort}`;
    let flow = this.flows.get(key);
    if (!flow) {
      if (this.flows.size >= UDP_FLOWS) return false;
      const socket = createSocket('udp4');
      const ip = guestIp.slice(0, 4);
      socket.on('message', (msg, rinfo) => {
        if (rinfo.address !== '127.0.0.1') return;
        this.touch(key);
        this.reply(ip, guestPort, rinfo.port, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
      });
      socket.on('error', () => this.drop(key));
      socket.bind({ address: '127.0.0.1', port: 0 });
      socket.unref();
      flow = { socket, timer: this.idleTimer(key) };
      this.flows.set(key, flow);
    }
    this.touch(key);
    flow.socket.send(data, hostPort, '127.0.0.1');
    return true;
  }

  /** Closes every flow. */
  close(): void {
    for (const key of [...this.flows.keys()]) this.drop(key);
  }

  private idleTimer(key: string): NodeJS.Timeout {
    const t = setTimeout(() => this.drop(key), UDP_IDLE_MS);
    t.unref();
    return t;
  }

  private touch(key: string): void {
    const f = this.flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.timer = this.idleTimer(key);
  }

  private drop(key: string): void {
    const f = this.flows.get(key);
    if (!f) return;
    this.flows.delete(key);
    clearTimeout(f.timer);
    try {
      f.socket.close();
    } catch {
      // already closed
    }
  }
}
