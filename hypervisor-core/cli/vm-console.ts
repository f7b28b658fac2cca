/**
 * `hyperscope vm console NAME`: what the VM's console printed so far, then its live output on
 * stdout; stdin goes to the guest (raw mode on a terminal; Ctrl-] leaves, as virsh console).
 * Ends when the VM stops running (shut off, crashed, destroyed) or the user leaves.
 */
import type { ApiClient } from '../serve/client';
import { ClientError } from '../serve/client';

/** Ctrl-]: leaves the console (virsh console's escape). */
const ESCAPE = 0x1d;
/** Bytes per input request (the daemon takes at most 4096). */
const INPUT_CHUNK = 4096;
/** Wait before offering input again that the guest's queue had no room for. */
const RETRY_MS = 20;

/** Runs the console session; resolves to the exit status (0). */
export async function consoleSession(client: ApiClient, name: string, stdin: NodeJS.ReadStream = process.stdin): Promise<number> {
  const path = `/v1/vms/${encodeURIComponent(name)}/console`;
  const stream = await client.stream(path, (chunk) => process.stdout.write(chunk));
  const tty = stdin.isTTY === true;
  let left = false;
  let sending = Promise.resolve();
  const send = async (bytes: Uint8Array): Promise<void> => {
    // Sent in order, paused while the guest has no room: memory stays bounded.
    for (let at = 0; at < bytes.length && !left;) {
      const piece = bytes.subarray(at, at + INPUT_CHUNK);
      let accepted: number;
      try {
        accepted = (await client.call<{ accepted: number }>('POST', path, piece)).accepted;
      } catch (e) {
        if (e instanceof ClientError) return; // the VM ended: the output stream ends too
        throw e;
      }
      at += accepted;
      if (accepted < piece.length) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  };
  const onData = (chunk: Buffer) => {
    let bytes = new Uint8Array(chunk);
    if (tty) {
      const quit = bytes.indexOf(ESCAPE);
      if (quit >= 0) {
        bytes = bytes.subarray(0, quit);
        left = true;
        stream.close();
      }
    }
    if (bytes.length === 0) return;
    stdin.pause();
    sending = sending.then(() => send(bytes)).finally(() => { if (!left) stdin.resume(); });
  };
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('error', () => undefined);
  stdin.resume();
  try {
    await stream.done;
  } finally {
    stdin.off('data', onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
    stdin.unref?.();
  }
  return 0;
}
