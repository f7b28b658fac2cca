/**
 * The protocol half of the DAP session: how messages come in and go out, whatever they ask.
 * No client can kill or hang the adapter through it: the input stream is read by DapReader,
 * which gets past malformed messages; every request's arguments must be an object; requests
 * the adapter does not implement get an error, not the library's empty success; every error
 * response is one line; and what the client leaves unread is bounded by ClientBacklog.
 */
import { LoggingDebugSession, OutputEvent, Response } from '@vscode/debugadapter';
import { PassThrough } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { oneLine, shown } from './request-args';
import { DapReader, ReadProblem } from './dap-reader';
import { ClientBacklog } from './client-backlog';

/**
 * Requests of the protocol this adapter does not implement (none is announced in its
 * capabilities): answered with an error rather than the library's empty success.
 */
const UNSUPPORTED = new Set([
  'restartFrame', 'goto', 'gotoTargets', 'stepInTargets',
  'terminateThreads', 'completions', 'loadedSources', 'cancel', 'breakpointLocations', 'modules', 'locations',
]);

/** Events the adapter drops first when the client falls behind: console output and statistics. */
const DROPPABLE_EVENTS = new Set(['output', 'hyperscope.exitStats', 'hyperscope.exitStacks']);

/**
 * A LoggingDebugSession that reads, checks and answers messages robustly. Subclasses
 * implement the requests, `forward` (a message taken elsewhere before it is handled here)
 * and `dispose` (what ends the debuggee when the client is cut off).
 */
export abstract class GuardedDebugSession extends LoggingDebugSession {
  /** What the client has not read yet (set by start). */
  private backlog?: ClientBacklog;
  private out?: NodeJS.WritableStream & { destroy?: () => void };

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** True when `m` went elsewhere (a relay to another session) instead of being handled here. */
  protected abstract forward(m: object): boolean;

  /** Ends the session for good: stops its debuggee and waits for its run loop. */
  abstract dispose(): Promise<void>;

  /**
   * Reads the client's bytes with DapReader instead of the library's parser, which drops the
   * connection on a message that is not JSON and loses its place on a wrong Content-Length.
   * The library still watches a stream of its own for 'close'/'error', which end the session.
   */
  start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    const reader = new DapReader((m) => {
      if (!this.forward(m)) this.handleMessage(m as unknown as DebugProtocol.ProtocolMessage);
    }, (p) => this.onReadProblem(p));
    const lifecycle = new PassThrough();
    this.out = outStream;
    this.backlog = new ClientBacklog(outStream as { writableLength?: number });
    super.start(lifecycle, outStream);
    inStream.on('data', (b: Buffer | string) => reader.push(typeof b === 'string' ? Buffer.from(b) : b));
    inStream.on('close', () => lifecycle.destroy());
    inStream.on('error', (e: Error) => lifecycle.destroy(e));
  }

  /** Events go out unless the client is too far behind: console output and statistics are dropped first. */
  sendEvent(event: DebugProtocol.Event): void {
    const admitted = this.backlog?.admit(DROPPABLE_EVENTS.has(event.event)) ?? { send: true };
    if (admitted.note) super.sendEvent(new OutputEvent(admitted.note, 'console'));
    if (admitted.send) super.sendEvent(event);
    this.checkBacklog();
  }

  /** Responses go out until the client has been cut off. */
  sendResponse(response: DebugProtocol.Response): void {
    if (this.backlog?.cutOff) return;
    super.sendResponse(response);
    this.checkBacklog();
  }

  /** A client that reads nothing while its messages pile up is cut off: its VM stops, its connection closes. */
  private checkBacklog(): void {
    if (!this.backlog?.overflowed()) return;
    process.stderr.write(`hyperscope debug adapter: the client is not reading (${this.backlog.bytes} bytes unread): closing its session\n`);
    void this.dispose();
    this.out?.destroy?.();
    this.shutdown();
  }

  /** A broken message: answered with an error when it names its request, else told in the debug console. */
  private onReadProblem(p: ReadProblem): void {
    process.stderr.write(`hyperscope debug adapter: ${p.text}\n`);
    if (p.seq !== undefined && p.command !== undefined) {
      const response = new Response({ seq: p.seq, type: 'request', command: p.command });
      this.sendErrorResponse(response, { id: 1010, format: `malformed request: ${p.text}`, showUser: false });
    } else {
      this.sendEvent(new OutputEvent(`hyperscope: ignored from the client: ${p.text}\n`, 'console'));
    }
  }

  /**
   * Every request goes through here: arguments must be an object (absent means empty); a
   * handler that throws (a RequestError from argument checks, or anything else) gets an
   * error response of one line from the library's catch and sendErrorResponse below.
   */
  protected dispatchRequest(request: DebugProtocol.Request): void {
    if (request.arguments === undefined || request.arguments === null) request.arguments = {};
    if (typeof request.arguments !== 'object' || Array.isArray(request.arguments)) {
      return this.sendErrorResponse(new Response(request), { id: 1011, format: `${request.command}: arguments must be an object, not ${shown(request.arguments)}`, showUser: false });
    }
    if (UNSUPPORTED.has(request.command)) {
      return this.sendErrorResponse(new Response(request), { id: 1013, format: `${request.command} is not supported`, showUser: false });
    }
    super.dispatchRequest(request);
  }

  /**
   * All error responses: one line, never a stack. The library's own catch passes the stack
   * as `{_stack}` with the message in `_exception`: only that message's first line is kept.
   */
  protected sendErrorResponse(response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string,
    variables?: Record<string, string>, dest?: number): void {
    const m: DebugProtocol.Message = typeof codeOrMessage === 'number'
      ? { id: codeOrMessage, format: format ?? '', showUser: dest === undefined || (dest & 1) !== 0 }
      : codeOrMessage;
    const exception = variables?._exception ?? m.variables?._exception;
    const text = oneLine(exception ?? m.format);
    // The text goes in as a variable, so braces in it are never taken for placeholders.
    super.sendErrorResponse(response, { id: m.id, format: '{_message}', variables: { _message: text }, showUser: m.showUser });
  }
}
