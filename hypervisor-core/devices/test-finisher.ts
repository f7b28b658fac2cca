/**
 * The SiFive test device ("finisher") of QEMU virt at 0x100000 (QEMU 7.2
 * hw/misc/sifive_test.c): how a guest without SBI firmware (`-bios none`) powers the
 * machine off or resets it.
 *
 *   0x0  write (32-bit)   bits 15..0 status, bits 31..16 code
 *                         0x3333 FAIL: power off with failure `code`
 *                         0x5555 PASS: power off
 *                         0x7777 RESET: reboot
 *        other writes and every read: ignored, 0
 */
import type { MmioDevice } from '../bus/device';
import type { FdtBuilder } from '../machine/fdt-builder';
import { unitAddress, type FdtContext, type FdtDescribable } from './fdt-describable';

/** What the guest asked for. */
export type FinisherRequest = { kind: 'pass' } | { kind: 'fail'; code: number } | { kind: 'reset' };

const FAIL = 0x3333;
const PASS = 0x5555;
const RESET = 0x7777;

/** The sifive,test0 device. */
export class TestFinisher implements MmioDevice, FdtDescribable {
  /** @inheritdoc */
  readonly name = 'test';

  constructor(private readonly onRequest: (request: FinisherRequest) => void) {}

  /** @inheritdoc */
  read(): number {
    return 0;
  }

  /** @inheritdoc */
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset !== 0 || size !== 4) return;
    const status = value & 0xffff;
    if (status === PASS) this.onRequest({ kind: 'pass' });
    else if (status === FAIL) this.onRequest({ kind: 'fail', code: (value >>> 16) & 0xffff });
    else if (status === RESET) this.onRequest({ kind: 'reset' });
  }

  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    fdt
      .beginNode(`test@${unitAddress(ctx.base)}`)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propStrings('compatible', ['sifive,test1', 'sifive,test0', 'syscon'])
      .endNode();
  }
}
