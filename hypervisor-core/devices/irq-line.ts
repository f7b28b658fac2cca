/**
 * An interrupt line from a device to an interrupt controller (TinyEMU `IRQSignal`). Devices
 * raise and lower lines; they never call the interrupt controller directly.
 */
export interface IrqLine {
  /** Drives the line: true = asserted (level-triggered). */
  set(level: boolean): void;
  /**
   * Drives the line to `level` even if this line last saw it there: for a controller whose
   * state other threads share (devices/plic.ts `share()`), which drive the same wire through
   * lines of their own that this one does not see. Lines without it are driven with `set`.
   */
  drive?(level: boolean): void;
}

/** An IrqLine that calls a function on every change of level. */
export class CallbackIrqLine implements IrqLine {
  private level = false;
  constructor(private readonly onChange: (level: boolean) => void) {}
  /** @inheritdoc */
  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.onChange(level);
  }
  /** @inheritdoc */
  drive(level: boolean): void {
    this.level = level;
    this.onChange(level);
  }
  /** Current level of the line. */
  get asserted(): boolean {
    return this.level;
  }
}
