/**
 * What a VM's console printed: the last CONSOLE_LOG_BYTES for clients that connect later
 * (`vm console` shows it first), and the live bytes for those connected now.
 */

/** Console history a VM keeps (older output is dropped). */
export const CONSOLE_LOG_BYTES = 256 * 1024;

/** A console's recent output and its live listeners. */
export class ConsoleLog {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();

  /** Appends output and hands it to the listeners. */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const kept = bytes.length > CONSOLE_LOG_BYTES ? bytes.subarray(bytes.length - CONSOLE_LOG_BYTES) : bytes;
    this.chunks.push(kept);
    this.size += kept.length;
    while (this.size - this.chunks[0].length >= CONSOLE_LOG_BYTES) this.size -= this.chunks.shift()!.length;
    for (const l of this.listeners) l(bytes);
  }

  /** The output kept so far, oldest first (at most CONSOLE_LOG_BYTES, cut at a chunk's start). */
  history(): Uint8Array {
    const out = new Uint8Array(Math.min(this.size, CONSOLE_LOG_BYTES));
    let at = out.length;
    for (let i = this.chunks.length - 1; i >= 0 && at > 0; i--) {
      const c = this.chunks[i];
      const part = c.length > at ? c.subarray(c.length - at) : c;
      at -= part.length;
      out.set(part, at);
    }
    return out;
  }

  /** Calls `listener` with each later piece of output; returns the unsubscribe function. */
  listen(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
