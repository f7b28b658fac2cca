import { strict as assert } from 'node:assert';
import { MmioBus } from '../../../hypervisor-core/bus/mmio-bus';
import type { MmioDevice } from '../../../hypervisor-core/bus/device';

/** A RAM-like device that logs its accesses. */
class LogDevice implements MmioDevice {
  readonly log: string[] = [];
  private readonly mem: Uint8Array;
  constructor(readonly name: string, size: number) {
    this.mem = new Uint8Array(size);
  }
  read(offset: number, size: 1 | 2 | 4): number {
    this.log.push(`r${size}@${offset}`);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.mem[offset + i];
    return v;
  }
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.log.push(`w${size}@${offset}=${value.toString(16)}`);
    for (let i = 0; i < size; i++) this.mem[offset + i] = (value >>> (8 * i)) & 0xff;
  }
}

describe('MmioBus', () => {
  it('finds devices by address and gives offsets', () => {
    const bus = new MmioBus();
    const a = new LogDevice('a', 0x100);
    const b = new LogDevice('b', 0x1000);
    bus.add(0x10001000, 0x1000, b);
    bus.add(0x10000000, 0x100, a);
    assert.deepEqual(bus.lookup(0x10000004, 1), { device: a, offset: 4 });
    assert.deepEqual(bus.lookup(0x10001ffc, 4), { device: b, offset: 0xffc });
    assert.equal(bus.lookup(0x10000100, 1), undefined); // hole between devices
    assert.equal(bus.lookup(0x0fffffff, 1), undefined);
    assert.deepEqual(bus.ranges().map((r) => r.device.name), ['a', 'b']);
  });

  it('refuses overlapping ranges with a clear error', () => {
    const bus = new MmioBus();
    bus.add(0x1000, 0x100, new LogDevice('uart', 0x100));
    assert.throws(() => bus.add(0x10ff, 0x10, new LogDevice('x', 0x10)), /overlaps uart/);
    assert.throws(() => bus.add(0xff0, 0x11, new LogDevice('y', 0x11)), /overlaps uart/);
    assert.throws(() => bus.add(0x0, 0x10000, new LogDevice('z', 0x10000)), /overlaps uart/);
    assert.throws(() => bus.add(0x2000, 0, new LogDevice('e', 0)), /invalid MMIO range/);
    bus.add(0x1100, 0x100, new LogDevice('adjacent', 0x100)); // touching is fine
    bus.add(0xf00, 0x100, new LogDevice('below', 0x100));
  });

  it('refuses accesses that straddle the end of a device', () => {
    const bus = new MmioBus();
    const a = new LogDevice('a', 0x10);
    bus.add(0x100, 0x10, a);
    bus.add(0x110, 0x10, new LogDevice('b', 0x10));
    assert.equal(bus.lookup(0x10e, 4), undefined);
    assert.equal(bus.read(0x10c, 8), undefined);
    assert.equal(bus.write(0x10f, 2, 0xffff), false);
    assert.deepEqual(a.log, []);
    assert.equal(bus.read(0x10c, 4), 0);
  });

  it('splits 8-byte accesses into two 4-byte accesses, low word first', () => {
    const bus = new MmioBus();
    const d = new LogDevice('d', 0x100);
    bus.add(0x4000, 0x100, d);
    assert.equal(bus.write(0x4008, 8, 0x89abcdef, 0x01234567), true);
    assert.deepEqual(d.log, ['w4@8=89abcdef', 'w4@12=1234567']);
    d.log.length = 0;
    assert.equal(bus.read(0x4008, 8), 0x89abcdef);
    assert.equal(bus.hi, 0x01234567);
    assert.deepEqual(d.log, ['r4@8', 'r4@12']);
    assert.equal(bus.read(0x4008, 2), 0xcdef);
    assert.equal(bus.hi, 0);
  });

  it('returns undefined / false where nothing answers', () => {
    const bus = new MmioBus();
    assert.equal(bus.read(0x1234, 4), undefined);
    assert.equal(bus.write(0x1234, 4, 1), false);
  });

  it('looks up correctly among many ranges', () => {
    const bus = new MmioBus();
    const devs: LogDevice[] = [];
    for (let i = 99; i >= 0; i--) {
      const d = new LogDevice(`d${i}`, 0x10);
      devs[i] = d;
      bus.add(0x1000 + i * 0x20, 0x10, d);
    }
    for (let i = 0; i < 100; i++) {
      assert.equal(bus.lookup(0x1000 + i * 0x20 + 0xf, 1)?.device, devs[i]);
      assert.equal(bus.lookup(0x1000 + i * 0x20 + 0x10, 1), undefined);
    }
  });
});

describe('MmioBus: the last range found', () => {
  it('alternating accesses to two devices and to a hole reach the right one each time', () => {
    const bus = new MmioBus();
    const seen: string[] = [];
    const dev = (name: string) => ({ name, read: (off: number) => { seen.push(`${name}@${off}`); return 7; }, write: () => undefined });
    bus.add(0x1000, 0x100, dev('a'));
    bus.add(0x3000, 0x100, dev('b'));
    for (const addr of [0x1004, 0x3008, 0x1004, 0x2000, 0x3008, 0x10fc]) bus.read(addr, 4);
    assert.deepEqual(seen, ['a@4', 'b@8', 'a@4', 'b@8', 'a@252']);
    assert.equal(bus.read(0x2000, 4), undefined, 'the hole between them answers nothing');
    assert.equal(bus.read(0x10fe, 4), undefined, 'an access running past a device is refused even when its range was the last found');
  });
});
