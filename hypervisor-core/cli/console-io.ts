/**
 * The guest console on the terminal: stdout for output; stdin in raw mode (when a TTY) for
 * input, with QEMU's escape Ctrl-A x to quit.
 */

/** Exit status meaning "the user quit". */
export const QUIT = Symbol('quit');

/** Connects stdin to `onInput`; returns a function that restores the terminal. */
export function attachStdin(onInput: (bytes: Uint8Array) => void, onQuit: () => void): () => void {
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  let escape = false;
  const onData = (chunk: Buffer) => {
    if (!tty) return onInput(chunk);
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
    if (out.length > 0) onInput(Uint8Array.from(out));
  };
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('error', () => undefined);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
    stdin.unref?.();
  };
}
