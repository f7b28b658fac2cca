/**
 * The emulated M-mode of a guest without firmware (bios 'none'), driven through the exit
 * switch as the hart leaves it after a trap: M CSR accesses and mret emulated, exceptions
 * delivered to the guest's mtvec or (delegated by its medeleg) to its S-mode, the machine
 * timer taken between slices. Expected values from the privileged spec (3.1.6.1 trap entry,
 * 3.3.2 MRET, 3.1.8 medeleg) and QEMU 7.2's WARL masks.
 */
import { strict as assert } from 'node:assert';
import { Cause, Hstatus, Irq, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { toBigU64 } from '../../../hypervisor-core/hart/int64';
import { decodeExit } from '../../../hypervisor-core/hypervisor/exits';
import { Vm } from '../../../hypervisor-core/hypervisor/vm';

const ENTRY = 0x80000000;
const PC = 0x80001000;
const CSRW_MTVEC_A0 = 0x30551073; // csrrw x0, mtvec, a0
const CSRR_A1_MSTATUS = 0x300025f3; // csrrs a1, mstatus, x0
const CSRW_MSTATUS_A0 = 0x30051073; // csrrw x0, mstatus, a0
const MRET = 0x30200073;
const CSRR_T1_MHARTID = 0xf1402373; // csrrs t1, mhartid, x0

function boot() {
  const vm = new Vm({ vcpus: 1, memory: 4 * 1024 * 1024, clock: 'icount', console: () => undefined, bios: 'none' });
  vm.boot(ENTRY, 0x80300000);
  const vcpu = vm.vcpus[0];
  return { vm, vcpu, h: vcpu.hart, m: vcpu.mmode! };
}

type Booted = ReturnType<typeof boot>;

/** The hart as it is after a trap from VS (`fromUser`: VU) into HS at PC with `cause`, `tval`. */
function trap(b: Booted, cause: number, tval: number, fromUser = false): void {
  const h = b.h;
  h.virt = false;
  h.priv = Priv.S;
  h.set(Slot.SCAUSE, cause, 0);
  h.set(Slot.STVAL, tval, 0);
  h.set(Slot.SEPC, PC, 0);
  h.c[Slot.HSTATUS * 2] |= Hstatus.SPV;
  h.c[Slot.MSTATUS * 2] = fromUser ? h.lo(Slot.MSTATUS) & ~Mstatus.SPP : h.lo(Slot.MSTATUS) | Mstatus.SPP;
  b.vcpu.handleExit(decodeExit(h, b.vm.ram));
}

const pc = (b: Booted) => toBigU64(b.h.pcLo, b.h.pcHi);
const reg = (b: Booted, r: number) => toBigU64(b.h.x[r * 2], b.h.x[r * 2 + 1]);

/** Runs `mret` from M-mode with MPP = `to`, mepc = `at`. */
function mretTo(b: Booted, to: Priv, at: bigint): void {
  b.m.mstatus = (b.m.mstatus & ~BigInt(Mstatus.MPP_MASK)) | (BigInt(to) << 11n);
  b.m.mepc = at;
  trap(b, Cause.ILLEGAL_INSTRUCTION, MRET);
}

describe('virtual M-mode (bios none)', () => {
  it('starts at the entry in M-mode: VS with bare translation, every exception exiting, satp and sret trapping', () => {
    const b = boot();
    assert.equal(b.m.active, true);
    assert.equal(pc(b), BigInt(ENTRY));
    assert.equal(b.h.virt, true);
    assert.equal(b.h.priv, Priv.S);
    assert.equal(b.h.hedeleg, 0);
    assert.equal(b.h.lo(Slot.VSATP), 0);
    assert.ok(b.h.lo(Slot.HSTATUS) & Hstatus.VTVM);
    assert.ok(b.h.lo(Slot.HSTATUS) & Hstatus.VTSR);
    assert.equal(reg(b, 10), 0n, 'a0 = hart id');
  });

  it('emulates an M CSR write and read, resuming after the instruction', () => {
    const b = boot();
    b.h.x[10 * 2] = 0x80000101; // mtvec vectored
    trap(b, Cause.ILLEGAL_INSTRUCTION, CSRW_MTVEC_A0);
    assert.equal(b.m.mtvec, 0x80000101n);
    assert.equal(pc(b), BigInt(PC + 4));
    assert.equal(b.h.virt, true);
    trap(b, Cause.ILLEGAL_INSTRUCTION, CSRR_T1_MHARTID);
    assert.equal(reg(b, 6), 0n);
  });

  it('mstatus: MPP = 2 (reserved) reads back as U; S fields live in vsstatus; UXL = SXL = 64', () => {
    const b = boot();
    b.h.x[10 * 2] = (2 << 11) | Mstatus.MPIE | Mstatus.SUM;
    trap(b, Cause.ILLEGAL_INSTRUCTION, CSRW_MSTATUS_A0);
    trap(b, Cause.ILLEGAL_INSTRUCTION, CSRR_A1_MSTATUS);
    assert.equal(reg(b, 11), BigInt(Mstatus.MPIE | Mstatus.SUM) | (2n << 32n) | (2n << 34n));
    assert.ok(b.h.lo(Slot.VSSTATUS) & Mstatus.SUM);
  });

  it('mret to S: the satp written in M-mode takes effect, SIE comes back, the guest medeleg narrows hedeleg', () => {
    const b = boot();
    assert.equal(b.m.write(0x180, (8n << 60n) | 0x80400n), true); // satp, Sv39
    b.m.write(0x300, BigInt(Mstatus.SIE | Mstatus.MPIE));
    b.m.write(0x302, 0xffffn); // medeleg as xv6 writes it
    assert.equal(b.m.medeleg, 0xb3ffn, 'QEMU 7.2 keeps the delegable exceptions');
    mretTo(b, Priv.S, 0x80002000n);
    assert.equal(b.m.active, false);
    assert.equal(pc(b), 0x80002000n);
    assert.equal(b.h.priv, Priv.S);
    assert.equal(b.h.virt, true);
    assert.equal(toBigU64(b.h.lo(Slot.VSATP), b.h.hi(Slot.VSATP)), (8n << 60n) | 0x80400n);
    assert.ok(b.h.lo(Slot.VSSTATUS) & Mstatus.SIE);
    assert.equal(b.h.lo(Slot.HSTATUS) & (Hstatus.VTVM | Hstatus.VTSR), 0);
    assert.equal(b.h.hedeleg, (1 << Cause.MISALIGNED_FETCH) | (1 << Cause.BREAKPOINT) | (1 << Cause.ECALL_U) |
      (1 << Cause.FETCH_PAGE_FAULT) | (1 << Cause.LOAD_PAGE_FAULT) | (1 << Cause.STORE_PAGE_FAULT));
    const ms = b.m.read(0x300)!;
    assert.equal(ms & BigInt(Mstatus.MIE), BigInt(Mstatus.MIE), 'MIE = MPIE');
    assert.equal((ms >> 11n) & 3n, 0n, 'MPP = U');
  });

  it('an exception from S that medeleg keeps enters M at mtvec: mepc, mcause, mtval, MPP = S, bare translation', () => {
    const b = boot();
    b.m.write(0x305, 0x80000400n);
    b.m.write(0x180, (8n << 60n) | 0x80400n);
    mretTo(b, Priv.S, 0x80002000n);
    trap(b, Cause.ILLEGAL_INSTRUCTION, CSRR_T1_MHARTID);
    assert.equal(b.m.active, true);
    assert.equal(pc(b), 0x80000400n);
    assert.equal(b.m.mepc, BigInt(PC));
    assert.equal(b.m.mcause, BigInt(Cause.ILLEGAL_INSTRUCTION));
    assert.equal(b.m.mtval, BigInt(CSRR_T1_MHARTID));
    assert.equal((b.m.mstatus >> 11n) & 3n, BigInt(Priv.S));
    assert.equal(b.h.lo(Slot.VSATP), 0, 'M-mode code runs untranslated');
    assert.equal(b.m.read(0x180), (8n << 60n) | 0x80400n, 'the guest satp is kept');
  });

  it('an exception medeleg delegates goes to the guest S-mode (stvec), an ecall from S that it keeps to M', () => {
    const b = boot();
    b.m.write(0x305, 0x80000400n);
    b.m.write(0x302, BigInt(1 << Cause.ILLEGAL_INSTRUCTION));
    b.h.set(Slot.VSTVEC, 0x80003000, 0);
    mretTo(b, Priv.S, 0x80002000n);
    trap(b, Cause.ILLEGAL_INSTRUCTION, CSRR_T1_MHARTID);
    assert.equal(b.m.active, false);
    assert.equal(pc(b), 0x80003000n);
    assert.equal(b.h.lo(Slot.VSCAUSE), Cause.ILLEGAL_INSTRUCTION);
    trap(b, Cause.ECALL_VS, 0);
    assert.equal(b.m.active, true);
    assert.equal(b.m.mcause, BigInt(Cause.ECALL_S));
    trap(b, Cause.ECALL_VS, 0);
    assert.equal(b.m.mcause, BigInt(Cause.ECALL_M), 'an ecall in M-mode is from M');
  });

  it('the machine timer: taken from S between slices once mtime reaches mtimecmp, held off in M while MIE = 0', () => {
    const b = boot();
    b.m.write(0x305, 0x80000401n); // vectored: interrupt 7 at base + 28
    b.m.write(0x304, BigInt(1 << Irq.MTI));
    b.vm.clint!.write(0x4000, 4, 100); // mtimecmp = 100
    b.vm.clint!.write(0x4004, 4, 0);
    b.vm.clock.advanceTo(100);
    b.m.beforeRun();
    assert.equal(b.m.active, true, 'still in M with MIE = 0: nothing taken');
    assert.equal(pc(b), BigInt(ENTRY));
    assert.equal(b.vcpu.timerDeadline(), 100);
    mretTo(b, Priv.S, 0x80002000n);
    b.m.beforeRun();
    assert.equal(b.m.active, true);
    assert.equal(b.m.mcause, (1n << 63n) | 7n);
    assert.equal(b.m.mepc, 0x80002000n);
    assert.equal(pc(b), 0x80000400n + 28n);
  });
});
