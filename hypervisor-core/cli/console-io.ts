/**
 * The guest console on the terminal: stdout for output, with back-pressure and a quiet end
 * when the reader goes away (`hyperscope run ... | head`); stdin for input, in raw mode when
 * a TTY (QEMU's escape Ctrl-A x quits), paused while the guest's input queue is full.
 */
import type { ConsoleInput } from '../devices/console-input';
import type { ConsoleSink } from '../devices/console-sink';

/** A readable like process.stdin (tests pass a PassThrough). */
export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  unref?(): unknown;
}

/** How stdin is connected to the current VM. */
export interface StdinLink {
  /** The VM changed (a reboot made a new one): bytes held back go to its input queue. */
  retarget(): void;
  /** Disconnects and restores the terminal. */
  detach(): void;
}

/**
 * Forwards `stdin` to `target()` (the current VM's input queue). When the queue is full the
 * rest of the chunk is held, stdin is paused, and both resume when the guest has read enough
 * (ConsoleInput.onDrain): memory stays bounded however much is piped in.
 */
export function attachStdin(target: () => ConsoleInput, onQuit: () => void, stdin: InputStream = process.stdin): StdinLink {
  const tty = stdin.isTTY === true;
  let escape = false;
  let held: Uint8Array | null = null;
  let unwatch: (() => void) | null = null;
  const forward = (): void => {
    if (!held) return;
    const input = target();
    const n = input.push(held);
    held = n < held.length ? held.subarray(n) : null;
    unwatch?.();
    unwatch = null;
    if (held) {
      stdin.pause();
      unwatch = input.onDrain(forward);
    } else {
      stdin.resume();
    }
  };
  const send = (bytes: Uint8Array): void => {
    held = held ? concat(held, bytes) : bytes;
    forward();
  };
  const onData = (chunk: Buffer) => {
    if (!tty) return send(new Uint8Array(chunk));
    const out: number[] = [];
    for (const b of chunk) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) return onQuit();
        if (b !== 0x01) out.push(0x01);
      } else if (b === 0x01) {
        escape = true;
        continue;
      }
      out.push(b);
    }
    if (out.length > 0) send(Uint8Array.from(out));
  };
  if (tty) stdin.setRawMode?.(true);
  stdin.on('data', onData);
  stdin.on('error', () => undefined);
  stdin.resume();
  return {
    retarget: forward,
    detach: () => {
      unwatch?.();
      stdin.off('data', onData);
      if (tty) stdin.setRawMode?.(false);
      stdin.pause();
      stdin.unref?.();
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Gathered bytes written at once, without waiting for the end of the batch. */
const FLUSH_BYTES = 64 * 1024;

/**
 * The guest console on stdout. A write error ends the output: EPIPE (the reader closed the
 * pipe) calls `onClosed(null)`, anything else `onClosed(code)`; later output is dropped.
 *
 * Bytes are gathered and reach the stream once the VM's batch has run (a microtask), at
 * FLUSH_BYTES, or at `flush()`. The UART hands over one byte at a time, and a stream write
 * each (a system call on a pipe or a file) made the Linux sample's 5,978 console bytes to its
 * shell prompt cost about 25 ms of CPU: the same bytes a byte a write to a pipe, in 60 visits
 * to the event loop, took 28-40 ms of CPU, gathered 6-8 ms (5 runs each, load 5). The run
 * loop visits the event loop every few milliseconds, so output is no later than that.
 */
export class StdoutSink implements ConsoleSink {
  /** Set once stdout failed; nothing is written after. */
  closed = false;
  /** Bytes not yet written to the stream: `pending[0, size)`. */
  private pending = new Uint8Array(256);
  private size = 0;
  /** The stream's write of the last flush returned false, and it has not drained since. */
  private full = false;

  constructor(private readonly onClosed: (code: string | null) => void, private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (this.closed) return;
      this.closed = true;
      this.size = 0;
      onClosed(e.code === 'EPIPE' ? null : e.code ?? e.message);
    });
    stream.on('drain', () => {
      this.full = false;
    });
  }

  /** @inheritdoc */
  write(bytes: Uint8Array): boolean {
    if (this.closed) return true;
    if (this.size === 0) queueMicrotask(() => this.flush());
    if (this.size + bytes.length > this.pending.length) {
      const grown = new Uint8Array(Math.max(this.pending.length * 2, this.size + bytes.length));
      grown.set(this.pending.subarray(0, this.size));
      this.pending = grown;
    }
    this.pending.set(bytes, this.size);
    this.size += bytes.length;
    // Bulk output (a virtio console streams 256 KiB a round) goes at once, with the stream's back-pressure.
    if (this.size >= FLUSH_BYTES) this.flush();
    return !this.full;
  }

  /** Writes the gathered bytes to the stream now (before a message on stderr, at the end of a run). */
  flush(): void {
    if (this.size === 0 || this.closed) return;
    // A copy: the stream may keep the chunk queued, and `pending` is written again.
    const chunk = this.pending.slice(0, this.size);
    this.size = 0;
    if (!this.stream.write(chunk)) this.full = true;
  }

  /** @inheritdoc */
  onceDrained(listener: () => void): void {
    if (this.closed || !this.full) queueMicrotask(listener);
    else this.stream.once('drain', listener);
  }
}
