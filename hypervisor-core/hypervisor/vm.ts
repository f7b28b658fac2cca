/**
 * A virtual machine: host memory with the guest's RAM slot and its G-stage table, N vCPUs
 * (one hart each), the guest MMIO bus with the QEMU-virt devices, SBI firmware services, the
 * VM clock and the scheduler loop; each handled exit goes to the exit statistics and the exit
 * trace (exit-recording.ts). Built like a KVM VM plus the user-space VMM around it; what it
 * is built with and why it stops are in vm-options.ts.
 */
import type { VirtioBalloon } from '../devices/virtio/balloon/device';
import { MmioBus } from '../bus/mmio-bus';
import { ConsoleInput } from '../devices/console-input';
import { CallbackIrqLine, IrqLine } from '../devices/irq-line';
import { Plic } from '../devices/plic';
import { Aclint } from '../devices/aclint';
import { TestFinisher, type FinisherRequest } from '../devices/test-finisher';
import { Uart16550 } from '../devices/uart16550';
import { VirtioMmioTransport } from '../devices/virtio/transport/mmio';
import type { VirtioDevice } from '../devices/virtio/virtio-device';
import { Irq } from '../hart/csr-numbers';
import { Hart, StopReason } from '../hart/hart';
import { warmUpInterpreter } from '../hart/warm-up';
import { JIT_DEFAULTS } from '../hart/jit/block-cache';
import { toBigU64 } from '../hart/int64';
import { Slot } from '../hart/hart-state';
import { PAGE_SIZE } from '../memory/address';
import { PageAllocator } from '../memory/page-allocator';
import { PhysMemory } from '../memory/phys-memory';
import { CLINT_BASE, CLINT_SIZE, TEST_BASE, TEST_SIZE } from '../machine/memory-map';
import { APLIC_S_BASE, APLIC_SIZE } from '../machine/memory-map';
import { DRAM_BASE, PLIC_BASE, PLIC_SIZE, UART0_BASE, UART0_IRQ, UART0_SIZE } from '../machine/memory-map';
import { VIRTIO_COUNT, VIRTIO_IRQ_BASE, VIRTIO_STRIDE, virtioSlotBase } from '../machine/memory-map';
import { VmClock } from './clock';
import { GStage, LEAF_FLAGS } from './gstage';
import { MemVirt, MMU_MODES } from './memvirt/port';
import { ShadowMmu } from './memvirt/shadow';
import { TwoStage } from './memvirt/two-stage';
import { DirtyLog } from './dirty-log';
import { Pte } from '../mmu/walker';
import { GuestRam } from './guest-ram';
import { SbiDispatcher } from './sbi/dispatcher';
import { RegisterCall } from './sbi/register-call';
import { VmSbiHost } from './vm-sbi-host';
import { STA_STRUCT_SIZE, StaExtension } from './sbi/sta';
import { Eid } from './sbi/eids';
import { ExitStats } from './stats/exit-stats';
import type { AccountedState } from './stats/vcpu-times';
import { ExitTrace, ExitRecord, ExitRegs } from './trace/exit-trace';
import { ExitRecorder } from './exit-recording';
import { Timeline } from './trace/timeline';
import { describeFaultLoop } from './fault-loop';
import { IdleTime } from './idle-time';
import { Vcpu } from './vcpu';
import { VmAia } from './aia';
import { VirtualMmode } from './virtual-mmode';
import { CPU_VIRT_MODES, TrapEmulate } from './cpuvirt/trap-emulate';
import { decodeExit, type VmExit } from './exits';
import type { RemoteVcpus } from './threads/remote-vcpus';
import type { InterruptCounts } from './stats/interrupt-report';
import { SHADOW_POOL_PAGES, type VmOptions, type VmStop } from './vm-options';

export { SHADOW_POOL_PAGES, type VmOptions, type VmStop } from './vm-options';

/** What one exit counts against runFor's budget, in instructions (host time of an exit). */
const EXIT_COST = 500;

/**
 * What one round of leftover device work (up to SERVICE_CHAINS requests) counts against
 * runFor's budget, in instructions: about what the host spends on it, so a device kept busy
 * forever still lets runFor return within its usual time.
 */
export const DEVICE_ROUND_COST = 100_000;

/** Instructions a vCPU runs before the scheduler moves on (the host timer slice). */
export const SLICE_INSTRUCTIONS = 50_000;

let nextVmid = 1;

/** The VmStop for a hart's debugger stop. */
function debugStop(vcpu: number, stop: StopReason): VmStop {
  if (stop === StopReason.WATCHPOINT) return { kind: 'breakpoint', vcpu, cause: 'watchpoint' };
  if (stop === StopReason.GUEST_TRAP) return { kind: 'breakpoint', vcpu, cause: 'guest-trap' };
  return { kind: 'breakpoint', vcpu };
}

/** One virtual machine. */
export class Vm {
  readonly host: PhysMemory;
  readonly ram: GuestRam;
  readonly gstage: GStage;
  /** Host pages for guest RAM and G-stage tables. */
  readonly alloc: PageAllocator;
  /** How guest addresses become host ones: two-stage translation or shadow paging (`mmu`). */
  readonly memVirt: MemVirt;
  readonly vmid = nextVmid++;
  readonly bus = new MmioBus();
  readonly uart: Uart16550;
  /** The PLIC (the default interrupt controller); absent with `aia`. */
  readonly plic?: Plic;
  /** With `aia`: the APLIC, the harts' IMSICs and the MSI delivery. */
  readonly aia?: VmAia;
  /** The wired interrupt controller devices' lines go to: the PLIC or the APLIC. */
  private readonly irqChip: { source(n: number): IrqLine };
  /** With bios 'none': the CLINT (MSWI + MTIMER) and the test finisher. */
  readonly clint?: Aclint;
  readonly finisher?: TestFinisher;
  /** Virtio-mmio transports, indexed by slot (undefined: empty slot). */
  readonly virtio: (VirtioMmioTransport | undefined)[] = [];
  readonly vcpus: Vcpu[] = [];
  readonly clock: VmClock;
  readonly stats: ExitStats;
  readonly trace = new ExitTrace();
  /** The vCPU timeline recorder (`hyperscope run --trace`); none by default. */
  timeline?: Timeline;
  /** The memory balloon, when the board has one (`hyperscope run --balloon`): it polls the guest's statistics between batches. */
  balloon?: VirtioBalloon;
  readonly sbi: SbiDispatcher;
  /** The STA extension, told when a vCPU is about to run. */
  private readonly sta: StaExtension | undefined;
  /** What the user types: one bounded queue that the UART, virtio console and SBI console read. */
  readonly input = new ConsoleInput();
  /** The SBI console's place in `input` (getchar / DBCN read). */
  readonly sbiConsoleInput = this.input.reader();
  /** Set when the VM must stop (shutdown, fatal error); run() returns it. */
  stopRequest: VmStop | null = null;
  /**
   * Debugger hook, called after each traced exit (and each slice-end interrupt exit, with a
   * record made only when the hook is set); returning true stops `runFor` with 'exit-breakpoint'.
   */
  onExit?: (record: ExitRecord) => boolean;
  /**
   * Called once when a vCPU loops on a fault (FAULT_LOOP_EXITS identical exits at the same
   * pc with nothing retired) with a one-line description; returning true stops `runFor` with
   * 'fault-loop' (the debugger), false keeps the VM running (the CLI's warning).
   */
  onFaultLoop?: (vcpu: number, message: string) => boolean;
  /**
   * runFor returns 'paused' after the first scheduler slice that brings the VM's retired
   * instructions to this count (`--save-at`): every vCPU is then at an instruction boundary
   * and the scheduler between two slices, where a snapshot continues exactly.
   */
  pauseAtInstructions = Infinity;
  /** Set while the vCPUs run on host threads: where effects on other vCPUs go. */
  remote: RemoteVcpus | null = null;
  /**
   * runFor returns 'paused' as soon as this vCPU (-1: the VM, all vCPUs together) has retired
   * exactly this many instructions: slices are cut short to land on it (a debugger replaying
   * to a point in the past).
   */
  stopAtRetired: { vcpu: number; instret: number } | null = null;
  /**
   * The rest of a slice a debugger stop cut short (a breakpoint, watchpoint or guest trap, or
   * stopAtRetired): the next slice continues it on the same vCPU, so where the debugger stops
   * never changes the round robin, and a replay from a checkpoint interleaves the vCPUs as the
   * recorded run did. Also the rest of a slice a vCPU keeps across an exit (keepsSlice). A
   * snapshot keeps it. `cut`: the slice was cut short with no exit, so the vCPU goes on
   * without being descheduled (Hart.deschedule: its LR/SC reservation holds, as in the run
   * the debugger did not stop).
   */
  sliceLeft: { vcpu: number; budget: number; cut: boolean } | null = null;
  /** vCPUs the scheduler passes over (a debugger keeps them stopped while the others run: gdb's vCont with threads). */
  held: ReadonlySet<number> | null = null;
  private exitBreak: ExitRecord | null = null;
  /** The trap registers of the exit being handled. */
  private readonly exitRegs = new ExitRegs();
  /** Traces and counts every handled exit. */
  private readonly recorder = new ExitRecorder(this);
  /**
   * Host time (performance.now) at which the last exit's handling ended, or -1: the next
   * slice starts then, so one clock read serves both.
   */
  private clockMark = -1;
  private faultLoopStop: VmStop | null = null;
  private next = 0;
  /** Guest time while every vCPU waits (the idle periods of `idleSleep`). */
  private readonly idle: IdleTime;

  constructor(readonly opts: VmOptions) {
    if (opts.vcpus < 1 || opts.vcpus > 32) throw new RangeError(`vcpus must be 1..32, not ${opts.vcpus}`);
    const mmu = opts.mmu ?? 'two-stage';
    if (!(MMU_MODES as readonly string[]).includes(mmu)) throw new RangeError(`mmu must be ${MMU_MODES.join(' or ')}, not ${mmu}`);
    const cpuVirt = opts.cpuVirt ?? 'hardware';
    if (!(CPU_VIRT_MODES as readonly string[]).includes(cpuVirt)) throw new RangeError(`cpuVirt must be ${CPU_VIRT_MODES.join(' or ')}, not ${cpuVirt}`);
    const classic = cpuVirt === 'trap-emulate';
    if (classic && opts.mmu === 'two-stage') throw new RangeError('trap-and-emulate has no G-stage: its memory goes through shadow tables (mmu shadow)');
    // The emulation keeps the guest's privilege and CSRs on the VM's thread.
    if (classic && opts.sharedMemory) throw new RangeError('trap-and-emulate runs the vCPUs on one thread');
    // Shadow paging needs the guest in S-mode on SBI and every device behind MMIO exits.
    if (classic && (opts.bios === 'none' || opts.aia)) throw new RangeError('trap-and-emulate goes with the SBI firmware and the PLIC, not bios none or AIA');
    if (mmu === 'shadow' && opts.aia) throw new RangeError('shadow paging goes with the PLIC, not AIA');
    // Host memory: the guest's RAM, its G-stage tables (about 1/512 of RAM), the shadow
    // tables' pool when shadowing, and slack.
    const shadowPool = mmu === 'shadow' || classic ? SHADOW_POOL_PAGES * PAGE_SIZE : 0;
    const hostSize = opts.memory + Math.ceil(opts.memory / 256 / PAGE_SIZE) * PAGE_SIZE + shadowPool + 4 * 1024 * 1024;
    // In a WebAssembly.Memory with an area per vCPU for its registers and TLBs (hart-area.ts);
    // with vCPU threads another per vCPU for the thread's hart (the VM's thread keeps a copy),
    // and an interpreter area for each thread (as many as vCPUs: no more threads than that).
    const shared = opts.sharedMemory ?? false;
    this.host = new PhysMemory(DRAM_BASE, hostSize, shared, opts.vcpus * (shared ? 2 : 1), shared ? opts.vcpus : 1);
    this.alloc = new PageAllocator(this.host, this.host.base, this.host.base + hostSize);
    this.gstage = new GStage(this.host, this.alloc);
    this.ram = new GuestRam(DRAM_BASE, opts.memory, this.host, this.alloc);
    const shadow = mmu === 'shadow' || classic
      ? new ShadowMmu(this.host, this.alloc, this.gstage, this.ram, this.vmid, opts.vcpus, SHADOW_POOL_PAGES, classic)
      : null;
    this.memVirt = shadow ?? new TwoStage(this.gstage, this.vmid);
    this.clock = new VmClock(opts.clock, opts.sharedMemory ?? false);
    this.stats = new ExitStats(opts.vcpus, opts.clock);

    // With the vCPUs on threads (shared memory) each vCPU thread warms up its own interpreter;
    // here it would only make V8 compile a `run` this thread never executes (a third of a CPU
    // second on the background compiler, taken from the vCPU threads on a 2-core host).
    if (!opts.sharedMemory) warmUpInterpreter();
    for (let i = 0; i < opts.vcpus; i++) {
      const hart = new Hart(i, this.host);
      hart.svadu = opts.svadu ?? true;
      hart.setJit(opts.jit ?? JIT_DEFAULTS.enabled);
      hart.yieldOnSpin = opts.vcpus > 1;
      hart.setDeviceGpa((gpa) => !this.ram.contains(gpa)); // mapGuestPage maps RAM only
      const vcpu = new Vcpu(i, hart, this);
      if (classic) vcpu.cpuVirt = new TrapEmulate(hart, i, shadow!);
      this.vcpus.push(vcpu);
    }
    this.idle = new IdleTime(this.clock, this.vcpus, opts);
    if (opts.aia) {
      if (opts.bios === 'none') throw new RangeError('AIA needs the SBI firmware: the emulated M-mode has no machine-level IMSIC');
      this.aia = new VmAia({ harts: this.vcpus.map((v) => v.hart), gstage: this.gstage, wake: (i) => this.vcpus[i].tryWake() });
      this.bus.add(APLIC_S_BASE, APLIC_SIZE, this.aia.aplic);
      this.irqChip = this.aia.aplic;
    } else {
      const contexts: IrqLine[] = [];
      for (let i = 0; i < opts.vcpus; i++) {
        // The M-mode context reaches a guest only when it has an M-mode of its own.
        contexts.push(new CallbackIrqLine((level) => this.setMachineIrq(i, 'meip', level)));
        contexts.push(new CallbackIrqLine((level) => this.setGuestIrq(i, Irq.VSEI, level)));
      }
      this.plic = new Plic({ contexts });
      this.bus.add(PLIC_BASE, PLIC_SIZE, this.plic);
      this.irqChip = this.plic;
    }
    this.uart = new Uart16550({ irq: this.irqChip.source(UART0_IRQ), sink: (b) => opts.console(Uint8Array.of(b)), input: this.input });
    this.bus.add(UART0_BASE, UART0_SIZE, this.uart);
    if (opts.bios === 'none') {
      const clint = new Aclint({
        time: () => this.clock.now(),
        msip: this.vcpus.map((v) => new CallbackIrqLine((level) => this.setMachineIrq(v.id, 'msip', level))),
        // MTIP is the comparison itself (VirtualMmode.pendingM), evaluated when it matters.
        mtip: this.vcpus.map(() => new CallbackIrqLine(() => undefined)),
      });
      this.clint = clint;
      this.bus.add(CLINT_BASE, CLINT_SIZE, clint);
      this.finisher = new TestFinisher((r) => this.finish(r));
      this.bus.add(TEST_BASE, TEST_SIZE, this.finisher);
      for (const v of this.vcpus) {
        v.mmode = new VirtualMmode(v.hart, v.id, {
          time: () => this.clock.now(), mtimecmp: () => clint.nextDeadline(v.id), svadu: opts.svadu ?? true,
        }, shadow ?? undefined);
      }
    }
    this.sbi = new SbiDispatcher(new VmSbiHost(this));
    this.sta = this.sbi.extension(Eid.STA) as StaExtension | undefined;
    this.stats.interruptCounts = () => this.interruptCounts();
    this.stats.techniques = () => this.techniques();
  }

  /** The techniques this VM runs with and their figures, for the statistics. */
  private techniques(): ReturnType<NonNullable<ExitStats['techniques']>> {
    const c = this.memVirt.counters;
    let tlbMisses = 0, walkPteReads = 0;
    for (const v of this.vcpus) {
      tlbMisses += v.hart.translations;
      walkPteReads += v.hart.pteReads;
    }
    return {
      mmuMode: this.memVirt.mode, cpuVirtMode: this.opts.cpuVirt ?? 'hardware',
      memVirt: {
        shadowFills: c.fills.read + c.fills.write + c.fills.fetch, dirtyUpdates: c.dirty, injectedFaults: c.injected,
        resyncs: { ...c.resyncs }, shadowTablePages: c.tablePages, poolResets: c.poolResets,
        tlbMisses, walkPteReads, pteReadsPerTlbMiss: tlbMisses > 0 ? walkPteReads / tlbMisses : 0,
        softwarePteReads: c.softwarePteReads,
      },
    };
  }

  /** The input line of wired interrupt source `n` at the board's controller (PLIC or APLIC). */
  irqSource(n: number): IrqLine {
    return this.irqChip.source(n);
  }

  /** Software interrupts injected into vCPUs (SBI IPIs), for the interrupt statistics. */
  private ipisInjected = 0;

  /** Interrupts delivered so far (the statistics report's `interrupts`). */
  interruptCounts(): InterruptCounts {
    if (this.aia) return { controller: 'aia', external: this.aia.msis, ipis: this.ipisInjected, sgeiWakeups: this.aia.sgeiWakeups };
    return { controller: 'plic', external: this.plic?.claims ?? 0, ipis: this.ipisInjected };
  }

  /** Sets or clears a VS-level interrupt in a vCPU's hvip (interrupt injection) and wakes it. */
  setGuestIrq(vcpu: number, irq: Irq, level: boolean): void {
    if (this.remote) {
      // The vCPU's thread applies it; the hart copy here is live only during its own exit.
      this.remote.setIrq(vcpu, irq, level);
      if (!this.remote.isCurrent(vcpu)) return;
    }
    const h = this.vcpus[vcpu].hart;
    if (this.timeline && ((h.hvip >>> irq) & 1) !== (level ? 1 : 0)) this.timeline.irq(vcpu, irq, level, performance.now());
    if (level && irq === Irq.VSSI && (h.hvip & (1 << irq)) === 0) this.ipisInjected++;
    if (level) h.hvip |= 1 << irq;
    else h.hvip &= ~(1 << irq);
    this.vcpus[vcpu].tryWake();
  }

  /** Drives a machine-level interrupt line of a vCPU's virtual M-mode (bios 'none') and wakes it. */
  private setMachineIrq(vcpu: number, line: 'msip' | 'meip', level: boolean): void {
    const m = this.vcpus[vcpu]?.mmode;
    if (!m) return;
    m[line] = level;
    this.vcpus[vcpu].tryWake();
  }

  /** The test finisher's request: power off (pass or fail) or reboot, as QEMU does. */
  private finish(r: FinisherRequest): void {
    this.requestStop(r.kind === 'reset' ? { kind: 'reboot' } : { kind: 'shutdown', failure: r.kind === 'fail' });
  }

  /**
   * Takes RAM pages away from the guest (a balloon inflated them): unmapped from the G-stage,
   * their host pages freed, every vCPU's TLB flushed. The guest's next touch of one is a
   * guest-page-fault exit that maps a fresh zeroed page, as after KVM's MADV_DONTNEED.
   */
  releaseGuestPages(gpas: readonly number[]): void {
    for (const gpa of gpas) {
      const page = gpa - (gpa % PAGE_SIZE);
      if (!this.ram.contains(page, PAGE_SIZE)) continue;
      this.gstage.unmap(page);
      this.ram.release(page);
    }
    this.memVirt.onGuestPagesReleased(); // shadow entries may name the freed host pages
    for (const v of this.vcpus) v.hart.flushAllTlbs();
  }

  /**
   * Maps a guest page on demand (the guest-page-fault exit). With the dirty log on, a page is
   * mapped writable only by a write, which logs it; a read or fetch maps it without W.
   */
  mapGuestPage(gpa: number, write = true): void {
    const page = gpa - (gpa % PAGE_SIZE);
    const log = this.dirtyLog;
    if (log && write) {
      log.mark((page - this.ram.base) / PAGE_SIZE);
      if (this.gstage.isMapped(page)) log.stats.protectionFaults++;
    }
    this.gstage.map(page, this.ram.backingPage(page), log && !write ? LEAF_FLAGS & ~Pte.W : LEAF_FLAGS);
  }

  /** The dirty log while it is on (`startDirtyLog`), else null. */
  dirtyLog: DirtyLog | null = null;

  /**
   * Starts dirty page logging (KVM_MEM_LOG_DIRTY_PAGES on the RAM slot): every mapped RAM page
   * is write-protected and the harts' TLBs flushed, so each page's next write is logged.
   */
  startDirtyLog(): DirtyLog {
    if (this.dirtyLog) return this.dirtyLog;
    // Shadow entries are made writable without the G-stage: stores would go unlogged.
    if (this.memVirt.mode === 'shadow') throw new Error('dirty logging needs two-stage translation (not --mmu shadow)');
    const log = new DirtyLog(this.ram.size / PAGE_SIZE);
    this.dirtyLog = log;
    this.stats.dirtyLog = log.stats;
    this.ram.onHostWrite = (gpa) => {
      log.mark((gpa - this.ram.base) / PAGE_SIZE);
      log.stats.hostWrites++;
    };
    this.protectPages(null);
    return log;
  }

  /**
   * KVM_GET_DIRTY_LOG: the pages written since the last fetch (bit i: the page at RAM base +
   * 4 KiB * i), cleared and write-protected again in the same step, between two slices.
   */
  fetchDirtyLog(): Uint32Array {
    const log = this.dirtyLog;
    if (!log) throw new Error('the dirty log is off');
    const bitmap = log.fetchAndClear();
    this.protectPages(bitmap);
    return bitmap;
  }

  /** Stops dirty logging; pages stay as they are (they become writable at their next fault). */
  stopDirtyLog(): void {
    this.dirtyLog = null;
    this.ram.onHostWrite = null;
  }

  /** Write-protects the RAM pages in `bitmap` (null: every page) and flushes the TLBs. */
  private protectPages(bitmap: Uint32Array | null): void {
    const pages = this.ram.size / PAGE_SIZE;
    for (let i = 0; i < pages; i++) {
      if (bitmap && ((bitmap[i >>> 5] >>> (i & 31)) & 1) === 0) continue;
      this.gstage.protect(this.ram.base + i * PAGE_SIZE);
    }
    for (const v of this.vcpus) v.hart.flushAllTlbs();
    // vCPUs running on their threads cache writable translations of their own.
    this.remote?.flushTlbsNow();
  }

  /** Reads a device register for the guest (0 where the access straddles devices). */
  mmioRead(gpa: number, size: 1 | 2 | 4 | 8): number {
    return this.bus.read(gpa, size) ?? 0;
  }

  /** Writes a device register for the guest. */
  mmioWrite(gpa: number, size: 1 | 2 | 4 | 8, lo: number, hi: number): void {
    this.bus.write(gpa, size, lo, hi);
  }

  /**
   * Attaches a virtio device in virtio-mmio slot `slot` (0..7, default the first free one):
   * MMIO at 0x10001000 + 0x1000 * slot, interrupt source 1 + slot. Its name ("virtio-blk0") counts
   * devices of the same kind. Returns the transport (describe it in the device tree).
   */
  addVirtio(device: VirtioDevice, slot = this.virtio.findIndex((t) => t === undefined)): VirtioMmioTransport {
    if (slot < 0) slot = this.virtio.length;
    if (slot >= VIRTIO_COUNT || this.virtio[slot]) throw new RangeError(`virtio-mmio slot ${slot} is taken or does not exist (0..${VIRTIO_COUNT - 1})`);
    const same = this.virtio.filter((t) => t?.device.kind === device.kind).length;
    const t = new VirtioMmioTransport({
      name: `${device.kind}${same}`, device, memory: this.ram,
      irq: this.irqChip.source(VIRTIO_IRQ_BASE + slot), irqNumber: VIRTIO_IRQ_BASE + slot,
    });
    this.bus.add(virtioSlotBase(slot), VIRTIO_STRIDE, t);
    this.virtio[slot] = t;
    return t;
  }

  /**
   * Delivers bytes typed by the user to the guest (UART, SBI console, virtio console). Returns
   * how many the bounded input queue took: fewer means it is full, push the rest after
   * `input.onDrain`.
   */
  sendInput(bytes: Uint8Array): number {
    return this.input.push(bytes);
  }

  /** Handles an SBI call exit of `vcpu`: a7 = eid, a6 = fid, a0..a5 = arguments. */
  handleSbi(vcpu: Vcpu, eid: number, fid: number): void {
    const h = vcpu.hart;
    // eid/fid are the low 32 bits of a7/a6 (the SBI spec defines them as 32-bit values).
    const call = new RegisterCall(vcpu.id, eid >>> 0, fid >>> 0, h.x);
    const result = this.sbi.handle(call);
    call.error = result.error;
    call.value = result.value;
    this.lastSbi = call;
    if (result.redirect) {
      h.set(Slot.STVAL, Number(BigInt.asIntN(32, result.redirect.stval)), Number(BigInt.asIntN(32, result.redirect.stval >> 32n)));
      vcpu.redirectTrap(Number(result.redirect.scause));
      return;
    }
    if (result.resume === false) return; // the host already moved this vCPU (stop, suspend, reset)
    h.x[10 * 2] = result.error | 0;
    h.x[10 * 2 + 1] = result.error < 0 ? -1 : 0;
    if (!result.legacy) {
      const v = result.value;
      if (v >= 0n && v <= 0x7fffffffn) {
        // Most answers (0, versions, ids, counts) are small: no bigint arithmetic.
        h.x[11 * 2] = Number(v);
        h.x[11 * 2 + 1] = 0;
      } else {
        h.x[11 * 2] = Number(BigInt.asIntN(32, v));
        h.x[11 * 2 + 1] = Number(BigInt.asIntN(32, v >> 32n));
      }
    }
    vcpu.advancePc(4);
    h.hostSret();
  }

  /** The last SBI call handled (for the exit trace). */
  private lastSbi: RegisterCall | null = null;

  /** The SBI call handled during the current exit, if any (clears it). */
  private takeLastSbi(): RegisterCall | null {
    const call = this.lastSbi;
    this.lastSbi = null;
    return call;
  }

  /** Stops the VM on an exit it cannot handle, with the trap registers for the report. */
  fail(vcpu: Vcpu, message: string): void {
    const h = vcpu.hart;
    const big = (s: Slot) => toBigU64(h.lo(s), h.hi(s));
    this.stopRequest = {
      kind: 'fatal', message, vcpu: vcpu.id, pc: big(Slot.SEPC), scause: big(Slot.SCAUSE),
      stval: big(Slot.STVAL), htval: big(Slot.HTVAL), htinst: big(Slot.HTINST),
    };
  }

  /**
   * Starts vCPU 0 at the kernel entry with a1 = the device tree; the others wait for HSM.
   * Without firmware (bios 'none') every vCPU starts there, in M-mode, as on QEMU.
   */
  boot(entry: number, fdtGpa: number): void {
    const all = this.opts.bios === 'none' ? this.vcpus : this.vcpus.slice(0, 1);
    for (const v of all) v.start(BigInt(entry), BigInt(fdtGpa));
  }

  /**
   * Runs the scheduler until `maxInstructions` more guest instructions have run (a trap taken
   * inside the guest counts as TRAP_COST, an exit as EXIT_COST), the VM stops
   * (shutdown, fatal, breakpoint), or every vCPU is idle with no timer pending. Returns the
   * stop, or null when the budget ran out (call again).
   */
  runFor(maxInstructions: number): VmStop | null {
    this.clock.start(); // guest time runs from here until pause(), idle periods included
    this.clockMark = -1;
    this.balloon?.tick();
    this.lastRunBudget = 0;
    return this.runBudget(maxInstructions);
  }

  /**
   * Budget units (instructions, trap entries, exits and device work) the last runFor used: what
   * a credit scheduler debits for it (threads/credit-scheduler.ts).
   */
  lastRunBudget = 0;

  private runBudget(maxInstructions: number): VmStop | null {
    let done = 0;
    while (done < maxInstructions) {
      if (this.stopRequest) return this.takeStop();
      // Device work a notify left over continues here, bounded and counted against the budget,
      // so a guest that keeps a device busy forever still lets runFor return.
      const deviceWork = this.serviceDevices();
      done += deviceWork;
      this.lastRunBudget = done;
      if (deviceWork > 0) this.clockMark = -1; // host time went to the device, not the next slice
      const vcpu = this.pickRunnable();
      if (!vcpu) {
        if (deviceWork > 0) continue; // the device may yet wake a vCPU (used-buffer interrupt)
        const idle = this.idle.untilDeadline();
        if (idle !== null) return idle;
        continue;
      }
      if (this.idle.active) this.idle.end(); // woken before the deadline (input, a device)
      // An exit costs the host about as much as EXIT_COST instructions: counting it keeps a
      // guest whose every instruction exits (retiring nothing) from holding runFor forever,
      // so the debugger can still pause it and the CLI still sees its timeout.
      done += this.runOne(vcpu) + EXIT_COST;
      this.lastRunBudget = done;
      if (this.breakpointHit >= 0) {
        const v = this.breakpointHit;
        this.breakpointHit = -1;
        return debugStop(v, this.breakpointStop);
      }
      const exitStop = this.takeExitBreak();
      if (exitStop) return exitStop;
      if (this.instructions >= this.pauseAtInstructions && !this.stopRequest) return { kind: 'paused' };
      const at = this.stopAtRetired;
      if (at && (at.vcpu < 0 ? this.instructions : this.vcpus[at.vcpu].hart.instret) >= at.instret && !this.stopRequest) return { kind: 'paused' };
    }
    return this.stopRequest ? this.takeStop() : null;
  }

  /** Runs one round of every device's unfinished work; returns its cost in instructions. */
  serviceDevices(): number {
    let cost = 0;
    for (const t of this.virtio) if (t?.hasPendingWork) cost += t.service() * DEVICE_ROUND_COST;
    return cost;
  }

  /**
   * Stops the VM clock (the debugger stopped the VM): guest time does not pass while paused.
   * The next runFor or stepVcpu starts it again.
   */
  pause(): void {
    if (this.idle.active) this.idle.end(); // paused host time is not guest time
    this.clock.stop();
    this.stats.times.suspend(); // nor any vCPU's run, wait or blocked time
  }

  private breakpointHit = -1;
  private breakpointStop = StopReason.BREAKPOINT;

  /** The stop for an exit breakpoint or a fault loop during the last slice or thread exit, if any (clears it). */
  takeExitBreak(): VmStop | null {
    const loop = this.faultLoopStop;
    if (loop) {
      this.faultLoopStop = null;
      return loop;
    }
    const record = this.exitBreak;
    if (!record) return null;
    this.exitBreak = null;
    return { kind: 'exit-breakpoint', vcpu: record.vcpu, record };
  }

  private takeStop(): VmStop {
    const s = this.stopRequest!;
    this.stopRequest = null;
    return s;
  }

  /** Round-robin over runnable vCPUs (waking those with a pending interrupt). */
  private pickRunnable(): Vcpu | null {
    const n = this.vcpus.length;
    // The time since the last slice (idle sleeps, device work) by each vCPU's state before any wakes.
    this.stats.times.account(this.clockMark >= 0 ? this.clockMark : performance.now(), -1, this.accountedState);
    const cut = this.sliceLeft;
    if (cut) {
      const v = this.vcpus[cut.vcpu];
      if (v.state === 'runnable' && !this.held?.has(v.id)) return v; // the rest of its slice first
      this.sliceLeft = null;
    }
    for (let k = 0; k < n; k++) {
      const v = this.vcpus[(this.next + k) % n];
      if (this.held?.has(v.id)) continue;
      if (v.state === 'blocked') v.tryWake();
      if (v.state === 'runnable') {
        this.next = (v.id + 1) % n;
        return v;
      }
    }
    return null;
  }

  /** Milliseconds until the next timer deadline of a blocked vCPU (Infinity if none). */
  msUntilNextDeadline(): number {
    return this.idle.msUntilNextDeadline();
  }

  /**
   * The debugger's instruction step: runs one instruction of vCPU `id` (even at a breakpoint)
   * and handles the exit it causes, if any; other vCPUs do not run. A step that exits is not
   * counted as a slice end. Returns the stop it caused (shutdown, exit breakpoint...) or null.
   */
  stepVcpu(id: number): VmStop | null {
    const vcpu = this.vcpus[id];
    if (vcpu.state !== 'runnable') return null;
    this.clock.start();
    try {
      vcpu.hart.resumeFromBreakpoint = true;
      const t0 = performance.now();
      // A step goes on with this vCPU's slice, or starts one when none is left (else every step
      // would deschedule it and stepping could never get through an LR/SC loop); another
      // vCPU's cut slice stays that vCPU's.
      const cut = this.sliceLeft;
      const own = cut?.vcpu === id ? cut : null;
      const { exit, instructions, cost, stop } = vcpu.runSlice(1, own?.cut === true);
      const t1 = performance.now();
      this.clock.retire(instructions);
      this.stats.addGuestTime(vcpu.id, (t1 - t0) * 1e6, instructions);
      if (stop === StopReason.HOST_TRAP && exit) this.handleExit(vcpu, exit, t1);
      // A step inside a cut slice uses it up as running on would; an exit ends it as it would
      // have (unless the vCPU keeps its slice across it).
      const goesOn = stop === StopReason.BUDGET || (stop === StopReason.HOST_TRAP && this.keepsSlice(vcpu));
      const full = own !== null ? own.budget : SLICE_INSTRUCTIONS;
      if (cut === own) this.sliceLeft = goesOn && full > cost ? { vcpu: id, budget: full - cost, cut: stop === StopReason.BUDGET } : null;
      if (stop === StopReason.WATCHPOINT || stop === StopReason.GUEST_TRAP) return debugStop(id, stop);
      const exitStop = this.takeExitBreak();
      if (exitStop) return exitStop;
      return this.stopRequest ? this.takeStop() : null;
    } finally {
      this.clock.stop(); // a single step happens while the VM is paused
    }
  }

  /** Runs one slice of one vCPU and handles its exit; returns the budget it consumed (instructions and trap entries). */
  private runOne(vcpu: Vcpu): number {
    // SBI STA: the steal time since this vCPU last ran goes into its structure before it runs.
    if (this.sta?.active) this.sta.recordSteal(vcpu.id, this.sbi.host);
    const t0 = this.clockMark >= 0 ? this.clockMark : performance.now();
    this.clockMark = -1;
    const left = this.sliceLeft?.vcpu === vcpu.id ? this.sliceLeft : null;
    const full = left !== null ? left.budget : SLICE_INSTRUCTIONS;
    this.sliceLeft = null;
    const at = this.stopAtRetired;
    const toTarget = !at ? Infinity : at.vcpu === vcpu.id ? at.instret - vcpu.hart.instret : at.vcpu < 0 ? at.instret - this.instructions : Infinity;
    const budget = Math.max(1, Math.min(full, toTarget));
    const yields = vcpu.hart.spinYields;
    const { exit, instructions, cost, stop } = vcpu.runSlice(budget, left?.cut === true);
    const t1 = performance.now();
    this.clock.retire(instructions);
    this.stats.addGuestTime(vcpu.id, (t1 - t0) * 1e6, instructions);
    this.timeline?.guest(vcpu.id, t0, (t1 - t0) * 1e6, instructions);
    const debugCut = stop === StopReason.BREAKPOINT || stop === StopReason.WATCHPOINT || stop === StopReason.GUEST_TRAP;
    // A run the guest's spinning ended (Hart.yieldOnSpin) ends its slice, wherever the target was.
    const atTarget = stop === StopReason.BUDGET && budget < full && vcpu.hart.spinYields === yields;
    if ((debugCut || atTarget) && full > cost) this.sliceLeft = { vcpu: vcpu.id, budget: full - cost, cut: true };
    if (debugCut) {
      this.breakpointHit = vcpu.id;
      this.breakpointStop = stop;
      return this.accountSlice(vcpu, cost);
    }
    if (atTarget) return this.accountSlice(vcpu, cost); // cut at the target: no slice end
    if (exit === null) return this.accountSlice(vcpu, cost); // WFI on a bare hart cannot happen in V=1 with VTW
    this.handleExit(vcpu, exit, t1);
    if (stop === StopReason.HOST_TRAP && full > cost && this.keepsSlice(vcpu)) this.sliceLeft = { vcpu: vcpu.id, budget: full - cost, cut: false };
    // The next slice on this thread begins by asking the time: the read ending this exit serves.
    if (this.clockMark >= 0) this.clock.sampled(this.clockMark);
    return this.accountSlice(vcpu, cost);
  }

  /**
   * After an exit the round robin moves on to the next vCPU, but not from a guest kernel with
   * its interrupts off: that vCPU keeps the thread for the rest of its slice. It is most likely
   * inside a critical section (Linux writes a console line under the UART port's lock with
   * interrupts off, one exit per byte), and a vCPU scheduled in its place could only spin on
   * that lock until the holder's next turn. Measured on the Linux sample's boot to the prompt
   * (2 vCPUs, icount, in-process): 4,833 -> 2,629 switches between vCPUs, 315 -> 70 slices
   * ended by spinning, 81,406 -> 18,614 PAUSE hints; 147,476,073 -> 146,566,363 guest
   * instructions and 19.95 -> 19.78 G host instructions (cachegrind, -0.9 %); with 45,000- and
   * 55,000-instruction slices (other interleavings) -0.3 % and -2.7 %. Extending as well a
   * slice that ends with interrupts off (8 x 2,000 instructions) did not pay: -0.1 %, +1.0 %,
   * -0.1 % host instructions at those three slice lengths.
   */
  private keepsSlice(vcpu: Vcpu): boolean {
    return this.vcpus.length > 1 && vcpu.state === 'runnable' && vcpu.guestInterruptsOff();
  }

  /** The slice and its exit were `vcpu`'s run time; the others waited or were blocked meanwhile. */
  private accountSlice(vcpu: Vcpu, cost: number): number {
    // After an exit's handling, its end (clockMark) is now enough: one clock read per exit.
    this.stats.times.account(this.clockMark >= 0 ? this.clockMark : performance.now(), vcpu.id, this.accountedState);
    return cost;
  }

  /** A vCPU's state for the run/wait/blocked accounting. */
  private readonly accountedState = (id: number): AccountedState => {
    const s = this.vcpus[id].state;
    return s === 'runnable' ? 'runnable' : s === 'blocked' ? 'blocked' : 'other';
  };

  /**
   * Handles the exit a vCPU's thread reported (its hart state copied in here first): the
   * same handling, counting and tracing as an exit of a slice run on this thread.
   */
  handleThreadExit(vcpu: Vcpu): void {
    // SBI STA: the vCPU's thread writes its steal time into the structure at each schedule-in.
    const exit = decodeExit(vcpu.hart, this.ram);
    this.handleExit(vcpu, exit, performance.now());
  }

  /**
   * SBI STA for vCPU threads: the registrations' version (bumped at each change) and where
   * vCPU `id`'s structure is in host memory (an offset into `host`), -1 when it reports none.
   */
  staRecord(id: number): { version: number; hostOffset: number } {
    const sta = this.sta;
    const gpa = sta?.shmemOf(id) ?? null;
    if (!sta || gpa === null || !this.ram.contains(Number(gpa), STA_STRUCT_SIZE)) return { version: sta?.version ?? 0, hostOffset: -1 };
    const page = Number(gpa) - (Number(gpa) % PAGE_SIZE);
    return { version: sta.version, hostOffset: this.ram.backingPage(page) - this.host.base + (Number(gpa) - page) };
  }

  /** The vCPU threads reported every steal time so far into the structures: this thread's reporting goes on from there. */
  staReportedByThreads(): void {
    this.sta?.markReported(this.sbi.host);
  }

  /**
   * Counts and traces a WFI exit that a vCPU's thread handled itself (at guest pc lo/hi), as
   * handleExit counts one handled here.
   */
  countThreadWfi(vcpu: Vcpu, pcLo: number, pcHi: number): void {
    const exit: VmExit = { reason: 'wfi' };
    this.stats.record(vcpu.id, 'wfi', 0);
    this.stats.kvm.record(vcpu.id, exit, false);
    this.stats.sites.record('wfi', pcLo, pcHi);
    const record: ExitRecord = { seq: 0, vcpu: vcpu.id, reason: 'wfi', pc: toBigU64(pcLo, pcHi), scause: 22n, stval: 0x10500073n, htval: 0n, htinst: 0n, ns: 0 };
    this.trace.push(record);
  }

  /** Handles an exit, counts and traces it. */
  private handleExit(vcpu: Vcpu, exit: VmExit, t1: number): void {
    const h = vcpu.hart;
    exit = vcpu.resolvePageFault(exit);
    const regs = this.exitRegs.capture(h); // as the exit found them: handling moves pc
    if (exit.reason !== 'interrupt' && vcpu.faultLoop.note(regs.causeLo, h.lo(Slot.SEPC), h.hi(Slot.SEPC), regs.instret)) {
      const message = describeFaultLoop(vcpu.id, regs.causeLo, toBigU64(h.lo(Slot.SEPC), h.hi(Slot.SEPC)),
        toBigU64(h.lo(Slot.VSTVEC), h.hi(Slot.VSTVEC)));
      if (this.onFaultLoop?.(vcpu.id, message)) this.faultLoopStop = { kind: 'fault-loop', vcpu: vcpu.id, message };
    }
    const reason = vcpu.handleExit(exit);
    if (h.instret !== regs.instret) this.clock.retire(h.instret - regs.instret); // an emulated instruction retired (Vcpu.retireEmulated)
    const t2 = performance.now();
    this.clockMark = t2; // the next slice starts now: no clock read of its own
    if (reason === 'unhandled') return;
    // The others' counts stand still during this slice; on host threads there is no such moment.
    const position = this.remote ? -1 : this.vcpus.length === 1 ? regs.instret : this.instructions - h.instret + regs.instret;
    // handleSbi noted the call during vcpu.handleExit; a slice end made none.
    const sbiCall = reason === 'interrupt' ? null : this.takeLastSbi();
    this.recorder.record(vcpu, exit, reason, regs, position, sbiCall, t1, (t2 - t1) * 1e6);
    if (this.onExit) {
      const r = this.recorder.lastRecord(reason);
      if (this.onExit(r)) this.exitBreak = r;
    }
  }

  /** Requests a stop from inside an exit handler (SRST). */
  requestStop(stop: VmStop): void {
    if (!this.stopRequest) this.stopRequest = stop;
  }

  /** The vCPU the round-robin scheduler looks at first next time (a snapshot saves it). */
  get scheduleNext(): number {
    return this.next;
  }
  set scheduleNext(id: number) {
    this.next = id >= 0 && id < this.vcpus.length ? id : 0;
  }

  /** Total instructions retired by all vCPUs. */
  get instructions(): number {
    if (this.remote) return this.remote.instructions();
    let n = 0;
    for (const v of this.vcpus) n += v.hart.instret;
    return n;
  }
}
