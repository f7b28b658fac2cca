/**
 * virtio entropy device (virtio 1.2 section 5.4), device id 4, one queue:
 *
 *   queue 0  requestq  the device fills device-writable buffers with random bytes
 *   No configuration space, no feature bits.
 *
 * Entropy comes from the host's crypto.randomFillSync; a seeded source makes runs
 * reproducible (tests, --clock icount comparisons).
 */
import { randomFillSync } from 'node:crypto';
import { writeStream } from '../queue/chain';
import { FeatureWords, VirtioDevice, VirtioDeviceId, VirtioHost, serviceQueue } from '../virtio-device';
import { num, obj, type Saved } from '../../../state/persist';

/** Queue size offered. */
export const RNG_QUEUE_SIZE = 64;
/** Most bytes given for one request (Linux asks for at most a page or so). */
export const RNG_MAX_REQUEST = 64 * 1024;

/** Fills a buffer with entropy. */
export type EntropySource = (buf: Uint8Array) => void;

/** The host's cryptographic random generator. */
export const hostEntropy: EntropySource = (buf) => {
  randomFillSync(buf);
};

/** A deterministic source (xorshift32 from `seed`): not random, for reproducible runs. */
export function seededEntropy(seed: number): EntropySource {
  let s = seed >>> 0 || 0x9e3779b9;
  return (buf) => {
    for (let i = 0; i < buf.length; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      buf[i] = s & 0xff;
    }
  };
}

/** A virtio-rng device. */
export class VirtioRng implements VirtioDevice {
  /** @inheritdoc */
  readonly kind = 'virtio-rng';
  /** @inheritdoc */
  readonly deviceId = VirtioDeviceId.ENTROPY;
  /** @inheritdoc */
  readonly queueMaxSizes = [RNG_QUEUE_SIZE];
  /** @inheritdoc */
  readonly features: FeatureWords = [0, 0];
  /** Bytes of entropy given to the guest. */
  bytesServed = 0;
  private host: VirtioHost | null = null;

  constructor(private readonly source: EntropySource = hostEntropy) {}

  /** @inheritdoc */
  readConfig(): number {
    return 0;
  }

  /** @inheritdoc */
  writeConfig(): void {}

  /** @inheritdoc */
  activate(host: VirtioHost): void {
    this.host = host;
  }

  /** @inheritdoc */
  processQueue(index: number): boolean {
    return serviceQueue(this.host, index, (chain, memory) => {
      const buf = new Uint8Array(Math.min(chain.writableBytes, RNG_MAX_REQUEST));
      this.source(buf);
      const n = writeStream(memory, chain.writable, 0, buf);
      this.bytesServed += n;
      return n;
    });
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
  }

  /** The bytes served so far (the requests complete at once: nothing is in flight). */
  save(): Saved {
    return { bytesServed: this.bytesServed };
  }

  /** Puts back `save`'s count. */
  restore(state: Saved): void {
    this.bytesServed = num(obj(state, 'virtio-rng').bytesServed, 'bytesServed');
  }
}
