/**
 * The trigger module (RISC-V Debug Specification 1.0, chapter 5, Sdtrig): the trigger CSRs
 * and their WARL rules, execute/load/store address triggers, data triggers, chains and NAPOT
 * ranges, tcontrol.mte for M-mode, and mcontrol6's vs/vu bits that arm a trigger for a guest.
 * Expected values come from the spec's register descriptions and from riscv-tests'
 * rv64mi-p-breakpoint (which passes on QEMU 7.2 and on this hart).
 */
import { strict as assert } from 'node:assert';
import { Hart, StopReason } from '../../../hypervisor-core/hart/hart';
import { Slot } from '../../../hypervisor-core/hart/hart-state';
import { Cause, Csr, Hstatus, Mstatus, Priv } from '../../../hypervisor-core/hart/csr-numbers';
import { CSR_VALUE, checkCsrAccess, readCsr, writeCsr } from '../../../hypervisor-core/hart/csr-file';
import { GStage } from '../../../hypervisor-core/hypervisor/gstage';
import { PageAllocator } from '../../../hypervisor-core/memory/page-allocator';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';

const BASE = 0x80000000;
const DATA = 0x80001000;
// Instructions (riscv64-unknown-elf-as):
const LW_A0_0_A1 = 0x0005a503; // lw a0, 0(a1)
const SW_A2_8_A1 = 0x00c5a423; // sw a2, 8(a1)
const LD_A3_16_A1 = 0x0105b683; // ld a3, 16(a1)
const NOP = 0x00000013;
const AMOADD_W = 0x00c5a72f; // amoadd.w a4, a2, (a1)
const SB_A2_3_A1 = 0x00c581a3; // sb a2, 3(a1)

const MC = 2 << 28, MC6 = 6 << 28; // tdata1 high words: type 2 (mcontrol), 6 (mcontrol6)
const LOAD = 1, STORE = 2, EXECUTE = 4, U = 1 << 3, S = 1 << 4, M = 1 << 6;
const VU = 1 << 23, VS = 1 << 24, SELECT6 = 1 << 21, CHAIN = 1 << 11;
const match = (m: number) => m << 7;

function csr(h: Hart, n: number): [number, number] {
  readCsr(h, n);
  return [CSR_VALUE[0], CSR_VALUE[1]];
}

/** Programs trigger `i` (tdata1 = 0 first, as the spec advises, then tdata2, then tdata1). */
function trigger(h: Hart, i: number, d1lo: number, d1hi: number, addr: number, addrHi = 0): void {
  writeCsr(h, Csr.TSELECT, i, 0);
  writeCsr(h, Csr.TDATA1, 0, 0);
  writeCsr(h, Csr.TDATA2, addr | 0, addrHi);
  writeCsr(h, Csr.TDATA1, d1lo, d1hi);
}

/** An M-mode hart (traps stop `run` for inspection) running `code` at BASE with a1 = DATA. */
function machine(code: number[]): Hart {
  const mem = new PhysMemory(BASE, 64 * 1024);
  code.forEach((w, i) => mem.view.setUint32(4 * i, w >>> 0, true));
  const h = new Hart(0, mem);
  h.reset(BASE | 0);
  h.hostTraps = true;
  h.x[11 * 2] = DATA | 0;
  h.x[12 * 2] = 0x11223344;
  writeCsr(h, Csr.TCONTROL, 1 << 3, 0); // mte: M-mode triggers enabled
  return h;
}

/** Runs until a trap; returns [mcause, mepc, mtval] (low words). */
function trapM(h: Hart): [number, number, number] {
  assert.equal(h.run(100), StopReason.HOST_TRAP);
  return [h.lo(Slot.MCAUSE), h.lo(Slot.MEPC) >>> 0, h.lo(Slot.MTVAL) >>> 0];
}

describe('hart: debug triggers (Sdtrig)', () => {
  it('tselect, tdata1..3, tinfo and tcontrol exist in M-mode only; tdata1 reads back a legal value', () => {
    const h = machine([NOP]);
    for (const n of [Csr.TSELECT, Csr.TDATA1, Csr.TDATA2, Csr.TDATA3, Csr.TINFO, Csr.TCONTROL]) {
      assert.equal(checkCsrAccess(h, n, true), 0, `0x${n.toString(16)} in M-mode`);
    }
    h.priv = Priv.S;
    assert.equal(checkCsrAccess(h, Csr.TDATA2, false), Cause.ILLEGAL_INSTRUCTION);
    h.priv = Priv.M;
    // tinfo: version 1 (Sdtrig 1.0) and types 2, 6 and 15.
    assert.deepEqual(csr(h, Csr.TINFO), [(1 << 24) | (1 << 2) | (1 << 6) | (1 << 15), 0]);
    // The reset state is "exists but disabled" (type 15), never 0 (which ends a debugger's scan).
    assert.deepEqual(csr(h, Csr.TDATA1), [0, 15 << 28]);
    // rv64mi-p-breakpoint writes (2 << 60) | m | execute and skips the test unless it reads back.
    writeCsr(h, Csr.TDATA1, M | EXECUTE, MC);
    assert.deepEqual(csr(h, Csr.TDATA1), [M | EXECUTE, MC]);
    // WARL: action 1 (debug mode, which does not exist here) and NAPOT on mcontrol (maskmax 0) become 0.
    writeCsr(h, Csr.TDATA1, (1 << 12) | match(1) | LOAD, MC);
    assert.deepEqual(csr(h, Csr.TDATA1), [LOAD, MC]);
    // Writing 0 disables the trigger (5.5: "writing 0 to tdata1 disables the trigger"), as does
    // an unsupported type (3, icount).
    writeCsr(h, Csr.TDATA1, 0, 0);
    assert.deepEqual(csr(h, Csr.TDATA1), [0, 15 << 28]);
    writeCsr(h, Csr.TDATA1, LOAD, 3 << 28);
    assert.deepEqual(csr(h, Csr.TDATA1), [0, 15 << 28]);
    writeCsr(h, Csr.TDATA2, 0x1234, -1);
    assert.deepEqual(csr(h, Csr.TDATA2), [0x1234, -1]);
    writeCsr(h, Csr.TDATA3, 5, 0);
    assert.deepEqual(csr(h, Csr.TDATA3), [0, 0], 'no textra fields: tdata3 is 0');
    // tselect is WARL: an index past the last trigger leaves it alone.
    writeCsr(h, Csr.TSELECT, 3, 0);
    writeCsr(h, Csr.TSELECT, 4, 0);
    assert.deepEqual(csr(h, Csr.TSELECT), [3, 0]);
    // The last trigger cannot chain.
    writeCsr(h, Csr.TDATA1, CHAIN | S | LOAD, MC6);
    assert.deepEqual(csr(h, Csr.TDATA1), [S | LOAD, MC6]);
  });

  it('an execute trigger raises a breakpoint before the instruction, mtval = pc, and sets hit', () => {
    const h = machine([NOP, LW_A0_0_A1, NOP]);
    trigger(h, 0, M | EXECUTE, MC, BASE + 4);
    assert.deepEqual(trapM(h), [Cause.BREAKPOINT, BASE + 4, BASE + 4]);
    assert.equal(h.x[10 * 2], 0, 'the load did not execute');
    assert.deepEqual(csr(h, Csr.TDATA1), [M | EXECUTE | (1 << 20), MC], 'mcontrol.hit');
    // The trap into M-mode saved mte in mpte and cleared mte; MRET restores it.
    assert.deepEqual(csr(h, Csr.TCONTROL), [1 << 7, 0]);
  });

  it('M-mode triggers stay silent while tcontrol.mte is 0', () => {
    const h = machine([NOP, NOP, 0x0000006f /* j . */]);
    writeCsr(h, Csr.TCONTROL, 0, 0);
    trigger(h, 0, M | EXECUTE, MC, BASE + 4);
    assert.equal(h.run(20), StopReason.BUDGET);
  });

  it('a load trigger fires before the load (any byte of the access), a store trigger before the store', () => {
    const h = machine([LW_A0_0_A1, SW_A2_8_A1, NOP]);
    new DataView(h['mem'].bytes.buffer).setUint32(DATA - BASE, 0xdeadbeef, true);
    trigger(h, 0, M | LOAD, MC6, DATA + 2); // inside the word lw reads
    trigger(h, 1, M | STORE, MC6, DATA + 8);
    assert.deepEqual(trapM(h), [Cause.BREAKPOINT, BASE, DATA]);
    assert.equal(h.x[10 * 2], 0, 'a0 unchanged');
    // The handler skips the load (as rv64mi-p-breakpoint's does): the store traps next.
    writeCsr(h, Csr.TCONTROL, 1 << 3, 0); // what MRET restores from mpte
    h.pcLo = BASE + 4;
    assert.deepEqual(trapM(h), [Cause.BREAKPOINT, BASE + 4, DATA + 8]);
    assert.equal(new DataView(h['mem'].bytes.buffer).getUint32(DATA + 8 - BASE, true), 0, 'the store did not happen');
  });

  it('a store data trigger (select) compares the stored value; an AMO is a load and a store', () => {
    const h = machine([SB_A2_3_A1, SW_A2_8_A1, AMOADD_W]);
    trigger(h, 0, M | STORE | SELECT6, MC6, 0x11223344);
    // sb stores 0x44: no match; sw stores 0x11223344: match, tval = the address.
    assert.deepEqual(trapM(h), [Cause.BREAKPOINT, BASE + 4, DATA + 8]);
    const h2 = machine([AMOADD_W]);
    trigger(h2, 0, M | LOAD, MC6, DATA);
    assert.deepEqual(trapM(h2), [Cause.BREAKPOINT, BASE, DATA]);
  });

  it('a chain of >= and < triggers watches a range; NAPOT covers a power-of-two range', () => {
    // [DATA + 8, DATA + 16): the load at DATA misses, the ld at DATA + 16 misses, the sw at DATA + 8 hits.
    const h = machine([LW_A0_0_A1, LD_A3_16_A1, SW_A2_8_A1]);
    trigger(h, 0, CHAIN | match(2) | M | LOAD | STORE, MC6, DATA + 8);
    trigger(h, 1, match(3) | M | LOAD | STORE, MC6, DATA + 16);
    assert.deepEqual(trapM(h), [Cause.BREAKPOINT, BASE + 8, DATA + 8]);
    // NAPOT: tdata2 = DATA + 16 | 0b0111 is the 16 bytes from DATA + 16.
    const n = machine([LW_A0_0_A1, SW_A2_8_A1, LD_A3_16_A1]);
    trigger(n, 0, match(1) | M | LOAD | STORE, MC6, (DATA + 16) | 7);
    assert.deepEqual(trapM(n), [Cause.BREAKPOINT, BASE + 8, DATA + 16]);
  });

  it('mcontrol6 vs/vu arm a trigger for the guest only; its breakpoint goes to VS through hedeleg', () => {
    // HS-mode (V=0) does not match vs/vu.
    const h = machine([LW_A0_0_A1, NOP, 0x0000006f]);
    h.priv = Priv.S;
    trigger(h, 0, VS | VU | LOAD, MC6, DATA);
    assert.equal(h.run(20), StopReason.BUDGET, 'vs/vu do not match HS-mode');
    // VS-mode: guest code and data at GPA 0x80200000 (Bare vsatp), the handler spins at +0x100.
    const g = guest([LW_A0_0_A1, 0x0000006f /* j . */]);
    trigger(g, 0, S | U | LOAD, MC6, 0x80200800);
    assert.equal(g.run(20), StopReason.BUDGET, 'mcontrol6 s/u do not match VS-mode');
    trigger(g, 0, VS | LOAD, MC6, 0x80200800);
    g.pcLo = 0x80200000 | 0; // the load again, its page now in the TLB
    assert.equal(g.run(20), StopReason.BUDGET);
    assert.equal(g.lo(Slot.VSCAUSE), Cause.BREAKPOINT);
    assert.equal(g.lo(Slot.VSEPC) >>> 0, 0x80200000);
    assert.equal(g.lo(Slot.VSTVAL) >>> 0, 0x80200800);
    assert.equal(g.virt, true, 'taken inside the guest');
  });
});

/** A VS-mode hart whose G-stage maps GPA 0x80200000 (code, data at +0x800, handler `j .` at +0x100). */
function guest(code: number[]): Hart {
  const mem = new PhysMemory(BASE, 2 * 1024 * 1024);
  const alloc = new PageAllocator(mem, BASE, BASE + mem.size);
  const g = new GStage(mem, alloc);
  const page = alloc.allocate();
  code.forEach((w, i) => mem.view.setUint32(page - BASE + 4 * i, w >>> 0, true));
  mem.view.setUint32(page - BASE + 0x100, 0x0000006f, true);
  g.map(0x80200000, page);
  const h = new Hart(0, mem);
  h.reset(0);
  h.hostTraps = true;
  h.priv = Priv.S;
  h.medeleg = 0xf0b7ff;
  h.hedeleg = 1 << Cause.BREAKPOINT;
  const [glo, ghi] = g.hgatp(1);
  h.set(Slot.HGATP, glo, ghi);
  h.set(Slot.VSTVEC, 0x80200100 | 0, 0);
  h.set(Slot.HSTATUS, Hstatus.SPV | Hstatus.SPVP, 2);
  h.set(Slot.MSTATUS, Mstatus.SPP, 0);
  h.set(Slot.SEPC, 0x80200000 | 0, 0);
  h.x[11 * 2] = 0x80200800 | 0;
  h.hostSret();
  return h;
}
