/**
 * SiFive PLIC as QEMU virt has it (`riscv,plic0` / `sifive,plic-1.0.0`; RISC-V PLIC
 * Specification 1.0.0, chapter "Memory Map"). Interrupt sources 1..95 (0 means "none"),
 * priorities 0..7, two contexts per hart: context 2h = hart h M-mode, 2h+1 = hart h S-mode.
 *
 *   0x000000 + 4*src          source priority (0 = never interrupts)
 *   0x001000 + 4*w            pending bits, sources 32w..32w+31 (read-only)
 *   0x002000 + 0x80*ctx + 4*w enable bits of context ctx
 *   0x200000 + 0x1000*ctx     priority threshold of context ctx
 *   0x200004 + 0x1000*ctx     claim (read) / complete (write)
 *
 * Gateways behave as QEMU 7.2's sifive_plic (hw/intc/sifive_plic.c), which guests built for
 * QEMU virt rely on: each time a device drives its line (`set`, QEMU's qemu_set_irq) the
 * source's pending bit follows the level, also while it is in service; a claim returns the
 * highest-priority pending source enabled for the context with priority above its threshold
 * (ties: lowest id), clears its pending bit and marks it in service; a completion only ends
 * the service. A line that stays high without being driven again is not pending again after
 * the completion: xv6 claims and completes the 16550's THR-empty interrupt without reading IIR
 * and gets no more of it until it sends a byte. A line that drops before the claim withdraws
 * the request.
 * Each context drives one output line: the hart's MEIP or SEIP.
 *
 * Shared state (`share()`, `PlicOptions.shared`): with the vCPUs on host threads, the VM's
 * thread and each vCPU thread hold a Plic over the same words (plic-state.ts), so a vCPU
 * thread answers the guest's PLIC accesses itself instead of an exit to the VM's thread
 * (Linux's PLIC driver makes some 580 at boot: priorities, and each enable bit as a read and
 * a write). Every access and every source level change takes the state's lock and drives
 * the outputs that change before it lets go, so all threads see one order of PLIC events,
 * the order the lock gave them (QEMU's MTTCG takes the big lock for each PLIC access).
 */
import type { MmioDevice } from '../bus/device';
import type { IrqLine } from './irq-line';
import type { FdtBuilder } from '../machine/fdt-builder';
import { unitAddress, type FdtContext, type FdtDescribable } from './fdt-describable';
import { fillArray, obj, type Saved } from '../state/persist';
import { PlicState } from './plic-state';

/**
 * Sources on QEMU virt: ids 1..95. QEMU 7.2's device tree says `riscv,ndev = <96>`
 * (VIRT_IRQCHIP_NUM_SOURCES, which counts source 0); {@link Plic.describe} writes the same.
 */
export const PLIC_NUM_SOURCES = 95;
/** Highest priority (QEMU virt: VIRT_IRQCHIP_NUM_PRIORITIES = 7). */
export const PLIC_MAX_PRIORITY = 7;
/** MMIO window on QEMU virt: VIRT_PLIC_SIZE(VIRT_CPUS_MAX * 2) = 0x200000 + 1024 * 0x1000. */
export const PLIC_MMIO_SIZE = 0x600000;

const PENDING_BASE = 0x1000;
const ENABLE_BASE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x200000;
const CONTEXT_STRIDE = 0x1000;

/** Machine-external and supervisor-external interrupt numbers (for interrupts-extended). */
const IRQ_M_EXT = 11;
const IRQ_S_EXT = 9;

/** Construction options of {@link Plic}. */
export interface PlicOptions {
  /** One output per context (2 per hart: M then S): drives MEIP / SEIP of that hart. */
  contexts: IrqLine[];
  /** Number of sources (ids 1..numSources); default 95. */
  numSources?: number;
  /** Name in statistics (default "plic"). */
  name?: string;
  /** The state of another Plic's `share()` (a vCPU thread's view of the VM's PLIC). */
  shared?: SharedArrayBuffer;
}

/** The platform-level interrupt controller. */
export class Plic implements MmioDevice, FdtDescribable {
  /** @inheritdoc */
  readonly name: string;
  /** Number of sources (valid ids are 1..numSources). */
  readonly numSources: number;
  private readonly outputs: IrqLine[];
  private readonly words: number;
  /** Priorities, pending, in-service and enable bits, thresholds: local, or shared after `share()`. */
  private state: PlicState;
  private readonly lines: IrqLine[] = [];

  constructor(opts: PlicOptions) {
    this.name = opts.name ?? 'plic';
    this.numSources = opts.numSources ?? PLIC_NUM_SOURCES;
    this.outputs = opts.contexts;
    this.words = (this.numSources + 1 + 31) >>> 5;
    this.state = new PlicState(this.numSources, this.outputs.length, opts.shared);
    for (let n = 0; n <= this.numSources; n++) {
      this.lines.push({ set: (lvl: boolean) => this.setLevel(n, lvl) });
    }
  }

  /** Claims that returned a source (interrupts taken by software), on every thread sharing the state. */
  get claims(): number {
    return this.state.claims;
  }

  /**
   * Moves the state into shared memory (once; the same buffer after) for vCPU threads to
   * build their Plic over (`PlicOptions.shared`); from now on every access takes its lock.
   */
  share(): SharedArrayBuffer {
    if (!this.state.shared) {
      const s = new PlicState(this.numSources, this.outputs.length, undefined, true);
      s.copyFrom(this.state);
      this.state = s;
      this.state.noteLevels((ctx) => this.best(ctx) !== 0);
    }
    return this.state.buffer as SharedArrayBuffer;
  }

  private get priority(): Uint8Array { return this.state.priority; }
  private get pending(): Uint32Array { return this.state.pending; }
  private get inService(): Uint32Array { return this.state.inService; }
  private get enable(): Uint32Array { return this.state.enable; }
  private get threshold(): Uint8Array { return this.state.threshold; }

  /** Number of contexts (2 per hart). */
  get numContexts(): number {
    return this.outputs.length;
  }

  /** The input line of source `n` (1..numSources). */
  source(n: number): IrqLine {
    if (!Number.isInteger(n) || n < 1 || n > this.numSources) {
      throw new Error(`PLIC source ${n} out of range 1..${this.numSources}`);
    }
    return this.lines[n];
  }

  /** True when source `n` is pending (for tests and the debugger). */
  isPending(n: number): boolean {
    return this.state.locked(() => (this.pending[n >>> 5] & (1 << (n & 31))) !== 0);
  }

  /** Priorities, pending and in-service bits, enables and thresholds, for a snapshot. */
  save(): Saved {
    return this.state.locked(() => ({
      priority: Array.from(this.priority), pending: Array.from(this.pending), inService: Array.from(this.inService),
      enable: Array.from(this.enable), threshold: Array.from(this.threshold),
    }));
  }

  /** Puts back `save`'s state and drives the context outputs to match. */
  restore(state: Saved): void {
    const s = obj(state, this.name);
    this.state.locked(() => {
      fillArray(this.priority, s.priority ?? null, 'priority');
      fillArray(this.pending, s.pending ?? null, 'pending');
      fillArray(this.inService, s.inService ?? null, 'inService');
      fillArray(this.enable, s.enable ?? null, 'enable');
      fillArray(this.threshold, s.threshold ?? null, 'threshold');
      this.updateOutputs(true);
    });
  }

  /** @inheritdoc */
  read(offset: number, _size: 1 | 2 | 4): number {
    return this.state.locked(() => this.readLocked(offset));
  }

  private readLocked(offset: number): number {
    if (offset < PENDING_BASE) {
      const src = offset >>> 2;
      return src <= this.numSources ? this.priority[src] : 0;
    }
    if (offset < ENABLE_BASE) {
      const w = (offset - PENDING_BASE) >>> 2;
      return w < this.words ? this.pending[w] >>> 0 : 0;
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      if (ctx >= this.numContexts || w >= this.words) return 0;
      return this.enable[ctx * this.words + w] >>> 0;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.numContexts) return 0;
    switch ((offset - CONTEXT_BASE) % CONTEXT_STRIDE) {
      case 0:
        return this.threshold[ctx];
      case 4:
        return this.claim(ctx);
      default:
        return 0;
    }
  }

  /** @inheritdoc */
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    this.state.locked(() => this.writeLocked(offset, value));
  }

  private writeLocked(offset: number, value: number): void {
    if (offset < PENDING_BASE) {
      const src = offset >>> 2;
      if (src >= 1 && src <= this.numSources) {
        this.priority[src] = value & PLIC_MAX_PRIORITY;
        this.updateOutputs();
      }
      return;
    }
    if (offset < ENABLE_BASE) return; // pending bits are read-only
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      if (ctx >= this.numContexts || w >= this.words) return;
      this.enable[ctx * this.words + w] = value & this.validMask(w);
      this.updateOutputs();
      return;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.numContexts) return;
    switch ((offset - CONTEXT_BASE) % CONTEXT_STRIDE) {
      case 0:
        this.threshold[ctx] = value & PLIC_MAX_PRIORITY;
        this.updateOutputs();
        break;
      case 4:
        this.complete(ctx, value >>> 0);
        break;
      default:
        break;
    }
  }

  /** @inheritdoc */
  describe(fdt: FdtBuilder, ctx: FdtContext): void {
    const ext: number[] = [];
    for (const intc of ctx.cpuIntcPhandles) ext.push(intc, IRQ_M_EXT, intc, IRQ_S_EXT);
    fdt
      .beginNode(`plic@${unitAddress(ctx.base)}`)
      .propU32('phandle', ctx.plicPhandle)
      .propU32('riscv,ndev', this.numSources + 1)
      .propU64Array('reg', [ctx.base, ctx.size])
      .propU32Array('interrupts-extended', ext)
      .propEmpty('interrupt-controller')
      .propStrings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
      .propU32('#address-cells', 0)
      .propU32('#interrupt-cells', 1)
      .endNode();
  }

  private setLevel(n: number, high: boolean): void {
    const w = n >>> 5;
    const bit = 1 << (n & 31);
    this.state.locked(() => {
      if (high) this.pending[w] |= bit;
      else this.pending[w] &= ~bit;
      this.updateOutputs();
    });
  }

  /** Highest-priority claimable source for `ctx` (0 if none). */
  private best(ctx: number): number {
    let bestId = 0;
    let bestPrio = this.threshold[ctx];
    const base = ctx * this.words;
    for (let w = 0; w < this.words; w++) {
      let bits = this.pending[w] & ~this.inService[w] & this.enable[base + w];
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const id = (w << 5) | b;
        const p = this.priority[id];
        if (p > bestPrio) {
          bestPrio = p;
          bestId = id;
        }
      }
    }
    return bestId;
  }

  private claim(ctx: number): number {
    const id = this.best(ctx);
    if (id !== 0) {
      this.state.claims++;
      const w = id >>> 5;
      const bit = 1 << (id & 31);
      this.pending[w] &= ~bit;
      this.inService[w] |= bit;
      this.updateOutputs();
    }
    return id;
  }

  private complete(ctx: number, id: number): void {
    if (id < 1 || id > this.numSources) return;
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    // The spec ignores completions of sources not enabled for this context.
    if ((this.enable[ctx * this.words + w] & bit) === 0) return;
    this.inService[w] &= ~bit;
    this.updateOutputs();
  }

  private validMask(w: number): number {
    let mask = 0xffffffff;
    if (w === 0) mask &= ~1; // source 0 does not exist
    const last = this.numSources - (w << 5); // highest valid bit index in this word
    if (last < 31) mask &= (2 ** (last + 1) - 1) >>> 0;
    return mask >>> 0;
  }

  /**
   * Drives each context's output. Shared state drives only the outputs whose level changed
   * since any thread last drove them (each drive rings a vCPU thread, which ends its slice),
   * unless `all` (a restore).
   */
  private updateOutputs(all = false): void {
    const st = this.state;
    for (let ctx = 0; ctx < this.outputs.length; ctx++) {
      const level = this.best(ctx) !== 0;
      if (!st.shared) {
        this.outputs[ctx].set(level);
        continue;
      }
      if (!all && st.level(ctx) === level) continue;
      st.setLevel(ctx, level);
      // The output's own idea of its level may be stale: another thread drove the wire last.
      const out = this.outputs[ctx];
      if (out.drive) out.drive(level);
      else out.set(level);
    }
  }
}
