/**
 * The hart's watchpoint hook, on a bare M-mode hart: a watched store, load or AMO stops
 * before the access with the pc at the instruction; a store crossing a page writes nothing
 * when any byte is watched; clearing the list restores normal execution.
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const PROGRAM = [
  0x00001597, // auipc a1, 1            a1 = 0x80001000
  0x00a5b023, // sd a0, 0(a1)
  0x0005b603, // ld a2, 0(a1)
  0x00a5a6af, // amoadd.w a3, a0, (a1)
  0x7ff58713, // addi a4, a1, 2047
  0x7ea73fa3, // sd a0, 2047(a4)        0x80001ffe: crosses into the next page
];

function hart(): { h: Hart; mem: PhysMemory } {
  const mem = new PhysMemory(BASE, 64 * 1024);
  PROGRAM.forEach((w, i) => mem.view.setUint32(4 * i, w, true));
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  h.x[20] = 0x11223344; h.x[21] = 0x55667788;
  return { h, mem };
}
const watch = (addr: number, length: number, read: boolean, write: boolean) => ({ lo: addr | 0, hi: 0, length, read, write });
const pc = (h: Hart) => h.pcLo >>> 0;

describe('hart watchpoints', () => {
  it('stops before watched stores, loads and AMOs, and runs on once cleared', () => {
    const { h, mem } = hart();
    h.setWatchpoints([watch(0x80001004, 4, false, true)]);
    assert.equal(h.run(100), StopReason.WATCHPOINT);
    assert.equal(pc(h), 0x80000004);
    assert.deepEqual(h.watchHit, { index: 0, lo: 0x80001000 | 0, hi: 0, size: 8, write: true });
    assert.equal(mem.view.getUint32(0x1000, true), 0, 'the store has not happened');
    assert.equal(h.instret, 1);
    h.setWatchpoints([]);
    assert.equal(h.run(1), StopReason.BUDGET);
    assert.equal(mem.view.getUint32(0x1000, true), 0x11223344);

    h.setWatchpoints([watch(0x80000ffc, 8, false, true), watch(0x80001007, 1, true, false)]); // a write-only one does not see loads
    assert.equal(h.run(100), StopReason.WATCHPOINT);
    assert.equal(pc(h), 0x80000008);
    assert.equal(h.watchHit?.index, 1);
    assert.equal(h.watchHit?.write, false);
    h.setWatchpoints([]);
    h.run(1);
    h.setWatchpoints([watch(0x80001000, 1, true, false)]); // an AMO reads too
    assert.equal(h.run(100), StopReason.WATCHPOINT);
    assert.equal(pc(h), 0x8000000c);
    assert.equal(h.x[26], 0, 'rd not written');
  });

  it('a page-crossing store writes no byte when one is watched', () => {
    const { h, mem } = hart();
    h.setWatchpoints([watch(0x80002002, 1, false, true)]);
    assert.equal(h.run(100), StopReason.WATCHPOINT);
    assert.equal(pc(h), 0x80000014);
    assert.equal(h.watchHit?.size, 8);
    assert.deepEqual([...mem.bytes.subarray(0x1ffe, 0x2006)], [0, 0, 0, 0, 0, 0, 0, 0]);
    h.setWatchpoints([]);
    h.run(1);
    assert.equal(mem.view.getUint32(0x1ffe, true), 0x11223344);
  });
});
