/**
 * virtio network device (virtio 1.2 section 5.1), device id 1, one queue pair:
 *
 *   queue 0  receiveq1   device-writable buffers the device fills with received packets
 *   queue 1  transmitq1  device-readable packets the driver sends
 *   Every packet starts with struct virtio_net_hdr (header.ts, 12 bytes).
 *
 *   Configuration space (struct virtio_net_config, section 5.1.4):
 *     +0 u8 mac[6]   +6 le16 status (LINK_UP 1)   +8 le16 max_virtqueue_pairs (1)
 *     +10 le16 mtu
 *
 *   Features offered (section 5.1.3):
 *     VIRTIO_NET_F_CSUM 0       the device completes checksums the driver leaves (NEEDS_CSUM)
 *     VIRTIO_NET_F_MTU 3        mtu in the configuration space; longer packets are dropped
 *     VIRTIO_NET_F_MAC 5        the address in the configuration space
 *     VIRTIO_NET_F_MRG_RXBUF 15 a received packet may span several receive buffers
 *     VIRTIO_NET_F_STATUS 16    the link status in the configuration space
 *   Not offered, so refused when the driver sets them anyway (the transport drops bits it did
 *   not offer): GUEST_CSUM and every segmentation offload (GUEST_TSO*, HOST_TSO*, *_UFO),
 *   the control queue. A transmit header asking for what was not negotiated (NEEDS_CSUM
 *   without CSUM, any gso_type) is a malformed packet: dropped and counted, as is a packet
 *   shorter than an Ethernet header or longer than the MTU allows.
 *
 * The device is one port of a VirtualSwitch (net/switch.ts): transmitted frames go into the
 * switch, frames the switch forwards here wait in a bounded backlog (RX_BACKLOG) until the
 * driver posts receive buffers; past it they are dropped and counted. Work per service call
 * is bounded (SERVICE_CHAINS packets), so a guest that floods the transmit queue still lets
 * the VM run (the transport continues between slices).
 */
import { DEFAULT_MTU, ETH_HEADER, formatMac, type Mac } from '../../../net/ethernet';
import { SwitchPort, type NetLink, type SwitchEndpoint, type VirtualSwitch } from '../../../net/switch';
import { readStream, writeStream, type DescriptorChain } from '../queue/chain';
import type { SplitQueue } from '../queue/split-queue';
import { ConfigSpace, FeatureWords, SERVICE_CHAINS, VirtioDevice, VirtioDeviceId, VirtioHost, hasFeature } from '../virtio-device';
import { NET_HDR_SIZE, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, completeChecksum, parseNetHeader, receiveHeader } from './header';

/** Feature bits (virtio 1.2 section 5.1.3). */
export const VirtioNetFeature = {
  CSUM: 0,
  GUEST_CSUM: 1,
  MTU: 3,
  MAC: 5,
  GUEST_TSO4: 7,
  HOST_TSO4: 11,
  MRG_RXBUF: 15,
  STATUS: 16,
  CTRL_VQ: 17,
} as const;

/** Receive queue index. */
export const NET_RX_QUEUE = 0;
/** Transmit queue index. */
export const NET_TX_QUEUE = 1;
/** Queue size offered (QEMU's virtio-net default rx/tx_queue_size). */
export const NET_QUEUE_SIZE = 256;
/** Frames waiting for receive buffers at most; more are dropped. */
export const RX_BACKLOG = 256;
/** VIRTIO_NET_S_LINK_UP. */
export const VIRTIO_NET_S_LINK_UP = 1;

/** What the device counts (`--stats-json` "network"). */
export interface NetDeviceCounters {
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
  /** Transmitted packets dropped: shorter than an Ethernet header or longer than the MTU allows. */
  txOversize: number;
  /** Transmitted packets dropped: a header shorter than 12 bytes, or offloads not negotiated. */
  txMalformed: number;
  /** Received frames dropped because the backlog was full (the driver posted no buffers). */
  rxBacklogFull: number;
  /** Received frames dropped because they did not fit the buffers posted. */
  rxTooBig: number;
  /** Received frames dropped because no driver was running the device. */
  rxNotReady: number;
}

/** Construction options. */
export interface VirtioNetOptions {
  /** The device's MAC address. */
  mac: Mac;
  /** Name of its switch port ("virtio-net0", "vm1.virtio-net0"). */
  name?: string;
  /** MTU in the configuration space (default 1500). */
  mtu?: number;
}

const bit = (n: number) => 1 << n;

/** A virtio-net device. */
export class VirtioNet implements VirtioDevice, SwitchEndpoint {
  /** @inheritdoc */
  readonly kind = 'virtio-net';
  /** @inheritdoc */
  readonly deviceId = VirtioDeviceId.NET;
  /** @inheritdoc */
  readonly queueMaxSizes = [NET_QUEUE_SIZE, NET_QUEUE_SIZE];
  /** @inheritdoc */
  readonly features: FeatureWords = [
    (bit(VirtioNetFeature.CSUM) | bit(VirtioNetFeature.MTU) | bit(VirtioNetFeature.MAC) |
      bit(VirtioNetFeature.MRG_RXBUF) | bit(VirtioNetFeature.STATUS)) >>> 0, 0,
  ];
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly macs: readonly Mac[];
  /** The MAC address. */
  readonly mac: Mac;
  /** The MTU offered. */
  readonly mtu: number;
  /** Counters. */
  readonly counters: NetDeviceCounters = {
    txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txOversize: 0, txMalformed: 0, rxBacklogFull: 0, rxTooBig: 0, rxNotReady: 0,
  };
  private readonly config = new ConfigSpace(12);
  private host: VirtioHost | null = null;
  private port: NetLink | null = null;
  private readonly backlog: Uint8Array[] = [];
  /** Receive buffers taken for the frame at the head of the backlog (mergeable buffers). */
  private held: DescriptorChain[] = [];
  private heldBytes = 0;

  constructor(opts: VirtioNetOptions) {
    this.mac = opts.mac.slice(0, 6);
    this.macs = [this.mac];
    this.mtu = opts.mtu ?? DEFAULT_MTU;
    this.name = opts.name ?? 'virtio-net';
    this.config.bytes.set(this.mac, 0);
    this.config.setU16(6, VIRTIO_NET_S_LINK_UP);
    this.config.setU16(8, 1);
    this.config.setU16(10, this.mtu);
  }

  /** Plugs the device into a switch (one switch at a time). */
  connect(sw: VirtualSwitch): SwitchPort {
    this.port?.detach();
    const port = sw.attach(this);
    this.port = port;
    return port;
  }

  /**
   * Plugs the device into a link to a switch elsewhere (a daemon's switch in another thread):
   * transmitted frames go to `link`; the link's far side calls `deliver`.
   */
  connectLink(link: NetLink): void {
    this.port?.detach();
    this.port = link;
  }

  /** The switch port, if connected to a switch in this thread. */
  get switchPort(): SwitchPort | null {
    return this.port instanceof SwitchPort ? this.port : null;
  }

  /** Frames waiting for receive buffers. */
  get pendingReceive(): number {
    return this.backlog.length;
  }

  /** The MAC as text. */
  get macText(): string {
    return formatMac(this.mac);
  }

  /** @inheritdoc */
  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** @inheritdoc */
  writeConfig(): void {
    // Read-only for a VERSION_1 driver (section 5.1.4.2: mac is writable only by legacy drivers).
  }

  /** @inheritdoc */
  activate(host: VirtioHost): void {
    this.host = host;
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
    this.backlog.length = 0;
    this.held = [];
    this.heldBytes = 0;
  }

  /** @inheritdoc (switch side): queues a frame for the guest; false when dropped. */
  deliver(frame: Uint8Array): boolean {
    const host = this.host;
    if (!host) {
      this.counters.rxNotReady++;
      return false;
    }
    if (this.backlog.length >= RX_BACKLOG) {
      this.counters.rxBacklogFull++;
      return false;
    }
    this.backlog.push(frame);
    host.kick(NET_RX_QUEUE);
    return true;
  }

  /** @inheritdoc */
  processQueue(index: number): boolean {
    const host = this.host;
    const q = host?.queue(index);
    if (!host || !q) return false;
    try {
      if (index === NET_TX_QUEUE) return this.transmit(host, q);
      if (index === NET_RX_QUEUE) return this.receive(host, q);
      return false;
    } finally {
      host.signalUsed(index);
    }
  }

  /** Sends up to SERVICE_CHAINS packets into the switch; true when more are waiting. */
  private transmit(host: VirtioHost, q: SplitQueue): boolean {
    for (let n = 0; n < SERVICE_CHAINS; n++) {
      const chain = q.pop();
      if (!chain) return false;
      try {
        this.sendPacket(host, chain);
      } finally {
        q.push(chain.head, 0);
      }
    }
    return q.available() > 0;
  }

  private sendPacket(host: VirtioHost, chain: DescriptorChain): void {
    const c = this.counters;
    if (chain.readableBytes < NET_HDR_SIZE) {
      c.txMalformed++;
      return;
    }
    const length = chain.readableBytes - NET_HDR_SIZE;
    // MTU payload + Ethernet header + an 802.1Q tag (Linux's VLAN_ETH_HLEN headroom).
    if (length < ETH_HEADER || length > this.mtu + ETH_HEADER + 4) {
      c.txOversize++;
      return;
    }
    const packet = readStream(host.memory, chain.readable, 0, chain.readableBytes);
    const hdr = parseNetHeader(packet);
    const frame = packet.subarray(NET_HDR_SIZE);
    if (hdr.gsoType !== VIRTIO_NET_HDR_GSO_NONE) {
      c.txMalformed++;
      return;
    }
    if (hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
      if (!hasFeature(host.features, VirtioNetFeature.CSUM) || !completeChecksum(frame, hdr.csumStart, hdr.csumOffset)) {
        c.txMalformed++;
        return;
      }
    }
    c.txFrames++;
    c.txBytes += frame.length;
    this.port?.send(frame);
  }

  /** Fills posted receive buffers from the backlog; true when more can go at once. */
  private receive(host: VirtioHost, q: SplitQueue): boolean {
    const mergeable = hasFeature(host.features, VirtioNetFeature.MRG_RXBUF);
    for (let n = 0; n < SERVICE_CHAINS && this.backlog.length > 0; n++) {
      const frame = this.backlog[0];
      const need = NET_HDR_SIZE + frame.length;
      // Take buffers until the packet fits: one without mergeable buffers, as many as needed with.
      while (this.heldBytes < need && (mergeable || this.held.length === 0)) {
        if (this.held.length >= q.size) break; // every buffer of the queue is too little
        const chain = q.pop();
        if (!chain) return false; // wait for the driver to post more (it notifies queue 0)
        this.held.push(chain);
        this.heldBytes += chain.writableBytes;
      }
      this.backlog.shift();
      if (this.heldBytes < need) {
        this.counters.rxTooBig++;
        for (const ch of this.held) q.push(ch.head, 0);
      } else {
        this.fill(host, q, frame, mergeable ? this.held.length : 1);
        this.counters.rxFrames++;
        this.counters.rxBytes += frame.length;
      }
      this.held = [];
      this.heldBytes = 0;
    }
    return this.backlog.length > 0 && q.available() > 0;
  }

  /** Writes header + frame across the held buffers and returns them used. */
  private fill(host: VirtioHost, q: SplitQueue, frame: Uint8Array, numBuffers: number): void {
    const packet = new Uint8Array(NET_HDR_SIZE + frame.length);
    packet.set(receiveHeader(numBuffers), 0);
    packet.set(frame, NET_HDR_SIZE);
    let at = 0;
    for (const ch of this.held) {
      const len = Math.min(ch.writableBytes, packet.length - at);
      const written = len > 0 ? writeStream(host.memory, ch.writable, 0, packet.subarray(at, at + len)) : 0;
      at += len;
      q.push(ch.head, written);
    }
  }
}
