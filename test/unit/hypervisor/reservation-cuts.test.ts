/**
 * An LR/SC reservation is dropped where a vCPU is descheduled (a slice ends, an exit), never
 * where a debugger stops it: a stop at an instruction count, a breakpoint or an instruction
 * step goes on with the reservation it held. The reference is the RISC-V unprivileged manual's
 * eventual-success rule for constrained LR/SC loops (a loop stepped one instruction at a time
 * must still get through) and gdb on QEMU, where stepping through lr.w, addi, sc.w makes the
 * sc.w succeed. Before, every run of the hart dropped it: a debugger stop between an LR and
 * its SC made the SC fail, so a stop changed what the guest did, and stepping never left the loop.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Vm } from '../../../hypervisor-core/hypervisor/vm';
import { bootVirt } from '../../../hypervisor-core/machine/virt-board';

const ROOT = path.join(__dirname, '../../../..');
const KERNEL = 0x80200000;
/**
 * auipc t0, 1 (the word at KERNEL + 0x1000) ;
 * loop: addi t3, t3, 1 (tries) ; lr.w t1, (t0) ; addi t1, t1, 1 ; sc.w t2, t1, (t0) ; bnez t2, loop ;
 * done: j done
 */
const LRSC_LOOP = [0x00001297, 0x001e0e13, 0x1002a32f, 0x00130313, 0x1862a3af, 0xfe0398e3, 0x0000006f];
const DONE = KERNEL + 0x18;
const T2 = 7, T3 = 28;

/** A one-vCPU VM at the start of LRSC_LOOP. */
function loopVm(): Vm {
  const vm = new Vm({ vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
  const code = new Uint8Array(LRSC_LOOP.length * 4);
  LRSC_LOOP.forEach((w, i) => new DataView(code.buffer).setUint32(4 * i, w, true));
  vm.ram.write(KERNEL, code);
  vm.boot(KERNEL, 0x80f00000);
  return vm;
}

/** The loop's outcome: its tries, the SC's result register, the word and the pc. */
function outcome(vm: Vm): { tries: number; sc: number; word: number; pc: number } {
  const h = vm.vcpus[0].hart;
  return { tries: h.x[T3 * 2], sc: h.x[T2 * 2], word: new DataView(vm.ram.read(KERNEL + 0x1000, 4)!.buffer).getUint32(0, true), pc: h.pcLo >>> 0 };
}

describe('hypervisor: LR/SC reservations across debugger stops', () => {
  it('stepping through lr.w, addi, sc.w: the sc.w succeeds at its first try', () => {
    const vm = loopVm();
    // Steps that exit (the first touch of the code and data pages) retire nothing.
    for (let i = 0; i < 50 && (vm.vcpus[0].hart.pcLo >>> 0) !== DONE; i++) assert.equal(vm.stepVcpu(0), null);
    assert.deepEqual(outcome(vm), { tries: 1, sc: 0, word: 1, pc: DONE });
  });

  it('a stop at an instruction count between the lr.w and the sc.w does not make the sc.w fail', () => {
    const vm = loopVm();
    vm.stopAtRetired = { vcpu: 0, instret: 3 }; // auipc, addi, lr.w
    assert.deepEqual(vm.runFor(100_000), { kind: 'paused' });
    assert.equal(vm.vcpus[0].hart.instret, 3);
    vm.stopAtRetired = null;
    assert.equal(vm.runFor(100_000), null);
    assert.deepEqual(outcome(vm), { tries: 1, sc: 0, word: 1, pc: DONE });
  });

  it('a breakpoint on the sc.w does not make it fail', () => {
    const vm = loopVm();
    vm.vcpus[0].hart.addBreakpoint(KERNEL + 0x10, 0);
    const stop = vm.runFor(100_000);
    assert.equal(stop?.kind, 'breakpoint');
    vm.vcpus[0].hart.clearBreakpoints();
    assert.equal(vm.runFor(100_000), null);
    assert.deepEqual(outcome(vm), { tries: 1, sc: 0, word: 1, pc: DONE });
  });

  it('samples/atomics on 2 vCPUs: stopped every 7,919 instructions, the run retires exactly what it retires unstopped', function () {
    this.timeout(60_000);
    const run = (every: number): { output: string; instret: number[]; instructions: number } => {
      let output = '';
      const { vm } = bootVirt({
        kernel: readFileSync(path.join(ROOT, 'samples/atomics/atomics.elf')), vcpus: 2, memory: 128 * 1024 * 1024, clock: 'icount',
        console: (b) => { output += Buffer.from(b).toString('latin1'); },
      });
      for (let guard = 0; guard < 1_000_000; guard++) {
        vm.stopAtRetired = every > 0 ? { vcpu: -1, instret: vm.instructions + every } : null;
        const stop = vm.runFor(10_000_000);
        if (stop !== null && stop.kind !== 'paused') {
          assert.equal(stop.kind, 'shutdown', output);
          return { output, instret: vm.vcpus.map((v) => v.hart.instret), instructions: vm.instructions };
        }
      }
      assert.fail('atomics did not finish');
    };
    const whole = run(0);
    assert.match(whole.output, /lr\.w\/sc\.w: \d+/);
    assert.deepEqual(run(7919), whole);
  });
});
