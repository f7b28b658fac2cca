/** stdin reaches the guest through the bounded input queue, paused while it is full. */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { attachStdin } from '../../hypervisor-core/cli/console-io';
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
