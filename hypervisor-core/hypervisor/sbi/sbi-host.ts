/**
 * The contract between the SBI implementation (one file per extension in this folder) and
 * the rest of the hypervisor. The vCPU run loop decodes an `ecall` exit into an `SbiCall`,
 * the dispatcher routes it to the extension, and the extension acts on the VM through
 * `SbiHost`. Values are bigint: SBI is not on the CPU's hot path, and its arguments are
 * full 64-bit registers.
 */

/** SBI error codes (SBI v2.0, section 3, table 1). */
export const SbiError = {
  SUCCESS: 0,
  FAILED: -1,
  NOT_SUPPORTED: -2,
  INVALID_PARAM: -3,
  DENIED: -4,
  INVALID_ADDRESS: -5,
  ALREADY_AVAILABLE: -6,
  ALREADY_STARTED: -7,
  ALREADY_STOPPED: -8,
  NO_SHMEM: -9,
  INVALID_STATE: -10,
  BAD_RANGE: -11,
  TIMEOUT: -12,
  IO: -13,
} as const;

/** One SBI call as made by the guest: a7 = eid, a6 = fid, a0..a5 = args (unsigned 64-bit). */
export interface SbiCall {
  /** Hart id of the calling vCPU. */
  readonly hartId: number;
  readonly eid: number;
  readonly fid: number;
  readonly args: readonly bigint[];
}

/**
 * A trap met while the SBI implementation read guest memory on the guest's behalf (the
 * legacy calls take a pointer to a hart mask). As under KVM (`kvm_riscv_vcpu_unpriv_read`
 * then `kvm_riscv_vcpu_trap_redirect`), the trap is redirected to the guest.
 */
export interface SbiGuestFault {
  /** Exception code to deliver to VS-mode (e.g. 13 load page fault, 5 load access fault). */
  readonly scause: bigint;
  /** Faulting guest virtual address. */
  readonly stval: bigint;
}

/**
 * What the call returns. `error` goes to a0 and `value` to a1. Legacy extensions
 * (eid 0x00..0x0f) return only a0: they set `legacy` and put their result in `error`.
 * `resume: false` means the calling vCPU must not continue (it stopped, entered a
 * non-retentive suspend, or the system is going down); the vCPU's pc is then not advanced
 * by the caller either. A retentive suspend resumes normally: a0/a1 are written, pc is
 * advanced, and the host's `hartSuspend` has made the vCPU wait for an interrupt (like WFI).
 * `redirect` means the call faulted on guest memory: the caller injects that trap into the
 * guest with sepc at the ecall, and writes neither a0 nor a1 nor advances pc.
 */
export interface SbiResult {
  error: number;
  value: bigint;
  legacy?: boolean;
  resume?: boolean;
  redirect?: SbiGuestFault;
}

/** HSM hart states (SBI v2.0 section 9, table 31). */
export const HartState = {
  STARTED: 0,
  STOPPED: 1,
  START_PENDING: 2,
  STOP_PENDING: 3,
  SUSPENDED: 4,
  SUSPEND_PENDING: 5,
  RESUME_PENDING: 6,
} as const;

/** Remote fence kinds carried by the RFENCE extension. */
export type RemoteFence =
  | { kind: 'fence.i' }
  | { kind: 'sfence.vma'; start: bigint; size: bigint; asid?: bigint }
  | { kind: 'hfence.gvma'; start: bigint; size: bigint; vmid?: bigint }
  | { kind: 'hfence.vvma'; start: bigint; size: bigint; asid?: bigint };

/** Services of the VM that SBI extensions use. Implemented by the VM; faked in unit tests. */
export interface SbiHost {
  /** Number of vCPUs; hart ids are 0..hartCount-1. */
  readonly hartCount: number;
  /** Implementation id and version reported by BASE (machine vendor ids too). */
  readonly implId: number;
  readonly implVersion: number;
  /** Writes bytes to the guest console (SBI console and DBCN). */
  consoleWrite(bytes: Uint8Array): void;
  /** Next byte typed by the user, or -1 when none is waiting. */
  consoleRead(): number;
  /** Copies guest-physical memory out; null when any byte lies outside guest RAM. */
  readGuestPhys(gpa: bigint, length: number): Uint8Array | null;
  /** Copies bytes into guest-physical memory; false when any byte lies outside guest RAM. */
  writeGuestPhys(gpa: bigint, bytes: Uint8Array): boolean;
  /** Programs the hart's supervisor timer: clears the pending timer and fires at `deadline` (time CSR units). */
  setTimer(hartId: number, deadline: bigint): void;
  /** Raises a supervisor software interrupt on each hart. */
  sendIpi(hartId: number): void;
  /** Performs a remote fence on a hart. */
  remoteFence(hartId: number, fence: RemoteFence): void;
  /** HSM state of a hart. */
  hartState(hartId: number): number;
  /** Starts a stopped hart at `startAddr` in VS-mode with a0 = hartid, a1 = opaque. */
  hartStart(hartId: number, startAddr: bigint, opaque: bigint): void;
  /** Stops the calling hart. */
  hartStop(hartId: number): void;
  /**
   * Suspends the calling hart. Retentive (`resumeAddr` undefined): resumes after the ecall on
   * an interrupt. Non-retentive: resumes at resumeAddr with a0 = hartid, a1 = opaque.
   */
  hartSuspend(hartId: number, resumeAddr?: bigint, opaque?: bigint): void;
  /** SRST: shuts down, cold- or warm-reboots the system with a reason (0 = none, 1 = failure). */
  systemReset(type: number, reason: number): void;
  /** Current value of the time CSR as the guest sees it. */
  time(): bigint;
  /**
   * Optional: clears the hart's pending VS software interrupt (hvip.VSSIP) for the legacy
   * clear_ipi call; returns whether one was pending. Without it clear_ipi returns 0 and
   * leaves the bit alone (the guest can still clear sip.SSIP itself).
   */
  clearIpi?(hartId: number): boolean;
  /**
   * Optional: reads guest memory at a guest *virtual* address through the calling hart's
   * vsatp (and the G-stage), as KVM does with HLV for the legacy hart-mask pointers. Returns
   * the bytes or the fault to redirect. Without it the legacy calls treat the pointer as a
   * guest-physical address (right for guests that run with vsatp = Bare, as early boot does).
   */
  readGuestVirt?(hartId: number, gva: bigint, length: number): Uint8Array | SbiGuestFault;
  /**
   * Host nanoseconds `hartId` has been runnable but not running (steal time, for STA); without
   * it STA is not offered.
   */
  stealNs?(hartId: number): number;
}
