import { strict as assert } from 'node:assert';
import { ConsoleInput } from '../../../hypervisor-core/devices/console-input';

const bytes = (...b: number[]) => Uint8Array.from(b);
const microtask = () => new Promise<void>((r) => queueMicrotask(r));

describe('ConsoleInput (bounded input queue with back-pressure)', () => {
  it('takes what fits and says how much; nothing is stored past the capacity', () => {
    const q = new ConsoleInput(4);
    const r = q.reader();
    assert.equal(q.push(bytes(1, 2, 3)), 3);
    assert.equal(q.push(bytes(4, 5, 6)), 1);
    assert.equal(q.room, 0);
    assert.deepEqual([...r.take(10)], [1, 2, 3, 4]);
    assert.equal(r.read(), -1);
  });

  it('every reader sees every byte from its own position', () => {
    const q = new ConsoleInput(8);
    const a = q.reader(), b = q.reader();
    q.push(bytes(7, 8, 9));
    assert.deepEqual([a.read(), a.read()], [7, 8]);
    assert.deepEqual([...b.take(3)], [7, 8, 9]);
    assert.equal(a.available, 1);
  });

  it('room is measured from the furthest reader; one that never reads loses the oldest bytes (overrun)', () => {
    const q = new ConsoleInput(4);
    const reading = q.reader(), idle = q.reader();
    q.push(bytes(1, 2, 3, 4));
    reading.take(4);
    assert.equal(q.room, 4, 'the reader the guest uses drained it');
    q.push(bytes(5, 6));
    assert.equal(idle.available, 4);
    assert.deepEqual([...idle.take(4)], [3, 4, 5, 6]);
  });

  it('tells the writer to go on once the queue drained to half, from a microtask, once', async () => {
    const q = new ConsoleInput(8);
    const r = q.reader();
    let drains = 0;
    q.onDrain(() => drains++);
    q.push(new Uint8Array(10));
    r.take(2);
    await microtask();
    assert.equal(drains, 0, 'still more than half full');
    r.take(2);
    assert.equal(drains, 0, 'not inside the read');
    await microtask();
    assert.equal(drains, 1);
    r.take(4);
    await microtask();
    assert.equal(drains, 1, 'no push came up short since');
  });

  it('calls a reader back when bytes arrive', () => {
    const q = new ConsoleInput();
    let calls = 0;
    q.reader(() => calls++);
    q.push(bytes(1));
    q.push(new Uint8Array(0));
    assert.equal(calls, 1);
  });
});
