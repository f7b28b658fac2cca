/**
 * stdin reaches the guest through the bounded input queue, paused while it is full; the guest's
 * output reaches stdout in order, gathered into few writes, with the stream's back-pressure.
 */
import { strict as assert } from 'node:assert';
import { PassThrough, Writable } from 'node:stream';
import { attachStdin, StdoutSink } from '../../hypervisor-core/cli/console-io';
import { ConsoleInput } from '../../hypervisor-core/devices/console-input';

const tick = () => new Promise((r) => setImmediate(r));

describe('CLI stdin forwarding (back-pressure)', () => {
  it('pauses stdin while the input queue is full and resumes when the guest drained it; nothing lost', async () => {
    const stdin = new PassThrough();
    const input = new ConsoleInput(16);
    const guest = input.reader();
    const link = attachStdin(() => input, () => undefined, stdin);
    const sent = Uint8Array.from({ length: 100 }, (_, i) => i);
    stdin.write(sent);
    await tick();
    assert.equal(input.queued, 16, 'the queue holds its capacity, no more');
    assert.equal(stdin.isPaused(), true);
    const got: number[] = [];
    for (let i = 0; i < 100 && got.length < 100; i++) {
      got.push(...guest.take(5));
      await tick();
      assert.ok(input.queued <= 16);
    }
    assert.deepEqual(got, [...sent]);
    assert.equal(stdin.isPaused(), false, 'reading again');
    link.detach();
  });
});

/** A stream that records each write; `accept` says what write returns (false: full until `drain()`). */
class Recorder extends Writable {
  readonly chunks: Buffer[] = [];
  accept = true;
  constructor() {
    super({ highWaterMark: 1 << 30 });
  }
  override write(chunk: string | Uint8Array): boolean {
    this.chunks.push(Buffer.from(chunk));
    return this.accept;
  }
  drain(): void {
    this.accept = true;
    this.emit('drain');
  }
}

describe('CLI stdout (the guest console)', () => {
  it('gathers the bytes written one at a time into one write, in order, once the caller yields', async () => {
    const out = new Recorder();
    const sink = new StdoutSink(() => assert.fail('no error'), out);
    const text = 'Hello from a guest\n';
    for (const b of Buffer.from(text)) assert.equal(sink.write(Uint8Array.of(b)), true);
    assert.equal(out.chunks.length, 0, 'nothing written while the batch runs');
    await tick();
    assert.deepEqual(out.chunks.map((c) => c.toString()), [text]);
  });

  it('writes at flush(), and writes nothing for an empty flush', () => {
    const out = new Recorder();
    const sink = new StdoutSink(() => assert.fail('no error'), out);
    sink.write(Uint8Array.of(0x61, 0x62));
    sink.flush();
    sink.flush();
    assert.deepEqual(out.chunks.map((c) => c.toString()), ['ab']);
  });

  it('writes bulk output at once, and passes the stream being full back to the device until it drains', async () => {
    const out = new Recorder();
    const sink = new StdoutSink(() => assert.fail('no error'), out);
    out.accept = false;
    const piece = new Uint8Array(256 * 1024).fill(0x78);
    assert.equal(sink.write(piece), false, 'the stream took the piece and is full');
    assert.equal(out.chunks.length, 1);
    assert.equal(out.chunks[0].length, piece.length);
    let drained = false;
    sink.onceDrained(() => { drained = true; });
    await tick();
    assert.equal(drained, false, 'still full');
    out.drain();
    assert.equal(drained, true);
    assert.equal(sink.write(Uint8Array.of(0x79)), true);
  });

  it('drops output after the reader went away (EPIPE), reporting it once', async () => {
    const out = new Recorder();
    const closed: (string | null)[] = [];
    const sink = new StdoutSink((code) => closed.push(code), out);
    sink.write(Uint8Array.of(0x61));
    out.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
    out.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
    sink.write(Uint8Array.of(0x62));
    await tick();
    sink.flush();
    assert.deepEqual(closed, [null]);
    assert.equal(out.chunks.length, 0, 'nothing written after the error');
  });
});
