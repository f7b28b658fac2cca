/**
 * The exit-statistics report: what `hyperscope run --stats-json` writes, what the debug
 * adapter's `hyperscope.exitStats` request returns and what the Exit Statistics panel shows.
 * Times are host nanoseconds spent handling exits (measured with process.hrtime); counts are
 * exact and, with the icount clock, reproducible run to run.
 */
import type { KvmStatsReport } from './kvm-stats';
import type { NetworkReport } from './network-report';
import type { InterruptReport } from './interrupt-report';
import type { ThreadsReport } from '../threads/thread-stats';

/** One row of the perf-kvm-stat style table. */
export interface ExitStatsRow {
  /** Exit reason (see EXIT_REASONS) or breakdown key ("TIME.set_timer", "uart0"...). */
  key: string;
  samples: number;
  /** Share of samples in percent (0..100) within the table the row belongs to. */
  samplesPct: number;
  /** Share of handling time in percent (0..100) within the table the row belongs to. */
  timePct: number;
  totalNs: number;
  minNs: number;
  maxNs: number;
  meanNs: number;
  /**
   * Relative standard deviation of the mean, in percent: perf kvm stat's "( +- x% )", i.e.
   * 100 * sqrt(variance / samples) / mean with the sample variance; 0 below 2 samples.
   */
  stddevPct?: number;
  /**
   * Log2 histogram of the handling times: bucket counts sum to `samples`. Always present in
   * reports made by ExitStats; optional for older ones.
   */
  histogram?: LatencyHistogram;
}

/** One bucket of a log2 histogram: `count` values in [lo, hi). */
export interface HistogramBucket {
  lo: number;
  hi: number;
  count: number;
}

/**
 * A log2 latency histogram as bpftrace's hist() and bcc's funclatency make them: bucket k
 * holds values in [2^k, 2^(k+1)) and the first bucket [0, 2). Only the buckets from the first
 * to the last non-empty one are listed, in ascending order (empty ones between included).
 */
export interface LatencyHistogram {
  unit: 'ns';
  buckets: HistogramBucket[];
}

/** Statistics of one vCPU. */
export interface VcpuStats {
  vcpu: number;
  /** Guest instructions retired by this vCPU. */
  instructions: number;
  /** Host time running guest code. */
  guestNs: number;
  /** Host time handling this vCPU's exits. */
  hypervisorNs: number;
  /**
   * Host time the vCPU ran (guest code and its exits), waited while runnable for another vCPU
   * to leave the host thread (its steal time), and was blocked (WFI, suspend); paused and
   * stopped time in none. Present in reports made by ExitStats; optional for older ones.
   */
  runNs?: number;
  waitNs?: number;
  blockedNs?: number;
  reasons: ExitStatsRow[];
}

/** The whole report. Field names are the JSON schema documented in the README. */
export interface ExitStatsReport {
  schema: 'hyperscope.exit-stats/1';
  clock: 'realtime' | 'icount';
  vcpus: number;
  totalExits: number;
  /** Guest instructions retired by all vCPUs. */
  instructions: number;
  guestNs: number;
  hypervisorNs: number;
  /** Per exit reason, all vCPUs together, sorted by samples (descending). */
  reasons: ExitStatsRow[];
  /** SBI calls by "EXTENSION.function" (e.g. "TIME.set_timer", "legacy.console_putchar"). */
  sbi: ExitStatsRow[];
  /** MMIO exits by device name (e.g. "uart0", "plic"). */
  mmio: ExitStatsRow[];
  /**
   * Virtio notifications (QueueNotify writes, also counted under `mmio`) by device and queue,
   * "virtio-blk0.q0". Always present in reports made by ExitStats; optional for older ones.
   */
  virtio?: ExitStatsRow[];
  /**
   * The VM's NICs and the switch ports they are on (network-report.ts); only in reports of a
   * VM with a virtio-net device.
   */
  network?: NetworkReport;
  /** What each vCPU thread did (CPU seconds, slices, exits, waits) in a run on vCPU threads (`--threads` above 1). */
  threads?: ThreadsReport;
  /** Interrupts delivered and the exits each cost (interrupt-report.ts); in reports of a running VM. */
  interrupts?: InterruptReport;
  perVcpu: VcpuStats[];
  /**
   * The exit counts under RISC-V KVM's vCPU statistics names (kvm-stats.ts). Always present in
   * reports made by ExitStats; optional for older ones.
   */
  kvm?: KvmStatsReport;
  /**
   * Per exit reason, the guest code its exits came from, most exits first (exit-sites.ts).
   * Always present in reports made by ExitStats; optional for older ones.
   */
  attribution?: ExitAttribution[];
  /**
   * The dirty page log while one ran (dirty-log.ts): write-protection faults, pages logged by
   * host writes, pages fetched over all rounds. Absent when the log was never on.
   */
  dirtyLog?: { protectionFaults: number; hostWrites: number; pagesFetched: number; fetches: number };
  /** The memory balloon and the host memory the VM commits, when the VM has a balloon (`--balloon`). */
  balloon?: BalloonStats;
  /**
   * The memory virtualisation technique that ran: "two-stage" (the hart's G-stage) or "shadow"
   * (the hypervisor's shadow tables). Always present in reports made by ExitStats in a VM.
   */
  mmuMode?: string;
  /** The CPU virtualisation technique that ran: "hardware" (the H extension runs the guest in VS/VU). */
  cpuVirtMode?: string;
  /** What the techniques cost beyond the exit counts (memvirt/port.ts); present with `mmuMode`. */
  memVirt?: MemVirtReport;
}

/** The memory virtualisation's own figures. */
export interface MemVirtReport {
  /** "page-fault" exits by outcome: "fill-read", "fill-write", "fill-fetch", "dirty" (D set, made writable), "inject". */
  pageFaults: ExitStatsRow[];
  /** "virtual-instruction" exits by the instruction emulated: "csrrw satp", "sfence.vma vaddr"... */
  emulated: ExitStatsRow[];
  /** Shadow entries made on page faults (the fill rows together). */
  shadowFills: number;
  /** Stores to clean pages: the guest PTE's D set and the shadow entry made writable. */
  dirtyUpdates: number;
  /** Page and access faults delivered to the guest by the hypervisor. */
  injectedFaults: number;
  /** Shadow resynchronisations by SFENCE.VMA of one page, of an ASID, of everything, and by SBI remote fences. */
  resyncs: { page: number; asid: number; all: number; remote: number };
  /** Shadow table pages in use at the end, and times the pool ran out and was emptied. */
  shadowTablePages: number;
  poolResets: number;
  /**
   * Translations the harts made (TLB refills, and accesses that fault: a device access under
   * either technique, a shadow miss) and the PTE reads their page walks made.
   */
  tlbMisses: number;
  walkPteReads: number;
  /** walkPteReads / tlbMisses: the memory references of one hardware walk (2D walk vs shadow walk). */
  pteReadsPerTlbMiss: number;
  /** PTE reads the hypervisor made walking the guest's tables in software (shadow fills, MMIO decoding). */
  softwarePteReads: number;
}

/**
 * A VM's memory balloon (virtio-balloon) as `virsh dommemstat` reports a domain's: the target
 * and the balloon's size, the host memory committed to the guest's RAM, and the guest's own
 * statistics under libvirt's names.
 */
export interface BalloonStats {
  /** Guest RAM. */
  ramBytes: number;
  /** The size the balloon is asked to have. */
  targetBytes: number;
  /** The size the driver says it has (its config `actual`). */
  actualBytes: number;
  /** Host memory backing guest RAM now: pages the guest touched, less the ones the balloon released. */
  committedBytes: number;
  /**
   * libvirt's names, in KiB except the fault counts: swap_in, swap_out, major_fault,
   * minor_fault, unused, available, usable, disk_caches (the guest's, once it sent them),
   * actual (the guest's memory with the balloon taken out) and rss (committedBytes).
   */
  guest: Record<string, number>;
}

/** The guest code behind one exit reason. */
export interface ExitAttribution {
  reason: string;
  /** Exits of the reason counted (all vCPUs). */
  samples: number;
  /**
   * Exits at pcs the bounded table had no room for (past SITES_PER_REASON distinct pcs).
   * The listed sites, the unlisted smaller ones and `other` add up to `samples`.
   */
  other: number;
  /** The pcs with the most exits, most first. */
  sites: ExitSite[];
}

/** One guest pc and its exits, with its place in the guest's code when symbols are loaded. */
export interface ExitSite {
  /** Guest virtual pc of the trapping instruction, "0x80200776" (unsigned 64-bit hex). */
  pc: string;
  count: number;
  /** The innermost function holding the pc (an inlined copy's own name), from DWARF or the ELF symbols. */
  function?: string;
  /** The ELF symbol and offset, as objdump prints it: "sbi_ecall+0x18". */
  symbol?: string;
  /** Source file and line of the pc (DWARF line table; the path as recorded). */
  file?: string;
  line?: number;
}
