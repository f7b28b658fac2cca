/** Display walks: the tree of valid entries (sign-extended VAs, x4 roots, the leaf cap) and one-address walks. */
import { strict as assert } from 'node:assert';
import { dumpTables, formatOf, listTable, walkAddress, flagColumns } from '../../../hypervisor-core/debug/page-tables';

/** A sparse memory of PTEs. */
function memory(ptes: [bigint, bigint][]): (a: bigint) => bigint | undefined {
  const m = new Map(ptes.map(([a, v]) => [a, v]));
  return (a) => (a >= 0x1000n && a < 0x100000n ? m.get(a) ?? 0n : undefined);
}
const pte = (pa: bigint, flags: bigint) => ((pa >> 12n) << 10n) | flags;

describe('debug page tables', () => {
  it('decodes vsatp/hgatp modes', () => {
    assert.equal(formatOf('vs', 8n << 60n | 0x5n).format.mode, 'sv39');
    assert.equal(formatOf('vs', 8n << 60n | 0x5n).root, 0x5000n);
    assert.equal(formatOf('g', 9n << 60n | 0x7n).format.mode, 'sv48x4');
    assert.equal(formatOf('g', 9n << 60n | 0x7n).root, 0x4000n); // 16 KiB aligned
    assert.equal(formatOf('g', 0n).format.mode, 'bare');
    assert.throws(() => formatOf('vs', 10n << 60n), /unsupported vsatp mode 10/);
  });

  it('lists valid entries with sign-extended VAs and stops at the leaf cap', () => {
    // Sv39 root at 0x1000: entry 511 -> table 0x2000 whose entries 0 and 1 are 2 MiB leaves; entry 1 is a 1 GiB leaf.
    const read = memory([
      [0x1000n + 511n * 8n, pte(0x2000n, 1n)], [0x1000n + 8n, pte(0x40000000n, 0xcfn)],
      [0x2000n, pte(0x200000n, 0x4bn)], [0x2008n, pte(0x400000n, 0x43n)],
    ]);
    const { format, root } = formatOf('vs', 8n << 60n | 1n);
    const d = dumpTables('vs', format, root, read);
    assert.equal(d.leaves, 3);
    assert.deepEqual(d.entries.map((e) => [e.index, e.va, e.children?.length]), [[1, 0x40000000n, undefined], [511, undefined, 2]]);
    assert.deepEqual(d.entries[1].children!.map((e) => [e.va, e.target, e.flags]), [
      [0xffffffffc0000000n, 0x200000n, 'VR-X--A-'], [0xffffffffc0200000n, 0x400000n, 'VR----A-'],
    ]);
    const capped = dumpTables('vs', format, root, read, 2);
    assert.equal(capped.truncated, true);
    assert.equal(capped.leaves, 2);
    assert.equal(flagColumns(0xffn), 'VRWXUGAD');
  });

  it('lists one table without descending: pointers carry the base of their next table, leaves their sign-extended VA', () => {
    const read = memory([
      [0x1000n + 511n * 8n, pte(0x2000n, 1n)], [0x1000n + 8n, pte(0x40000000n, 0xcfn)],
      [0x2000n, pte(0x200000n, 0x4bn)], [0x2008n, pte(0x400000n, 0x43n)],
    ]);
    const { format, root } = formatOf('vs', 8n << 60n | 1n);
    const top = listTable(format, root, 2, 0n, read);
    // Sv39: root entry 511 maps from 511 << 30 = 0x7fc0000000 (before sign extension, privileged spec 4.4.1).
    assert.deepEqual(top.map((e) => [e.index, e.va, e.base, e.target, e.children]), [
      [1, 0x40000000n, undefined, 0x40000000n, undefined], [511, undefined, 0x7fc0000000n, 0x2000n, undefined],
    ]);
    const next = listTable(format, top[1].target, 1, top[1].base!, read);
    assert.deepEqual(next.map((e) => [e.pteAddress, e.va]), [[0x2000n, 0xffffffffc0000000n], [0x2008n, 0xffffffffc0200000n]]);
    assert.deepEqual(listTable(format, 0x200000n, 1, 0n, read), [], 'a table outside memory lists nothing');
    assert.deepEqual(listTable(format, root, 3, 0n, read), [], 'no such level');
    // Sv39x4: the root has 2048 entries (H extension 9.5.1); entry 2047 maps GPA 2047 << 30, not sign-extended.
    const g = formatOf('g', 8n << 60n | 4n);
    const gread = memory([[0x4000n + 2047n * 8n, pte(0x80000000n, 0xcfn)]]);
    assert.deepEqual(listTable(g.format, g.root, 2, 0n, gread).map((e) => [e.index, e.va]), [[2047, 2047n << 30n]]);
  });

  it('walks one address, with faults for invalid and non-canonical ones', () => {
    const read = memory([[0x1000n + 511n * 8n, pte(0x2000n, 1n)], [0x2008n, pte(0x400000n, 0x43n)]]);
    const { format, root } = formatOf('vs', 8n << 60n | 1n);
    const w = walkAddress(format, root, read, 0xffffffffc0212345n);
    assert.equal(w.output, 0x412345n);
    assert.deepEqual(w.steps.map((s) => [s.level, s.pteAddress, s.flags]), [[2, 0x1ff8n, 'V'], [1, 0x2008n, 'VRA']]);
    assert.match(walkAddress(format, root, read, 0x1000n).fault ?? '', /invalid PTE at level 2/);
    assert.match(walkAddress(format, root, read, 0x8000000000n).fault ?? '', /not canonical/);
    const g = formatOf('g', 8n << 60n | 4n);
    assert.match(walkAddress(g.format, g.root, read, 1n << 41n).fault ?? '', /beyond the 41 bits/);
  });
});
