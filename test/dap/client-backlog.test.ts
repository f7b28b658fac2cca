/** ClientBacklog on a fake output stream: output dropped past the soft limit and counted, a cut past the hard one. */
import { strict as assert } from 'node:assert';
import { ClientBacklog, HARD_BACKLOG_BYTES, SOFT_BACKLOG_BYTES } from '../../debug-adapter/client-backlog';

describe('ClientBacklog', () => {
  it('drops output and statistics past the soft limit, then says how many once the client catches up', () => {
    const out = { writableLength: 0 };
    const b = new ClientBacklog(out);
    assert.deepEqual(b.admit(true), { send: true });
    out.writableLength = SOFT_BACKLOG_BYTES + 1;
    assert.deepEqual(b.admit(true), { send: false });
    assert.deepEqual(b.admit(true), { send: false });
    assert.deepEqual(b.admit(false), { send: true }); // a stopped event, a response: never dropped
    out.writableLength = 0;
    const next = b.admit(true);
    assert.equal(next.send, true);
    assert.match(next.note ?? '', /^hyperscope: 2 output and statistics events were dropped while the client was not reading\n$/);
    assert.deepEqual(b.admit(true), { send: true });
  });

  it('overflows once past the hard limit, and sends nothing after', () => {
    const out = { writableLength: HARD_BACKLOG_BYTES };
    const b = new ClientBacklog(out);
    assert.equal(b.overflowed(), false);
    out.writableLength++;
    assert.equal(b.overflowed(), true);
    assert.equal(b.overflowed(), false);
    assert.equal(b.cutOff, true);
    assert.deepEqual(b.admit(false), { send: false });
  });
});
