/**
 * What the VM's exit handling does to vCPUs that run on other host threads: the effects one
 * vCPU's exit has on another (an IPI, a device interrupt, a remote fence, HSM hart_start) go
 * through shared words and messages instead of the other vCPU's hart fields.
 */

/** The VM's view of its vCPU threads (set on `Vm.remote` while they run). */
export interface RemoteVcpus {
  /** True for the vCPU whose exit the VM's thread is handling now (its hart copy is live). */
  isCurrent(vcpu: number): boolean;
  /** Drives a VS-level interrupt line of a vCPU's hvip (a shared word, then a wake-up). */
  setIrq(vcpu: number, irq: number, level: boolean): void;
  /**
   * Asks a vCPU to flush its TLBs (and with `icache`, this thread's translated code); the
   * vCPU whose exit is being handled resumes only once every target has.
   */
  fence(vcpu: number, icache: boolean): void;
  /**
   * Flushes every vCPU's TLBs on its thread and returns once all have (KVM's
   * kvm_flush_remote_tlbs after write-protecting pages for the dirty log): from then on a
   * store to a page write-protected before faults on every thread.
   */
  flushTlbsNow(): void;
  /** The VM's thread changed a stopped vCPU's state (HSM hart_start): send it to its thread. */
  started(vcpu: number): void;
  /** Instructions retired by every vCPU so far. */
  instructions(): number;
}
