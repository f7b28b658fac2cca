/**
 * A virtual Ethernet switch inside the host process: a learning bridge (IEEE 802.1D section
 * 7.8, "The Learning Process" and "The Forwarding Process") between the NICs of the VMs on it
 * and the host's own ports (the user-mode NAT, a socket to another process).
 *
 * Forwarding: a frame to a group address (broadcast, multicast) goes to every other port; a
 * frame to a unicast MAC goes to the one port that MAC was learnt on (or that owns it), and
 * nowhere else. Unlike a hardware bridge, an unknown unicast destination is not flooded but
 * dropped and counted: every station on this switch is a port that announced its MAC or has
 * sent, so flooding would only show one VM's traffic to the others. A VM thus sees only
 * frames addressed to it and group frames.
 *
 * Learning: the source MAC of each frame maps to its port, in a table of at most
 * MAC_TABLE_SIZE entries (the oldest is forgotten first). A MAC a port owns (a NIC's own
 * address) is pinned to that port: another port sending with it as source does not move it.
 *
 * Everything is bounded: frames shorter than the Ethernet header or longer than MAX_FRAME
 * are dropped; a port whose receiver is full drops the frame (its `txDropped` counts it); a
 * port's frames are delivered synchronously, so the work per frame is at most one copy per
 * port.
 */
import { ETH_HEADER, MAX_FRAME, formatMac, isGroupMac, macKey, type Mac } from './ethernet';

/** Most MAC addresses the switch remembers. */
export const MAC_TABLE_SIZE = 1024;
/** Most ports on one switch. */
export const MAX_PORTS = 64;

/** What a port connects to: the receiving side of a NIC, the NAT, a socket. */
export interface SwitchEndpoint {
  /** Port name in the statistics ("vm1.virtio-net0", "user", "socket 127.0.0.1:5555"). */
  readonly name: string;
  /** MAC addresses the endpoint owns (pinned to its port). */
  readonly macs: readonly Mac[];
  /** Takes a frame the switch forwards to it; false when it had no room (dropped). */
  deliver(frame: Uint8Array): boolean;
  /** Counters of the endpoint's own for the report (the gateway's ARP, DHCP, TCP...). */
  details?(): Record<string, number>;
}

/** Counters of one port, from the switch's side (as `ip -s link` of a bridge port). */
export interface PortCounters {
  /** Frames and bytes the port sent into the switch. */
  rxFrames: number;
  rxBytes: number;
  /** Frames and bytes the switch delivered to the port. */
  txFrames: number;
  txBytes: number;
  /** Frames from this port the switch dropped: malformed (too short or too long). */
  rxMalformed: number;
  /** Frames from this port to a unicast MAC no port has. */
  rxUnknownDestination: number;
  /** Frames for this port its receiver had no room for. */
  txDropped: number;
}

/** A port of the statistics report. */
export interface SwitchPortReport extends PortCounters {
  port: number;
  name: string;
  macs: string[];
  /** The endpoint's own counters, if it has any. */
  details?: Record<string, number>;
}

/** The switch in the statistics report (`--stats-json` "network"). */
export interface SwitchReport {
  name: string;
  ports: SwitchPortReport[];
  /** MAC addresses learnt (or owned) and their port. */
  macTable: { mac: string; port: number }[];
}

/** Where a NIC sends its frames: a switch port, or a relay to a switch in another thread. */
export interface NetLink {
  /** Sends a frame into the switch (the receiver copies what it keeps). */
  send(frame: Uint8Array): void;
  /** Leaves the switch. */
  detach(): void;
}

/** A port: how its endpoint sends into the switch. */
export class SwitchPort implements NetLink {
  /** The port's counters. */
  readonly counters: PortCounters = {
    rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxMalformed: 0, rxUnknownDestination: 0, txDropped: 0,
  };
  /** False once detached: frames sent are ignored. */
  attached = true;

  constructor(readonly sw: VirtualSwitch, readonly index: number, readonly endpoint: SwitchEndpoint) {}

  /** Sends a frame from the endpoint into the switch (the switch copies what it keeps). */
  send(frame: Uint8Array): void {
    if (this.attached) this.sw.forward(this, frame);
  }

  /** Leaves the switch (its MACs are forgotten). */
  detach(): void {
    this.sw.detach(this);
  }
}

/** A learning switch. */
export class VirtualSwitch {
  private readonly ports: SwitchPort[] = [];
  /** MAC (as a number) -> port; Map keeps insertion order, the oldest entry first. */
  private readonly table = new Map<number, SwitchPort>();
  /** MACs owned by a port: never relearnt elsewhere. */
  private readonly pinned = new Map<number, SwitchPort>();
  private nextIndex = 0;

  constructor(readonly name: string) {}

  /** Attaches an endpoint; its own MACs are pinned to the new port. Throws RangeError when full. */
  attach(endpoint: SwitchEndpoint): SwitchPort {
    if (this.ports.length >= MAX_PORTS) throw new RangeError(`switch ${this.name} has no free port (at most ${MAX_PORTS})`);
    for (const mac of endpoint.macs) {
      const owner = this.pinned.get(macKey(mac));
      if (owner) throw new RangeError(`MAC ${formatMac(mac)} is already on switch ${this.name} (port ${owner.endpoint.name})`);
    }
    const port = new SwitchPort(this, this.nextIndex++, endpoint);
    this.ports.push(port);
    for (const mac of endpoint.macs) {
      const key = macKey(mac);
      this.pinned.set(key, port);
      this.table.delete(key);
      this.table.set(key, port);
    }
    return port;
  }

  /** Removes a port and every MAC it had. */
  detach(port: SwitchPort): void {
    if (!port.attached) return;
    port.attached = false;
    const i = this.ports.indexOf(port);
    if (i >= 0) this.ports.splice(i, 1);
    for (const [k, p] of this.table) if (p === port) this.table.delete(k);
    for (const [k, p] of this.pinned) if (p === port) this.pinned.delete(k);
  }

  /** Whether a port owns `mac` (a NIC's own address is on one port only). */
  ownsMac(mac: Mac): boolean {
    return this.pinned.has(macKey(mac));
  }

  /** The ports attached, in attach order. */
  get portList(): readonly SwitchPort[] {
    return this.ports;
  }

  /** Forwards a frame that `from` sent (called by SwitchPort.send). */
  forward(from: SwitchPort, frame: Uint8Array): void {
    const c = from.counters;
    if (frame.length < ETH_HEADER || frame.length > MAX_FRAME) {
      c.rxMalformed++;
      return;
    }
    c.rxFrames++;
    c.rxBytes += frame.length;
    if (!isGroupMac(frame, 6)) this.learn(macKey(frame, 6), from);
    if (isGroupMac(frame, 0)) {
      for (const p of this.ports) if (p !== from) this.deliverTo(p, frame);
      return;
    }
    const to = this.table.get(macKey(frame, 0));
    if (!to) {
      c.rxUnknownDestination++;
      return;
    }
    if (to !== from) this.deliverTo(to, frame);
  }

  /** The switch's statistics. */
  report(): SwitchReport {
    return {
      name: this.name,
      ports: this.ports.map((p) => ({
        port: p.index, name: p.endpoint.name, macs: p.endpoint.macs.map(formatMac), ...p.counters,
        ...(p.endpoint.details ? { details: p.endpoint.details() } : {}),
      })),
      macTable: [...this.table].map(([k, p]) => ({ mac: formatMac(macFromKey(k)), port: p.index })),
    };
  }

  private learn(key: number, port: SwitchPort): void {
    if (this.pinned.has(key)) return;
    const had = this.table.get(key);
    if (had === port) return;
    if (had) this.table.delete(key);
    else if (this.table.size >= MAC_TABLE_SIZE) {
      // Forget the oldest learnt entry (owned MACs stay).
      for (const [k] of this.table) {
        if (!this.pinned.has(k)) {
          this.table.delete(k);
          break;
        }
      }
      if (this.table.size >= MAC_TABLE_SIZE) return;
    }
    this.table.set(key, port);
  }

  private deliverTo(port: SwitchPort, frame: Uint8Array): void {
    // Each receiver gets its own copy: it may keep it in a queue while the sender reuses its buffer.
    if (port.endpoint.deliver(frame.slice())) {
      port.counters.txFrames++;
      port.counters.txBytes += frame.length;
    } else {
      port.counters.txDropped++;
    }
  }
}

function macFromKey(k: number): Mac {
  const hi = Math.floor(k / 16777216);
  const lo = k % 16777216;
  return Uint8Array.of((hi >> 16) & 0xff, (hi >> 8) & 0xff, hi & 0xff, (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff);
}
