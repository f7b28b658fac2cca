/** Debugger memory access: GPA reads/writes of RAM only, and the VS-stage walk for GVAs. */
import { strict as assert } from 'node:assert';
import { Vm } from '../../../hypervisor-core/hypervisor/vm';
import { GuestMemory } from '../../../hypervisor-core/debug/guest-memory';
import { Slot } from '../../../hypervisor-core/hart/hart-state';

const u64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

describe('debug guest memory', () => {
  const vm = new Vm({ vcpus: 1, memory: 16 * 1024 * 1024, clock: 'icount', console: () => undefined });
  const mem = new GuestMemory(vm);
  const h = vm.vcpus[0].hart;

  it('reads and writes guest RAM by physical address, never MMIO', () => {
    assert.ok(mem.writePhys(0x80001000n, Uint8Array.of(1, 2, 3)));
    assert.deepEqual(mem.readPhys(0x80001000n, 3), Uint8Array.of(1, 2, 3));
    assert.equal(mem.readPhys(0x10000000n, 1), null); // the UART
    assert.equal(mem.writePhys(0x7ffffffen, Uint8Array.of(1, 2, 3, 4)), false);
  });

  it('walks an Sv39 table: GVA -> GPA with each level, and reads through it', () => {
    // root at 0x80010000, level-1 table at 0x80011000, level-0 table at 0x80012000;
    // GVA 0xffffffc000403000 -> GPA 0x80100000.
    const gva = 0xffffffc000403000n;
    const vpn = (l: number) => (gva >> BigInt(12 + 9 * l)) & 0x1ffn;
    const pte = (ppn: bigint, flags: bigint) => (ppn << 10n) | flags;
    mem.writePhys(0x80010000n + vpn(2) * 8n, u64(pte(0x80011n, 1n)));
    mem.writePhys(0x80011000n + vpn(1) * 8n, u64(pte(0x80012n, 1n)));
    mem.writePhys(0x80012000n + vpn(0) * 8n, u64(pte(0x80100n, 0xcfn))); // V R W X A D
    h.set(Slot.VSATP, 0x80010, 8 << 28);
    const t = mem.translate(h, gva + 0x34n);
    assert.equal(t.mode, 'sv39');
    assert.equal(t.fault, undefined);
    assert.equal(t.gpa, 0x80100034n);
    assert.deepEqual(t.steps.map((s) => [s.level, s.pteAddress, s.flags]), [
      [2, 0x80010000n + vpn(2) * 8n, 'V'], [1, 0x80011000n + vpn(1) * 8n, 'V'], [0, 0x80012000n + vpn(0) * 8n, 'VRWXAD'],
    ]);
    assert.ok(mem.writePhys(0x80100034n, Uint8Array.of(0xab)));
    assert.deepEqual(mem.readVirt(h, gva + 0x34n, 1), Uint8Array.of(0xab));
    assert.equal(mem.writeVirt(h, gva + 0x35n, Uint8Array.of(0xcd)), 1);
    assert.deepEqual(mem.readPhys(0x80100035n, 1), Uint8Array.of(0xcd));
    const bad = mem.translate(h, 0xffffffc000000000n);
    assert.match(bad.fault ?? '', /invalid PTE at level/);
    assert.match(mem.translate(h, 0x0000800000000000n).fault ?? '', /not canonical/);
    h.set(Slot.VSATP, 0, 0);
    assert.equal(mem.translate(h, 0x80100034n).gpa, 0x80100034n); // Bare
  });
});
