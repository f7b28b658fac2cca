/**
 * The hart's counters (privileged spec 3.1.10-3.1.13): mcycle/minstret and mhpmcounter3..10
 * with their mhpmevent, mcountinhibit stopping and resuming them, the unprivileged aliases,
 * and the events the hart counts itself (TLB misses, page walks).
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { HpmEvent } from '../../../hypervisor-core/hart/counters';
import { Cause, Csr, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { CSR_VALUE, checkCsrAccess, readCsr, writeCsr } from '../../../hypervisor-core/hart/csr-file';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const NOP = 0x00000013;
const J_SELF = 0x0000006f;

function read(h: Hart, n: number): number {
  readCsr(h, n);
  return (CSR_VALUE[1] >>> 0) * 2 ** 32 + (CSR_VALUE[0] >>> 0);
}

/** An M-mode hart with `code` at BASE. */
function hart(code: number[]): Hart {
  const mem = new PhysMemory(BASE, 64 * 1024);
  code.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  return h;
}

describe('hart: performance counters', () => {
  it('minstret counts retired instructions from its written value; mcountinhibit.IR freezes it', () => {
    const h = hart([NOP, NOP, NOP, NOP, J_SELF]);
    writeCsr(h, Csr.MINSTRET, 100, 0);
    h.run(4);
    assert.equal(read(h, Csr.MINSTRET), 104);
    assert.equal(read(h, Csr.INSTRET), 104);
    assert.equal(read(h, Csr.MCYCLE), 4, 'one cycle per instruction, counted from reset');
    writeCsr(h, Csr.MCOUNTINHIBIT, 4, 0); // IR
    h.run(10);
    assert.equal(read(h, Csr.MINSTRET), 104);
    assert.equal(read(h, Csr.MCYCLE), 14);
    writeCsr(h, Csr.MCOUNTINHIBIT, 0, 0);
    h.run(6);
    assert.equal(read(h, Csr.MINSTRET), 110);
  });

  it('mhpmevent selects an event (WARL: unknown events read 0); mhpmcounter counts it', () => {
    const h = hart([NOP, NOP, J_SELF]);
    writeCsr(h, Csr.MHPMEVENT3 + 1, HpmEvent.INSTRUCTIONS, 0); // mhpmevent4
    writeCsr(h, Csr.MHPMEVENT3, 0x12345, 0);
    readCsr(h, Csr.MHPMEVENT3);
    assert.equal(CSR_VALUE[0], 0);
    readCsr(h, Csr.MHPMEVENT3 + 1);
    assert.equal(CSR_VALUE[0], HpmEvent.INSTRUCTIONS);
    h.run(5);
    assert.equal(read(h, Csr.MHPMCOUNTER3 + 1), 5);
    assert.equal(read(h, Csr.HPMCOUNTER3 + 1), 5);
    assert.equal(read(h, Csr.MHPMCOUNTER3), 0);
    assert.equal(read(h, Csr.MHPMCOUNTER3 + 8), 0, 'mhpmcounter11 and up read 0');
    writeCsr(h, Csr.MHPMCOUNTER3 + 1, 1000, 0);
    h.run(1);
    assert.equal(read(h, Csr.MHPMCOUNTER3 + 1), 1001);
  });

  it('hpmcounterN is readable from S-mode when mcounteren allows it', () => {
    const h = hart([NOP]);
    h.priv = Priv.S;
    assert.equal(checkCsrAccess(h, Csr.HPMCOUNTER3 + 1, false), Cause.ILLEGAL_INSTRUCTION);
    h.mcounteren = 1 << 4;
    assert.equal(checkCsrAccess(h, Csr.HPMCOUNTER3 + 1, false), 0);
  });

  it('data TLB misses: the first load of a page misses, the next ones hit', () => {
    // lw a0, 0(a1); lw a0, 4(a1); lw a0, 8(a1); j .   with a1 = BASE + 0x1000 (Bare: no walks)
    const h = hart([0x0005a503, 0x0045a503, 0x0085a503, J_SELF]);
    h.x[11 * 2] = (BASE + 0x1000) | 0;
    writeCsr(h, Csr.MHPMEVENT3, HpmEvent.DTLB_READ_MISS, 0);
    writeCsr(h, Csr.MHPMEVENT3 + 1, HpmEvent.PAGE_WALKS, 0);
    assert.equal(h.run(3), StopReason.BUDGET);
    assert.equal(read(h, Csr.MHPMCOUNTER3), 1);
    assert.equal(read(h, Csr.MHPMCOUNTER3 + 1), 0);
  });
});
