/**
 * RAM, registers and TLBs in one WebAssembly.Memory (memory/hart-area.ts): RAM at byte 0,
 * one area per hart after it; every hart's `x` and TLB arrays inside its own area, no two
 * overlapping, areas reused by index; `bytes` and `view` exactly RAM; plain buffers when
 * there is no room under 4 GiB or no WebAssembly.
 */
import { strict as assert } from 'node:assert';
import { HART_AREA_BYTES, WASM_MAX_BYTES, WASM_PAGE, areasAt, interpreterAreaBytes, wasmPagesFor } from '../../../hypervisor-core/memory/hart-area';
import { PhysMemory } from '../../../hypervisor-core/memory/phys-memory';
import { Hart } from '../../../hypervisor-core/hart/hart';
import { Vm } from '../../../hypervisor-core/hypervisor/vm';
import { JIT_DEFAULTS } from '../../../hypervisor-core/hart/jit/block-cache';
import { comparable, ROOT, runGuest } from '../../guests/guest-runner';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const BASE = 0x80000000;
const MiB = 1024 * 1024;

/** Every typed array of a hart that must live in its area: x, then the 144 TLB arrays. */
function hartArrays(h: Hart): Int32Array[] {
  const tlbs = (h as unknown as { tlbs: { allSets(): { read: TlbLike; write: TlbLike; fetch: TlbLike }[] } }).tlbs;
  const out: Int32Array[] = [h.x];
  for (const s of tlbs.allSets()) for (const t of [s.read, s.write, s.fetch]) out.push(t.tagLo, t.tagHi, t.off);
  return out;
}
interface TlbLike { tagLo: Int32Array; tagHi: Int32Array; off: Int32Array }

/** [start, end) byte ranges of arrays, sorted; asserts that none overlaps the next. */
function assertDisjoint(arrays: Int32Array[]): [number, number][] {
  const r = arrays.map((a): [number, number] => [a.byteOffset, a.byteOffset + a.byteLength]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < r.length; i++) assert.ok(r[i - 1][1] <= r[i][0], `ranges ${r[i - 1]} and ${r[i]} overlap`);
  return r;
}

describe('Hart areas in a WebAssembly.Memory', () => {
  it('puts RAM at byte 0 and the areas after it on a 64 KiB boundary; bytes and view are exactly RAM', () => {
    const size = 3 * MiB + 4096; // not a multiple of 64 KiB: the areas start at the next boundary
    const mem = new PhysMemory(BASE, size, false, 3);
    assert.ok(mem.wasm, 'a WebAssembly.Memory');
    assert.equal(mem.hartAreas, 3);
    // Then the interpreter area (a memory of one thread).
    assert.equal(mem.wasm.buffer.byteLength, areasAt(size) + 3 * HART_AREA_BYTES + interpreterAreaBytes(size));
    assert.equal(areasAt(size), 3 * MiB + WASM_PAGE);
    assert.equal(mem.bytes.buffer, mem.wasm.buffer);
    assert.equal(mem.bytes.byteOffset, 0);
    assert.equal(mem.bytes.byteLength, size);
    assert.equal(mem.view.byteOffset, 0);
    assert.equal(mem.view.byteLength, size);
    assert.throws(() => mem.read(BASE + size - 4, 8), RangeError, 'RAM ends at size, not at the buffer end');
  });

  it('gives each hart its own area: x and all 144 TLB arrays inside it, none overlapping, x 8-byte aligned', () => {
    const size = 4 * MiB;
    const mem = new PhysMemory(BASE, size, false, 2);
    const harts = [new Hart(0, mem), new Hart(1, mem)];
    const all: Int32Array[] = [];
    for (const h of harts) {
      assert.ok(h.wasmReady, `hart ${h.hartId} wasmReady`);
      assert.ok(h.area);
      const start = areasAt(size) + h.hartId * HART_AREA_BYTES;
      assert.equal(h.area.offset, start);
      const arrays = hartArrays(h);
      assert.equal(arrays.length, 1 + 16 * 3 * 3);
      for (const a of arrays) {
        assert.equal(a.buffer, mem.wasm!.buffer);
        assert.ok(a.byteOffset >= start && a.byteOffset + a.byteLength <= start + HART_AREA_BYTES, 'inside the area');
        assert.equal(a.byteOffset % 8, 0);
      }
      assert.equal(h.x.length, 64);
      all.push(...arrays);
      // The TLB arrays come first, x last (the layout hart-area.ts describes), a cache line apart.
      assert.equal(h.x.byteOffset, start + 16 * 3 * 3 * (4096 * 4 + 64));
      // The three arrays of one TLB do not start at the same offset in a 4 KiB page (one L1 set).
      const t = arrays.slice(1, 4).map((a) => a.byteOffset % 4096);
      assert.equal(new Set(t).size, 3);
      assert.ok(h.area.bytesUsed <= HART_AREA_BYTES);
    }
    const ranges = assertDisjoint(all);
    assert.ok(ranges[0][0] >= size, 'no array inside RAM');
  });

  it('starts a hart in an area from its reset state: TLB tags invalid, registers zero', () => {
    const mem = new PhysMemory(BASE, 1 * MiB, false, 1);
    const h = new Hart(0, mem);
    for (const t of hartArrays(h).slice(1).filter((_, i) => i % 3 === 0)) assert.ok(t.every((v) => v === 1), 'tagLo all invalid (odd)');
    assert.ok(h.x.every((v) => v === 0));
  });

  it('reuses an area by index: a new view of the same memory hands out the same bytes, cleared', () => {
    const mem = new PhysMemory(BASE, 1 * MiB, false, 1);
    const first = new Hart(0, mem);
    first.x.fill(0x55);
    hartArrays(first)[2].fill(0x77); // a tagHi
    // Another thread's view (a vCPU thread builds its own PhysMemory over the VM's memory).
    const again = new PhysMemory(BASE, 1 * MiB, mem.wasm!);
    assert.equal(again.hartAreas, 1);
    const second = new Hart(0, again);
    assert.ok(second.wasmReady);
    assert.equal(second.x.byteOffset, first.x.byteOffset);
    assert.ok(second.x.every((v) => v === 0));
    assert.ok(hartArrays(second)[2].every((v) => v === 0));
  });

  it('hands out the areas of a memory it just made as they are (zero), and clears those of a memory made elsewhere', () => {
    const mem = new PhysMemory(BASE, 1 * MiB, false, 2);
    assert.equal(mem.claimHartArea(0)?.zeroed, true);
    const view = new PhysMemory(BASE, 1 * MiB, mem.wasm!);
    assert.equal(view.claimHartArea(1)?.zeroed, false, 'another view cannot know the bytes are untouched');
    assert.equal(new PhysMemory(BASE, 1 * MiB, true, 1).claimHartArea(0)?.zeroed, true, 'a shared memory just made');
  });

  it('keeps plain arrays when the area is taken, absent or there is no WebAssembly.Memory', () => {
    const mem = new PhysMemory(BASE, 1 * MiB, false, 1);
    assert.ok(new Hart(0, mem).wasmReady);
    const twice = new Hart(0, mem);
    assert.equal(twice.wasmReady, false, 'one object hands out an area once');
    assert.equal(twice.area, null);
    assert.notEqual(twice.x.buffer, mem.wasm!.buffer);
    assert.equal(new Hart(1, mem).wasmReady, false, 'only one area');
    const plain = new PhysMemory(BASE, 1 * MiB);
    assert.equal(plain.wasm, null);
    assert.equal(plain.hartAreas, 0);
    assert.equal(plain.bytes.buffer.byteLength, 1 * MiB);
    assert.equal(new Hart(0, plain).wasmReady, false);
  });

  it('falls back to a plain buffer past 4 GiB or without WebAssembly', () => {
    // 4 GiB of wasm32 memory: 65536 pages.
    assert.equal(WASM_MAX_BYTES, 4 * 1024 * MiB);
    assert.equal(wasmPagesFor(2048 * MiB, 32), (2048 * MiB + 32 * HART_AREA_BYTES) / WASM_PAGE);
    assert.equal(wasmPagesFor(WASM_MAX_BYTES - HART_AREA_BYTES, 1), 65536, 'exactly 4 GiB fits');
    assert.equal(wasmPagesFor(WASM_MAX_BYTES - HART_AREA_BYTES + 4096, 1), 0, 'one page more does not');
    assert.equal(wasmPagesFor(WASM_MAX_BYTES - 4096, 0), 65536);
    const g = globalThis as { WebAssembly?: unknown };
    const saved = g.WebAssembly;
    g.WebAssembly = undefined;
    try {
      const mem = new PhysMemory(BASE, 1 * MiB, false, 4);
      assert.equal(mem.wasm, null);
      assert.equal(mem.bytes.buffer.byteLength, 1 * MiB);
      assert.equal(new Hart(0, mem).wasmReady, false);
    } finally {
      g.WebAssembly = saved;
    }
  });

  it('backs a shared memory with a shared WebAssembly.Memory whose buffer is a SharedArrayBuffer', () => {
    const mem = new PhysMemory(BASE, 1 * MiB, true, 2);
    assert.ok(mem.wasm);
    assert.ok(mem.sharedBuffer instanceof SharedArrayBuffer);
    assert.equal(mem.sharedBuffer, mem.wasm.buffer);
    assert.ok(new Hart(1, mem).wasmReady);
  });

  it('gives a VM one area per vCPU and every vCPU hart its own', () => {
    const vm = new Vm({ vcpus: 3, memory: 8 * MiB, clock: 'icount', console: () => undefined });
    assert.ok(vm.host.wasm);
    assert.equal(vm.host.hartAreas, 3);
    const all: Int32Array[] = [];
    for (const v of vm.vcpus) {
      assert.ok(v.hart.wasmReady);
      all.push(...hartArrays(v.hart));
    }
    assertDisjoint(all);
  });

  it('lets a VM whose harts all live in the memory run WebAssembly regions when they are asked for (hello prints what QEMU prints)', () => {
    const saved = { ...JIT_DEFAULTS };
    try {
      JIT_DEFAULTS.backend = 'wasm';
      JIT_DEFAULTS.threshold = 1; // translate every block it can, as the differential tests do
      const r = runGuest('samples/hello/hello.elf');
      const cache = r.vm.vcpus[0].hart.blockCache!;
      assert.equal(cache.backend, 'wasm');
      assert.ok(cache.counters.insns > 0, 'instructions ran in WebAssembly regions');
      assert.deepEqual(r.stop, { kind: 'shutdown', failure: false }, r.output);
      assert.equal(comparable(r.output), comparable(readFileSync(path.join(ROOT, 'samples/hello/expected.txt'), 'utf8')));
    } finally {
      Object.assign(JIT_DEFAULTS, saved);
    }
  });
});
