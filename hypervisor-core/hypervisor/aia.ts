/**
 * AIA for a VM (`--aia`), the way KVM's in-kernel AIA does it on hardware with IMSICs
 * (arch/riscv/kvm/aia_imsic.c, aia_aplic.c):
 *
 * - every hart gets an IMSIC with a supervisor-level file and guest interrupt files, whose
 *   pages sit at host-physical 0x28000000 as on QEMU `-M virt,aia=aplic-imsic,aia-guests=1`;
 * - vCPU i runs on hart i with hstatus.VGEIN = 1: guest file 1 of hart i is its
 *   supervisor-level interrupt file. The guest's IMSIC page (GPA 0x28000000 + 0x1000 * i) is
 *   mapped in the G-stage onto that file's page, so the guest's own accesses (IPIs to another
 *   vCPU, which write its seteipnum) go to the hardware without an exit, and its claims are
 *   stopei CSR accesses, which the hart redirects to vstopei;
 * - the APLIC is emulated (AIA has no hardware for virtualizing it): the guest configures it
 *   through MMIO exits once, then each device interrupt becomes an MSI that the hypervisor
 *   writes into the target vCPU's guest file, which the running guest takes with no exit;
 * - a blocked vCPU waits with hgeie = its guest file, so an MSI raises SGEI at the hart and
 *   the host's SGEI handler wakes it.
 */
import { MmioBus } from '../bus/mmio-bus';
import { Aplic } from '../devices/aia/aplic';
import { ImsicNode } from '../devices/aia/imsic-node';
import { ImsicPages, imsicGuestBits, IMSIC_PAGE } from '../devices/aia/imsic';
import { Irq } from '../hart/csr-numbers';
import type { Hart } from '../hart/hart';
import { IMSIC_S_BASE } from '../machine/memory-map';
import { DEVICE_LEAF_FLAGS, type GStage } from './gstage';

/** Guest interrupt files per hart (GEILEN): one VM's vCPU per hart needs one. */
export const AIA_GUEST_FILES = 1;
/** The guest file every vCPU uses on its hart (hstatus.VGEIN). */
export const VCPU_GUEST_FILE = 1;

/** What {@link VmAia} needs of the VM. */
export interface VmAiaPorts {
  /** The harts, vCPU i on hart i. */
  harts: readonly Hart[];
  gstage: GStage;
  /** The host's SGEI handler: wake vCPU i if it is blocked. */
  wake(vcpu: number): void;
}

/** The interrupt hardware and emulation of one VM with AIA. */
export class VmAia {
  /** The emulated APLIC (supervisor-level domain, MSI delivery mode). */
  readonly aplic: Aplic;
  /** The harts' IMSIC pages on the host-physical bus. */
  readonly imsic: ImsicPages;
  /** Host-physical devices the harts reach after G-stage translation: the IMSIC pages. */
  readonly hostBus = new MmioBus();
  /** The device-tree node of the guest's IMSIC. */
  readonly node = new ImsicNode();
  /** MSIs from the APLIC that went to no vCPU (a hart index beyond the VM, a guest index). */
  msisDropped = 0;
  /** Blocked vCPUs woken by a guest external interrupt (SGEI). */
  sgeiWakeups = 0;

  constructor(private readonly ports: VmAiaPorts) {
    // Per hart: [supervisor-level file, guest file 1, ...], the order of its pages.
    const files = ports.harts.map((h) => h.enableAia(AIA_GUEST_FILES).guestFiles);
    this.imsic = new ImsicPages(files, imsicGuestBits(AIA_GUEST_FILES));
    this.hostBus.add(IMSIC_S_BASE, this.imsic.size, this.imsic);
    ports.harts.forEach((h, i) => {
      h.bus = this.hostBus;
      h.aia!.onLines = (lines) => {
        if ((lines & (1 << Irq.SGEI)) === 0) return;
        this.sgeiWakeups++;
        ports.wake(i);
      };
      ports.gstage.map(this.guestPage(i), this.hostPage(i), DEVICE_LEAF_FLAGS);
    });
    this.aplic = new Aplic({ msi: (hart, guest, eiid) => this.deliver(hart, guest, eiid) });
  }

  /** GPA of vCPU i's IMSIC page (the guest's supervisor-level file). */
  guestPage(vcpu: number): number {
    return IMSIC_S_BASE + vcpu * IMSIC_PAGE;
  }

  /** Host-physical address of vCPU i's guest interrupt file. */
  hostPage(vcpu: number): number {
    return IMSIC_S_BASE + this.imsic.pageOffset(vcpu, VCPU_GUEST_FILE);
  }

  /** Size of the guest's IMSIC window (device tree reg): one page per vCPU. */
  get guestWindow(): number {
    return this.ports.harts.length * IMSIC_PAGE;
  }

  /** MSIs written into the guest interrupt files (by the APLIC and by the guests themselves). */
  get msis(): number {
    return this.imsic.msis;
  }

  /**
   * An MSI from the emulated APLIC to the guest's (hart index, guest index): written into the
   * target vCPU's guest interrupt file through its page, as hardware would.
   */
  private deliver(hartIndex: number, guestIndex: number, eiid: number): void {
    if (guestIndex !== 0 || hartIndex >= this.ports.harts.length) {
      this.msisDropped++;
      return;
    }
    this.hostBus.write(this.hostPage(hartIndex), 4, eiid);
  }
}
