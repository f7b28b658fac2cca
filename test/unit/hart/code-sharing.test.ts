/**
 * Self-modifying code across vCPU threads (memory/code-sharing.ts), deterministic: two harts
 * over two PhysMemory views of one SharedArrayBuffer, as two vCPU threads build them, run in
 * turn on this thread; each view has its own code caches and code-page marks, as each thread
 * has. Hart B caches a function f (predecoded, and translated with translation on), hart A
 * patches f's first instruction, then B executes FENCE.I and calls f again. The Zifencei
 * chapter of the unprivileged spec: once the writer's store is ordered before B's FENCE.I
 * (here it ran before it), B's instruction fetches see it, so the second call adds 2, not 1.
 * A fence after writes elsewhere keeps f's cached code (the point of sharing the marks
 * instead of dropping everything at each fence).
 */
import { strict as assert } from 'node:assert';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { SharedAtomics } from '../../../hypervisor-core/hart/shared-atomics';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';
import { CodeSharing, newCodeSharingBuffers } from '../../../hypervisor-core/memory/code-sharing';

const BASE = 0x80000000;
const SIZE = 1 << 20;
const A0 = 10, RA = 1, T1 = 6, T3 = 28;
/** f, on its own page. */
const F = BASE + 0x1000;
/** Hart A's code. */
const A_CODE = BASE + 0x3000;
/** A data page nobody runs code on. */
const DATA = BASE + 0x5000;

const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const sw = (rs2: number, off: number, rs1: number) => (((off >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | ((off & 0x1f) << 7) | 0x23;
const jalr = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x67;
const FENCE_I = 0x0000100f;
const SPIN = 0x0000006f; // jal x0, 0

/** B: call f, FENCE.I, call f, spin. */
const B_CODE = [jalr(RA, T1, 0), FENCE_I, jalr(RA, T1, 0), SPIN];
/** Instructions B retires up to its FENCE.I: the call, f's two. */
const FIRST_CALL = 3;

interface Pair { a: Hart; b: Hart; memA: PhysMemory; memB: PhysMemory; vm: CodeSharing }

/** Two "threads" over one RAM: A (thread 0) and B (thread 1), translation on or off; `vm` writes as the VM's thread does. */
function pair(jit: boolean): Pair {
  const memA = new PhysMemory(BASE, SIZE, true);
  const ram = memA.sharedBuffer!;
  const memB = new PhysMemory(BASE, SIZE, ram);
  const buffers = newCodeSharingBuffers(SIZE / 4096, 2);
  memA.codeSharing = new CodeSharing(buffers, 0);
  memB.codeSharing = new CodeSharing(buffers, 1);
  const put = (at: number, words: number[]) => words.forEach((w, i) => memA.view.setUint32(at - BASE + 4 * i, w >>> 0, true));
  put(BASE, B_CODE);
  put(F, [addi(A0, A0, 1), jalr(0, RA, 0)]);
  const reservations = new Int32Array(new SharedArrayBuffer(8)).fill(-1);
  const hart = (id: number, mem: PhysMemory, pc: number) => {
    const h = new Hart(id, mem);
    h.setJit(jit);
    if (h.blockCache) h.blockCache.threshold = h.blockCache.straightThreshold = 1;
    h.setSharedAtomics(new SharedAtomics(ram, reservations, id));
    h.reset(pc | 0, 0);
    return h;
  };
  const a = hart(0, memA, A_CODE);
  const b = hart(1, memB, BASE);
  b.x[2 * T1] = F | 0;
  a.x[2 * T1] = F | 0;
  a.x[2 * T3] = addi(A0, A0, 2);
  const vmSide = new CodeSharing(buffers, -1);
  return { a, b, memA, memB, vm: vmSide };
}

/** Hart A's program: `words` at A_CODE, then a spin. */
function program(p: Pair, words: number[]): void {
  [...words, SPIN].forEach((w, i) => p.memA.view.setUint32(A_CODE - BASE + 4 * i, w >>> 0, true));
}

/** Whether hart `h`'s current write TLB maps the page of `va`. */
function writeMapped(h: Hart, va: number): boolean {
  const w = h.tlbSet().write, i = (va >>> 12) & (w.tagLo.length - 1);
  return w.tagLo[i] === (va & ~0xfff) && w.tagHi[i] === 0;
}

/** B's a0 after its second call. */
function finish(p: Pair): number {
  p.b.run(100);
  assert.equal(p.b.pcLo >>> 0, BASE + 12, 'B ends at its spin');
  return p.b.x[2 * A0];
}

describe('hart: code written by another vCPU thread', () => {
  for (const jit of [false, true]) {
    describe(jit ? 'translation on' : 'interpreter', () => {
      it('a store through the slow path, then FENCE.I on the hart that cached the code: the new instruction runs (a0 = 1 + 2)', () => {
        const p = pair(jit);
        program(p, [sw(T3, 0, T1)]);
        p.b.run(FIRST_CALL);
        assert.equal(p.b.x[2 * A0], 1);
        p.a.run(1);
        assert.equal(finish(p), 3);
        assert.equal(p.memB.codeSharing!.counters.written, 1, 'dropped as written');
        assert.equal(p.memB.codeSharing!.counters.unconfirmed, 0);
      });

      it('a store through a write-TLB entry A filled before B read the code, A not between slices since: B\'s FENCE.I still drops f (a0 = 1 + 2)', () => {
        const p = pair(jit);
        program(p, [sw(0, 0x7f0, T1), sw(T3, 0, T1)]);
        p.a.run(1); // fills A's write entry for f's page
        p.b.run(FIRST_CALL); // B claims the page and caches f
        p.a.run(1); // the patch, through the old entry: no mark yet
        assert.equal(finish(p), 3);
        // f's page and B's own code page: claimed, their drops not done.
        assert.equal(p.memB.codeSharing!.counters.unconfirmed, 2, 'dropped as claimed with the drops not done');
      });

      it('the same, A doing its drops after the patch (as its thread does between slices): the dropped entry marks the page (a0 = 1 + 2)', () => {
        const p = pair(jit);
        program(p, [sw(0, 0x7f0, T1), sw(T3, 0, T1)]);
        p.a.run(1);
        p.b.run(FIRST_CALL);
        p.a.run(1);
        p.memA.processCodeDrops();
        assert.equal(finish(p), 3);
        assert.equal(p.memB.codeSharing!.counters.written, 1, 'dropped as written');
        assert.equal(p.memB.codeSharing!.counters.unconfirmed, 0);
      });

      it('A doing its drops before the patch: its entry is gone, the store takes the slow path and marks the page (a0 = 1 + 2)', () => {
        const p = pair(jit);
        program(p, [sw(0, 0x7f0, T1), sw(T3, 0, T1)]);
        p.a.run(1);
        p.b.run(FIRST_CALL);
        assert.equal(writeMapped(p.a, F), true);
        p.memA.processCodeDrops();
        assert.equal(writeMapped(p.a, F), false, 'A\'s write TLB no longer maps f\'s page');
        p.a.run(1);
        assert.equal(writeMapped(p.a, F), false, 'nor after a store to it');
        assert.equal(finish(p), 3);
      });

      it('a host write (the VM\'s thread: DMA, a debugger) to f, then FENCE.I: the new instruction runs (a0 = 1 + 2)', () => {
        const p = pair(jit);
        p.b.run(FIRST_CALL);
        p.memA.processCodeDrops();
        p.memA.view.setUint32(F - BASE, addi(A0, A0, 2), true);
        p.vm.written((F - BASE) >>> 12); // as PhysMemory.noteWrite does after a host write
        assert.equal(finish(p), 3);
      });

      it('writes to another page, then FENCE.I: f\'s cached code stays (no flush, nothing dropped) and runs as before (a0 = 1 + 1)', () => {
        const p = pair(jit);
        p.a.x[2 * T1] = DATA | 0;
        program(p, [sw(T3, 0, T1), sw(T3, 8, T1)]);
        p.b.run(FIRST_CALL);
        p.memA.processCodeDrops();
        p.a.run(2);
        const pd = { ...p.b.predecode.counters };
        assert.equal(finish(p), 2);
        assert.equal(p.b.predecode.counters.flushes, 0);
        assert.equal(p.b.predecode.counters.invalidated, pd.invalidated, 'f\'s decoded instructions kept');
        assert.equal(p.b.blockCache?.counters.flushes ?? 0, 0);
        assert.equal(p.memB.codeSharing!.counters.syncs, 1);
      });
    });
  }

  it('a memory without code sharing (one thread with shared atomics) still drops everything at FENCE.I', () => {
    const p = pair(false);
    p.memB.codeSharing = null;
    p.b.run(FIRST_CALL);
    p.b.run(100);
    assert.equal(p.b.predecode.counters.flushes, 1);
  });

  it('a hart on the VM\'s own thread (a writer in the marks, owning no code) still drops everything at FENCE.I', () => {
    const p = pair(false);
    p.memB.codeSharing = p.vm;
    p.b.run(FIRST_CALL);
    p.b.run(100);
    assert.equal(p.b.predecode.counters.flushes, 1);
  });
});
