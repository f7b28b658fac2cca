import { strict as assert } from 'node:assert';
import { MAC_TABLE_SIZE, VirtualSwitch, type SwitchEndpoint } from '../../../hypervisor-core/net/switch';
import { formatMac, parseMac, type Mac } from '../../../hypervisor-core/net/ethernet';

/** An endpoint that records what it receives; `room` frames at most. */
class Station implements SwitchEndpoint {
  readonly got: Uint8Array[] = [];
  readonly macs: Mac[];
  constructor(readonly name: string, mac: string | null, public room = Infinity) {
    this.macs = mac ? [parseMac(mac)] : [];
  }
  deliver(frame: Uint8Array): boolean {
    if (this.got.length >= this.room) return false;
    this.got.push(frame);
    return true;
  }
}

function frame(dst: number[] | string, src: string, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.set(typeof dst === 'string' ? parseMac(dst) : dst, 0);
  f.set(parseMac(src), 6);
  return f;
}

const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

describe('virtual switch', () => {
  it('learns a source MAC on its port and forwards unicast only there (IEEE 802.1D learning)', () => {
    const sw = new VirtualSwitch('s');
    const a = new Station('a', '52:54:00:00:00:01');
    const b = new Station('b', null); // owns no MAC: learnt from what it sends
    const c = new Station('c', '52:54:00:00:00:03');
    const [pa, pb] = [sw.attach(a), sw.attach(b), sw.attach(c)];
    pa.send(frame('02:00:00:00:00:02', '52:54:00:00:00:01'));
    assert.equal(b.got.length + c.got.length, 0, 'unknown unicast is not flooded');
    pb.send(frame(BCAST, '02:00:00:00:00:02'));
    assert.deepEqual([a.got.length, b.got.length, c.got.length], [1, 0, 1], 'a broadcast goes to every other port');
    pa.send(frame('02:00:00:00:00:02', '52:54:00:00:00:01'));
    assert.deepEqual([b.got.length, c.got.length], [1, 1], 'learnt: only b');
    assert.deepEqual(sw.report().macTable.find((e) => e.mac === '02:00:00:00:00:02'), { mac: '02:00:00:00:00:02', port: pb.index });
  });

  it('multicast goes to every other port, like broadcast', () => {
    const sw = new VirtualSwitch('s');
    const a = new Station('a', '52:54:00:00:00:01');
    const b = new Station('b', '52:54:00:00:00:02');
    const pa = sw.attach(a);
    sw.attach(b);
    pa.send(frame([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], '52:54:00:00:00:01'));
    assert.equal(b.got.length, 1);
  });

  it('a MAC a port owns cannot be taken over by another port sending with it', () => {
    const sw = new VirtualSwitch('s');
    const a = new Station('a', '52:54:00:00:00:01');
    const evil = new Station('evil', '52:54:00:00:00:66');
    const c = new Station('c', '52:54:00:00:00:03');
    sw.attach(a);
    const pe = sw.attach(evil);
    const pc = sw.attach(c);
    pe.send(frame('52:54:00:00:00:03', '52:54:00:00:00:01')); // spoofs a's address
    pc.send(frame('52:54:00:00:00:01', '52:54:00:00:00:03'));
    assert.equal(a.got.length, 1, 'the reply still reaches a');
    assert.equal(evil.got.length, 0);
    assert.throws(() => sw.attach(new Station('dup', '52:54:00:00:00:01')), /already on switch s/);
  });

  it('drops and counts runts, oversized frames and frames a full receiver cannot take', () => {
    const sw = new VirtualSwitch('s');
    const a = new Station('a', '52:54:00:00:00:01');
    const b = new Station('b', '52:54:00:00:00:02', 1);
    const pa = sw.attach(a);
    const pb = sw.attach(b);
    pa.send(new Uint8Array(13));
    pa.send(frame('52:54:00:00:00:02', '52:54:00:00:00:01', 1519));
    pa.send(frame('52:54:00:00:00:02', '52:54:00:00:00:01', 1518));
    pa.send(frame('52:54:00:00:00:02', '52:54:00:00:00:01', 60));
    assert.equal(pa.counters.rxMalformed, 2);
    assert.deepEqual([pb.counters.txFrames, pb.counters.txBytes, pb.counters.txDropped], [1, 1518, 1]);
  });

  it('remembers at most MAC_TABLE_SIZE addresses, forgetting the oldest learnt first', () => {
    const sw = new VirtualSwitch('s');
    const a = new Station('a', '52:54:00:00:00:01');
    const b = new Station('b', null);
    sw.attach(a);
    const pb = sw.attach(b);
    for (let i = 0; i < MAC_TABLE_SIZE + 100; i++) {
      const mac = `02:00:00:00:${formatMac(Uint8Array.of(0, 0, 0, 0, i >> 8, i & 0xff)).slice(12)}`;
      pb.send(frame(BCAST, mac));
    }
    const table = sw.report().macTable;
    assert.equal(table.length, MAC_TABLE_SIZE);
    assert.ok(table.some((e) => e.mac === '52:54:00:00:00:01'), 'owned MACs stay');
    assert.ok(!table.some((e) => e.mac === '02:00:00:00:00:00'), 'the oldest learnt is gone');
  });

  it('a detached port gets nothing and its MACs are forgotten', () => {
    const sw = new VirtualSwitch('s');
    const a = new Station('a', '52:54:00:00:00:01');
    const b = new Station('b', '52:54:00:00:00:02');
    const pa = sw.attach(a);
    const pb = sw.attach(b);
    pb.detach();
    pa.send(frame(BCAST, '52:54:00:00:00:01'));
    assert.equal(b.got.length, 0);
    assert.ok(!sw.report().macTable.some((e) => e.mac === '52:54:00:00:00:02'));
    assert.doesNotThrow(() => sw.attach(new Station('b2', '52:54:00:00:00:02')));
  });
});
