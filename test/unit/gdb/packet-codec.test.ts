/**
 * RSP framing (gdb manual appendix E, "Overview"): checksums, `}` escapes, run-length
 * encoding, acks, Ctrl-C, and input that is torn, corrupt or too long. The example packets
 * and checksums are gdb's own (`set debug remote 1` against QEMU 7.2: `$?#3f`, `$g#67`,
 * `$qOffsets#4b`, `$vMustReplyEmpty#3a`).
 */
import { strict as assert } from 'node:assert';
import {
  checksum, decodeBody, encodePacket, escapeBinary, fromHex, MAX_PACKET, RspDecoder, runLengthEncode, toHex,
} from '../../../hypervisor-core/gdb/packet-codec';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('gdb packet codec', () => {
  it('checksums packets as gdb does', () => {
    assert.equal(encodePacket('?'), '$?#3f');
    assert.equal(encodePacket('g'), '$g#67');
    assert.equal(encodePacket('qOffsets'), '$qOffsets#4b');
    assert.equal(encodePacket('vMustReplyEmpty'), '$vMustReplyEmpty#3a');
    assert.equal(checksum(''), 0);
  });

  it('escapes $ # } * in data and decodes them back', () => {
    const raw = 'a$b#c}d*e\u0003';
    const esc = escapeBinary(raw);
    assert.equal(esc, 'a}\u0004b}\u0003c}]d}\u000ae\u0003');
    assert.equal(decodeBody(esc), raw);
  });

  it('run-length encodes long runs, never with a count of # or $, and decodes them', () => {
    assert.equal(runLengthEncode('0000'), '0* ');          // gdb manual: "0* " is "0000"
    assert.equal(decodeBody('0* '), '0000');
    for (let n = 1; n < 300; n++) {
      const s = 'x' + '0'.repeat(n) + 'y';
      const enc = runLengthEncode(s);
      assert.ok(!/\*[#$+-]/.test(enc), `count char of ${n}`);
      assert.equal(decodeBody(enc), s, `run of ${n}`);
    }
  });

  it('decodes a stream split anywhere, with acks and Ctrl-C between packets', () => {
    const stream = bytes('+$?#3f\u0003-$m80200000,4#57+');
    const d = new RspDecoder();
    const events = [];
    for (const b of stream) events.push(...d.feed(Uint8Array.of(b))); // one byte at a time
    assert.deepEqual(events, [
      { kind: 'ack' }, { kind: 'packet', payload: '?' }, { kind: 'interrupt' }, { kind: 'nack' },
      { kind: 'packet', payload: 'm80200000,4' }, { kind: 'ack' },
    ]);
  });

  it('reports a bad checksum or non-hex checksum instead of a packet', () => {
    const d = new RspDecoder();
    assert.deepEqual(d.feed(bytes('$?#40$g#zz$g#67')), [{ kind: 'bad-checksum' }, { kind: 'bad-checksum' }, { kind: 'packet', payload: 'g' }]);
  });

  it('reports a dangling escape or a run-length without a character as malformed', () => {
    const d = new RspDecoder();
    const pkt = (body: string) => `$${body}#${checksum(body).toString(16).padStart(2, '0')}`;
    assert.deepEqual(d.feed(bytes(pkt('X0,1:}') + pkt('*!'))), [{ kind: 'malformed' }, { kind: 'malformed' }]);
  });

  it('drops an over-long packet whole, holding a bounded buffer, and reads the next one', () => {
    const d = new RspDecoder();
    const huge = 'M0,1:' + '0'.repeat(10 * MAX_PACKET);
    const events = d.feed(bytes(`$${huge}#${checksum(huge).toString(16).padStart(2, '0')}$g#67`));
    assert.deepEqual(events, [{ kind: 'overflow' }, { kind: 'packet', payload: 'g' }]);
  });

  it('restarts on a $ inside a torn packet and ignores line noise between packets', () => {
    const d = new RspDecoder();
    assert.deepEqual(d.feed(bytes('garbage$qC$g#67')), [{ kind: 'packet', payload: 'g' }]);
  });

  it('converts hex both ways and refuses odd or non-hex input', () => {
    assert.equal(toHex('help'), '68656c70');
    assert.equal(fromHex('68656c70'), 'help');
    assert.equal(fromHex('686'), undefined);
    assert.equal(fromHex('zz'), undefined);
  });
});
