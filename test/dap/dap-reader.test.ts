/** DapReader on its own: messages split anywhere, wrong lengths and garbage, with bounded memory. */
import { strict as assert } from 'node:assert';
import { DapReader, MAX_HEADER_BYTES, ReadProblem } from '../../debug-adapter/dap-reader';

function reader(): { r: DapReader; messages: Record<string, unknown>[]; problems: ReadProblem[] } {
  const messages: Record<string, unknown>[] = [];
  const problems: ReadProblem[] = [];
  return { r: new DapReader((m) => messages.push(m), (p) => problems.push(p)), messages, problems };
}
const framed = (o: unknown): string => { const j = JSON.stringify(o); return `Content-Length: ${Buffer.byteLength(j)}\r\n\r\n${j}`; };
const req = (seq: number, command = 'threads') => ({ seq, type: 'request', command });

describe('DapReader', () => {
  it('reads messages split at every byte, with other headers and UTF-8', () => {
    const { r, messages, problems } = reader();
    const text = `Content-Type: application/json\r\n${framed({ ...req(1, 'evaluate'), arguments: { expression: 'é ✓' } })}${framed(req(2))}`;
    for (const b of Buffer.from(text)) r.push(Buffer.of(b));
    assert.deepEqual(messages.map((m) => m.seq), [1, 2]);
    assert.deepEqual(problems, []);
  });

  it('names the request of a body that is not JSON, so it can be answered', () => {
    const { r, messages, problems } = reader();
    const cut = '{"seq":7,"type":"request","command":"ne';
    r.push(Buffer.from(`Content-Length: ${cut.length}\r\n\r\n${cut}`));
    r.push(Buffer.from(framed(req(8))));
    assert.deepEqual(messages.map((m) => m.seq), [8]);
    assert.ok(problems.length === 1, String(problems.length));
    assert.equal(problems[0].seq, undefined); // the command is cut: not named
    const b = reader();
    const named = '{"seq":7,"type":"request","command":"next","ar';
    b.r.push(Buffer.from(`Content-Length: ${named.length}\r\n\r\n${named}`));
    assert.deepEqual([b.problems[0].seq, b.problems[0].command], [7, 'next']);
  });

  it('reads the rest of a message whose length is too short up to the next header', () => {
    const { r, messages, problems } = reader();
    const j = JSON.stringify({ ...req(1, 'evaluate'), arguments: { expression: '$a0' } });
    r.push(Buffer.from(`Content-Length: ${j.length - 7}\r\n\r\n${j}${framed(req(2))}`));
    assert.deepEqual(messages.map((m) => m.seq), [1, 2]);
    assert.match(problems[0].text, /Content-Length \d+ is wrong: the message has \d+ bytes/);
    assert.ok(problems.length === 1, String(problems.length));
  });

  it('ends a message where the next header starts when its length is too long', () => {
    const { r, messages, problems } = reader();
    const j = JSON.stringify(req(1));
    r.push(Buffer.from(`Content-Length: ${j.length + 1000}\r\n\r\n${j}`));
    assert.ok(messages.length === 0, "could still be one long message");
    r.push(Buffer.from(framed(req(2))));
    assert.deepEqual(messages.map((m) => m.seq), [1, 2]);
    assert.match(problems[0].text, /is wrong: the message ends after \d+ bytes/);
  });

  it('does not take "Content-Length:" inside a JSON string for a header', () => {
    const { r, messages, problems } = reader();
    r.push(Buffer.from(framed({ ...req(1, 'evaluate'), arguments: { expression: 'Content-Length: 12\\r\\n\\r\\n' } })));
    assert.deepEqual(messages.map((m) => m.seq), [1]);
    assert.deepEqual(problems, []);
  });

  it('keeps memory bounded on endless garbage, and finds the next header', () => {
    const { r, messages, problems } = reader();
    for (let i = 0; i < 100; i++) r.push(Buffer.alloc(10_000, 0x61));
    assert.ok((r as unknown as { buf: Buffer }).buf.length <= MAX_HEADER_BYTES + 10_000);
    assert.ok(problems.length === 1, `${problems.length} reports for one run of garbage`);
    r.push(Buffer.from(framed(req(3))));
    assert.deepEqual(messages.map((m) => m.seq), [3]);
  });

  it('refuses a message larger than the limit without buffering it', () => {
    const { r, messages, problems } = reader();
    r.push(Buffer.from(`Content-Length: ${1 << 30}\r\n\r\n`));
    for (let i = 0; i < 10; i++) r.push(Buffer.alloc(100_000, 0x7b));
    r.push(Buffer.from(framed(req(4))));
    assert.match(problems[0].text, /refused/);
    assert.deepEqual(messages.map((m) => m.seq), [4]);
  });
});
