import { strict as assert } from 'node:assert';
import { decodeTohost, encodeTohost, fromhostReply } from '../../../hypervisor-core/devices/htif';

describe('HTIF tohost', () => {
  it('decodes pass, fail with code, and nothing written', () => {
    assert.equal(decodeTohost(0, 0), undefined);
    assert.deepEqual(decodeTohost(1, 0), { kind: 'exit', code: 0 });
    assert.deepEqual(decodeTohost((42 << 1) | 1, 0), { kind: 'exit', code: 42 });
    assert.deepEqual(decodeTohost(0xffffffff, 0x0000ffff), { kind: 'exit', code: 2 ** 47 - 1 });
  });

  it('decodes console putchar (device 1, command 1)', () => {
    const t = encodeTohost(1, 1, 0x41);
    assert.deepEqual(t, { lo: 0x41, hi: 0x01010000 });
    assert.deepEqual(decodeTohost(t.lo, t.hi), { kind: 'putchar', char: 0x41 });
    assert.deepEqual(decodeTohost(0x1234, 0x01000000), { kind: 'getchar' });
    assert.deepEqual(fromhostReply(1, 1, 0), { lo: 0, hi: 0x01010000 });
  });

  it('reports other commands as unknown (e.g. proxy-kernel syscalls)', () => {
    assert.deepEqual(decodeTohost(0x80001000, 0), { kind: 'unknown', device: 0, command: 0, payloadLo: 0x80001000, payloadHi: 0 });
  });
});
