/**
 * Exit statistics: per vCPU and exit reason, the number of exits and the host time spent
 * handling them (min / max / mean / total / spread), with breakdowns of SBI calls by
 * "EXTENSION.function", MMIO exits by device and virtio notifications by device and queue
 * ("virtio-blk0.q0"), and the time spent running guest code; every row carries a log2
 * latency histogram of its handling times.
 * This is the data behind `hyperscope run --stats`, `--stats-json` and the panel; its
 * shape is `ExitStatsReport` (report.ts).
 *
 * `record` runs on every VM exit, so it is O(1) and allocates nothing: per vCPU x reason
 * slots are preallocated typed arrays; breakdown keys get one slot the first time they are
 * seen (a Map lookup afterwards). Breakdown keys are capped so a guest issuing random SBI
 * ids cannot grow memory without bound: past the cap, new keys count under "other".
 */
import { VcpuTimes } from './vcpu-times';
import { EXIT_REASONS, ExitReason } from '../exit-reason';
import { ExitStatsReport, ExitStatsRow, MemVirtReport, VcpuStats } from './report';
import { StatTable } from './running-stat';
import { KvmStats } from './kvm-stats';
import { ExitSites } from './exit-sites';
import { interruptReport, type InterruptCounts, type InterruptReport } from './interrupt-report';

/** Most distinct breakdown keys kept per table before new ones fold into OTHER_KEY. */
export const MAX_BREAKDOWN_KEYS = 256;
/** Key that collects breakdown samples past MAX_BREAKDOWN_KEYS. */
export const OTHER_KEY = 'other';

const REASONS = EXIT_REASONS.length;
const REASON_INDEX = new Map<string, number>(EXIT_REASONS.map((r, i) => [r, i]));

/** Optional detail of an exit, for the breakdown tables. */
export interface ExitDetail {
  /** SBI statistics key, "TIME.set_timer" (see SbiDispatcher.statsKey). */
  sbi?: string;
  /** MMIO device name, "uart0". */
  mmio?: string;
}

/** A breakdown table: key -> slot in a growable StatTable. */
class Breakdown {
  private readonly slots = new Map<string, number>();
  private table = new StatTable(16);

  add(key: string, ns: number): void {
    let i = this.slots.get(key);
    if (i === undefined) {
      if (this.slots.size >= MAX_BREAKDOWN_KEYS) {
        i = this.slots.get(OTHER_KEY);
        if (i === undefined) i = this.newSlot(OTHER_KEY);
      } else {
        i = this.newSlot(key);
      }
    }
    this.table.add(i, ns);
  }

  rows(): ExitStatsRow[] {
    return buildRows([...this.slots].map(([key, i]) => ({ key, table: this.table, i })));
  }

  clear(): void {
    this.slots.clear();
    this.table.clear();
  }

  private newSlot(key: string): number {
    const i = this.slots.size;
    if (i >= this.table.size) {
      // Amortised growth; happens once per new key at most, not per exit.
      const bigger = new StatTable(this.table.size * 2);
      for (let j = 0; j < i; j++) bigger.merge(j, this.table, j);
      this.table = bigger;
    }
    this.slots.set(key, i);
    return i;
  }
}

/** Counters of one VM. */
export class ExitStats {
  private readonly exits: StatTable;
  private readonly guestNs: Float64Array;
  private readonly instructions: Float64Array;
  private readonly sbi = new Breakdown();
  private readonly mmio = new Breakdown();
  private readonly virtio = new Breakdown();
  private readonly pageFaults = new Breakdown();
  private readonly emulated = new Breakdown();
  /**
   * Set by the VM: the techniques it runs with and their counters (the breakdown rows are
   * added here). Without it the report has no `mmuMode`, as for a bare ExitStats.
   */
  techniques?: () => { mmuMode: string; cpuVirtMode: string; memVirt: Omit<MemVirtReport, 'pageFaults' | 'emulated'> };
  /** The same exits under RISC-V KVM's vCPU statistics names (the VM counts them: see kvm-stats.ts). */
  readonly kvm: KvmStats;
  /** Per exit reason, the guest pcs the exits came from (the VM records them: see exit-sites.ts). */
  readonly sites = new ExitSites();
  /** The dirty log's counters once the VM started one (the VM sets it: see dirty-log.ts). */
  dirtyLog: { protectionFaults: number; hostWrites: number; pagesFetched: number; fetches: number } | null = null;
  /** Run, wait and blocked host time per vCPU (the VM's scheduler reports: see vcpu-times.ts). */
  readonly times: VcpuTimes;

  /**
   * @param vcpus number of vCPUs (0..vcpus-1)
   * @param clock the VM clock in use, reported as is
   */
  constructor(
    readonly vcpus: number,
    readonly clock: 'realtime' | 'icount',
  ) {
    if (!Number.isInteger(vcpus) || vcpus < 1) throw new RangeError(`exit statistics need at least one vCPU, got ${vcpus}`);
    this.exits = new StatTable(vcpus * REASONS);
    this.guestNs = new Float64Array(vcpus);
    this.instructions = new Float64Array(vcpus);
    this.kvm = new KvmStats(vcpus);
    this.times = new VcpuTimes(vcpus);
  }

  /** Counts one exit of `vcpu` that took `ns` host nanoseconds to handle. */
  record(vcpu: number, reason: ExitReason, ns: number, detail?: ExitDetail): void {
    this.exits.add(this.slot(vcpu, reason), ns);
    if (detail !== undefined) {
      if (detail.sbi !== undefined) this.sbi.add(detail.sbi, ns);
      if (detail.mmio !== undefined) this.mmio.add(detail.mmio, ns);
    }
  }

  /** `record(vcpu, 'sbi', ns, { sbi: key })` without the detail object. */
  recordSbi(vcpu: number, ns: number, key: string): void {
    this.exits.add(this.slot(vcpu, 'sbi'), ns);
    this.sbi.add(key, ns);
  }

  /** `record(vcpu, 'mmio', ns, { mmio: device })` without the detail object. */
  recordMmio(vcpu: number, ns: number, device: string): void {
    this.exits.add(this.slot(vcpu, 'mmio'), ns);
    this.mmio.add(device, ns);
  }

  /**
   * Adds a virtio notification ("virtio-blk0.q0") to the virtio breakdown. The exit itself is
   * counted by recordMmio: this is a breakdown of those MMIO exits, not another exit.
   */
  recordVirtio(key: string, ns: number): void {
    this.virtio.add(key, ns);
  }

  /** Adds a handled page-fault exit to its outcome's row ("fill-read", "inject"...); the exit itself is counted by record. */
  recordPageFault(key: string, ns: number): void {
    this.pageFaults.add(key, ns);
  }

  /** Adds an emulated instruction ("csrrw satp") to the breakdown of virtual-instruction exits. */
  recordEmulated(key: string, ns: number): void {
    this.emulated.add(key, ns);
  }

  /** Adds time spent running guest code and the instructions it retired. */
  addGuestTime(vcpu: number, ns: number, instructions: number): void {
    this.checkVcpu(vcpu);
    this.guestNs[vcpu] += ns;
    this.instructions[vcpu] += instructions;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.exits.clear();
    this.guestNs.fill(0);
    this.instructions.fill(0);
    this.sbi.clear();
    this.mmio.clear();
    this.virtio.clear();
    this.pageFaults.clear();
    this.emulated.clear();
    this.kvm.reset();
    this.sites.reset();
    this.times.reset();
    this.interruptBase = this.interruptCounts?.() ?? null;
  }

  /** The VM's interrupt counts, for the report's `interrupts` (set by the VM). */
  interruptCounts?: () => InterruptCounts;
  /** Interrupt counts at the last reset (a reset starts the interrupt figures from zero too). */
  private interruptBase: InterruptCounts | null = null;

  /** A snapshot of the statistics (a fresh object; later records do not change it). */
  report(): ExitStatsReport {
    const perVcpu: VcpuStats[] = [];
    const all = new StatTable(REASONS);
    let guestNs = 0;
    let instructions = 0;
    for (let v = 0; v < this.vcpus; v++) {
      const slots = EXIT_REASONS.map((key, r) => ({ key, table: this.exits, i: v * REASONS + r }));
      for (let r = 0; r < REASONS; r++) all.merge(r, this.exits, v * REASONS + r);
      const reasons = buildRows(slots);
      perVcpu.push({
        vcpu: v,
        instructions: this.instructions[v],
        guestNs: this.guestNs[v],
        hypervisorNs: sum(reasons, (row) => row.totalNs),
        ...this.times.row(v),
        reasons,
      });
      guestNs += this.guestNs[v];
      instructions += this.instructions[v];
    }
    const reasons = buildRows(EXIT_REASONS.map((key, i) => ({ key, table: all, i })));
    const t = this.techniques?.();
    const techniques = t ? {
      mmuMode: t.mmuMode, cpuVirtMode: t.cpuVirtMode,
      memVirt: { pageFaults: this.pageFaults.rows(), emulated: this.emulated.rows(), ...t.memVirt },
    } : {};
    return {
      schema: 'hyperscope.exit-stats/1',
      clock: this.clock,
      vcpus: this.vcpus,
      totalExits: sum(reasons, (row) => row.samples),
      instructions,
      guestNs,
      hypervisorNs: sum(reasons, (row) => row.totalNs),
      reasons,
      sbi: this.sbi.rows(),
      mmio: this.mmio.rows(),
      virtio: this.virtio.rows(),
      perVcpu,
      kvm: this.kvm.report(),
      attribution: this.sites.report(),
      ...(this.interruptCounts ? { interrupts: this.interrupts(reasons, this.mmio.rows()) } : {}),
      ...(this.dirtyLog ? { dirtyLog: { ...this.dirtyLog } } : {}),
      ...techniques,
    };
  }

  /** The interrupt figures since the last reset. */
  private interrupts(reasons: ExitStatsRow[], mmio: ExitStatsRow[]): InterruptReport {
    const now = this.interruptCounts!();
    const base = this.interruptBase;
    const since = (a: number, b: number | undefined) => a - (b ?? 0);
    const counts: InterruptCounts = {
      controller: now.controller, external: since(now.external, base?.external), ipis: since(now.ipis, base?.ipis),
      ...(now.sgeiWakeups !== undefined ? { sgeiWakeups: since(now.sgeiWakeups, base?.sgeiWakeups) } : {}),
    };
    const exits = sum(reasons.filter((r) => r.key !== 'interrupt'), (r) => r.samples);
    const controllerExits = sum(mmio.filter((r) => r.key === 'plic' || r.key === 'aplic'), (r) => r.samples);
    return interruptReport(counts, exits, controllerExits);
  }

  private slot(vcpu: number, reason: ExitReason): number {
    this.checkVcpu(vcpu);
    const r = REASON_INDEX.get(reason);
    if (r === undefined) throw new RangeError(`unknown exit reason '${reason}'`);
    return vcpu * REASONS + r;
  }

  private checkVcpu(vcpu: number): void {
    if (!(vcpu >= 0 && vcpu < this.vcpus && Number.isInteger(vcpu))) {
      throw new RangeError(`no vCPU ${vcpu} (the VM has ${this.vcpus})`);
    }
  }
}

function sum(rows: ExitStatsRow[], f: (row: ExitStatsRow) => number): number {
  let s = 0;
  for (const row of rows) s += f(row);
  return s;
}

/** Rows for the slots with samples, percentages within the table, sorted by samples then key. */
function buildRows(slots: { key: string; table: StatTable; i: number }[]): ExitStatsRow[] {
  const used = slots.filter((s) => s.table.count[s.i] > 0);
  let samples = 0;
  let time = 0;
  for (const s of used) {
    samples += s.table.count[s.i];
    time += s.table.total[s.i];
  }
  const rows = used.map(({ key, table, i }): ExitStatsRow => ({
    key,
    samples: table.count[i],
    samplesPct: (100 * table.count[i]) / samples,
    timePct: time > 0 ? (100 * table.total[i]) / time : 0,
    totalNs: table.total[i],
    minNs: table.min[i],
    maxNs: table.max[i],
    meanNs: table.total[i] / table.count[i],
    stddevPct: table.relStddevPct(i),
    histogram: table.histogram(i),
  }));
  return rows.sort((a, b) => b.samples - a.samples || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
