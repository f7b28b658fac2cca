/** A test virtio device that records every chain it is given and fills writable bytes. */
import type { DescriptorChain } from '../../../../hypervisor-core/devices/virtio/queue/chain';
import { writeStream } from '../../../../hypervisor-core/devices/virtio/queue/chain';
import { ConfigSpace, FeatureWords, VirtioDevice, VirtioHost } from '../../../../hypervisor-core/devices/virtio/virtio-device';

/** Records chains; answers each with its writable bytes set to 0xaa. */
export class RecordingDevice implements VirtioDevice {
  readonly kind = 'virtio-test';
  readonly deviceId = 0x2a;
  readonly features: FeatureWords;
  readonly queueMaxSizes: number[];
  readonly chains: DescriptorChain[] = [];
  readonly config = new ConfigSpace(8);
  resets = 0;
  activations = 0;
  host: VirtioHost | null = null;

  constructor(queues = 1, maxSize = 16, features: FeatureWords = [1 << 3, 0]) {
    this.queueMaxSizes = new Array(queues).fill(maxSize);
    this.features = features;
    this.config.setU32(0, 0x11223344);
    this.config.setU32(4, 0x55667788);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }
  writeConfig(): void {}
  activate(host: VirtioHost): void {
    this.host = host;
    this.activations++;
  }
  processQueue(index: number): boolean {
    const q = this.host!.queue(index)!;
    for (let c = q.pop(); c; c = q.pop()) {
      this.chains.push(c);
      const n = writeStream(this.host!.memory, c.writable, 0, new Uint8Array(c.writableBytes).fill(0xaa));
      q.push(c.head, n);
    }
    this.host!.signalUsed(index);
    return false;
  }
  reset(): void {
    this.host = null;
    this.resets++;
  }
}
