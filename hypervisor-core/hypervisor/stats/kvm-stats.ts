/**
 * The exit counts under RISC-V KVM's vCPU statistics names (Linux arch/riscv/kvm/vcpu.c,
 * `kvm_vcpu_stats_desc`), so a run here can be set beside `kvm_stat` or the binary stats fd of
 * a real KVM host. Each counter counts what KVM counts, as it would for this guest on a KVM host
 * with QEMU as the user-space VMM:
 *
 * - `exits`: every return from the guest (vcpu.c `kvm_arch_vcpu_ioctl_run`), the host timer
 *   ending a slice included; equals the report's `totalExits`.
 * - `ecall_exit_stat`: SBI calls KVM forwards to user space (vcpu_sbi.c
 *   `kvm_riscv_vcpu_sbi_forward`): legacy console_putchar / console_getchar (vcpu_sbi_v01.c),
 *   DBCN write / read / write_byte (vcpu_sbi_replace.c), the experimental and vendor ranges.
 *   Calls KVM answers in the kernel (TIME, IPI, RFENCE, HSM, BASE, SRST...) are not counted.
 * - `wfi_exit_stat`: WFI trapped by hstatus.VTW (vcpu_insn.c `wfi_insn`).
 * - `wrs_exit_stat`: Zawrs WRS.NTO / WRS.STO; the harts have no Zawrs, so always 0.
 * - `mmio_exit_kernel`: MMIO a kernel device answers on KVM_MMIO_BUS (vcpu_insn.c
 *   `kvm_riscv_vcpu_mmio_load/store`); with QEMU that is a virtio-mmio QueueNotify write, which
 *   QEMU hands to the kernel as an ioeventfd.
 * - `mmio_exit_user`: every other MMIO exit (UART, PLIC, other virtio registers, unassigned
 *   addresses): QEMU emulates them in user space.
 * - `csr_exit_kernel`, `csr_exit_user`: CSR accesses KVM emulates (vcpu_insn.c `csr_insn`). The
 *   hypervisor emulates no CSR for the guest; like KVM for a CSR it has no handler for, it
 *   reflects the access as an illegal instruction, which counts in neither: always 0.
 * - `signal_exits`: runs ended by a signal for the VMM thread; there is no such thing here: 0.
 * - `instr_illegal_exits`, `load_misaligned_exits`, `store_misaligned_exits`,
 *   `load_access_exits`, `store_access_exits`: the traps of that cause that KVM reflects to the
 *   guest (vcpu_exit.c `kvm_riscv_vcpu_exit`). An instruction access fault counts in none.
 *
 * Guest page faults and virtual-instruction exits count only in `exits`, as under KVM.
 * Counting is O(1) and allocates nothing: one Float64Array, vCPU-major.
 */
import { Cause } from '../../hart/csr-numbers';
import type { VmExit } from '../exits';

/** KVM's RISC-V vCPU statistics names, in the order of `kvm_vcpu_stats_desc`. */
export const KVM_VCPU_STATS = [
  'ecall_exit_stat',
  'wfi_exit_stat',
  'wrs_exit_stat',
  'mmio_exit_user',
  'mmio_exit_kernel',
  'csr_exit_user',
  'csr_exit_kernel',
  'signal_exits',
  'exits',
  'instr_illegal_exits',
  'load_misaligned_exits',
  'store_misaligned_exits',
  'load_access_exits',
  'store_access_exits',
] as const;

/** One KVM vCPU statistic name. */
export type KvmStatName = (typeof KVM_VCPU_STATS)[number];

/** The counters of one vCPU, or of all together, by KVM name. */
export type KvmCounters = Record<KvmStatName, number>;

/** The `kvm` object of the exit-statistics report. */
export interface KvmStatsReport {
  /** All vCPUs together, as kvm_stat shows a VM. */
  total: KvmCounters;
  perVcpu: (KvmCounters & { vcpu: number })[];
}

const N = KVM_VCPU_STATS.length;
const I = Object.fromEntries(KVM_VCPU_STATS.map((n, i) => [n, i])) as Record<KvmStatName, number>;

const EID_LEGACY_CONSOLE_PUTCHAR = 0x01;
const EID_LEGACY_CONSOLE_GETCHAR = 0x02;
const EID_DBCN = 0x4442434e;
const EID_EXPERIMENTAL_FIRST = 0x08000000;
const EID_VENDOR_LAST = 0x09ffffff;

/** Whether KVM forwards the SBI call to user space (and counts it in ecall_exit_stat). */
export function kvmForwardsSbi(eid: number, fid: number): boolean {
  const e = eid >>> 0;
  if (e === EID_LEGACY_CONSOLE_PUTCHAR || e === EID_LEGACY_CONSOLE_GETCHAR) return true;
  // console_write, console_read, console_write_byte; other DBCN functions are refused in KVM.
  if (e === EID_DBCN) return (fid >>> 0) <= 2;
  return e >= EID_EXPERIMENTAL_FIRST && e <= EID_VENDOR_LAST;
}

/** Per-vCPU counters under KVM's names. */
export class KvmStats {
  private readonly counts: Float64Array;

  constructor(readonly vcpus: number) {
    this.counts = new Float64Array(vcpus * N);
  }

  /**
   * Counts one handled exit of `vcpu`. `kernelMmio`: an MMIO exit that KVM would answer in the
   * kernel (a virtio QueueNotify write, an ioeventfd under QEMU).
   */
  record(vcpu: number, exit: VmExit, kernelMmio: boolean): void {
    const base = vcpu * N;
    const c = this.counts;
    c[base + I.exits]++;
    switch (exit.reason) {
      case 'sbi':
        if (kvmForwardsSbi(exit.eid, exit.fid)) c[base + I.ecall_exit_stat]++;
        break;
      case 'mmio':
        c[base + (kernelMmio ? I.mmio_exit_kernel : I.mmio_exit_user)]++;
        break;
      case 'wfi':
        c[base + I.wfi_exit_stat]++;
        break;
      case 'illegal-instruction':
        c[base + I.instr_illegal_exits]++;
        break;
      case 'fault-redirect': {
        const k = exit.cause === Cause.MISALIGNED_LOAD ? I.load_misaligned_exits
          : exit.cause === Cause.MISALIGNED_STORE ? I.store_misaligned_exits
            : exit.cause === Cause.LOAD_ACCESS ? I.load_access_exits
              : exit.cause === Cause.STORE_ACCESS ? I.store_access_exits : -1;
        if (k >= 0) c[base + k]++;
        break;
      }
      default:
        break; // guest page faults, virtual instructions, slice ends: `exits` only
    }
  }

  /** Forgets everything counted. */
  reset(): void {
    this.counts.fill(0);
  }

  /** A snapshot (fresh objects). */
  report(): KvmStatsReport {
    const perVcpu: (KvmCounters & { vcpu: number })[] = [];
    const total = emptyCounters();
    for (let v = 0; v < this.vcpus; v++) {
      const row = { vcpu: v, ...emptyCounters() };
      KVM_VCPU_STATS.forEach((name, i) => {
        row[name] = this.counts[v * N + i];
        total[name] += row[name];
      });
      perVcpu.push(row);
    }
    return { total, perVcpu };
  }
}

function emptyCounters(): KvmCounters {
  return Object.fromEntries(KVM_VCPU_STATS.map((n) => [n, 0])) as KvmCounters;
}

/**
 * The counters as text, one line per name as kvm_stat lists them: the name, the total, and with
 * more than one vCPU a column per vCPU.
 */
export function formatKvmStats(kvm: KvmStatsReport): string {
  const w = Math.max(...KVM_VCPU_STATS.map((n) => n.length));
  const multi = kvm.perVcpu.length > 1;
  const cols = multi ? kvm.perVcpu.map((v) => `vcpu${v.vcpu}`) : [];
  const cw = Math.max(10, ...KVM_VCPU_STATS.map((n) => String(kvm.total[n]).length + 1));
  const head = ['KVM vCPU statistics (arch/riscv/kvm names), all vCPUs:', '',
    ['Event'.padEnd(w), 'Total'.padStart(cw), ...cols.map((c) => c.padStart(cw))].join(' ').trimEnd()];
  const lines = KVM_VCPU_STATS.map((name) =>
    [name.padEnd(w), String(kvm.total[name]).padStart(cw), ...(multi ? kvm.perVcpu.map((v) => String(v[name]).padStart(cw)) : [])].join(' '));
  return [...head, ...lines].join('\n') + '\n';
}
