import { strict as assert } from 'node:assert';
import { FdtBuilder } from '../../../hypervisor-core/machine/fdt-builder';
import { parseFdt } from '../../../hypervisor-core/machine/fdt-parser';

describe('FdtBuilder / parseFdt', () => {
  it('round-trips nodes, every property kind and the reservation block', () => {
    const fdt = new FdtBuilder();
    const ph = fdt.allocPhandle();
    assert.equal(ph, 1);
    assert.equal(fdt.allocPhandle(), 2);
    fdt.addReservation(0x80000000, 0x200000);
    fdt.bootCpuidPhys = 1;
    fdt
      .beginNode('')
      .propU32('#address-cells', 2)
      .propString('compatible', 'test')
      .beginNode('node@1000')
      .propU32('phandle', ph)
      .propU64('big', 0x123456789abc)
      .propU32Array('cells', [1, 0xffffffff, 3])
      .propU64Array('reg', [0x1000, 0x100])
      .propStrings('list', ['a', 'bc', ''])
      .propBytes('raw', new Uint8Array([1, 2, 3]))
      .propEmpty('flag')
      .beginNode('child')
      .propString('compatible', 'inner')
      .endNode()
      .endNode()
      .endNode();
    const blob = fdt.finish();
    const view = new DataView(blob.buffer);
    assert.equal(view.getUint32(0), 0xd00dfeed);
    assert.equal(view.getUint32(4), blob.length);
    assert.equal(view.getUint32(20), 17);
    assert.equal(view.getUint32(24), 16);

    const parsed = parseFdt(blob);
    assert.equal(parsed.version, 17);
    assert.equal(parsed.bootCpuidPhys, 1);
    assert.deepEqual(parsed.reservations, [{ address: 0x80000000, size: 0x200000 }]);
    const root = parsed.root;
    assert.equal(root.name, '');
    assert.equal(root.u32('#address-cells'), 2);
    const n = root.find('/node@1000');
    assert.ok(n);
    assert.equal(n.u32('phandle'), 1);
    assert.deepEqual(n.u64s('big'), [0x123456789abc]);
    assert.deepEqual(n.u32s('cells'), [1, 0xffffffff, 3]);
    assert.deepEqual(n.u64s('reg'), [0x1000, 0x100]);
    assert.deepEqual(n.strings('list'), ['a', 'bc', '']);
    assert.deepEqual([...n.props.get('raw')!], [1, 2, 3]);
    assert.equal(n.props.get('flag')!.length, 0);
    assert.equal(root.find('node@1000/child')?.string('compatible'), 'inner');
    assert.equal(root.find('/nope'), undefined);
  });

  it('stores each property name once in the strings block', () => {
    const fdt = new FdtBuilder();
    fdt.beginNode('');
    for (let i = 0; i < 5; i++) fdt.beginNode(`n${i}`).propString('compatible', 'x').endNode();
    fdt.endNode();
    const blob = fdt.finish();
    const view = new DataView(blob.buffer);
    assert.equal(view.getUint32(32), 'compatible\0'.length);
  });

  it('refuses malformed construction', () => {
    assert.throws(() => new FdtBuilder().beginNode('x'), /root/);
    assert.throws(() => new FdtBuilder().beginNode('').finish(), /not closed/);
    assert.throws(() => new FdtBuilder().finish(), /no root/);
    assert.throws(() => new FdtBuilder().propU32('a', 1), /outside any node/);
    assert.throws(() => new FdtBuilder().beginNode('').beginNode('a/b'), /invalid node name/);
    assert.throws(() => new FdtBuilder().beginNode('').propU64('x', 2 ** 53), /out of range/);
  });

  it('rejects corrupt blobs with one-line errors', () => {
    assert.throws(() => parseFdt(new Uint8Array(10)), /bad device tree blob: shorter/);
    assert.throws(() => parseFdt(new Uint8Array(64)), /wrong magic/);
    const blob = new FdtBuilder().beginNode('').endNode().finish();
    assert.throws(() => parseFdt(blob.subarray(0, blob.length - 1)), /exceeds blob length/);
  });
});
