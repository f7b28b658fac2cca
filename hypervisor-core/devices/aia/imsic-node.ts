/**
 * The device-tree node of the IMSICs a guest sees: its harts' supervisor-level interrupt files
 * at 0x28000000 + 0x1000 * hart, written as QEMU 7.2's `create_fdt_imsic` writes the S-level
 * node of `-M virt,aia=aplic-imsic` (no guest files for the guest itself, so no
 * riscv,guest-index-bits). Those pages are not devices on the guest's MMIO bus: the hypervisor
 * maps each one in the G-stage onto a guest interrupt file of the vCPU's hart, so the guest's
 * accesses to them never exit.
 */
import type { FdtBuilder } from '../../machine/fdt-builder';
import { unitAddress, type FdtContext, type FdtDescribable } from '../fdt-describable';
import { IMSIC_NUM_IDS } from '../../hart/aia/interrupt-file';

/** Supervisor external interrupt: the IMSIC's output at each hart (interrupts-extended). */
const IRQ_S_EXT = 9;

/** The guest's `riscv,imsics` node. */
export class ImsicNode implements FdtDescribable {
  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    fdt
      .beginNode(`imsics@${unitAddress(ctx.base)}`)
      .propU32('phandle', ctx.imsicPhandle ?? 0)
      .propU32('riscv,ipi-id', 1)
      .propU32('riscv,num-ids', IMSIC_NUM_IDS)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propU32Array('interrupts-extended', ctx.cpuIntcPhandles.flatMap((p) => [p, IRQ_S_EXT]))
      .propEmpty('msi-controller')
      .propEmpty('interrupt-controller')
      .propU32('#interrupt-cells', 0)
      .propString('compatible', 'riscv,imsics')
      .endNode();
  }
}
