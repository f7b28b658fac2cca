/**
 * The bare machine (`hyperscope run --bare`): one hart in M-mode on the virt memory map
 * with no hypervisor, RAM at 0x80000000, the ns16550a UART, CLINT, and HTIF through the
 * ELF's `tohost` symbol, as the RISC-V ISA test suites use (tohost = 1: pass;
 * (code << 1) | 1: fail with code; device 1 command 1: console putchar). It tests the hart
 * alone.
 */
import { MmioBus } from '../bus/mmio-bus';
import { Aclint } from '../devices/aclint';
import { CallbackIrqLine } from '../devices/irq-line';
import { decodeTohost } from '../devices/htif';
import { Plic } from '../devices/plic';
import { Uart16550 } from '../devices/uart16550';
import { Hart, StopReason } from '../hart/hart';
import { warmUpInterpreter } from '../hart/warm-up';
import { JIT_DEFAULTS } from '../hart/jit/block-cache';
import { Irq } from '../hart/csr-numbers';
import { PhysMemory } from '../memory/phys-memory';
import { KernelFormatError, loadKernel } from './loaders/kernel';
import { CLINT_BASE, CLINT_SIZE, DRAM_BASE, PLIC_BASE, PLIC_SIZE, UART0_BASE, UART0_IRQ, UART0_SIZE } from './memory-map';

/** How a bare run ended. */
export type BareResult =
  | { kind: 'pass'; instructions: number }
  | { kind: 'fail'; code: number; instructions: number }
  | { kind: 'limit'; instructions: number };

/** Options of a bare machine. */
export interface BareMachineOptions {
  /** RAM size in bytes (default 64 MiB). */
  memory?: number;
  /** Console output (UART and HTIF putchar). */
  output: (bytes: Uint8Array) => void;
  /** Svadu: the hart sets PTE A/D bits itself (default true, as QEMU does). */
  svadu?: boolean;
  /** Block translation of hot code (default true; false: the interpreter only). */
  jit?: boolean;
}

/** One hart on the physical virt map with HTIF. */
export class BareMachine {
  readonly mem: PhysMemory;
  readonly hart: Hart;
  readonly bus = new MmioBus();
  readonly uart: Uart16550;
  private readonly clint: Aclint;
  private tohost = -1;
  /** Time in ticks: one tick per instruction (icount-style, deterministic). */
  private ticks = 0;

  constructor(kernel: Uint8Array, private readonly opts: BareMachineOptions) {
    this.mem = new PhysMemory(DRAM_BASE, opts.memory ?? 64 * 1024 * 1024, false, 1);
    warmUpInterpreter();
    const hart = (this.hart = new Hart(0, this.mem));
    hart.svadu = opts.svadu ?? true;
    hart.setJit(opts.jit ?? JIT_DEFAULTS.enabled);
    const line = (irq: Irq) => new CallbackIrqLine((l) => hart.setInterruptLine(irq, l));
    this.clint = new Aclint({ time: () => this.time(), msip: [line(Irq.MSI)], mtip: [line(Irq.MTI)] });
    const plic = new Plic({ contexts: [line(Irq.MEI), line(Irq.SEI)] });
    this.uart = new Uart16550({ irq: plic.source(UART0_IRQ), sink: (b) => opts.output(Uint8Array.of(b)) });
    this.bus.add(CLINT_BASE, CLINT_SIZE, this.clint);
    this.bus.add(PLIC_BASE, PLIC_SIZE, plic);
    this.bus.add(UART0_BASE, UART0_SIZE, this.uart);
    hart.bus = this.bus;
    hart.timeSource = (retired) => retired;

    const k = loadKernel(kernel, { base: this.mem.base, size: this.mem.size });
    for (const s of k.segments) this.mem.write(s.addr, s.bytes);
    const tohost = k.symbols?.find((s) => s.name === 'tohost');
    if (tohost) {
      // HTIF polls it every slice: outside RAM it could never be read, so the file is unusable.
      const addr = Number(tohost.value);
      if (!this.mem.contains(addr, 8)) {
        throw new KernelFormatError(`tohost at 0x${tohost.value.toString(16)} is outside RAM (0x${this.mem.base.toString(16)}..0x${(this.mem.base + this.mem.size).toString(16)})`);
      }
      this.tohost = addr - this.mem.base;
    }
    hart.reset(k.entry | 0, 0);
    hart.x[2 * 10] = 0; // a0 = hart id
  }

  private time(): number {
    return this.hart.retired() + this.ticks;
  }

  /**
   * Runs until HTIF reports a result, `limit` instructions have retired, or as much work as
   * that has been done: trap entries count (TRAP_COST each), so a hart whose trap vector traps
   * again (a trap storm, retiring nothing) still returns and the caller sees its timeout.
   */
  run(limit = 2_000_000_000): BareResult {
    const hart = this.hart;
    const slice = 100_000;
    let work = limit - hart.instret;
    while (hart.instret < limit && work > 0) {
      const stop = hart.run(Math.min(slice, work));
      work -= Math.max(1, hart.lastRunCost);
      this.clint.update();
      if (stop === StopReason.WFI) {
        const deadline = this.clint.nextDeadline(0);
        if (deadline === Infinity && !hart.interruptPendingForWfi()) return { kind: 'limit', instructions: hart.instret };
        if (deadline > this.time()) this.ticks += deadline - this.time();
      }
      const r = this.pollTohost();
      if (r) return r;
    }
    return { kind: 'limit', instructions: hart.instret };
  }

  private pollTohost(): BareResult | undefined {
    if (this.tohost < 0) return undefined;
    const dv = this.mem.view;
    const lo = dv.getUint32(this.tohost, true), hi = dv.getUint32(this.tohost + 4, true);
    if (lo === 0 && hi === 0) return undefined;
    const cmd = decodeTohost(lo, hi);
    dv.setUint32(this.tohost, 0, true);
    dv.setUint32(this.tohost + 4, 0, true);
    this.mem.noteWrite(this.tohost, 8);
    if (!cmd) return undefined;
    if (cmd.kind === 'exit') {
      return cmd.code === 0 ? { kind: 'pass', instructions: this.hart.instret }
        : { kind: 'fail', code: cmd.code, instructions: this.hart.instret };
    }
    if (cmd.kind === 'putchar') this.opts.output(Uint8Array.of(cmd.char));
    return undefined;
  }
}
