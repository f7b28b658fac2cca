/**
 * virtio console (virtio 1.2 section 5.3), device id 3, a single port (no MULTIPORT):
 *
 *   queue 0  receiveq  port 0 input: the device fills device-writable buffers with typed bytes
 *   queue 1  transmitq port 0 output: the device reads device-readable buffers to the console
 *   Configuration space (struct virtio_console_config): +0 le16 cols, +2 le16 rows,
 *   +4 le32 max_nr_ports, +8 le32 emerg_wr (all meaningless without their features: zero).
 *   Features offered: none.
 *
 * Linux binds it to /dev/hvc0 (`console=hvc0`). Output is streamed to the sink in pieces of
 * at most CHUNK bytes, a bounded amount per service call, however large the guest's buffers
 * (a chain may cover all of RAM many times over); while the sink is full the device takes
 * no more output buffers and goes on when it drains. Input comes from the VM's bounded
 * ConsoleInput; bytes typed before the driver posts receive buffers wait there.
 */
import { ConsoleInput, type ConsoleInputReader } from '../../console-input';
import { callbackSink, type ConsoleSink } from '../../console-sink';
import { CHUNK, readStream, writeStream, type DescriptorChain } from '../queue/chain';
import type { SplitQueue } from '../queue/split-queue';
import { ConfigSpace, FeatureWords, SERVICE_CHAINS, VirtioDevice, VirtioDeviceId, VirtioHost } from '../virtio-device';
import { num, obj, StateError, type Saved } from '../../../state/persist';

/** Queue indices. */
export const CONSOLE_RX_QUEUE = 0;
/** Transmit queue index. */
export const CONSOLE_TX_QUEUE = 1;
/** Queue size offered. */
export const CONSOLE_QUEUE_SIZE = 128;
/** Most output bytes sent to the sink in one service call. */
export const CONSOLE_TX_ROUND_BYTES = 256 * 1024;

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
  private readonly sink: ConsoleSink;
  private readonly inputQueue: ConsoleInput;
  private readonly reader: ConsoleInputReader;
  private host: VirtioHost | null = null;
  /** The output chain being streamed and how far (it stays taken until sent whole). */
  private tx: { chain: DescriptorChain; offset: number } | null = null;
  private waitingForSink = false;

  /**
   * @param sink where the guest's output goes (a function: a sink that never fills)
   * @param input the VM's input queue (default: a queue of its own, fed by `input`)
   */
  constructor(sink: ConsoleSink | ((bytes: Uint8Array) => void), input: ConsoleInput = new ConsoleInput()) {
    this.sink = typeof sink === 'function' ? callbackSink(sink) : sink;
    this.inputQueue = input;
    this.reader = input.reader(() => this.host?.kick(CONSOLE_RX_QUEUE));
  }

  /** Input bytes not yet delivered to the guest. */
  get pendingInput(): number {
    return this.reader.available;
  }

  /** Queues bytes typed by the user; returns how many fit (see ConsoleInput.push). */
  input(bytes: Uint8Array): number {
    return this.inputQueue.push(bytes);
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
    if (this.reader.available > 0) host.kick(CONSOLE_RX_QUEUE);
  }

  /** @inheritdoc */
  processQueue(index: number): boolean {
    const host = this.host;
    const q = host?.queue(index);
    if (!host || !q) return false;
    try {
      if (index === CONSOLE_TX_QUEUE) return this.transmit(host, q);
      if (index === CONSOLE_RX_QUEUE) return this.receive(host, q);
      return false;
    } finally {
      host.signalUsed(index);
    }
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
    this.tx = null;
  }

  /** The output chain being streamed (its head and how far), for a snapshot. */
  save(): Saved {
    return { tx: this.tx ? { head: this.tx.chain.head, offset: this.tx.offset } : null };
  }

  /** Puts back `save`'s state: a partly sent output chain goes on from where it was. */
  restore(state: Saved): void {
    const s = obj(state, 'virtio-console');
    this.tx = null;
    this.waitingForSink = false;
    if (s.tx === null || s.tx === undefined) return;
    const tx = obj(s.tx, 'tx');
    const q = this.host?.queue(CONSOLE_TX_QUEUE);
    if (!q) throw new StateError('virtio-console: output in flight on a queue that is not live');
    this.tx = { chain: q.chainAt(num(tx.head, 'head')), offset: num(tx.offset, 'offset') };
  }

  /** Streams output chains to the sink, a bounded amount; true when more can go at once. */
  private transmit(host: VirtioHost, q: SplitQueue): boolean {
    if (this.waitingForSink) return false; // the drain kicks the queue again
    let bytes = 0;
    let chains = 0;
    while (bytes < CONSOLE_TX_ROUND_BYTES && chains < SERVICE_CHAINS) {
      if (!this.tx) {
        const chain = q.pop();
        if (!chain) return false;
        this.tx = { chain, offset: 0 };
      }
      const tx = this.tx;
      let more = true;
      if (tx.offset < tx.chain.readableBytes) {
        const piece = readStream(host.memory, tx.chain.readable, tx.offset, CHUNK);
        tx.offset += piece.length;
        bytes += piece.length;
        more = this.sink.write(piece);
      }
      if (tx.offset >= tx.chain.readableBytes) {
        q.push(tx.chain.head, 0); // all of it is with the sink
        this.tx = null;
        chains++;
      }
      if (!more) {
        this.waitForSink();
        return false;
      }
    }
    return this.tx !== null || q.available() > 0;
  }

  /** The sink is full: take no more output until it drains, then continue where we were. */
  private waitForSink(): void {
    this.waitingForSink = true;
    this.sink.onceDrained(() => {
      this.waitingForSink = false;
      this.host?.kick(CONSOLE_TX_QUEUE);
    });
  }

  /** Fills posted receive buffers with queued input; true when more can go at once. */
  private receive(host: VirtioHost, q: SplitQueue): boolean {
    for (let n = 0; n < SERVICE_CHAINS; n++) {
      if (this.reader.available === 0) return false;
      const chain = q.pop();
      if (!chain) return false;
      const bytes = this.reader.take(Math.min(chain.writableBytes, CHUNK));
      q.push(chain.head, writeStream(host.memory, chain.writable, 0, bytes));
    }
    return this.reader.available > 0 && q.available() > 0;
  }
}
