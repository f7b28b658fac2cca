/**
 * Shadow paging against the rules it emulates (privileged spec 4.3 and 10.2, H extension
 * 9.2.1 hstatus.VTVM): the trapped satp keeps its WARL behaviour and reads back the guest's
 * value; a page fault fills the shadow entry from the guest's PTE or is the guest's own; A/D
 * as Svadu/Svade define them; SFENCE.VMA by address (a whole superpage), by ASID and for all
 * drops what it names; a guest mapping of a device becomes MMIO with the instruction decoded.
 */
import { strict as assert } from 'node:assert';
import { Cause, Mstatus } from '../../../../hypervisor-core/hart/csr-numbers';
import { Slot } from '../../../../hypervisor-core/hart/hart-state';
import type { Hart } from '../../../../hypervisor-core/hart/hart';
import { TimeTravel } from '../../../../hypervisor-core/debug/time-travel';
import { decodeMmio } from '../../../../hypervisor-core/hypervisor/exits';
import { Vm } from '../../../../hypervisor-core/hypervisor/vm';
import { Access, Pte, SV39, Walker, WalkFault } from '../../../../hypervisor-core/mmu/walker';

const ROOT = 0x8010_0000, L1 = 0x8010_1000, L0 = 0x8010_2000;
const SATP_SV39 = 8 << 28;
const csrrw = (rd: number, rs1: number): number => ((0x180 << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x73) >>> 0;
const csrrs = (rd: number, rs1: number): number => ((0x180 << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x73) >>> 0;
const sfence = (rs1: number, rs2: number): number => ((0x09 << 25) | (rs2 << 20) | (rs1 << 15) | 0x73) >>> 0;

function setup(svadu = true): { vm: Vm; h: Hart; pte: (gpa: number) => number; setPte: (at: number, target: number, flags: number) => void } {
  const vm = new Vm({ vcpus: 1, memory: 8 * 1024 * 1024, clock: 'icount', console: () => undefined, mmu: 'shadow', svadu });
  const h = vm.vcpus[0].hart;
  vm.vcpus[0].reset(0x8000_0000n, 0n);
  const setPte = (at: number, target: number, flags: number): void => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, (BigInt(target >>> 12) << 10n) | BigInt(flags), true);
    vm.ram.write(at, b);
  };
  const pte = (gpa: number): number => new DataView(vm.ram.read(gpa, 8)!.buffer).getUint32(0, true) & 0x3ff;
  // Guest Sv39 tables: root[0] -> L1, L1[0] -> L0; L0 maps 4 KiB pages, L1[1] a 2 MiB page.
  setPte(ROOT, L1, Pte.V);
  setPte(L1, L0, Pte.V);
  return { vm, h, pte, setPte };
}

/** Guest satp = Sv39, `asid`, root ROOT (through the emulated csrrw, x5 as the source). */
function writeSatp(vm: Vm, h: Hart, asid = 0): void {
  h.x[10] = ROOT / 4096;
  h.x[11] = SATP_SV39 | (asid << 12);
  assert.equal(vm.memVirt.emulate(0, h, csrrw(0, 5)), 'csrrw satp');
}

/** A page fault of the guest's S-mode at `va`. */
function fault(vm: Vm, h: Hart, va: number, cause: number): string {
  h.set(Slot.STVAL, va, 0);
  h.set(Slot.MSTATUS, h.lo(Slot.MSTATUS) | Mstatus.SPP, h.hi(Slot.MSTATUS));
  return vm.memVirt.onPageFault(0, h, cause).kind;
}

/** The hart's own walk of the shadow table vsatp points at. */
function shadowWalk(vm: Vm, h: Hart, va: number, access: Access): number {
  const root = (h.lo(Slot.VSATP) >>> 0) * 4096;
  return new Walker(vm.host).walk(SV39, root, va, access, false, false, false, null);
}

describe('shadow paging (--mmu shadow)', () => {
  it('traps satp: an unsupported MODE changes nothing (WARL), reads return the guest value, vsatp holds the shadow root', () => {
    const { vm, h } = setup();
    assert.equal(h.hedeleg & (1 << Cause.LOAD_PAGE_FAULT), 0, 'page faults are kept by the hypervisor');
    h.x[10] = 0x1234; h.x[11] = 5 << 28; // MODE 5 is reserved
    vm.memVirt.emulate(0, h, csrrw(0, 5));
    assert.deepEqual(vm.memVirt.guestAtp(0, h), [0, 0]);
    writeSatp(vm, h, 7);
    assert.equal(vm.memVirt.emulate(0, h, csrrs(6, 0)), 'csrrs satp');
    assert.deepEqual([h.x[12], h.x[13]], [ROOT / 4096, SATP_SV39 | (7 << 12)]);
    assert.notEqual(h.lo(Slot.VSATP), ROOT / 4096, 'the hart walks the shadow table, not the guest\'s');
    assert.equal(h.hi(Slot.VSATP) >>> 28, 8);
    assert.equal(h.hi(Slot.HGATP) >>> 28, 0, 'G-stage off while shadowing');
    h.x[10] = 0; h.x[11] = 0;
    vm.memVirt.emulate(0, h, csrrw(0, 5));
    assert.equal(h.hi(Slot.HGATP) >>> 28, 8, 'a guest without paging runs on the G-stage');
  });

  it('fills read-only until the first store, which sets D in the guest PTE (Svadu)', () => {
    const { vm, h, pte, setPte } = setup();
    setPte(L0 + 8, 0x8020_0000, Pte.V | Pte.R | Pte.W);
    writeSatp(vm, h);
    assert.equal(fault(vm, h, 0x1008, Cause.LOAD_PAGE_FAULT), 'fill');
    assert.equal(pte(L0 + 8) & (Pte.A | Pte.D), Pte.A, 'the walk set A only');
    const hpa = vm.ram.backingPage(0x8020_0000);
    assert.equal(shadowWalk(vm, h, 0x1008, Access.READ), hpa + 8);
    assert.equal(shadowWalk(vm, h, 0x1008, Access.WRITE), WalkFault.PAGE, 'no write before D is set');
    assert.equal(fault(vm, h, 0x1010, Cause.STORE_PAGE_FAULT), 'dirty');
    assert.equal(pte(L0 + 8) & Pte.D, Pte.D);
    assert.equal(shadowWalk(vm, h, 0x1010, Access.WRITE), hpa + 0x10);
    assert.deepEqual(vm.memVirt.counters.fills, { read: 1, write: 0, fetch: 0 });
    assert.equal(vm.memVirt.counters.dirty, 1);
  });

  it('delivers the guest its own page faults: no mapping, no permission, A clear without Svadu', () => {
    const { vm, h, setPte } = setup(false);
    setPte(L0 + 8, 0x8020_0000, Pte.V | Pte.R); // A = 0
    setPte(L0 + 16, 0x8020_1000, Pte.V | Pte.R | Pte.A);
    writeSatp(vm, h);
    assert.equal(fault(vm, h, 0x3000, Cause.LOAD_PAGE_FAULT), 'inject');
    assert.equal(fault(vm, h, 0x1000, Cause.LOAD_PAGE_FAULT), 'inject', 'Svade: A = 0 is a page fault');
    assert.equal(fault(vm, h, 0x2000, Cause.STORE_PAGE_FAULT), 'inject', 'read-only page');
    assert.equal(fault(vm, h, 0x2000, Cause.LOAD_PAGE_FAULT), 'fill');
    assert.equal(vm.memVirt.counters.injected, 3);
  });

  it('SFENCE.VMA of any address in a guest superpage drops every shadow page of it', () => {
    const { vm, h, setPte } = setup();
    setPte(L1 + 8, 0x8040_0000, Pte.V | Pte.R | Pte.W | Pte.A | Pte.D); // VA 0x200000, 2 MiB
    writeSatp(vm, h);
    assert.equal(fault(vm, h, 0x20_1000, Cause.LOAD_PAGE_FAULT), 'fill');
    assert.equal(fault(vm, h, 0x30_0000, Cause.STORE_PAGE_FAULT), 'fill');
    assert.equal(shadowWalk(vm, h, 0x30_0000, Access.WRITE), vm.ram.backingPage(0x8050_0000));
    h.x[14] = 0x3f_f000; h.x[15] = 0;
    assert.equal(vm.memVirt.emulate(0, h, sfence(7, 0)), 'sfence.vma vaddr');
    assert.equal(shadowWalk(vm, h, 0x20_1000, Access.READ), WalkFault.PAGE);
    assert.equal(shadowWalk(vm, h, 0x30_0000, Access.READ), WalkFault.PAGE);
    assert.equal(vm.memVirt.counters.resyncs.page, 1);
  });

  it('keeps a shadow root per ASID; SFENCE.VMA x0, asid empties only that address space', () => {
    const { vm, h, setPte } = setup();
    setPte(L0 + 8, 0x8020_0000, Pte.V | Pte.R | Pte.A);
    writeSatp(vm, h, 1);
    fault(vm, h, 0x1000, Cause.LOAD_PAGE_FAULT);
    const root1 = h.lo(Slot.VSATP);
    writeSatp(vm, h, 2);
    fault(vm, h, 0x1000, Cause.LOAD_PAGE_FAULT);
    assert.notEqual(h.lo(Slot.VSATP), root1);
    h.x[16] = 1; h.x[17] = 0;
    assert.equal(vm.memVirt.emulate(0, h, sfence(0, 8)), 'sfence.vma asid');
    assert.equal(shadowWalk(vm, h, 0x1000, Access.READ), vm.ram.backingPage(0x8020_0000), 'ASID 2 keeps its entry');
    writeSatp(vm, h, 1);
    assert.equal(h.lo(Slot.VSATP), root1, 'the cached root of ASID 1 comes back');
    assert.equal(shadowWalk(vm, h, 0x1000, Access.READ), WalkFault.PAGE, 'emptied by the fence');
    vm.memVirt.emulate(0, h, sfence(0, 0));
    assert.equal(vm.memVirt.counters.resyncs.all, 1);
  });

  it('pages a balloon takes leave no shadow entry behind (their host pages are freed and reused)', () => {
    const { vm, h, setPte } = setup();
    setPte(L0 + 8, 0x8020_0000, Pte.V | Pte.R | Pte.W | Pte.A | Pte.D);
    writeSatp(vm, h);
    assert.equal(fault(vm, h, 0x1000, Cause.STORE_PAGE_FAULT), 'fill');
    assert.ok(shadowWalk(vm, h, 0x1000, Access.WRITE) >= 0);
    vm.releaseGuestPages([0x8020_0000]);
    assert.equal(shadowWalk(vm, h, 0x1000, Access.READ), WalkFault.PAGE);
  });

  it('refuses dirty logging (its log marks G-stage leaves); reverse execution takes it (a checkpoint empties the shadow tables)', () => {
    const { vm } = setup();
    assert.doesNotMatch(new TimeTravel(() => vm).unsupported() ?? '', /shadow/);
    assert.throws(() => vm.startDirtyLog(), /two-stage/);
  });

  it('a guest PTE naming a device is MMIO: the instruction at sepc is read through the guest tables and decoded', () => {
    const { vm, h, setPte } = setup();
    setPte(L0 + 5 * 8, 0x1000_0000, Pte.V | Pte.R | Pte.W | Pte.A | Pte.D); // VA 0x5000 -> UART
    setPte(L0 + 2 * 8, 0x8020_1000, Pte.V | Pte.R | Pte.X | Pte.A); // code at VA 0x2000
    vm.ram.write(0x8020_1000, Uint8Array.of(0x03, 0xa5, 0x05, 0x00)); // lw a0, 0(a1)
    writeSatp(vm, h);
    h.set(Slot.SEPC, 0x2000, 0);
    h.set(Slot.STVAL, 0x5004, 0);
    h.set(Slot.MSTATUS, h.lo(Slot.MSTATUS) | Mstatus.SPP, h.hi(Slot.MSTATUS));
    const o = vm.memVirt.onPageFault(0, h, Cause.LOAD_PAGE_FAULT);
    assert.equal(o.kind, 'mmio');
    if (o.kind !== 'mmio') return;
    assert.equal(o.gpa, 0x1000_0004);
    assert.deepEqual(decodeMmio(o.htinst, o.gpa), { gpa: 0x1000_0004, write: false, size: 4, signed: true, reg: 10, length: 4 });
  });
});
