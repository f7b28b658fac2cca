/**
 * Fuzz guests for the hypervisor, shared by the CI test (fuzz.test.ts) and the longer
 * campaign (`npm run fuzz`, fuzz-campaign.ts). Two kinds, each fully determined by its seed:
 *
 * - random: a page of random instruction words (mostly well-formed opcodes, some compressed
 *   halves, system instructions and SBI calls), run in VS-mode or VU-mode with registers
 *   pointing at RAM, devices and nothing, stvec inside the page, and sometimes a random
 *   vsatp, so traps land back in the random code;
 * - mutated: a sample guest (samples/*.elf) booted on the virt board with virtio disk,
 *   console and entropy devices, whose code is then mutated in guest RAM: bits flipped, words
 *   replaced by random or system instructions, words copied from elsewhere in the sample.
 *
 * A run must end in a VM stop or a spent budget, never an exception, and never in an
 * "unhandled trap" (every exception a guest can raise goes back to it or is handled).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Slot } from '../../hypervisor-core/hart/hart-state';
import { Vm, VmStop } from '../../hypervisor-core/hypervisor/vm';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';
import { loadKernel } from '../../hypervisor-core/machine/loaders/kernel';
import { MemoryBackend } from '../../hypervisor-core/devices/virtio/block/backend';
import { seededEntropy } from '../../hypervisor-core/devices/virtio/rng/device';
import { DRAM_BASE } from '../../hypervisor-core/machine/memory-map';
import { ROOT } from './guest-runner';

const KERNEL = 0x80200000;
/** Guest RAM of a fuzz VM: room for the samples, their stacks and the device tree above them. */
const MEMORY = 8 * 1024 * 1024;

/**
 * ecall, wfi, sret, csrr a0 sstatus, csrw satp a1, csrw sie a2, sfence.vma, fence.i, hlv.d,
 * mret, ebreak, csrw stimecmp a3, csrr a0 time, csrw stvec a4, amoadd.w (misaligned when a1
 * is odd), lr.w, sc.w, hfence.gvma, csrr a0 hstatus, csrw sscratch a0.
 */
const SYSTEM = [0x00000073, 0x10500073, 0x10200073, 0x10002573, 0x18059073, 0x10461073, 0x12000073,
  0x0000100f, 0x6c05c573, 0x30200073, 0x00100073, 0x14d69073, 0xc0102573, 0x10571073, 0x00c5a52f,
  0x1005a52f, 0x18c5a52f, 0x62000073, 0x60002573, 0x14051073];
/** SBI extension ids for a7 before an ecall: BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN, legacy 0..8. */
const EIDS = [0x10, 0x54494d45, 0x735049, 0x52464e43, 0x48534d, 0x53525354, 0x4442434e, 0, 1, 2, 3, 4, 5, 6, 7, 8];
/** Addresses worth pointing registers at: RAM, the code, UART, PLIC, virtio, CLINT, nothing. */
const INTERESTING = [0x80200000, 0x80201000, 0x10000000, 0x0c000000, 0x10001000, 0x10008000, 0x02000000, 0, 0xffffffff, 0x807ff000, 0x80000000];

/** The sample guests mutated guests start from. */
export const SAMPLES = ['hello', 'paging', 'timer', 'uart', 'smp', 'virtio', 'cpu-bound'];

/** xorshift32: deterministic pseudo-random words. */
export function rng(seed: number): () => number {
  let s = (seed ^ 0x9e3779b9) | 0 || 1;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
}

/** How a fuzz run ended. */
export interface FuzzOutcome {
  /** 'budget' when the budget ran out, else the kind of the VM stop. */
  end: 'budget' | VmStop['kind'];
  /** The stop's message for a fatal stop. */
  message?: string;
  /** Exit reasons seen. */
  reasons: string[];
  instructions: number;
}

/** Runs `vm` until it stops or `budget` (runFor units) is spent. */
export function runToEnd(vm: Vm, budget: number): FuzzOutcome {
  const chunk = 100_000;
  let end: FuzzOutcome['end'] = 'budget';
  let message: string | undefined;
  for (let spent = 0; spent < budget; spent += chunk) {
    const stop = vm.runFor(Math.min(chunk, budget - spent));
    if (stop === null) continue;
    // A reboot request would boot a fresh VM in the CLI: for the fuzzer it is an end.
    end = stop.kind;
    if (stop.kind === 'fatal') message = stop.message;
    break;
  }
  const reasons = vm.stats.report().reasons.filter((r) => r.samples > 0).map((r) => r.key);
  return { end, message, reasons, instructions: vm.instructions };
}

/** Boots and runs random guest number `seed`. */
export function runRandomGuest(seed: number, budget: number): FuzzOutcome {
  const next = rng(seed);
  const vcpus = 1 + (next() % 2);
  const vm = new Vm({ vcpus, memory: MEMORY, clock: 'icount', console: () => undefined });
  const code = new Uint8Array(4096);
  const view = new DataView(code.buffer);
  const style = next() % 3; // 0: any words, 1: well-formed opcodes, 2: mostly system instructions
  for (let i = 0; i < 1024; i++) {
    const w = next();
    let word = style === 0 ? w : (w | 3) >>> 0;
    if (w % (style === 2 ? 3 : 16) === 0) word = SYSTEM[(w >>> 4) % SYSTEM.length];
    view.setUint32(i * 4, word >>> 0, true);
  }
  vm.ram.write(KERNEL, code);
  vm.boot(KERNEL, DRAM_BASE + MEMORY - 0x10000);
  const h = vm.vcpus[0].hart;
  for (let r = 1; r < 32; r++) {
    const v = INTERESTING[next() % INTERESTING.length] + (next() % 64);
    h.x[2 * r] = v | 0;
    h.x[2 * r + 1] = next() % 4 === 0 ? -1 : 0;
  }
  h.x[17 * 2] = EIDS[next() % EIDS.length]; // a7: an SBI extension for the first ecall
  h.x[16 * 2] = next() % 8; // a6: its function
  h.set(Slot.VSTVEC, (KERNEL + (next() % 1024) * 4) | 0, 0); // guest traps land in the random code
  if (next() % 4 === 0) {
    // Sv39 with the root somewhere in RAM (or beyond): the guest's own page faults and walks.
    const root = (KERNEL / 4096 + (next() % 2048)) + (next() % 8 === 0 ? 2 ** 30 : 0);
    h.set(Slot.VSATP, root % 2 ** 32 | 0, (8 << 28) | Math.floor(root / 2 ** 32));
  }
  if (next() % 3 === 0) h.set(Slot.MSTATUS, h.lo(Slot.MSTATUS) & ~0x100, 0); // start in VU-mode
  h.hostSret();
  return runToEnd(vm, budget);
}

/** Loaded samples, by name (parsed once). */
const samples = new Map<string, { elf: Uint8Array; text: { addr: number; bytes: Uint8Array } }>();

function sample(name: string) {
  let s = samples.get(name);
  if (!s) {
    const elf = readFileSync(path.join(ROOT, 'samples', name, `${name}.elf`));
    const k = loadKernel(elf, { base: DRAM_BASE, size: MEMORY });
    const seg = k.segments.find((g) => g.addr === KERNEL) ?? k.segments[0];
    // The code is the start of the first segment: mutate its first 8 KiB (or all of it).
    s = { elf, text: { addr: seg.addr, bytes: seg.bytes.slice(0, Math.min(seg.bytes.length, 8192)) } };
    samples.set(name, s);
  }
  return s;
}

/** Boots and runs mutated sample guest number `seed`. */
export function runMutatedGuest(seed: number, budget: number): FuzzOutcome {
  const next = rng(seed);
  const name = SAMPLES[next() % SAMPLES.length];
  const s = sample(name);
  const { vm } = bootVirt({
    kernel: s.elf, vcpus: 1 + (next() % 2), memory: MEMORY, clock: 'icount', console: () => undefined,
    disks: [new MemoryBackend(new Uint8Array(64 * 1024))], virtioConsole: true, rng: seededEntropy(seed),
  });
  const text = s.text.bytes.slice();
  const view = new DataView(text.buffer);
  const words = text.length >>> 2;
  const count = 1 + (next() % 16);
  for (let i = 0; i < count; i++) {
    const at = (next() % words) * 4;
    switch (next() % 5) {
      case 0: text[at + (next() % 4)] ^= 1 << (next() % 8); break; // one bit
      case 1: view.setUint32(at, next(), true); break; // a random word
      case 2: view.setUint32(at, (next() | 3) >>> 0, true); break; // a random 32-bit opcode
      case 3: view.setUint32(at, SYSTEM[next() % SYSTEM.length], true); break; // a system instruction
      default: view.setUint32(at, view.getUint32((next() % words) * 4, true), true); // a word from elsewhere
    }
  }
  vm.ram.write(s.text.addr, text);
  return runToEnd(vm, budget);
}

/** Runs fuzz guest `index` of a campaign with `seed`: even indices random, odd ones mutated. */
export function runFuzzGuest(seed: number, index: number, budget: number): FuzzOutcome & { kind: 'random' | 'mutated' } {
  const guestSeed = (Math.imul(seed, 0x01000193) ^ index) >>> 0;
  return index % 2 === 0
    ? { kind: 'random', ...runRandomGuest(guestSeed, budget) }
    : { kind: 'mutated', ...runMutatedGuest(guestSeed, budget) };
}
