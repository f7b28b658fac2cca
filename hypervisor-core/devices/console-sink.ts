/**
 * Where a console device sends the guest's output, with back-pressure: a device streams
 * output in bounded pieces and stops taking the guest's buffers while the host side is full
 * (a terminal or pipe that does not keep up), continuing once it drains, as QEMU's
 * virtio-serial does with `qemu_chr_fe_write` and its watch on the chardev.
 */

/** The host end of a console. */
export interface ConsoleSink {
  /** Writes `bytes` (the sink must copy what it keeps); false when the host side is full. */
  write(bytes: Uint8Array): boolean;
  /** Calls `listener` once, when a sink whose write returned false takes bytes again. */
  onceDrained(listener: () => void): void;
}

/** A sink over a callback that never fills (tests, the VM console function). */
export function callbackSink(fn: (bytes: Uint8Array) => void): ConsoleSink {
  return {
    write(bytes) {
      fn(bytes);
      return true;
    },
    onceDrained(listener) {
      queueMicrotask(listener);
    },
  };
}
