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

/**
 * A hart (host traps on) whose G-stage maps two code pages at GPA 0x80200000, with the
 * halfwords `code` from GPA 0x80200000 + `at`; not yet in the guest (see enterGuest).
 */
function twoPageGuest(code: number[], at: number): { hart: Hart; mem: PhysMemory; pages: number[] } {
  const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
  const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
  const g = new GStage(mem, alloc);
  const pages = [alloc.allocate(), alloc.allocate()];
  g.map(0x80200000, pages[0]);
  g.map(0x80201000, pages[1]);
  code.forEach((w, i) => {
    const gpa = at + 2 * i;
    mem.view.setUint16(pages[gpa >>> 12] - BASE + (gpa & 0xfff), w, true);
  });
  const hart = new Hart(0, mem);
  hart.reset(0);
  hart.hostTraps = true;
  hart.priv = Priv.S;
  hart.medeleg = 0xf0b7ff;
  const [glo, ghi] = g.hgatp(1);
  hart.set(Slot.HGATP, glo, ghi);
  return { hart, mem, pages };
}

/** Enters the guest at GPA 0x80200000 + `at` in VS-mode, as hostSret does. */
function enterGuest(hart: Hart, at: number): void {
  hart.set(Slot.HSTATUS, Hstatus.SPV | Hstatus.SPVP, 2);
  hart.set(Slot.MSTATUS, Mstatus.SPP, 0);
  hart.set(Slot.SEPC, (0x80200000 + at) | 0, 0);
  hart.hostSret();
}

/** A hart in VS-mode at GPA 0x80200000, where the halfwords `code` are. */
function guestHart(code: number[]): { hart: Hart; mem: PhysMemory } {
  const g = twoPageGuest(code, 0);
  enterGuest(g.hart, 0);
  return g;
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

/**
 * The interpreter runs an instruction it has executed before from the predecode cache, which
 * keeps the immediate and not the instruction word: a trap must still report the instruction
 * (htinst, the H chapter's "transformed instruction") exactly as on its first execution.
 */
describe('hart: traps of predecoded instructions', () => {
  /** Enters the guest at GPA 0x80200000 + `at` and runs until the next exit. */
  function runFrom(hart: Hart, at: number): StopReason {
    enterGuest(hart, at);
    return hart.run(10);
  }

  it('a load run a second time (predecoded) exits with the same transformed instruction in htinst', () => {
    // lui a1, 0x10000 ; lw a0, 5(a1): htinst 0x00002503 (lw a0, 0(x0)), as in the test above
    const { hart } = twoPageGuest([0x05b7, 0x1000, 0xa503, 0x0055], 0);
    for (let k = 0; k < 2; k++) {
      assert.equal(runFrom(hart, 0), StopReason.HOST_TRAP);
      assert.equal(hart.lo(Slot.SCAUSE), Cause.LOAD_GUEST_PAGE_FAULT);
      assert.equal(hart.lo(Slot.HTINST), 0x00002503, `execution ${k + 1}`);
      assert.equal(hart.lo(Slot.STVAL), 0x10000005);
    }
    assert.ok(hart.predecode.counters.pages >= 1, 'the second execution ran from the predecode cache');
  });

  it('a compressed store run a second time reports its 32-bit form with bit 1 cleared again', () => {
    // lui a1, 0x10000 ; c.sw a0, 0(a1): the transformed instruction is sw a0, 0(x0) with bit 1
    // cleared (0x00a02021), the H chapter's rule for a 16-bit original
    const { hart } = twoPageGuest([0x05b7, 0x1000, 0xc188], 0);
    for (let k = 0; k < 2; k++) {
      assert.equal(runFrom(hart, 0), StopReason.HOST_TRAP);
      assert.equal(hart.lo(Slot.SCAUSE), Cause.STORE_GUEST_PAGE_FAULT);
      assert.equal(hart.lo(Slot.HTINST), 0x00a02021, `execution ${k + 1}`);
    }
  });

  it('a load across two pages reports the whole instruction, and a host write to its second half is seen', () => {
    // 0xff6: lui a1, 0x10000 ; 0xffa: c.nop ; 0xffc: c.nop ; 0xffe: lw a0, 5(a1) (halves on two pages)
    const { hart, mem, pages } = twoPageGuest([0x05b7, 0x1000, 0x0001, 0x0001, 0xa503, 0x0055], 0xff6);
    assert.equal(runFrom(hart, 0xff6), StopReason.HOST_TRAP);
    assert.equal(hart.lo(Slot.SCAUSE), Cause.LOAD_GUEST_PAGE_FAULT);
    assert.equal(hart.lo(Slot.SEPC), 0x80200ffe | 0);
    assert.equal(hart.lo(Slot.HTINST), 0x00002503);
    assert.equal(hart.lo(Slot.STVAL), 0x10000005);
    // The upper half becomes 0x0095: lw a0, 9(a1).
    mem.write(pages[1], new Uint8Array([0x95, 0x00]));
    assert.equal(runFrom(hart, 0xff6), StopReason.HOST_TRAP);
    assert.equal(hart.lo(Slot.STVAL), 0x10000009, 'the new offset');
    assert.equal(hart.lo(Slot.HTINST), 0x00002503);
  });
});
