/**
 * A client of the management API (`hyperscope vm ...` and the VS Code extension use it):
 * JSON requests, the console stream and the event stream, over HTTP to 127.0.0.1.
 */
import { request as httpRequest, IncomingMessage } from 'node:http';
import type { ApiErrorCode } from './api-error';

/** The port `hyperscope serve` takes without --port, and clients try without --host. */
export const DEFAULT_PORT = 7357;

/** Why a request failed: an API error code, or the daemon could not be reached or answered nonsense. */
export type ClientErrorCode = ApiErrorCode | 'unreachable' | 'bad-answer';

/** A failed request, with one line of message. */
export class ClientError extends Error {
  constructor(readonly code: ClientErrorCode, message: string) {
    super(message);
  }
}

/** Parses `HOST:PORT` or `PORT` (the daemon's address); throws a one-line Error otherwise. */
export function parseHost(text: string): { host: string; port: number } {
  const m = /^(?:(127\.0\.0\.1|localhost|\[::1\]):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new Error(`the daemon's address must be 127.0.0.1:PORT (the daemon listens on the loopback only), not '${text}'`);
  return { host: m[1] === undefined || m[1] === 'localhost' ? '127.0.0.1' : m[1], port };
}

/** The API of one daemon. */
export class ApiClient {
  constructor(readonly host: string, readonly port: number) {}

  /** `host:port` as the user writes it. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** A JSON request; resolves to the answer, rejects with ClientError. */
  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
    const res = await this.open(method, path, payload, body instanceof Uint8Array ? 'application/octet-stream' : 'application/json');
    const text = await readAll(res, 16 * 1024 * 1024);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ClientError('bad-answer', `${this.address} answered something other than the Hyperscope API (HTTP ${res.statusCode})`);
    }
    const err = (json as { error?: { code?: string; message?: string } }).error;
    if ((res.statusCode ?? 500) >= 400 || err) {
      throw new ClientError((err?.code as ClientErrorCode) ?? 'bad-answer', err?.message ?? `HTTP ${res.statusCode}`);
    }
    return json as T;
  }

  /**
   * Streams a GET (console output, events) to `onData` until the daemon ends it; resolves
   * then. `close()` on the result ends it early.
   */
  async stream(path: string, onData: (chunk: Buffer) => void): Promise<{ done: Promise<void>; close(): void }> {
    const res = await this.open('GET', path);
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res, 64 * 1024);
      let err: { code?: string; message?: string } | undefined;
      try {
        err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      } catch { /* not JSON: the status says enough */ }
      throw new ClientError((err?.code as ClientErrorCode) ?? 'bad-answer', err?.message ?? `HTTP ${res.statusCode}`);
    }
    res.on('data', onData);
    const done = new Promise<void>((resolve) => {
      res.on('end', () => resolve());
      res.on('close', () => resolve());
      res.on('error', () => resolve());
    });
    return { done, close: () => res.destroy() };
  }

  /** Follows the event stream: `onEvent` gets each event's data, parsed. */
  async events(onEvent: (event: unknown) => void): Promise<{ done: Promise<void>; close(): void }> {
    let buffered = '';
    return this.stream('/v1/events', (chunk) => {
      buffered += chunk.toString('utf8');
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data === '') continue;
        try {
          onEvent(JSON.parse(data));
        } catch { /* a malformed event is skipped */ }
      }
      if (buffered.length > 1024 * 1024) buffered = ''; // a daemon that never ends an event is not followed
    });
  }

  private open(method: string, path: string, payload?: Buffer, type = 'application/json'): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (payload) {
        headers['content-type'] = type;
        headers['content-length'] = payload.length;
      }
      // A connection per request: a kept-alive one the daemon closes when idle can fail the next.
      const req = httpRequest({ host: this.host, port: this.port, method, path, headers, agent: false }, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'ECONNREFUSED' ? 'nothing listens there (start it with hyperscope serve)' : e.code ?? e.message;
        reject(new ClientError('unreachable', `cannot reach the daemon at ${this.address}: ${why}`));
      });
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        res.destroy();
        reject(new ClientError('bad-answer', 'the answer is too large'));
      } else {
        chunks.push(c);
      }
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', () => reject(new ClientError('unreachable', 'the daemon closed the connection')));
  });
}
