/**
 * The virtio console streams output in bounded pieces (a chain may cover all of RAM many
 * times over: 16 descriptors each covering all of RAM once made a 2.3 GB host buffer) and
 * stops taking output buffers while the host sink is full.
 */
import { strict as assert } from 'node:assert';
import type { ConsoleSink } from '../../../../hypervisor-core/devices/console-sink';
import { CONSOLE_TX_ROUND_BYTES, VirtioConsole } from '../../../../hypervisor-core/devices/virtio/console/device';
import { CHUNK } from '../../../../hypervisor-core/devices/virtio/queue/chain';
import { FakeDriver, RAM_BASE, RAM_SIZE } from './fake-driver';

/** A sink that records piece sizes and is full whenever `full` says so. */
class TestSink implements ConsoleSink {
  pieces: number[] = [];
  full = false;
  private drained: (() => void)[] = [];
  write(b: Uint8Array): boolean {
    this.pieces.push(b.length);
    return !this.full;
  }
  onceDrained(l: () => void): void {
    this.drained.push(l);
  }
  drain(): void {
    this.full = false;
    const ls = this.drained;
    this.drained = [];
    ls.forEach((l) => l());
  }
  get total(): number {
    return this.pieces.reduce((a, b) => a + b, 0);
  }
}

describe('virtio console output: bounded pieces, back-pressure', () => {
  it('16 descriptors each covering all of RAM: streamed in pieces of at most CHUNK, a bounded amount per service call', () => {
    const sink = new TestSink();
    const d = new FakeDriver(new VirtioConsole(sink));
    d.start(2, 16);
    d.addChain(1, Array.from({ length: 16 }, () => ({ addr: RAM_BASE, len: RAM_SIZE })));
    assert.ok(sink.total <= CONSOLE_TX_ROUND_BYTES, `${sink.total} bytes in one notify`);
    assert.equal(d.transport.hasPendingWork, true);
    let rounds = 1;
    while (d.transport.hasPendingWork) {
      const before = sink.total;
      d.transport.service();
      assert.ok(sink.total - before <= CONSOLE_TX_ROUND_BYTES);
      rounds++;
    }
    assert.equal(sink.total, 16 * RAM_SIZE);
    assert.ok(Math.max(...sink.pieces) <= CHUNK);
    assert.equal(rounds, (16 * RAM_SIZE) / CONSOLE_TX_ROUND_BYTES);
    assert.deepEqual(d.takeUsed(1), [{ id: 0, len: 0 }], 'the buffer goes back once sent whole');
  });

  it('takes no more output while the sink is full, and continues where it was once it drains', () => {
    const sink = new TestSink();
    sink.full = true;
    const d = new FakeDriver(new VirtioConsole(sink));
    d.start(2, 16);
    const text = d.alloc(3 * CHUNK, new Uint8Array(3 * CHUNK).fill(0x41));
    d.addChain(1, [{ addr: text, len: 3 * CHUNK }]);
    assert.deepEqual(sink.pieces, [CHUNK], 'one piece, then the sink said it was full');
    assert.equal(d.transport.hasPendingWork, false, 'nothing to do until the sink drains');
    d.addChain(1, [{ addr: text, len: 5 }]);
    assert.deepEqual(sink.pieces, [CHUNK], 'a notify while the sink is full takes nothing');
    assert.deepEqual(d.takeUsed(1), []);
    sink.drain();
    assert.deepEqual(sink.pieces, [CHUNK, CHUNK, CHUNK, 5]);
    assert.deepEqual(d.takeUsed(1).map((u) => u.id), [0, 1]);
  });
});
