/**
 * The SiFive CLINT as QEMU virt maps it (0x02000000, size 0x10000): an ACLINT MSWI device
 * followed by an MTIMER device (RISC-V ACLINT specification 1.0, sections 2 and 3).
 *
 *   0x0000 + 4*hart   MSIP: bit 0 drives the hart's machine software interrupt
 *   0x4000 + 8*hart   MTIMECMP (64-bit; two 32-bit halves, low at +0, high at +4)
 *   0xbff8            MTIME    (64-bit; two 32-bit halves)
 *
 * MTIP of a hart is high while mtime >= mtimecmp. Time comes from a callback returning
 * ticks (10 MHz on virt) as a number below 2^53; writing MTIME shifts an offset. Time moves
 * on its own, so the owner calls {@link Aclint.update} when it advances the clock, and uses
 * {@link Aclint.nextDeadline} to sleep until the next timer.
 */
import type { MmioDevice } from '../bus/device';
import type { IrqLine } from './irq-line';
import type { FdtBuilder } from '../machine/fdt-builder';
import { unitAddress, type FdtContext, type FdtDescribable } from './fdt-describable';
import { fillArray, num, obj, type Saved } from '../state/persist';

/** Size of the CLINT window on QEMU virt. */
export const CLINT_MMIO_SIZE = 0x10000;
/** Offset of the first MTIMECMP register. */
export const CLINT_MTIMECMP = 0x4000;
/** Offset of MTIME. */
export const CLINT_MTIME = 0xbff8;

const TWO32 = 0x100000000;
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;

/** Construction options of {@link Aclint}. */
export interface AclintOptions {
  /** Current time in ticks (a number below 2^53). */
  time: () => number;
  /** Per hart: machine software interrupt output (MSIP). */
  msip: IrqLine[];
  /** Per hart: machine timer interrupt output (MTIP). */
  mtip: IrqLine[];
  /** Name in statistics (default "clint"). */
  name?: string;
}

/** CLINT: per-hart MSIP and MTIMECMP, and the shared MTIME. */
export class Aclint implements MmioDevice, FdtDescribable {
  /** @inheritdoc */
  readonly name: string;
  /** Number of harts served. */
  readonly harts: number;
  private readonly clock: () => number;
  private readonly msipOut: IrqLine[];
  private readonly mtipOut: IrqLine[];
  private readonly msip: Uint8Array;
  // mtimecmp as 32-bit halves: the reset value and "never" (all ones) exceed 2^53.
  private readonly cmpLo: Uint32Array;
  private readonly cmpHi: Uint32Array;
  private timeOffset = 0;

  constructor(opts: AclintOptions) {
    if (opts.msip.length !== opts.mtip.length) throw new Error('CLINT: msip and mtip need one line per hart');
    this.name = opts.name ?? 'clint';
    this.harts = opts.msip.length;
    this.clock = opts.time;
    this.msipOut = opts.msip;
    this.mtipOut = opts.mtip;
    this.msip = new Uint8Array(this.harts);
    this.cmpLo = new Uint32Array(this.harts).fill(0xffffffff);
    this.cmpHi = new Uint32Array(this.harts).fill(0xffffffff);
  }

  /** MSIP bits, the comparators and mtime's offset from the VM clock, for a snapshot. */
  save(): Saved {
    return { msip: Array.from(this.msip), cmpLo: Array.from(this.cmpLo), cmpHi: Array.from(this.cmpHi), timeOffset: this.timeOffset };
  }

  /** Puts back `save`'s state and drives the MSIP lines to match. */
  restore(state: Saved): void {
    const s = obj(state, this.name);
    fillArray(this.msip, s.msip ?? null, 'msip');
    fillArray(this.cmpLo, s.cmpLo ?? null, 'mtimecmp');
    fillArray(this.cmpHi, s.cmpHi ?? null, 'mtimecmp');
    this.timeOffset = num(s.timeOffset, 'timeOffset');
    for (let h = 0; h < this.harts; h++) this.msipOut[h].set(this.msip[h] !== 0);
  }

  /** Current mtime in ticks. */
  now(): number {
    return this.clock() + this.timeOffset;
  }

  /**
   * Tick at which hart's MTIP rises (its mtimecmp), or Infinity if mtimecmp is at or
   * beyond 2^53 ticks (about 28 years at 10 MHz: never).
   */
  nextDeadline(hart: number): number {
    const hi = this.cmpHi[hart];
    if (hi >= 0x200000) return Infinity;
    return hi * TWO32 + this.cmpLo[hart];
  }

  /** Re-evaluates every hart's MTIP against the current time. */
  update(): void {
    const t = this.now();
    for (let h = 0; h < this.harts; h++) this.mtipOut[h].set(t >= this.nextDeadline(h));
  }

  /** @inheritdoc */
  read(offset: number, _size: 1 | 2 | 4): number {
    if (offset < CLINT_MTIMECMP) {
      const h = offset >>> 2;
      return (offset & 3) === 0 && h < this.harts ? this.msip[h] : 0;
    }
    if (offset >= CLINT_MTIME && offset < CLINT_MTIME + 8) {
      const t = this.now();
      return offset === CLINT_MTIME ? t >>> 0 : offset === CLINT_MTIME + 4 ? Math.floor(t / TWO32) >>> 0 : 0;
    }
    if (offset < CLINT_MTIME) {
      const h = (offset - CLINT_MTIMECMP) >>> 3;
      if (h >= this.harts) return 0;
      const half = (offset - CLINT_MTIMECMP) & 7;
      return half === 0 ? this.cmpLo[h] : half === 4 ? this.cmpHi[h] : 0;
    }
    return 0;
  }

  /** @inheritdoc */
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset < CLINT_MTIMECMP) {
      const h = offset >>> 2;
      if ((offset & 3) !== 0 || h >= this.harts) return;
      this.msip[h] = value & 1;
      this.msipOut[h].set(this.msip[h] !== 0);
      return;
    }
    if (offset >= CLINT_MTIME && offset < CLINT_MTIME + 8) {
      const t = this.now();
      let lo = t >>> 0;
      let hi = Math.floor(t / TWO32);
      if (offset === CLINT_MTIME) lo = value >>> 0;
      else if (offset === CLINT_MTIME + 4) hi = value >>> 0;
      else return;
      // Kept below 2^53 so time stays an exact number.
      this.timeOffset = (hi & 0x1fffff) * TWO32 + lo - this.clock();
      this.update();
      return;
    }
    if (offset < CLINT_MTIME) {
      const h = (offset - CLINT_MTIMECMP) >>> 3;
      if (h >= this.harts) return;
      const half = (offset - CLINT_MTIMECMP) & 7;
      if (half === 0) this.cmpLo[h] = value >>> 0;
      else if (half === 4) this.cmpHi[h] = value >>> 0;
      else return;
      const t = this.now();
      this.mtipOut[h].set(t >= this.nextDeadline(h));
    }
  }

  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    const ext: number[] = [];
    for (const intc of ctx.cpuIntcPhandles) ext.push(intc, IRQ_M_SOFT, intc, IRQ_M_TIMER);
    fdt
      .beginNode(`clint@${unitAddress(ctx.base)}`)
      .propU32Array('interrupts-extended', ext)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propStrings('compatible', ['sifive,clint0', 'riscv,clint0'])
      .endNode();
  }
}
