/**
 * The exit switch reflects the faults it does not emulate to the guest, as KVM's
 * `kvm_riscv_vcpu_trap_redirect`: a misaligned load/store/AMO (4, 6) or an access fault
 * (1, 5, 7) from VS or VU becomes the guest's own trap (vscause, vsepc, vstval, vsstatus.SPP
 * and SPIE, pc = vstvec in VS-mode), counted as a 'fault-redirect' exit; the VM goes on.
 */
import { strict as assert } from 'node:assert';
import { Cause, Hstatus, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { decodeExit } from '../../../hypervisor-core/hypervisor/exits';
import { Vm } from '../../../hypervisor-core/hypervisor/vm';

const PC = 0x80201234;
const TVAL = 0x80300001;
const VSTVEC = 0x80200800;

/** A vCPU as the hart leaves it after a trap from the guest (V=1, `fromUser`: VU) into HS. */
function trapped(cause: number, fromUser: boolean) {
  const vm = new Vm({ vcpus: 1, memory: 4 * 1024 * 1024, clock: 'icount', console: () => undefined });
  vm.boot(0x80200000, 0x80300000);
  const vcpu = vm.vcpus[0];
  const h = vcpu.hart;
  h.set(Slot.VSTVEC, VSTVEC | 0, 0);
  h.set(Slot.VSSTATUS, Mstatus.SIE, 2); // the guest had interrupts on
  h.virt = false;
  h.priv = Priv.S;
  h.set(Slot.SCAUSE, cause, 0);
  h.set(Slot.STVAL, TVAL | 0, 0);
  h.set(Slot.SEPC, PC | 0, 0);
  h.set(Slot.HSTATUS, h.lo(Slot.HSTATUS) | Hstatus.SPV, h.hi(Slot.HSTATUS));
  h.set(Slot.MSTATUS, fromUser ? h.lo(Slot.MSTATUS) & ~Mstatus.SPP : h.lo(Slot.MSTATUS) | Mstatus.SPP, h.hi(Slot.MSTATUS));
  return { vm, vcpu, h };
}

describe('exit switch: faults the hypervisor does not emulate go to the guest', () => {
  const cases: [string, number][] = [
    ['fetch access fault', Cause.FETCH_ACCESS], ['load address misaligned', Cause.MISALIGNED_LOAD],
    ['load access fault', Cause.LOAD_ACCESS], ['store/AMO address misaligned', Cause.MISALIGNED_STORE],
    ['store/AMO access fault', Cause.STORE_ACCESS],
  ];
  for (const [name, cause] of cases) {
    for (const fromUser of [true, false]) {
      it(`${name} (${cause}) from ${fromUser ? 'VU' : 'VS'}-mode`, () => {
        const { vm, vcpu, h } = trapped(cause, fromUser);
        const exit = decodeExit(h, vm.ram);
        assert.deepEqual(exit, { reason: 'fault-redirect', cause });
        assert.equal(vcpu.handleExit(exit), 'fault-redirect');
        assert.equal(vm.stopRequest, null, 'the VM goes on');
        assert.equal(h.virt, true);
        assert.equal(h.priv, Priv.S, 'the guest kernel takes it');
        assert.equal(h.pcLo, VSTVEC | 0);
        assert.equal(h.lo(Slot.VSCAUSE), cause);
        assert.equal(h.lo(Slot.VSEPC), PC | 0);
        assert.equal(h.lo(Slot.VSTVAL), TVAL | 0);
        const vs = h.lo(Slot.VSSTATUS);
        assert.equal((vs & Mstatus.SPP) !== 0, !fromUser, 'vsstatus.SPP: where it came from');
        assert.equal(vs & Mstatus.SIE, 0, 'interrupts off in the handler');
        assert.ok(vs & Mstatus.SPIE, 'SPIE keeps the old SIE');
      });
    }
  }
});
