/**
 * What the adapter has written that its client has not read yet. A client that stops reading
 * (or reads slowly while the guest prints fast) would otherwise make the adapter hold every
 * message in memory. Past SOFT_BACKLOG_BYTES, console output and statistics events are
 * dropped and counted (the client is told how many once it catches up); past
 * HARD_BACKLOG_BYTES the client is cut off and its session ends.
 */

/** Unread bytes past which output and statistics events are dropped. */
export const SOFT_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Unread bytes past which the client is cut off. */
export const HARD_BACKLOG_BYTES = 64 * 1024 * 1024;

/** The unread bytes of one client's output stream. */
export class ClientBacklog {
  private dropped = 0;
  private cut = false;

  constructor(private readonly out: { writableLength?: number }) {}

  /** Bytes written and not yet taken by the client. */
  get bytes(): number {
    return this.out.writableLength ?? 0;
  }

  /**
   * Whether an event goes out: a `droppable` one (console output, statistics) not while the
   * backlog is past the soft limit. `note` is a line to send first: how many were dropped.
   */
  admit(droppable: boolean): { send: boolean; note?: string } {
    if (this.cut) return { send: false };
    const over = this.bytes > SOFT_BACKLOG_BYTES;
    if (droppable && over) {
      this.dropped++;
      return { send: false };
    }
    if (this.dropped > 0 && !over) {
      const note = `hyperscope: ${this.dropped} output and statistics events were dropped while the client was not reading\n`;
      this.dropped = 0;
      return { send: true, note };
    }
    return { send: true };
  }

  /** True once, when the backlog first passes the hard limit (then every message is refused). */
  overflowed(): boolean {
    if (this.cut || this.bytes <= HARD_BACKLOG_BYTES) return false;
    this.cut = true;
    return true;
  }

  /** True after `overflowed` said so. */
  get cutOff(): boolean {
    return this.cut;
  }
}
