/**
 * virtio console (virtio 1.2 section 5.3), device id 3, a single port (no MULTIPORT):
 *
 *   queue 0  receiveq  port 0 input: the device fills device-writable buffers with typed bytes
 *   queue 1  transmitq port 0 output: the device reads device-readable buffers to the console
 *   Configuration space (struct virtio_console_config): +0 le16 cols, +2 le16 rows,
 *   +4 le32 max_nr_ports, +8 le32 emerg_wr (all meaningless without their features: zero).
 *   Features offered: none.
 *
 * Linux binds it to /dev/hvc0 (`console=hvc0`). Input typed before the driver is ready, or
 * while it has no receive buffers posted, waits in a bounded queue (oldest bytes kept).
 */
import { readStream, writeStream } from '../queue/chain';
import { ConfigSpace, FeatureWords, VirtioDevice, VirtioDeviceId, VirtioHost } from '../virtio-device';

/** Queue indices. */
export const CONSOLE_RX_QUEUE = 0;
/** Transmit queue index. */
export const CONSOLE_TX_QUEUE = 1;
/** Queue size offered. */
export const CONSOLE_QUEUE_SIZE = 128;
/** Most pending input bytes kept; more typed while the guest reads nothing is dropped. */
export const CONSOLE_INPUT_LIMIT = 64 * 1024;

/** A virtio-console with one port. */
export class VirtioConsole implements VirtioDevice {
  /** @inheritdoc */
  readonly kind = 'virtio-console';
  /** @inheritdoc */
  readonly deviceId = VirtioDeviceId.CONSOLE;
  /** @inheritdoc */
  readonly queueMaxSizes = [CONSOLE_QUEUE_SIZE, CONSOLE_QUEUE_SIZE];
  /** @inheritdoc */
  readonly features: FeatureWords = [0, 0];
  private readonly config = new ConfigSpace(12);
  private host: VirtioHost | null = null;
  private pending: number[] = [];

  /** @param sink where the guest's output goes (the VM console) */
  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  /** Input bytes not yet delivered to the guest. */
  get pendingInput(): number {
    return this.pending.length;
  }

  /** @inheritdoc */
  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** @inheritdoc */
  writeConfig(): void {
    // emerg_wr needs VIRTIO_CONSOLE_F_EMERG_WRITE, not offered.
  }

  /** @inheritdoc */
  activate(host: VirtioHost): void {
    this.host = host;
    if (this.pending.length > 0) host.kick(CONSOLE_RX_QUEUE);
  }

  /** @inheritdoc */
  input(bytes: Uint8Array): void {
    const room = CONSOLE_INPUT_LIMIT - this.pending.length;
    for (let i = 0; i < Math.min(room, bytes.length); i++) this.pending.push(bytes[i]);
    this.host?.kick(CONSOLE_RX_QUEUE);
  }

  /** @inheritdoc */
  processQueue(index: number): void {
    const host = this.host;
    const q = host?.queue(index);
    if (!host || !q) return;
    try {
      if (index === CONSOLE_TX_QUEUE) {
        for (let chain = q.pop(); chain; chain = q.pop()) {
          const out = readStream(host.memory, chain.readable, 0, chain.readableBytes);
          if (out.length > 0) this.sink(out);
          q.push(chain.head, 0);
        }
      } else if (index === CONSOLE_RX_QUEUE) {
        while (this.pending.length > 0) {
          const chain = q.pop();
          if (!chain) break;
          const n = Math.min(this.pending.length, chain.writableBytes);
          const written = writeStream(host.memory, chain.writable, 0, Uint8Array.from(this.pending.slice(0, n)));
          this.pending = this.pending.slice(n);
          q.push(chain.head, written);
        }
      }
    } finally {
      host.signalUsed(index);
    }
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
  }
}
