/**
 * The VM side of SBI: what the firmware extensions (sbi/*.ts) do to the VM, as KVM's
 * vcpu_sbi_*.c do to their vCPUs: console, timer (vstimecmp, as KVM with Sstc), IPIs through
 * hvip.VSSIP, remote fences as TLB flushes, HSM state changes and system reset.
 */
import { Irq } from '../hart/csr-numbers';
import { Slot } from '../hart/hart-state';
import type { Counters } from '../hart/counters';
import type { Triggers } from '../hart/triggers';
import { HartState as HsmState, RemoteFence } from './sbi/sbi-host';
import type { DbtrHost } from './sbi/dbtr';
import type { PmuHost } from './sbi/pmu';
import type { Vm } from './vm';

/** Implementation id reported by BASE: 3 is KVM's id; ours is "Hyperscope" (unassigned). */
export const HYPERSCOPE_IMPL_ID = 0x4859; // "HY"

/** SbiHost over a Vm (with the hart access DBTR and PMU need). */
export class VmSbiHost implements DbtrHost, PmuHost {
  readonly implId = HYPERSCOPE_IMPL_ID;
  readonly implVersion = 0x00010000;

  constructor(private readonly vm: Vm) {}

  get hartCount(): number {
    return this.vm.vcpus.length;
  }

  consoleWrite(bytes: Uint8Array): void {
    this.vm.opts.console(bytes);
  }

  consoleRead(): number {
    return this.vm.sbiConsoleInput.read();
  }

  stealNs(hartId: number): number {
    return this.vm.stats.times.row(hartId).waitNs;
  }

  readGuestPhys(gpa: bigint, length: number): Uint8Array | null {
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    return this.vm.ram.read(Number(gpa), length);
  }

  writeGuestPhys(gpa: bigint, bytes: Uint8Array): boolean {
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    return this.vm.ram.write(Number(gpa), bytes);
  }

  setTimer(hartId: number, deadline: bigint): void {
    // Like KVM with Sstc: program vstimecmp; the hart raises VSTIP itself when it passes.
    const h = this.vm.vcpus[hartId].hart;
    h.set(Slot.VSTIMECMP, Number(BigInt.asIntN(32, deadline)), Number(BigInt.asIntN(32, deadline >> 32n)));
  }

  sendIpi(hartId: number): void {
    this.vm.setGuestIrq(hartId, Irq.VSSI, true);
  }

  clearIpi(hartId: number): boolean {
    const h = this.vm.vcpus[hartId].hart;
    const was = (h.hvip & (1 << Irq.VSSI)) !== 0;
    h.hvip &= ~(1 << Irq.VSSI);
    return was;
  }

  remoteFence(hartId: number, fence: RemoteFence): void {
    // On threads, the target's thread flushes (FENCE.I: its translated code, which another
    // thread's stores do not drop) before the caller resumes.
    if (this.vm.remote) {
      this.vm.remote.fence(hartId, fence.kind === 'fence.i');
      return;
    }
    // FENCE.I: on one thread, stores to translated code drop it; nothing is cached beyond that.
    if (fence.kind === 'fence.i') return;
    const hart = this.vm.vcpus[hartId].hart;
    // Under shadow paging the fence reaches the shadow tables too (a resync).
    this.vm.memVirt.onRemoteFence(hartId, hart, fence);
    // A short range of pages is flushed page by page, anything larger (or "all") at once.
    if (fence.kind === 'hfence.gvma' || fence.size === 0n || fence.size > 64n * 4096n) {
      hart.flushAllTlbs();
      return;
    }
    for (let a = fence.start & ~0xfffn; a < fence.start + fence.size; a += 4096n) {
      hart.flushTlbPage(Number(BigInt.asIntN(32, a)), Number(BigInt.asIntN(32, a >> 32n)));
    }
  }

  hartState(hartId: number): number {
    return this.vm.vcpus[hartId].hsm;
  }

  hartStart(hartId: number, startAddr: bigint, opaque: bigint): void {
    this.vm.vcpus[hartId].start(startAddr, opaque);
    this.vm.remote?.started(hartId);
  }

  hartStop(hartId: number): void {
    this.vm.vcpus[hartId].stop();
  }

  hartSuspend(hartId: number, resumeAddr?: bigint, opaque?: bigint): void {
    const v = this.vm.vcpus[hartId];
    v.block(resumeAddr === undefined ? null : { addr: resumeAddr, opaque: opaque ?? 0n }, true);
  }

  systemReset(type: number, reason: number): void {
    if (type === 0) this.vm.requestStop({ kind: 'shutdown', failure: reason === 1 });
    else this.vm.requestStop({ kind: 'reboot' });
    for (const v of this.vm.vcpus) v.stop();
  }

  hartCounters(hartId: number): Counters {
    return this.vm.vcpus[hartId].hart.counters;
  }

  hartTriggers(hartId: number): Triggers {
    return this.vm.vcpus[hartId].hart.triggers;
  }

  time(): bigint {
    return BigInt(this.vm.clock.now());
  }
}

export { HsmState };
