/**
 * The hart's AIA (Ssaia with the H extension, RISC-V AIA 1.0): the IMSIC interrupt files
 * behind siselect/sireg and stopei, the guest interrupt file hstatus.VGEIN selects (vsiselect,
 * vsireg, vstopei, and the same CSRs seen from VS-mode), hgeip/hgeie and SGEI, stopi/vstopi,
 * and the access rules of AIA 2.3. Expected values are the spec's: section numbers in each test.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Cause, Csr, Hstatus, Irq, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { CSR_VALUE, checkCsrAccess, readCsr, redirectCsr, writeCsr } from '../../../hypervisor-core/hart/csr-file';
import { GStage, DEVICE_LEAF_FLAGS } from '../../../hypervisor-core/hypervisor/gstage';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';
import { MmioBus } from '../../../hypervisor-core/bus/mmio-bus';
import { ImsicPages } from '../../../hypervisor-core/devices/aia/imsic';

const BASE = 0x80000000;
const VS_IRQS = (1 << Irq.VSSI) | (1 << Irq.VSTI) | (1 << Irq.VSEI);

/** A hart with an IMSIC (one guest file), in HS-mode. */
function hsHart(): Hart {
  const mem = new PhysMemory(BASE, 1024 * 1024);
  const h = new Hart(0, mem);
  h.enableAia(1);
  h.reset(0);
  h.priv = Priv.S;
  return h;
}

/** CSR access as an instruction does it: the check, then the (redirected) read or write. */
function csrRead(h: Hart, n: number): number | Cause {
  const fault = checkCsrAccess(h, n, false);
  if (fault) return -fault;
  readCsr(h, redirectCsr(h, n));
  return CSR_VALUE[0] >>> 0;
}
function csrWrite(h: Hart, n: number, v: number): number {
  const fault = checkCsrAccess(h, n, true);
  if (fault) return -fault;
  writeCsr(h, redirectCsr(h, n), v, 0);
  return 0;
}

/** A guest hart (VS-mode, host traps) running `words` at GPA 0x80200000, with VGEIN = 1. */
function guestHart(words: number[]): { hart: Hart; gstage: GStage; mem: PhysMemory } {
  const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
  const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
  const g = new GStage(mem, alloc);
  const page = alloc.allocate();
  words.forEach((w, i) => mem.view.setUint32(page - BASE + 4 * i, w, true));
  g.map(0x80200000, page);
  const hart = new Hart(0, mem);
  hart.enableAia(1);
  hart.reset(0);
  hart.hostTraps = true;
  hart.priv = Priv.S;
  hart.medeleg = 0xf0b7ff;
  hart.mideleg |= VS_IRQS;
  hart.hideleg = VS_IRQS;
  hart.hedeleg = 0xb1ff;
  const [glo, ghi] = g.hgatp(1);
  hart.set(Slot.HGATP, glo, ghi);
  hart.set(Slot.HSTATUS, Hstatus.SPV | Hstatus.SPVP | (1 << 12), 2);
  hart.aia!.updateLines();
  hart.set(Slot.MSTATUS, Mstatus.SPP, 0);
  hart.set(Slot.SEPC, 0x80200000 | 0, 0);
  hart.hostSret();
  return { hart, gstage: g, mem };
}

describe('hart: AIA interrupt files and CSRs (Ssaia + H)', () => {
  it('the supervisor-level file through siselect/sireg: eidelivery, eithreshold, eip/eie, stopei claims (AIA 3.8-3.9)', () => {
    const h = hsHart();
    const f = h.aia!.sFile;
    csrWrite(h, Csr.SISELECT, 0x70); csrWrite(h, Csr.SIREG, 1);          // eidelivery = 1
    csrWrite(h, Csr.SISELECT, 0xc0); csrWrite(h, Csr.SIREG, 0xffffffff); // eie0: identities 1..31 (bit 0 read-only zero)
    assert.equal(csrRead(h, Csr.SIREG), 0xfffffffe, 'bit 0 of eie0 (identity 0) is read-only zero');
    f.setPending(9);
    f.setPending(4);
    assert.equal(csrRead(h, Csr.STOPEI), (4 << 16) | 4, 'lowest identity first; identity in 26:16 and as priority in 10:0');
    assert.ok(h.pendingInterrupts() & (1 << Irq.SEI), 'the file signals SEIP');
    csrWrite(h, Csr.SISELECT, 0x72); csrWrite(h, Csr.SIREG, 4);          // eithreshold 4: only identities < 4 signal
    assert.equal(csrRead(h, Csr.STOPEI), 0);
    assert.equal(h.pendingInterrupts() & (1 << Irq.SEI), 0);
    csrWrite(h, Csr.SIREG, 0);
    csrWrite(h, Csr.STOPEI, 0x123); // a write claims what stopei reports; the value is ignored
    assert.equal(f.isPending(4), false);
    assert.equal(csrRead(h, Csr.STOPEI), (9 << 16) | 9);
    csrWrite(h, Csr.SISELECT, 0x80);
    assert.equal(csrRead(h, Csr.SIREG), 1 << 9, 'eip0 shows identity 9 pending');
    csrWrite(h, Csr.SISELECT, 0x70); csrWrite(h, Csr.SIREG, 0);
    assert.equal(h.pendingInterrupts() & (1 << Irq.SEI), 0, 'eidelivery 0: no SEIP, stopei unaffected');
    assert.equal(csrRead(h, Csr.STOPEI), (9 << 16) | 9);
  });

  it('siselect: odd eip/eie and reserved numbers raise illegal instruction; iprio reads zero; 0x71 reads zero (AIA 2.2, 3.8)', () => {
    const h = hsHart();
    csrWrite(h, Csr.SISELECT, 0x81);
    assert.equal(csrRead(h, Csr.SIREG), -Cause.ILLEGAL_INSTRUCTION, 'eip1 does not exist for RV64');
    csrWrite(h, Csr.SISELECT, 0x31);
    assert.equal(csrRead(h, Csr.SIREG), -Cause.ILLEGAL_INSTRUCTION, 'iprio1 does not exist for RV64');
    csrWrite(h, Csr.SISELECT, 0x30);
    assert.equal(csrWrite(h, Csr.SIREG, 0xff), 0);
    assert.equal(csrRead(h, Csr.SIREG), 0, 'iprio0 is read-only zero here');
    csrWrite(h, Csr.SISELECT, 0x71);
    assert.equal(csrRead(h, Csr.SIREG), 0);
    csrWrite(h, Csr.SISELECT, 0x10);
    assert.equal(csrRead(h, Csr.SIREG), -Cause.ILLEGAL_INSTRUCTION);
  });

  it('a hart without AIA has none of these CSRs', () => {
    const h = new Hart(0, new PhysMemory(BASE, 4096));
    h.reset(0);
    h.priv = Priv.S;
    for (const n of [Csr.SISELECT, Csr.SIREG, Csr.STOPEI, Csr.STOPI, Csr.VSTOPEI, Csr.HVICTL]) {
      assert.equal(csrRead(h, n), -Cause.ILLEGAL_INSTRUCTION, `csr 0x${n.toString(16)}`);
    }
  });

  it('the guest file VGEIN selects: hgeip, VSEIP, SGEIP with hgeie, vsireg/vstopei from HS (H 9.2.4; AIA 2.3, 3.9)', () => {
    const h = hsHart();
    const g = h.aia!.guestFiles[1];
    assert.equal(csrRead(h, Csr.VSTOPEI), -Cause.ILLEGAL_INSTRUCTION, 'VGEIN = 0: vstopei is inaccessible');
    csrWrite(h, Csr.VSISELECT, 0x70);
    assert.equal(csrRead(h, Csr.VSIREG), -Cause.ILLEGAL_INSTRUCTION, 'VGEIN = 0: vsireg 0x70 is inaccessible');
    csrWrite(h, Csr.HSTATUS, 1 << 12);
    assert.equal((csrRead(h, Csr.HSTATUS) as number) & Hstatus.VGEIN_MASK, 1 << 12, 'VGEIN is writable with a guest file');
    csrWrite(h, Csr.VSIREG, 1); // eidelivery of guest file 1
    csrWrite(h, Csr.VSISELECT, 0xc0); csrWrite(h, Csr.VSIREG, 1 << 3);
    g.setPending(3);
    assert.equal(csrRead(h, Csr.HGEIP), 1 << 1, 'hgeip bit 1: guest file 1 signals');
    assert.ok(h.pendingInterrupts() & (1 << Irq.VSEI), 'VSEIP = hgeip[VGEIN]');
    assert.equal(h.pendingInterrupts() & (1 << Irq.SGEI), 0, 'no SGEIP while hgeie is 0');
    csrWrite(h, Csr.HGEIE, 0xffffffff);
    assert.equal(csrRead(h, Csr.HGEIE), 1 << 1, 'hgeie: bits 1..GEILEN');
    assert.ok(h.pendingInterrupts() & (1 << Irq.SGEI), 'SGEIP = (hgeip & hgeie) != 0');
    assert.equal(csrRead(h, Csr.VSTOPEI), (3 << 16) | 3);
    csrWrite(h, Csr.HSTATUS, 0);
    assert.equal(h.pendingInterrupts() & (1 << Irq.VSEI), 0, 'VGEIN = 0 selects no file');
    assert.equal(csrRead(h, Csr.HGEIP), 1 << 1, 'hgeip does not depend on VGEIN');
  });

  it('from VS-mode: siselect/sireg/stopei reach the guest file; inaccessible numbers raise virtual instruction (AIA 2.3)', () => {
    const h = hsHart();
    csrWrite(h, Csr.HSTATUS, 1 << 12);
    h.hideleg = VS_IRQS;
    h.virt = true;
    assert.equal(csrWrite(h, Csr.SISELECT, 0x70), 0);
    assert.equal(h.aia!.vsiselect, 0x70, 'siselect from VS-mode is vsiselect');
    assert.equal(csrWrite(h, Csr.SIREG, 1), 0);
    assert.equal(h.aia!.guestFiles[1].eidelivery, 1, 'sireg from VS-mode is the guest file');
    assert.equal(h.aia!.sFile.eidelivery, 0);
    assert.equal(csrRead(h, Csr.VSIREG), -Cause.VIRTUAL_INSTRUCTION, 'vsireg named directly from VS-mode');
    csrWrite(h, Csr.SISELECT, 0x30);
    assert.equal(csrRead(h, Csr.SIREG), -Cause.VIRTUAL_INSTRUCTION, 'vsiselect 0x30..0x3F is inaccessible');
    csrWrite(h, Csr.SISELECT, 0xc1);
    assert.equal(csrRead(h, Csr.SIREG), -Cause.VIRTUAL_INSTRUCTION, 'odd eie from VS-mode');
    h.virt = false;
    csrWrite(h, Csr.HSTATUS, 2 << 12); // not a guest file (GEILEN = 1)
    h.virt = true;
    csrWrite(h, Csr.SISELECT, 0x70);
    assert.equal(csrRead(h, Csr.SIREG), -Cause.VIRTUAL_INSTRUCTION, 'VGEIN not a valid file');
    assert.equal(csrRead(h, Csr.STOPEI), -Cause.VIRTUAL_INSTRUCTION);
    h.priv = Priv.U;
    assert.equal(csrRead(h, Csr.SIREG), -Cause.VIRTUAL_INSTRUCTION, 'sireg from VU-mode');
  });

  it('stopi and vstopi report the top interrupt; hvictl.VTI traps VS sip/sie accesses (AIA 5.3.3, 6.3.3, 6.3.4)', () => {
    const h = hsHart();
    h.hideleg = VS_IRQS;
    assert.equal(csrRead(h, Csr.STOPI), 0);
    h.mipSoft = 1 << Irq.SEI;
    h.mie = 1 << Irq.SEI;
    assert.equal(csrRead(h, Csr.STOPI), 0, 'SEI not delegated by mideleg: an M-level interrupt');
    h.mideleg |= (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);
    h.mie = (1 << Irq.SEI) | (1 << Irq.STI) | VS_IRQS;
    h.hvip = (1 << Irq.VSEI) | (1 << Irq.VSTI);
    assert.equal(csrRead(h, Csr.STOPI), (Irq.SEI << 16) | 1, 'SEI, IPRIO 1 (iprio array read-only zero); VS bits delegated on');
    // vstopi: hvip.VSEIP with VGEIN = 0 gives SEI with priority 256; it beats STI (priority 0, default below SEI).
    assert.equal(csrRead(h, Csr.VSTOPI), (9 << 16) | 1, 'IPRIOM = 0: IPRIO 1');
    csrWrite(h, Csr.HVICTL, 1 << 8); // IPRIOM
    assert.equal(csrRead(h, Csr.VSTOPI), (9 << 16) | 255, 'priority 256 reads as 255');
    h.hvip = 1 << Irq.VSTI;
    assert.equal(csrRead(h, Csr.VSTOPI), (5 << 16) | 255, 'STI at VS level is code 5, priority number 0 below SEI -> 255');
    csrWrite(h, Csr.HVICTL, (1 << 30) | (13 << 16) | 7 | (1 << 8)); // VTI, IID 13, IPRIO 7
    assert.equal(csrRead(h, Csr.VSTOPI), (13 << 16) | 7, 'hvictl injects IID 13 with its priority');
    h.virt = true;
    assert.equal(csrRead(h, Csr.SIP), -Cause.VIRTUAL_INSTRUCTION, 'VTI = 1: sip from VS-mode');
    assert.equal(csrWrite(h, Csr.SIE, 0), -Cause.VIRTUAL_INSTRUCTION, 'VTI = 1: sie from VS-mode');
    h.virt = false;
    assert.equal(csrRead(h, Csr.HVIEN), 0, 'hvien read-only zero');
    csrWrite(h, Csr.HVIPRIO1, 0xffffffff);
    assert.equal(csrRead(h, Csr.HVIPRIO1), 0, 'hviprio1 read-only zero (the minimal implementation)');
  });

  it('a guest enables its interrupt file, takes an MSI with no exit and claims it with stopei', () => {
    // la t0, handler; csrw stvec; siselect=0x70, sireg=1; siselect=0xc0, sireg=1<<5;
    // csrs sie, SEIE; csrsi sstatus, SIE; loop: j loop
    // handler: csrrw a0, stopei, zero; csrr a1, stopei; csrr a2, scause; ecall
    const { hart } = guestHart([
      0x00000297, 0x03c28293, 0x10529073, 0x07000293, 0x15029073, 0x00100293, 0x15129073,
      0x0c000293, 0x15029073, 0x02000293, 0x15129073, 0x20000293, 0x1042a073, 0x10016073,
      0x0000006f, 0x15c01573, 0x15c025f3, 0x14202673, 0x00000073,
    ]);
    assert.equal(hart.run(300), StopReason.BUDGET, 'the CSR setup and the wait loop ran without an exit');
    assert.equal(hart.aia!.guestFiles[1].eidelivery, 1);
    hart.aia!.guestFiles[1].setPending(5); // the MSI, as the APLIC or another hart writes it
    assert.equal(hart.run(300), StopReason.HOST_TRAP);
    assert.equal(hart.lo(Slot.SCAUSE), Cause.ECALL_VS, 'the only exit is the final ecall');
    assert.equal(hart.x[10 * 2], (5 << 16) | 5, 'stopei (vstopei) before the claim');
    assert.equal(hart.x[11 * 2], 0, 'claimed');
    assert.equal(hart.x[12 * 2], 9, 'scause: supervisor external interrupt (VS-level code 9)');
    assert.equal(hart.x[12 * 2 + 1] | 0, 0x80000000 | 0);
  });

  it('a guest store to its IMSIC page mapped in the G-stage reaches the file without an exit', () => {
    // lui t0, 0x28000; li t1, 7; sw t1, 0(t0); csrr a0, stopei; ecall
    const { hart, gstage } = guestHart([0x280002b7, 0x00700313, 0x0062a023, 0x15c02573, 0x00000073]);
    const pages = new ImsicPages([hart.aia!.guestFiles], 1);
    const bus = new MmioBus();
    bus.add(0x28000000, pages.size, pages);
    hart.bus = bus;
    gstage.map(0x28000000, 0x28000000 + pages.pageOffset(0, 1), DEVICE_LEAF_FLAGS);
    const file = hart.aia!.guestFiles[1];
    file.write(0xc0, 1 << 7, 0);
    assert.equal(hart.run(100), StopReason.HOST_TRAP);
    assert.equal(hart.lo(Slot.SCAUSE), Cause.ECALL_VS, 'no guest page fault: the store went to the file');
    assert.equal(hart.x[10 * 2], (7 << 16) | 7);
    assert.equal(pages.msis, 1);
  });
});
