/**
 * Handing a hart between a vCPU thread and the VM's thread (threads/hart-transfer.ts): the
 * state saved, cloned as postMessage clones it and restored into another hart over another
 * view of the same RAM is the whole architectural state, as the snapshot format
 * (`Hart.save`, written separately for VM snapshots) lists it.
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../../hypervisor-core/hart/hart';
import { Slot } from '../../../../hypervisor-core/hart/hart-state';
import { PhysMemory } from '../../../../hypervisor-core/memory/phys-memory';
import { restoreHart, saveHart } from '../../../../hypervisor-core/hypervisor/threads/hart-transfer';

const BASE = 0x80000000;

/** A hart whose every kind of state holds something other than its reset value. */
function busyHart(mem: PhysMemory): Hart {
  const h = new Hart(0, mem);
  h.reset(BASE | 0, 0);
  for (let i = 2; i < 64; i++) h.x[i] = (i * 0x9e3779b1) | 0;
  h.pcLo = (BASE + 0x1234) | 0;
  h.pcHi = 0;
  h.priv = 1;
  h.virt = true;
  h.set(Slot.SEPC, 0x1000, 0x2);
  h.set(Slot.VSATP, 0x5678, -0x80000000);
  h.set(Slot.HSTATUS, 0x80, 0);
  h.hvip = 0x444;
  h.hedeleg = 0xb1ff;
  h.hideleg = 0x444;
  h.medeleg = 0xf0b55;
  h.mcounteren = 7;
  h.instret = 123456789;
  h.reservation = 0x4008;
  h.fp.frm = 3;
  h.fp.fflags = 0x11;
  for (let i = 0; i < 32; i++) h.fp.f[i] = i * 1.5 - 7;
  h.pmpcfg[0] = 0x1f;
  h.pmpaddr[3] = 0x20000000;
  return h;
}

describe('vCPU threads: handing a hart over', () => {
  it('saveHart, a structured clone and restoreHart carry every field of the snapshot format, twice in a row', () => {
    const ram = new PhysMemory(BASE, 1 << 20, true, 4);
    const other = new PhysMemory(BASE, 1 << 20, ram.wasm ?? ram.sharedBuffer!);
    const src = busyHart(ram);
    const dst = new Hart(1, other, other.claimHartArea(2));
    dst.reset(BASE | 0, 0);
    restoreHart(dst, structuredClone(saveHart(src)));
    assert.deepEqual(dst.save(), src.save());
    // Again after changes (a cached field list must see the new values).
    src.x[10] = 42;
    src.priv = 0;
    src.virt = false;
    src.fp.fflags = 0;
    src.instret += 5;
    restoreHart(dst, structuredClone(saveHart(src)));
    assert.deepEqual(dst.save(), src.save());
    assert.equal(dst.hartId, 1, 'the hart keeps its own id (thread-local configuration)');
  });
});
