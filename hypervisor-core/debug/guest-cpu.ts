/**
 * The guest's own view of its supervisor CSRs and privilege, where it is not what the hart's
 * registers say. Under the H extension with two-stage translation the guest's S CSRs are the
 * hart's VS CSRs and the debugger reads those. But:
 *
 * - under shadow paging the hart's vsatp (or, without the H extension, its satp) points at
 *   the hypervisor's shadow table: the guest's satp is the value it wrote, kept by the MMU;
 * - under classic trap-and-emulate (`--cpu-virt trap-emulate`) the guest kernel runs in the
 *   hart's U-mode with V = 0: its sstatus, sie, sip, stvec... live in the virtual CSR file
 *   (cpuvirt/virtual-csrs.ts), and its privilege (S or U) is the hypervisor's knowledge.
 *
 * The debugger registers a view for each hart of such a VM when it takes the VM over; the
 * register accessors (registers.ts, machine-registers.ts) consult it, so the Registers view,
 * expressions, gdb's CSRs and the page-table view all show what the guest itself reads.
 */
import type { Hart } from '../hart/hart';
import { Csr, Priv } from '../hart/csr-numbers';
import type { Vm } from '../hypervisor/vm';

/** What the debugger reads and writes of a guest's CPU instead of the hart's registers. */
export interface GuestCpuView {
  /** The guest's privilege (S or U), or undefined when the hart's own is the guest's. */
  priv(): Priv | undefined;
  /** S CSR `csr` as the guest reads it, or undefined when the hart's register is the guest's. */
  read(csr: number): bigint | undefined;
  /**
   * Writes S CSR `csr` as the guest's csrw would. Returns 'hart' when the hart's register is
   * the guest's (the caller writes that), else whether the value was taken.
   */
  write(csr: number, v: bigint): boolean | 'hart';
}

const views = new WeakMap<Hart, GuestCpuView>();
const pair = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** The view registered for `h`, if its VM virtualises the guest's CPU or MMU in software. */
export function guestCpuView(h: Hart): GuestCpuView | undefined {
  return views.get(h);
}

/**
 * Registers the views of every vCPU of `vm` that needs one (shadow paging, trap-and-emulate).
 * A view holds only closures over the VM: it lives as long as the hart does.
 */
export function registerGuestCpuViews(vm: Vm): void {
  const mv = vm.memVirt;
  for (const v of vm.vcpus) {
    const t = v.cpuVirt;
    const satp = (): bigint => { const [lo, hi] = mv.guestAtp(v.id, v.hart); return pair(lo, hi); };
    if (t) {
      views.set(v.hart, {
        priv: () => t.priv,
        read: (csr) => (csr === Csr.SATP ? satp() : t.csrs.read(csr)),
        write: (csr, value) => (csr !== Csr.SATP && t.csrs.read(csr) === undefined ? 'hart' : t.writeCsr(csr, value)),
      });
    } else if (mv.mode === 'shadow') {
      views.set(v.hart, {
        priv: () => undefined,
        read: (csr) => (csr === Csr.SATP ? satp() : undefined),
        // The shadow MMU takes the guest's satp through the guest's own trapped writes only.
        write: (csr) => (csr === Csr.SATP ? false : 'hart'),
      });
    } else {
      views.delete(v.hart);
    }
  }
}
