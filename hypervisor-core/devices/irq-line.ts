/**
 * An interrupt line from a device to an interrupt controller (TinyEMU `IRQSignal`). Devices
 * raise and lower lines; they never call the interrupt controller directly.
 */
export interface IrqLine {
  /** Drives the line: true = asserted (level-triggered). */
  set(level: boolean): void;
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
  /** Current level of the line. */
  get asserted(): boolean {
    return this.level;
  }
}
