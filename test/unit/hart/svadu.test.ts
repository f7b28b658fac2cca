/**
 * Svadu (privileged spec, "Svadu" extension): with menvcfg.ADUE / henvcfg.ADUE = 1 the walker
 * sets A (and D on a store) in the leaf PTE instead of raising a page fault; with ADUE = 0 the
 * fault stays (Svade). In a two-stage walk the A/D update of a VS-stage PTE is an implicit
 * write to its guest physical address: without G-stage write permission it is a guest page
 * fault of the original access type with htinst = 0x3020 (the "64-bit write"
 * pseudoinstruction) and htval = the PTE's GPA >> 2.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Cause, EnvcfgHi, Hstatus, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
/** G-stage root (Sv39x4: 16 KiB, 16 KiB aligned). */
const G_ROOT = 0x80100000;
/** VS root table (host address); its GPA is VS_ROOT_GPA through the read-only alias. */
const VS_ROOT = 0x80104000;
/** GPA 0xc0000000.. is a read-only (R X) alias of host 0x80000000... */
const VS_ROOT_GPA = VS_ROOT + 0x40000000;
/** The VS root's entry for VA 0x80000000 (VPN[2] = 2). */
const VS_PTE = VS_ROOT + 16;
const pte = (pa: number, flags: number) => (pa / 4096) * 1024 + flags;

function setup(opts: { aliasWritable: boolean; adue: boolean; virt: boolean }): { h: Hart; mem: PhysMemory } {
  const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
  const put = (addr: number, v: number) => mem.view.setUint32(addr - BASE, v >>> 0, true);
  put(BASE, 0x00000013); // nop
  put(G_ROOT + 2 * 8, pte(BASE, 0xdf)); // GPA 1-2 GiB -> host, V R W X U A D
  put(G_ROOT + 3 * 8, pte(BASE, opts.aliasWritable ? 0xdf : 0xdb)); // GPA 3 GiB alias, W only if asked
  put(VS_PTE, pte(BASE, 0x0f)); // VA 0x80000000 gigapage, V R W X, no A/D
  const h = new Hart(0, mem);
  h.reset(0);
  h.hostTraps = true;
  h.priv = Priv.S;
  h.medeleg = 0xf0b7ff;
  h.set(Slot.MENVCFG, 0, EnvcfgHi.ADUE);
  h.set(Slot.HENVCFG, 0, opts.adue ? EnvcfgHi.ADUE : 0);
  if (opts.virt) {
    h.set(Slot.HGATP, G_ROOT / 4096, 8 << 28);
    h.set(Slot.VSATP, VS_ROOT_GPA / 4096, 8 << 28);
  } else {
    h.set(Slot.MENVCFG, 0, opts.adue ? EnvcfgHi.ADUE : 0);
    h.set(Slot.SATP, VS_ROOT / 4096, 8 << 28);
  }
  h.set(Slot.HSTATUS, opts.virt ? Hstatus.SPV : 0, 2);
  h.set(Slot.MSTATUS, Mstatus.SPP, 0);
  h.set(Slot.SEPC, BASE | 0, 0);
  h.hostSret();
  return { h, mem };
}

const flags = (mem: PhysMemory) => mem.view.getUint32(VS_PTE - BASE, true) & 0xff;

describe('hart: Svadu (hardware A/D updating)', () => {
  it('the hart resets with menvcfg.ADUE = 1, as QEMU does; ADUE is read-only 0 without Svadu', () => {
    const mem = new PhysMemory(BASE, 64 * 1024);
    const h = new Hart(0, mem);
    h.reset(0);
    assert.equal(h.hi(Slot.MENVCFG) & EnvcfgHi.ADUE, EnvcfgHi.ADUE);
    const off = new Hart(0, mem);
    off.svadu = false;
    off.reset(0);
    assert.equal(off.hi(Slot.MENVCFG), 0);
  });

  it('S-mode with menvcfg.ADUE = 1: a fetch through a PTE without A sets A (not D) and runs', () => {
    const { h, mem } = setup({ aliasWritable: true, adue: true, virt: false });
    h.run(1);
    assert.equal(h.instret, 1);
    assert.equal(flags(mem), 0x4f);
  });

  it('S-mode with menvcfg.ADUE = 0: a fetch page fault (12), the PTE unchanged', () => {
    const { h, mem } = setup({ aliasWritable: true, adue: false, virt: false });
    assert.equal(h.run(1), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.FETCH_PAGE_FAULT);
    assert.equal(flags(mem), 0x0f);
  });

  it('VS-mode with henvcfg.ADUE = 1: the VS-stage PTE gets A through its writable GPA', () => {
    const { h, mem } = setup({ aliasWritable: true, adue: true, virt: true });
    h.run(1);
    assert.equal(h.instret, 1);
    assert.equal(flags(mem), 0x4f);
  });

  it('VS-mode, the PTE\'s GPA read-only in the G-stage: fetch guest page fault (20), htinst 0x3020', () => {
    const { h, mem } = setup({ aliasWritable: false, adue: true, virt: true });
    assert.equal(h.run(1), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.FETCH_GUEST_PAGE_FAULT);
    assert.equal(h.lo(Slot.HTINST), 0x3020, 'the implicit 64-bit write pseudoinstruction');
    assert.equal((h.hi(Slot.HTVAL) >>> 0) * 2 ** 32 + (h.lo(Slot.HTVAL) >>> 0), (VS_ROOT_GPA + 16) / 4);
    assert.equal(flags(mem), 0x0f, 'nothing written');
    assert.equal(h.instret, 0);
  });

  it('VS-mode with henvcfg.ADUE = 0: a fetch page fault (12) for the guest', () => {
    const { h, mem } = setup({ aliasWritable: true, adue: false, virt: true });
    assert.equal(h.run(1), StopReason.HOST_TRAP);
    assert.equal(h.lo(Slot.SCAUSE), Cause.FETCH_PAGE_FAULT);
    assert.equal(flags(mem), 0x0f);
  });
});
