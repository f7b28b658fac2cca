/**
 * Hart behaviour the hypervisor relies on, checked instruction by instruction: a guest load
 * from an unmapped GPA traps to the host with htval = GPA >> 2 and htinst = the transformed
 * instruction (including a compressed one); satp is WARL for unsupported modes; ecall from VS.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Cause, Hstatus, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { transformedInstruction } from '../../../hypervisor-core/hart/translate';
import { GStage } from '../../../hypervisor-core/hypervisor/gstage';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;

/** A hart in VS-mode (host traps on) whose G-stage maps the code page at GPA 0x80200000. */
function guestHart(code: number[]): { hart: Hart; mem: PhysMemory } {
  const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
  const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
  const g = new GStage(mem, alloc);
  const page = alloc.allocate();
  code.forEach((w, i) => mem.view.setUint16(page - BASE + 2 * i, w, true));
  g.map(0x80200000, page);
  const hart = new Hart(0, mem);
  hart.reset(0);
  hart.hostTraps = true;
  hart.priv = Priv.S;
  hart.medeleg = 0xf0b7ff;
  const [glo, ghi] = g.hgatp(1);
  hart.set(Slot.HGATP, glo, ghi);
  hart.set(Slot.HSTATUS, Hstatus.SPV | Hstatus.SPVP, 2);
  hart.set(Slot.MSTATUS, Mstatus.SPP, 0);
  hart.set(Slot.SEPC, 0x80200000 | 0, 0);
  hart.hostSret();
  return { hart, mem };
}

describe('hart: traps the hypervisor depends on', () => {
  it('a load from an unmapped GPA exits with scause 21, htval = GPA >> 2 and the transformed instruction', () => {
    // lui a1, 0x10000 ; lw a0, 5(a1)   (GPA 0x10000005)
    const lw = 0x0055a503;
    const g = guestHart([0x05b7, 0x1000, lw & 0xffff, lw >>> 16]);
    assert.equal(g.hart.run(10), StopReason.HOST_TRAP);
    assert.equal(g.hart.lo(Slot.SCAUSE), Cause.LOAD_GUEST_PAGE_FAULT);
    assert.equal(g.hart.lo(Slot.HTVAL), 0x10000005 >>> 2);
    assert.equal(g.hart.lo(Slot.STVAL), 0x10000005);
    assert.equal(g.hart.lo(Slot.HTINST), transformedInstruction(lw, false));
    assert.equal(g.hart.lo(Slot.HTINST), 0x00002503); // lw a0, 0(x0): offset and rs1 cleared
    assert.equal(g.hart.lo(Slot.SEPC), (0x80200004 | 0));
    assert.ok(g.hart.lo(Slot.HSTATUS) & Hstatus.SPV, 'SPV records that the trap came from V=1');
    assert.ok(g.hart.lo(Slot.HSTATUS) & Hstatus.GVA, 'stval holds a guest virtual address');
    assert.equal(g.hart.virt, false);
  });

  it('a compressed store reports its 32-bit form with bit 1 cleared', () => {
    // lui a1, 0x10000 ; c.sw a0, 0(a1)
    const g = guestHart([0x05b7, 0x1000, 0xc188]);
    assert.equal(g.hart.run(10), StopReason.HOST_TRAP);
    assert.equal(g.hart.lo(Slot.SCAUSE), Cause.STORE_GUEST_PAGE_FAULT);
    const tinst = g.hart.lo(Slot.HTINST);
    assert.equal(tinst & 3, 1, 'bit 1 clear: the original was 16 bits');
    assert.equal((tinst | 2) & 0x7f, 0x23);
    assert.equal((tinst >>> 12) & 7, 2, 'sw');
    assert.equal((tinst >>> 20) & 31, 10, 'rs2 = a0');
  });

  it('ecall in VS-mode exits with cause 10 (ECALL_VS)', () => {
    const g = guestHart([0x0073, 0x0000]);
    assert.equal(g.hart.run(10), StopReason.HOST_TRAP);
    assert.equal(g.hart.lo(Slot.SCAUSE), Cause.ECALL_VS);
  });

  it('vsatp is WARL: writing an unsupported mode (Sv57) leaves it unchanged', () => {
    // li t0, 10 ; slli t0, t0, 60 ; csrw satp, t0 ; csrr a0, satp ; ecall
    const words = [0x00a00293, 0x03c29293, 0x18029073, 0x18002573, 0x00000073];
    const g = guestHart(words.flatMap((w) => [w & 0xffff, w >>> 16]));
    assert.equal(g.hart.run(10), StopReason.HOST_TRAP);
    assert.equal(g.hart.lo(Slot.SCAUSE), Cause.ECALL_VS);
    assert.equal(g.hart.x[20], 0);
    assert.equal(g.hart.x[21], 0);
    assert.equal(g.hart.lo(Slot.VSATP), 0);
  });
});
