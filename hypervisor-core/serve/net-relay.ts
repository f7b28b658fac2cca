/**
 * The network between the VMs of `hyperscope serve`: named switches in the daemon's main
 * thread, and the relay of each VM's virtio-net frames between its worker thread and its port.
 *
 *   worker thread (vm-worker.ts)                  main thread (vm-host.ts)
 *   VirtioNet -> WorkerUplink ---- 'net-frame' ---> VmNetPort -> VirtualSwitch (learning)
 *   VirtioNet.deliver <----------- 'net-frame' ---- VmNetPort <- VirtualSwitch
 *   each side acknowledges the frames it took with one 'net-ack' per event-loop turn
 *
 * Frames cross as transferred buffers (no copy past the one the switch makes per receiver).
 * Both directions are bounded: at most RELAY_WINDOW frames are unacknowledged at once, so a
 * thread that stops reading (a busy or stuck worker, a flooding guest) holds at most that many
 * in the message queue; a frame past the window is dropped and counted, as a full NIC queue
 * drops it: the switch's `txDropped` of the port for frames to the VM, the NIC's `linkDropped`
 * for frames from it. A switch exists while a VM is on it, so there are at most as many
 * switches as VMs (MAX_VMS), each with at most MAX_PORTS ports.
 */
import { defaultMac, formatMac, parseMac, type Mac } from '../net/ethernet';
import type { NetOptions } from '../net/net-config';
import { MAX_PORTS, VirtualSwitch, type NetLink, type SwitchEndpoint, type SwitchPort, type SwitchReport } from '../net/switch';
import { ApiError } from './api-error';

/** Frames one direction of a relay has in flight (sent, not yet acknowledged) at most. */
export const RELAY_WINDOW = 256;

/** The network messages between a worker and the main thread (both directions). */
export type NetMessage =
  /** One Ethernet frame; its buffer is transferred. */
  | { type: 'net-frame'; frame: Uint8Array }
  /** The receiver took `count` more frames (delivered or dropped there): they leave the window. */
  | { type: 'net-ack'; count: number };

/** Posts a message with the buffers it transfers. */
export type PostNet = (m: NetMessage, transfer: ArrayBuffer[]) => void;

/** One direction's sending side: frames go out while fewer than RELAY_WINDOW are unacknowledged. */
export class FrameSender {
  /** Frames sent and not yet acknowledged. */
  inFlight = 0;
  /** Frames dropped: the window was full, or there was nobody to send to. */
  dropped = 0;

  constructor(private readonly post: PostNet | null) {}

  /** Sends a copy of `frame`; false (and counted) when it was dropped. */
  send(frame: Uint8Array): boolean {
    if (!this.post || this.inFlight >= RELAY_WINDOW) {
      this.dropped++;
      return false;
    }
    this.inFlight++;
    const own = frame.slice();
    this.post({ type: 'net-frame', frame: own }, [own.buffer]);
    return true;
  }

  /** The receiver took `count` frames. */
  acked(count: number): void {
    this.inFlight = Math.max(0, this.inFlight - count);
  }
}

/** The receiving side's acknowledgements: one 'net-ack' per event-loop turn for the frames taken in it. */
export class AckBatcher {
  private count = 0;
  private scheduled = false;

  constructor(private readonly post: (m: NetMessage) => void) {}

  /** One more frame taken. */
  took(): void {
    this.count++;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends the acknowledgement now. */
  flush(): void {
    this.scheduled = false;
    if (this.count === 0) return;
    this.post({ type: 'net-ack', count: this.count });
    this.count = 0;
  }
}

/** The worker's side: the link a VirtioNet transmits into, towards the VM's port in the main thread. */
export class WorkerUplink implements NetLink {
  readonly sender: FrameSender;

  constructor(post: PostNet) {
    this.sender = new FrameSender(post);
  }

  /** @inheritdoc */
  send(frame: Uint8Array): void {
    this.sender.send(frame);
  }

  /** @inheritdoc (the port stays in the main thread for the VM's next boot) */
  detach(): void {
    // Nothing to release on this side.
  }
}

/** The main thread's side: a VM's port on its switch, relaying to whichever worker runs the VM now. */
export class VmNetPort implements SwitchEndpoint {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly macs: readonly Mac[];
  /** The switch port, once attached. */
  port!: SwitchPort;
  private toVm = new FrameSender(null);

  constructor(vmName: string, readonly mac: Mac, readonly switchName: string) {
    this.name = `${vmName}.virtio-net0`;
    this.macs = [mac];
  }

  /** The MAC as text. */
  get macText(): string {
    return formatMac(this.mac);
  }

  /** Points the relay at a new worker (a boot, a reset), or at none: a fresh window either way. */
  setWorker(post: PostNet | null): void {
    this.toVm = new FrameSender(post);
  }

  /** @inheritdoc (a frame the switch forwards to the VM; false when the window is full) */
  deliver(frame: Uint8Array): boolean {
    return this.toVm.send(frame);
  }

  /** The worker acknowledged frames sent to it. */
  acked(count: number): void {
    this.toVm.acked(count);
  }

  /** A frame the VM sent: into the switch. */
  fromVm(frame: Uint8Array): void {
    this.port.send(frame);
  }

  /** @inheritdoc */
  details(): Record<string, number> {
    return { relayInFlight: this.toVm.inFlight };
  }
}

/** What `vm info` shows of a VM's network. */
export interface VmNetInfo {
  mac: string;
  switch: string;
  port: number;
}

/** The daemon's named switches; a switch is made by its first VM and goes with its last. */
export class SwitchHub {
  private readonly switches = new Map<string, VirtualSwitch>();

  /**
   * Attaches VM `vmName`'s NIC to the switch `net.switch` names, with `net.mac` or else the
   * first of 52:54:00:12:34:56, :57... that no port of that switch owns (as QEMU numbers NICs).
   * A MAC already there or a full switch is 'bad-request'.
   */
  join(vmName: string, net: NetOptions): VmNetPort {
    const name = net.switch ?? '';
    let sw = this.switches.get(name);
    const fresh = !sw;
    sw ??= new VirtualSwitch(name);
    let mac: Mac;
    if (net.mac !== undefined) {
      mac = parseMac(net.mac);
    } else {
      let i = 0;
      while (i < MAX_PORTS && sw.ownsMac(defaultMac(i))) i++;
      mac = defaultMac(i);
    }
    const endpoint = new VmNetPort(vmName, mac, name);
    try {
      endpoint.port = sw.attach(endpoint);
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError('bad-request', e.message);
      throw e;
    }
    if (fresh) this.switches.set(name, sw);
    return endpoint;
  }

  /** Takes the VM's port off its switch; a switch left empty goes. */
  leave(endpoint: VmNetPort): void {
    const sw = endpoint.port.sw;
    endpoint.port.detach();
    if (sw.portList.length === 0 && this.switches.get(sw.name) === sw) this.switches.delete(sw.name);
  }

  /** The report of the switch called `name`, if it exists. */
  report(name: string): SwitchReport | undefined {
    return this.switches.get(name)?.report();
  }

  /** The switches' names. */
  names(): string[] {
    return [...this.switches.keys()];
  }
}
