/**
 * Reads DAP messages ("Content-Length: N\r\n\r\n" + N bytes of JSON) from a byte stream and
 * survives a client that gets it wrong: a message that is not JSON, a header without a
 * valid length, bytes between messages, a length that is too short or too long. Each
 * problem is reported once and reading goes on at the next header.
 *
 * A wrong length is found without waiting for bytes that will never come: raw CR LF cannot
 * occur inside a JSON string, so a body holding "Content-Length: 12\r\n\r\n" is not one
 * message but ends where that header starts. Memory is bounded: headers by
 * MAX_HEADER_BYTES, bodies by MAX_MESSAGE_BYTES (a larger one is skipped as garbage).
 */

/** The longest header block read before giving up on it. */
export const MAX_HEADER_BYTES = 1024;
/** The largest message accepted (a writeMemory of 1 MiB is about 1.4 MB of base64). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A problem in the stream; `seq`/`command` when the broken message still names its request. */
export interface ReadProblem {
  text: string;
  seq?: number;
  command?: string;
}

const HEADER = Buffer.from('Content-Length:', 'latin1');
const TWO_CRLF = Buffer.from('\r\n\r\n', 'latin1');

/** Incremental reader: push bytes as they come; messages and problems come out through the callbacks. */
export class DapReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Body length of the message being read; -1 while reading a header. */
  private length = -1;
  /** Where the search for a header inside the body goes on (bytes before it were searched). */
  private scanned = 0;
  /** True while skipping bytes: a run of garbage is reported once, not once per chunk. */
  private skipping = false;

  constructor(
    private readonly onMessage: (message: Record<string, unknown>) => void,
    private readonly onProblem: (problem: ReadProblem) => void,
  ) {}

  /** Takes the next bytes of the stream. */
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.length < 0 ? this.readHeader() : this.readBody()) { /* next message */ }
  }

  /** Parses a header block; true when it consumed bytes. */
  private readHeader(): boolean {
    if (this.buf.length === 0) return false;
    const end = this.buf.indexOf(TWO_CRLF);
    if (end < 0) {
      if (this.buf.length <= MAX_HEADER_BYTES) return false;
      // No header end in sight: skip to the last header start, or keep a tail that may begin one.
      const at = this.buf.lastIndexOf(HEADER);
      const keep = at > 0 ? at : Math.max(1, this.buf.length - HEADER.length);
      this.skip(keep, 'bytes without a header');
      return true;
    }
    const block = this.buf.subarray(0, end).toString('latin1');
    const length = parseHeader(block);
    if (typeof length === 'number') {
      this.buf = this.buf.subarray(end + TWO_CRLF.length);
      this.skipping = false;
      if (length > MAX_MESSAGE_BYTES) {
        this.onProblem({ text: `a message of ${length} bytes was refused (at most ${MAX_MESSAGE_BYTES})` });
        return true; // its body is skipped as bytes without a header
      }
      this.length = length;
      this.scanned = 0;
      return true;
    }
    // Garbage before a header: drop it and read the header.
    const at = this.buf.subarray(0, end).indexOf(HEADER, 1);
    if (at > 0) this.skip(at, 'bytes before a header');
    else this.skip(end + TWO_CRLF.length, `a header without a valid Content-Length (${length.error})`);
    return true;
  }

  /** Reads the body once complete, or cut short where a header shows its length was wrong; true when it consumed bytes. */
  private readBody(): boolean {
    const window = Math.min(this.length, this.buf.length);
    const boundary = this.headerInside(window);
    if (boundary > 0) {
      this.onProblem({ text: `Content-Length ${this.length} is wrong: the message ends after ${boundary} bytes` });
      this.take(boundary);
      return true;
    }
    if (this.buf.length < this.length) {
      this.scanned = Math.max(0, window - HEADER.length - 24);
      return false;
    }
    this.take(this.length);
    return true;
  }

  /** Index of a complete "Content-Length: N\r\n\r\n" within the first `window` bytes, else -1. */
  private headerInside(window: number): number {
    for (let at = this.buf.indexOf(HEADER, Math.max(1, this.scanned)); at > 0 && at < window; at = this.buf.indexOf(HEADER, at + 1)) {
      const end = this.buf.indexOf(TWO_CRLF, at);
      if (end < 0) return -1;
      if (typeof parseHeader(this.buf.subarray(at, end).toString('latin1')) === 'number') return at;
    }
    return -1;
  }

  /** Ends the current message after `n` bytes and hands it on. */
  private take(n: number): void {
    const body = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.length = -1;
    if (parseJson(body) === undefined && this.buf.length > 0 && !startsWithHeader(this.buf)) {
      // A length too short: the rest of the message is what comes before the next header.
      this.scanned = 0;
      const next = this.headerInside(this.buf.length);
      const whole = Buffer.concat([body, this.buf.subarray(0, next > 0 ? next : this.buf.length)]);
      if (parseJson(whole) !== undefined) {
        this.onProblem({ text: `Content-Length ${n} is wrong: the message has ${whole.length} bytes` });
        this.buf = this.buf.subarray(whole.length - n);
        return this.deliver(whole);
      }
    }
    this.deliver(body);
  }

  private skip(n: number, what: string): void {
    this.buf = this.buf.subarray(n);
    if (!this.skipping) this.onProblem({ text: `skipped ${n} ${what}` });
    this.skipping = true;
  }

  private deliver(body: Buffer): void {
    const text = body.toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return this.onProblem({ text: `a message that is not JSON (${(e as Error).message.split('\n')[0]})`, ...namedRequest(text) });
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.onProblem({ text: 'a message that is not a JSON object' });
    const m = msg as Record<string, unknown>;
    if (m.type === 'request' && (typeof m.command !== 'string' || !Number.isSafeInteger(m.seq))) {
      return this.onProblem({ text: 'a request without a command or seq', ...namedRequest(text) });
    }
    if (typeof m.type !== 'string') return this.onProblem({ text: 'a message without a type', ...namedRequest(text) });
    this.onMessage(m);
  }
}

/** The JSON value of a body, or undefined when it is not JSON. */
function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function startsWithHeader(b: Buffer): boolean {
  return b.length >= HEADER.length && b.subarray(0, HEADER.length).equals(HEADER);
}

/** The body length of a header block, or why it has none. */
function parseHeader(block: string): number | { error: string } {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const m = /^([A-Za-z][\w-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) return { error: 'not a header line' };
    if (m[1].toLowerCase() !== 'content-length') continue;
    if (!/^\d{1,16}$/.test(m[2])) return { error: `length '${m[2].slice(0, 20)}'` };
    length = Number(m[2]);
  }
  return length ?? { error: 'no Content-Length' };
}

/** The seq and command of a broken request, when its text still shows them (to answer it). */
function namedRequest(text: string): { seq?: number; command?: string } {
  if (!/"type"\s*:\s*"request"/.test(text)) return {};
  const seq = /"seq"\s*:\s*(\d{1,15})\b/.exec(text);
  const command = /"command"\s*:\s*"([A-Za-z][\w.]{0,63})"/.exec(text);
  return seq && command ? { seq: Number(seq[1]), command: command[1] } : {};
}
