/**
 * The one-thread round robin of several vCPUs: after an exit the next vCPU runs, except after
 * an exit of a guest kernel with its interrupts off (likely holding a spinlock), which keeps
 * the thread for the rest of its slice, never longer. Two vCPUs run the same loop of UART
 * scratch-register writes (one MMIO exit each), with sstatus.SIE set or left clear.
 */
import { strict as assert } from 'node:assert';
import { TRAP_COST } from '../../../hypervisor-core/hart/hart';
import { SLICE_INSTRUCTIONS, Vm } from '../../../hypervisor-core/hypervisor/vm';

const KERNEL = 0x80200000;
/**
 * csrsi sstatus, SIE (interrupts on) ; lui t0, 0x10000 ;
 * loop: li t1, 500 ; wait: addi t1, t1, -1 ; bnez t1, wait ; sb zero, 7(t0) (UART SCR) ; j loop
 */
const SIE_ON = 0x10016073;
const LOOP = [0x100002b7, 0x1f400313, 0xfff30313, 0xfe031ee3, 0x000283a3, 0xff1ff06f];
/** A slice's budget between two exits of the loop: its instructions and the store's trap (which retires nothing). */
const PER_EXIT = 1 + 500 * 2 + 1 + TRAP_COST;
/** runFor's budget for one slice of the loop: its instructions and its exits (EXIT_COST each). */
const SLICE_BUDGET = SLICE_INSTRUCTIONS + (SLICE_INSTRUCTIONS / PER_EXIT) * 500;

/** The vCPU of each MMIO exit while the two vCPUs run `budget` instructions between them. */
function exitOrder(interruptsOn: boolean, budget: number): { order: number[]; vm: Vm } {
  const vm = new Vm({ vcpus: 2, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
  const words = interruptsOn ? [SIE_ON, ...LOOP] : LOOP;
  const code = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(code.buffer).setUint32(4 * i, w, true));
  vm.ram.write(KERNEL, code);
  vm.boot(KERNEL, 0x80f00000);
  vm.vcpus[1].start(BigInt(KERNEL), 0n); // as SBI HSM hart_start would
  const order: number[] = [];
  vm.onExit = (r) => {
    if (r.reason === 'mmio') order.push(r.vcpu);
    return false;
  };
  assert.equal(vm.runFor(budget), null);
  return { order, vm };
}

/** Lengths of the runs of consecutive exits of one vCPU. */
function runs(order: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < order.length; i++) {
    if (i > 0 && order[i] === order[i - 1]) out[out.length - 1]++;
    else out.push(1);
  }
  return out;
}

describe('hypervisor: one-thread round robin around exits', () => {
  it('with the guest\'s interrupts on, the vCPUs take turns at every exit', () => {
    const { order } = exitOrder(true, 2 * SLICE_BUDGET);
    assert.ok(order.length > 50, `${order.length} exits`);
    assert.deepEqual(new Set(runs(order.slice(1))), new Set([1]), 'each exit hands the thread to the other vCPU');
  });

  it('with them off, a vCPU keeps the thread across its exits for the rest of its slice, then the other runs as long', () => {
    const { order, vm } = exitOrder(false, 6 * SLICE_BUDGET);
    const r = runs(order);
    assert.ok(r.length >= 4, `${r.length} turns`);
    // A turn is one slice: one exit every PER_EXIT of its budget.
    const perSlice = SLICE_INSTRUCTIONS / PER_EXIT;
    for (const n of r.slice(0, -1)) assert.ok(Math.abs(n - perSlice) <= 1, `${n} exits in one turn, not ${perSlice.toFixed(1)}`);
    const [a, b] = vm.vcpus.map((v) => v.hart.instret);
    assert.ok(Math.abs(a - b) <= SLICE_INSTRUCTIONS, `both vCPUs progress: ${a} and ${b} instructions`);
  });
});
