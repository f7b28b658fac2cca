/**
 * The adapter reads past a client's framing mistakes (written byte by byte with a raw
 * client): a message that is not JSON, a Content-Length too short or too long, a header
 * without a length, garbage between messages. Each is answered (when it still names its
 * request) or told in the debug console, and the next valid request gets its response.
 */
import { strict as assert } from 'node:assert';
import { RawDapClient, frame } from './raw-client';
import { sample } from './dap-helpers';

const INIT = { adapterID: 'hyperscope', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true };

describe('debug adapter: malformed input from the client', function () {
  this.timeout(20_000);
  let c: RawDapClient;

  beforeEach(() => { c = RawDapClient.spawn(); });
  afterEach(() => c.close());

  /** A valid request still gets its response, and the adapter lives. */
  async function stillAnswers(): Promise<void> {
    const r = await c.request('initialize', INIT);
    assert.equal(r.success, true);
    assert.equal(r.body?.supportsConfigurationDoneRequest, true);
    assert.ok(c.alive, 'the adapter exited');
  }

  it('answers a request that is not JSON with an error, then goes on', async () => {
    const seq = c.nextSeq();
    c.write(frame(`{"seq":${seq},"type":"request","command":"evaluate","arguments":{"expression":"1+1"`)); // no closing braces
    const r = await c.waitFor((m) => m.type === 'response' && m.request_seq === seq, 5000, 'the error response');
    assert.equal(r.success, false);
    assert.match(r.message ?? '', /^malformed request: a message that is not JSON/);
    await stillAnswers();
  });

  it('tells in the debug console about JSON it cannot attribute, then goes on', async () => {
    c.write(frame('this is not json'));
    await c.waitForOutput(/hyperscope: ignored from the client: a message that is not JSON/, 5000);
    c.write(frame('[1, 2, 3]'));
    await c.waitForOutput(/not a JSON object/, 5000);
    await stillAnswers();
  });

  it('gets past a Content-Length that is too short', async () => {
    const seq = c.nextSeq();
    const json = JSON.stringify({ seq, type: 'request', command: 'threads' });
    c.write(`Content-Length: ${Buffer.byteLength(json) - 5}\r\n\r\n${json}`);
    // The rest of the message came before anything else: it is read whole, and the mistake told.
    const r = await c.waitFor((m) => m.type === 'response' && m.request_seq === seq, 5000, 'the response');
    assert.equal(r.success, true);
    await c.waitForOutput(/Content-Length \d+ is wrong/, 5000);
    await stillAnswers();
  });

  it('gets past a Content-Length that is too long, without waiting for bytes that never come', async () => {
    const seq = c.nextSeq();
    const json = JSON.stringify({ seq, type: 'request', command: 'initialize', arguments: INIT });
    const seq2 = c.nextSeq();
    const json2 = JSON.stringify({ seq: seq2, type: 'request', command: 'threads' });
    // The first header claims 200 bytes more than its message: they are the next message.
    c.write(`Content-Length: ${Buffer.byteLength(json) + 200}\r\n\r\n${json}${frame(json2)}`);
    const [r1, r2] = await Promise.all([
      c.waitFor((m) => m.type === 'response' && m.request_seq === seq, 5000, 'response 1'),
      c.waitFor((m) => m.type === 'response' && m.request_seq === seq2, 5000, 'response 2'),
    ]);
    assert.equal(r1.success, true);
    assert.equal(r2.success, true);
    await c.waitForOutput(/Content-Length \d+ is wrong/, 5000);
  });

  it('skips garbage, a header without a length and an oversized message, and resynchronises on the next header', async () => {
    c.write('hello adapter\r\n\r\n');
    await c.waitForOutput(/without a valid Content-Length/, 5000);
    c.write('Content-Length: lots\r\n\r\n{}');
    c.write(`Content-Length: ${64 * 1024 * 1024}\r\n\r\n{"seq": 1, "type": "request"`);
    await c.waitForOutput(/refused/, 5000);
    c.write('x'.repeat(5000));
    await stillAnswers();
    // Then a full conversation works.
    await c.launch({ program: sample('hello'), stopOnEntry: true });
    await c.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10_000, 'the entry stop');
    const st = await c.request('stackTrace', { threadId: 1 });
    assert.equal(st.success, true);
  });

  it('answers a request without arguments object, or with a wrong one, with one line', async () => {
    await stillAnswers();
    const seq = c.nextSeq();
    c.write(frame(JSON.stringify({ seq, type: 'request', command: 'evaluate', arguments: 'x' })));
    const r = await c.waitFor((m) => m.type === 'response' && m.request_seq === seq, 5000, 'the error response');
    assert.match(r.message ?? '', /^evaluate: arguments must be an object/);
    const init = await c.request('initialize');
    assert.equal(init.success, false);
    assert.doesNotMatch(init.message ?? '', /\n/);
  });
});
